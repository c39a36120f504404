#!/usr/bin/env node
// Checks the agent workspace's download against its budget (< 250 KiB gzipped): every built
// script and style sheet except the customer-only chunk and the manager-only chunk (the manager
// pages with the charting library, loaded lazily when a manager opens one). The manager chunk
// is reported on its own, with its own budget (150 KiB gzipped).
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const BUDGET = 250 * 1024;
const MANAGER_BUDGET = 150 * 1024;
const dir = resolve(dirname(fileURLToPath(import.meta.url)), "../dist/assets");
let total = 0;
let manager = 0;
for (const f of readdirSync(dir).filter((f) => /\.(js|css)$/.test(f) && !f.startsWith("public-"))) {
  const gz = gzipSync(readFileSync(join(dir, f)), { level: 9 }).length;
  const isManager = f.startsWith("manage-");
  if (isManager) manager += gz;
  else total += gz;
  console.log(`${f.padEnd(32)} ${(gz / 1024).toFixed(1).padStart(7)} KiB gz${isManager ? "  (manager pages, lazy)" : ""}`);
}
console.log(`agent workspace: ${(total / 1024).toFixed(1)} KiB gzipped (budget ${BUDGET / 1024} KiB)`);
console.log(`manager chunk:   ${(manager / 1024).toFixed(1)} KiB gzipped, loaded on top for managers (budget ${MANAGER_BUDGET / 1024} KiB)`);
if (manager === 0) {
  console.error("no manager chunk (manage-*.js) found: was the lazy import renamed?");
  process.exit(1);
}
if (total > BUDGET || manager > MANAGER_BUDGET) {
  console.error("over budget");
  process.exit(1);
}
