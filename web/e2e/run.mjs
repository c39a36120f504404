#!/usr/bin/env node
// End-to-end tests of the web UI in a real headless Chromium (Debian's), against the real
// `helpdesk` binary on a temporary SQLite database. No test-runner download needed:
//
//   HELPDESK_BIN=../target/debug/helpdesk node e2e/run.mjs
//
// Env: HELPDESK_BIN (default ../target/debug/helpdesk), CHROMIUM (default /usr/bin/chromium),
// HELPDESK_WEB_DIR (serve the UI from a folder; unset = the UI embedded in the binary).
// Screenshots of every page at 1366x768 and 390x844 go to e2e/artifacts/; the form, queue and
// ticket view (laptop) are copied to ../docs/screenshots/. Prints "N passed, M failed" last
// and exits non-zero on any failure.

import { spawn } from "node:child_process";
import { copyFileSync, createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const webDir = resolve(here, "..");
const bin = resolve(webDir, process.env.HELPDESK_BIN ?? "../target/debug/helpdesk");
const artifacts = join(here, "artifacts");
const docsShots = resolve(webDir, "../docs/screenshots");
const ADMIN = { email: "admin@e2e.test", password: "admin-password-123" };
const AGENT = { email: "agent@e2e.test", password: "agent-password-123", name: "Ayu Agent" };
const MANAGER = { email: "manager@demo.helpdesk.test", password: "demo-password-123" }; // from `helpdesk demo`
const LAPTOP = { width: 1366, height: 768 };
const PHONE = { width: 390, height: 844 };
const T = 15_000;

mkdirSync(artifacts, { recursive: true });
const tmp = mkdtempSync(join(tmpdir(), "hd-e2e-"));
let server;
let browser;

function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once("error", rej);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

function serverEnv(port) {
  return {
    ...process.env,
    HELPDESK_DATABASE_URL: `sqlite://${join(tmp, "hd.db")}?mode=rwc`,
    HELPDESK_BIND: `127.0.0.1:${port}`,
    HELPDESK_ADMIN_EMAIL: ADMIN.email,
    HELPDESK_ADMIN_PASSWORD: ADMIN.password,
    HELPDESK_RATE_LIMIT_PUBLIC: "0",
    HELPDESK_RATE_LIMIT_LOGIN: "0",
    HELPDESK_SLA_SCAN_INTERVAL: "1",
    RUST_LOG: process.env.RUST_LOG ?? "info,sqlx=warn",
  };
}

/** Loads the demo data set (agents, a manager, tickets over several weeks) into the temporary
 * database with `helpdesk demo`, before the server starts. */
function loadDemo() {
  return new Promise((res, rej) => {
    const p = spawn(bin, ["demo", "--tickets", "600"], { env: serverEnv(0), stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    p.stdout.on("data", (d) => (out += d));
    p.stderr.on("data", (d) => (out += d));
    p.once("error", rej);
    p.once("exit", (code) => (code === 0 ? res(out) : rej(new Error(`helpdesk demo failed (${code}): ${out}`))));
  });
}

async function startServer() {
  const port = await freePort();
  const env = serverEnv(port);
  const log = createWriteStream(join(artifacts, "server.log"));
  server = spawn(bin, ["serve"], { env, stdio: ["ignore", "pipe", "pipe"] });
  server.stdout.pipe(log);
  server.stderr.pipe(log);
  const exited = new Promise((_, rej) =>
    server.once("exit", (code) => rej(new Error(`helpdesk exited early (code ${code}); see e2e/artifacts/server.log`))),
  );
  server.once("error", (e) => console.error(`cannot start ${bin}: ${e.message}`));
  const base = `http://127.0.0.1:${port}`;
  const ready = (async () => {
    for (let i = 0; i < 300; i++) {
      try {
        if ((await fetch(`${base}/readyz`)).ok) return base;
      } catch {
        // Not listening yet.
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error("helpdesk did not become ready within 60 s");
  })();
  return Promise.race([ready, exited]);
}

async function api(base, path, { method = "GET", token, body, headers = {} } = {}) {
  const res = await fetch(base + path, {
    method,
    headers: {
      ...(body !== undefined ? { "content-type": "application/json" } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

// ---- a tiny test harness ----

const results = [];
let stopFlow = false;

async function test(name, fn, { flow = true } = {}) {
  if (flow && stopFlow) {
    results.push({ name, ok: false, error: "not run: an earlier step of the flow failed" });
    console.log(`  SKIP ${name}`);
    return;
  }
  const started = Date.now();
  try {
    await fn();
    results.push({ name, ok: true });
    console.log(`  ok   ${name} (${Date.now() - started} ms)`);
  } catch (e) {
    results.push({ name, ok: false, error: e?.stack ?? String(e) });
    console.log(`  FAIL ${name}\n${String(e?.stack ?? e).replace(/^/gm, "       ")}`);
    if (flow) stopFlow = true;
  }
}

function assert(cond, msg) {
  if (!cond) throw new Error(`assertion failed: ${msg}`);
}

const shotsTaken = [];

/** Screenshots the page at laptop and phone width and checks the phone layout does not
 * scroll sideways. */
async function shoot(page, name) {
  const size = page.viewportSize();
  await page.setViewportSize(LAPTOP);
  await page.waitForTimeout(150);
  await page.screenshot({ path: join(artifacts, `${name}-laptop.png`), fullPage: true });
  await page.setViewportSize(PHONE);
  await page.waitForTimeout(150);
  await page.screenshot({ path: join(artifacts, `${name}-phone.png`), fullPage: true });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert(overflow <= 1, `${name}: the page is ${overflow}px wider than a 390px phone screen`);
  await page.setViewportSize(size ?? LAPTOP);
  shotsTaken.push(name);
}

function watchErrors(page, label) {
  page.on("pageerror", (e) => console.log(`  [${label}] page error: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") console.log(`  [${label}] console: ${m.text()}`);
  });
}

// ---- the tests ----

async function main() {
  console.log(`helpdesk: ${bin}`);
  await loadDemo();
  const base = await startServer();
  console.log(`server:   ${base} (database in ${tmp})`);

  const html = await (await fetch(`${base}/`)).text();
  assert(html.includes('id="root"'), "the binary serves the web UI at / (was it built without npm?)");

  // Set-up through the API: an agent, and SLA policies whose targets are easy to see.
  const admin = await api(base, "/api/v1/auth/login", { method: "POST", body: ADMIN });
  const agentUser = await api(base, "/api/v1/users", {
    method: "POST",
    token: admin.access_token,
    body: { ...AGENT, role: "agent" },
  });
  const policy = (name, priority, first, hours = "calendar") => ({
    name,
    priority,
    tier: null,
    first_response_s: first,
    next_response_s: first,
    resolution_s: first * 12,
    hours,
    warn_at_pct: 50,
  });
  await api(base, "/api/v1/sla-policies", {
    method: "PUT",
    token: admin.access_token,
    body: {
      policies: [
        policy("Urgent", "urgent", 4),
        policy("High", "high", 3600),
        policy("Normal", "normal", 4 * 3600),
        policy("Low", "low", 8 * 3600),
      ],
    },
  });

  // A few other tickets, so the queue looks like a queue.
  const others = [
    ["Dewi Lestari", "Paket tidak datang", "Pesanan 7781 belum sampai padahal sudah seminggu.", "delivery", "high"],
    ["James Tan", "Charged twice for order 4410", "My card was charged twice for the same order.", "billing", "urgent"],
    ["Putri Halim", "Tidak bisa masuk akun", "Aplikasi error saat login sejak kemarin.", "account", "normal"],
    ["Grace Lim", "Voucher code not working", "The code SAVE10 says it has expired.", "voucher", "low"],
  ];
  for (const [name, subj, body, category, priority] of others) {
    const email = `${name.toLowerCase().replace(/\W+/g, ".")}@example.com`;
    const s = await api(base, "/api/v1/public/tickets", { method: "POST", body: { name, email, subject: subj, body, category } });
    const found = await api(base, `/api/v1/tickets?q=${s.reference}`, { token: admin.access_token });
    const patch = priority === "normal" ? { assignee_id: agentUser.id } : { priority };
    await api(base, `/api/v1/tickets/${found.items[0].id}`, { method: "PATCH", token: admin.access_token, body: patch });
  }

  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    // playwright starts Chromium with a fresh, empty --user-data-dir of its own.
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  const newPage = async (label, locale = "en-US") => {
    const ctx = await browser.newContext({ viewport: LAPTOP, locale, timezoneId: "Asia/Jakarta" });
    await ctx.grantPermissions(["clipboard-read", "clipboard-write"], { origin: base });
    const page = await ctx.newPage();
    page.setDefaultTimeout(T);
    watchErrors(page, label);
    return page;
  };

  const customer = await newPage("customer");
  const agent = await newPage("agent");
  const subject = "Refund not received for order 5521";
  let reference = "";
  let privateLink = "";
  let ticketId = 0;

  console.log("tests:");

  await test(
    "a validation error shows next to its field",
    async () => {
      await customer.goto(`${base}/`);
      await customer.getByLabel("Your name").fill("Siti Rahma");
      await customer.getByLabel("E-mail").fill("siti@example");
      await customer.getByRole("button", { name: "Send complaint" }).click();
      const email = customer.getByLabel("E-mail");
      await email.waitFor();
      assert((await email.getAttribute("aria-invalid")) === "true", "e-mail marked invalid");
      const describedBy = (await email.getAttribute("aria-describedby")) ?? "";
      const errId = describedBy.split(" ").find((id) => id.endsWith("-error"));
      assert(errId, "e-mail described by its error");
      const text = await customer.locator(`[id="${errId}"]`).innerText();
      assert(/valid e-mail/i.test(text), `e-mail error text: ${text}`);
      assert(
        (await customer.getByLabel("Subject").getAttribute("aria-invalid")) === "true",
        "empty subject is flagged too",
      );
      assert((await customer.getByLabel("Your name").getAttribute("aria-invalid")) === null, "a good name is not flagged");
      await shoot(customer, "form-validation");
    },
    { flow: false },
  );

  await test(
    "the language switch shows Indonesian, and an Indonesian browser gets it by default",
    async () => {
      await customer.goto(`${base}/`);
      await customer.getByLabel("Language").selectOption("id");
      await customer.getByRole("heading", { name: "Ceritakan masalah Anda" }).waitFor();
      assert((await customer.locator("html").getAttribute("lang")) === "id", "html lang=id");
      await customer.getByRole("button", { name: "Kirim keluhan" }).waitFor();
      await shoot(customer, "form-id");
      await customer.getByLabel("Bahasa").selectOption("en");
      await customer.getByRole("heading", { name: "Tell us what went wrong" }).waitFor();
      const indo = await newPage("indonesian", "id-ID");
      await indo.goto(`${base}/`);
      await indo.getByRole("heading", { name: "Ceritakan masalah Anda" }).waitFor();
      await indo.context().close();
    },
    { flow: false },
  );

  await test("a customer submits a complaint and sees the thank-you page", async () => {
    await customer.goto(`${base}/`);
    await customer.getByLabel("Your name").fill("Siti Rahma");
    await customer.getByLabel("E-mail").fill("siti.rahma@example.com");
    await customer.getByLabel("Subject").fill(subject);
    await customer.getByLabel("Topic").selectOption("refund");
    await customer
      .getByLabel("What happened?")
      .fill("I returned order 5521 two weeks ago.\nThe refund has still not arrived. <b>not bold</b>");
    await shoot(customer, "form");
    await customer.getByRole("button", { name: "Send complaint" }).click();
    await customer.waitForURL(/\/thanks$/);
    await customer.getByRole("heading", { name: /Thank you/ }).waitFor();
    reference = (await customer.getByTestId("reference").innerText()).trim();
    assert(/^HD-\d+$/.test(reference), `reference looks like HD-n: ${reference}`);
    privateLink = await customer.getByLabel("Private link").inputValue();
    assert(privateLink.startsWith(`${base}/t/${reference}#`), `private link carries the token in the fragment: ${privateLink}`);
    await customer.getByRole("button", { name: "Copy link" }).click();
    await customer.getByRole("button", { name: "Copied" }).waitFor();
    const clip = await customer.evaluate(() => navigator.clipboard.readText());
    assert(clip === privateLink, "the copied text is the private link");
    await shoot(customer, "thank-you");
  });

  await test("a lost answer and a second submit give the same ticket (Idempotency-Key)", async () => {
    const page = await newPage("retry");
    const retrySubject = "Voucher code rejected at checkout";
    await page.goto(`${base}/`);
    await page.getByLabel("Your name").fill("Budi Retry");
    await page.getByLabel("E-mail").fill("budi.retry@example.com");
    await page.getByLabel("Subject").fill(retrySubject);
    await page.getByLabel("What happened?").fill("The voucher code says it expired but it should be valid.");
    // The first request reaches the server, but its answer is lost on the way back.
    let keys = [];
    await page.route("**/api/v1/public/tickets", async (route) => {
      keys.push(route.request().headers()["idempotency-key"]);
      if (keys.length === 1) {
        await route.fetch();
        await route.abort("connectionreset");
      } else {
        await route.continue();
      }
    });
    await page.getByRole("button", { name: "Send complaint" }).click();
    await page.getByRole("alert").filter({ hasText: "cannot be reached" }).waitFor();
    await page.getByRole("button", { name: "Send complaint" }).click();
    await page.waitForURL(/\/thanks$/);
    assert(keys.length === 2 && keys[0] && keys[0] === keys[1], `both attempts sent one key: ${keys}`);
    const found = await api(base, `/api/v1/tickets?q=${encodeURIComponent(retrySubject)}`, {
      token: admin.access_token,
    });
    const same = found.items.filter((t) => t.subject === retrySubject);
    assert(same.length === 1, `exactly one ticket for the retried submission, got ${same.length}`);
    await page.context().close();
  }, { flow: false });

  await test("the private link shows the ticket, with when to expect an answer", async () => {
    await customer.goto(privateLink);
    await customer.getByRole("heading", { name: subject }).waitFor();
    const status = await customer.getByTestId("public-status").innerText();
    assert(/Received/.test(status), `status in plain words: ${status}`);
    const body = await customer.locator(".msg__body").first().innerText();
    assert(body.includes("<b>not bold</b>"), "customer text is shown as text, not HTML");
    // A new ticket has a first-response target (the "Normal" policy: 4 hours), so the page
    // says when to expect an answer, in words.
    const expect = customer.getByTestId("expected-reply");
    await expect.waitFor();
    const expectText = await expect.innerText();
    assert(/^We aim to answer by .+ \(in \d+ (hours?|minutes?)\)\.$/.test(expectText), `expected reply in plain words: ${expectText}`);
    const pub = await api(base, `/api/v1/public/tickets/${reference}`, {
      headers: { authorization: `Bearer ${decodeURIComponent(privateLink.split("#")[1])}` },
    });
    assert(pub.expected_reply_by, `the API gives expected_reply_by: ${JSON.stringify(pub.expected_reply_by)}`);
    const due = (new Date(pub.expected_reply_by) - new Date(pub.created_at)) / 1000;
    assert(Math.abs(due - 4 * 3600) < 5, `expected_reply_by is the 4 h first-response target: ${due} s`);
    // A reload keeps working: the token is remembered for this tab.
    await customer.goto(`${base}/t/${reference}`);
    await customer.getByRole("heading", { name: subject }).waitFor();
    await shoot(customer, "private-link");
  });

  await test("an agent logs in and finds the ticket in the queue", async () => {
    await agent.goto(`${base}/agent`);
    await agent.waitForURL(/\/agent\/login/);
    await shoot(agent, "login");
    await agent.getByLabel("E-mail").fill(AGENT.email);
    await agent.getByLabel("Password").fill("wrong-password-000");
    await agent.getByRole("button", { name: "Log in" }).click();
    await agent.getByRole("alert").filter({ hasText: "Wrong e-mail or password" }).waitFor();
    await agent.getByLabel("Password").fill(AGENT.password);
    await agent.getByRole("button", { name: "Log in" }).click();
    await agent.waitForURL(/\/agent$/);
    await agent.getByRole("heading", { name: "Ticket queue" }).waitFor();
    await agent.getByRole("link", { name: reference }).waitFor();
    await shoot(agent, "queue");
    await agent.getByLabel("Search").fill(reference);
    await agent.getByRole("button", { name: "Search" }).click();
    await agent.waitForURL(/q=HD-/);
    const rows = agent.locator("tbody tr");
    await agent.waitForFunction(() => document.querySelectorAll("tbody tr").length === 1);
    assert((await rows.count()) === 1, "the search finds exactly the ticket");
    await agent.getByRole("link", { name: reference }).click();
    await agent.waitForURL(/\/agent\/tickets\/\d+$/);
    ticketId = Number(agent.url().split("/").pop());
    await agent.getByRole("heading", { name: subject }).waitFor();
  });

  await test("the agent assigns the ticket to themself, adds an internal note, replies and sets pending", async () => {
    await agent.getByRole("button", { name: "Assign to me" }).click();
    await agent.getByTestId("assignee").filter({ hasText: `${AGENT.name} (me)` }).waitFor();
    await agent.locator("#status-h .badge--open").waitFor(); // assigning a new ticket opens it
    await agent.getByLabel("Priority").selectOption("high");
    await agent.getByLabel("Tags").fill("refund, bank-transfer");
    await agent.getByRole("button", { name: "Save" }).click();
    await agent.locator(".ticket__head .tag").filter({ hasText: "bank-transfer" }).waitFor();
    await agent.getByRole("button", { name: "Internal note" }).click();
    await agent.getByLabel("Note (staff only)").fill("Checked the payment gateway: refund batch stuck.");
    await agent.getByRole("button", { name: "Add note" }).click();
    await agent.getByTestId("note").first().waitFor();
    await agent.getByRole("button", { name: "Reply to customer" }).click();
    await agent.getByLabel("Reply (the customer sees this)").fill("Sorry about that! Could you send the bank account the refund should go to?");
    await agent.getByLabel("Then set status").selectOption("pending");
    await agent.getByRole("button", { name: "Send reply" }).click();
    await agent.locator("#status-h .badge--pending").waitFor();
    const note = await agent.getByTestId("note").first().innerText();
    assert(/Internal note/i.test(note), "the note is marked internal");
    await agent.getByTestId("timeline-segment").filter({ hasText: "Clock paused" }).waitFor();
    await shoot(agent, "ticket-view");
  });

  await test("the customer replies from the private link and the ticket opens again", async () => {
    await customer.goto(`${base}/`);
    await customer.goto(privateLink);
    await customer.getByTestId("public-status").filter({ hasText: "Waiting for your reply" }).waitFor();
    const text = await customer.locator(".thread").innerText();
    assert(!text.includes("payment gateway"), "internal notes never reach the customer");
    await customer.getByLabel("Your reply").fill("It is BCA account 1234567890. Thank you!");
    await customer.getByRole("button", { name: "Send reply" }).click();
    await customer.getByText("Your reply was sent.").waitFor();
    await customer.getByTestId("public-status").filter({ hasText: "We are working on it" }).waitFor();
    // The agent's open page follows live (server-sent events), without a reload.
    await agent.locator("#status-h .badge--open").waitFor();
    await agent.getByText("It is BCA account 1234567890.").waitFor();
  });

  await test("the agent resolves the ticket (only allowed moves are offered)", async () => {
    const options = await agent.getByLabel("Change status to").locator("option").allInnerTexts();
    assert(!options.includes("Open") && !options.includes("New"), `no move to the current status or back to new: ${options}`);
    await agent.getByLabel("Change status to").selectOption("closed");
    await agent.getByLabel("Reason for closing").waitFor();
    await agent.getByRole("button", { name: "Apply" }).click();
    await agent.getByText("Choose why the ticket is closed.").waitFor();
    await agent.getByLabel("Change status to").selectOption("resolved");
    assert((await agent.getByLabel("Reason for closing").count()) === 0, "resolving asks no reason");
    await agent.getByRole("button", { name: "Apply" }).click();
    await agent.locator("#status-h .badge--resolved").waitFor();
    const moves = await agent.getByLabel("Change status to").locator("option").allInnerTexts();
    assert(moves.join(",") === "—,Open,Closed", `a resolved ticket can reopen or close: ${moves}`);
  });

  await test("the customer answers the survey", async () => {
    await customer.goto(`${base}/`);
    await customer.goto(privateLink);
    await customer.getByRole("heading", { name: "How did we do?" }).waitFor();
    await customer.locator('input[name="csat"][value="5"]').check();
    await customer.locator('input[name="ces"][value="6"]').check();
    await customer.locator('input[name="nps"][value="9"]').check();
    await customer.getByLabel(/Anything else/).fill("Fast and friendly, terima kasih!");
    await shoot(customer, "survey");
    await customer.getByRole("button", { name: "Send answers" }).click();
    await customer.getByTestId("survey-thanks").waitFor();
    await shoot(customer, "survey-thanks");
    const t = await api(base, `/api/v1/tickets/${ticketId}`, { token: admin.access_token });
    assert(t.survey?.csat === 5 && t.survey?.ces === 6 && t.survey?.nps === 9, `survey stored: ${JSON.stringify(t.survey)}`);
  });

  await test("the agent sees the survey answers, metrics and the clock timeline", async () => {
    await agent.reload(); // also proves the session survives a reload (refresh token)
    await agent.getByRole("heading", { name: subject }).waitFor();
    await agent.getByText("CSAT 5 · CES 6 · NPS 9").waitFor();
    const segs = await agent.getByTestId("timeline-segment").allInnerTexts();
    assert(segs.length >= 4, `new → pending → open → resolved segments: ${segs.length}`);
    assert(segs.some((s) => s.includes("Clock paused")) && segs.some((s) => s.includes("Clock stopped")), "paused and stopped shown");
    assert(segs.some((s) => s.includes("the customer replied")), "the reopening names the customer's reply");
  });

  await test("the queue updates live and a breach of my ticket shows a toast", async () => {
    await agent.goto(`${base}/agent?assignee=me&status=all`);
    await agent.getByRole("heading", { name: "Ticket queue" }).waitFor();
    // A phone call logged by someone else, urgent (4 s first-response target), given to our agent.
    const created = await api(base, "/api/v1/tickets", {
      method: "POST",
      token: admin.access_token,
      body: {
        customer: { name: "Rudi Phone", email: "rudi@example.com" },
        subject: "App crashes at checkout",
        body: "Customer called: the app crashes when paying.",
        priority: "urgent",
        channel: "phone",
      },
    });
    await api(base, `/api/v1/tickets/${created.ticket.id}`, {
      method: "PATCH",
      token: admin.access_token,
      body: { assignee_id: agentUser.id },
    });
    await agent.getByRole("link", { name: created.ticket.reference }).waitFor();
    const toast = agent.locator(".toast").filter({ hasText: created.ticket.reference });
    await toast.first().waitFor({ timeout: 20_000 });
    await shoot(agent, "queue-live-alert");
  }, { flow: false });

  await test("logout ends the session", async () => {
    await agent.getByRole("button", { name: "Log out" }).click();
    await agent.waitForURL(/\/agent\/login/);
    const rt = await agent.evaluate(() => localStorage.getItem("hd.refresh"));
    assert(rt === null, "the refresh token is gone");
    await agent.goto(`${base}/agent`);
    await agent.waitForURL(/\/agent\/login/);
  }, { flow: false });


  // ---- manager pages (issue 7), on the demo data loaded before the server started ----

  const login = async (page, who) => {
    await page.goto(`${base}/agent/login`);
    await page.getByLabel("E-mail").fill(who.email);
    await page.getByLabel("Password").fill(who.password);
    await page.getByRole("button", { name: "Log in" }).click();
    await page.waitForURL(/\/agent$/);
  };
  const nextDay = (d) => new Date(Date.parse(`${d}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
  const manager = await newPage("manager");
  const mgr = await api(base, "/api/v1/auth/login", { method: "POST", body: MANAGER });

  await test("an agent sees no manager links, and a manager page says it is not allowed", async () => {
    const page = await newPage("agent-2");
    await login(page, AGENT);
    assert((await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Reports" }).count()) === 0, "no Reports link for agents");
    await page.goto(`${base}/agent/reports`);
    await page.getByTestId("not-allowed").waitFor();
    await shoot(page, "not-allowed");
    await page.context().close();
  }, { flow: false });

  await test("a manager opens the TTR dashboard, switches to business hours and a breakdown by agent; numbers equal the API's", async () => {
    await login(manager, MANAGER);
    await manager.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Reports" }).click();
    await manager.waitForURL(/\/agent\/reports/);
    await manager.getByTestId("kpi-tickets").waitFor();
    // The radio follows the address (it is checked once the URL says hours=business), so
    // `check()`, which expects the click itself to flip it, can race the navigation.
    await manager.getByLabel("Business hours").click();
    await manager.waitForURL(/hours=business/);
    assert(await manager.getByLabel("Business hours").isChecked(), "the business-hours radio is checked");
    await manager.locator('select[name="by"]').selectOption("agent");
    await manager.waitForURL(/by=agent/);
    const table = manager.getByTestId("breakdown-table");
    await table.getByRole("rowheader", { name: "Budi Santoso" }).waitFor();
    const from = await manager.locator('input[name="from"]').inputValue();
    const to = nextDay(await manager.locator('input[name="to"]').inputValue());
    const qs = `from=${from}&to=${to}&hours=business&group_by=agent`;
    const report = await api(base, `/api/v1/reports/ttr?${qs}`, { token: mgr.access_token });
    assert(report.groups.length > 1, `several agents in the report: ${report.groups.length}`);
    for (const g of report.groups) {
      const row = table.locator(`tr[data-key="${g.key}"]`);
      const cells = await row.locator("[data-value]").evaluateAll((els) => els.map((e) => e.getAttribute("data-value")));
      const want = [g.tickets, g.resolved, g.excluded, g.ttr.median_s, g.ttr.p90_s, g.ttr.mean_s, g.ttr.km_median_s, g.frt.median_s, g.frt.p90_s, g.sla.met_pct, g.sla.breached].map((v) => (v === null ? "" : String(v)));
      assert(JSON.stringify(cells) === JSON.stringify(want), `row ${g.key} shows the API's numbers: ${cells} vs ${want}`);
    }
    const total = await api(base, `/api/v1/reports/ttr?from=${from}&to=${to}&hours=business`, { token: mgr.access_token });
    const kpi = (await manager.getByTestId("kpi-tickets").innerText()).replace(/\D/g, "");
    assert(kpi === String(total.groups[0].tickets), `ticket count KPI ${kpi} = API ${total.groups[0].tickets}`);
    await shoot(manager, "ttr-dashboard");
  });

  await test("the manager downloads the breakdown's CSV and it equals the API's CSV", async () => {
    const section = manager.locator("section", { has: manager.locator("#ttr-split-h") });
    const [download] = await Promise.all([manager.waitForEvent("download"), section.getByRole("button", { name: "Download CSV" }).click()]);
    const got = readFileSync(await download.path(), "utf8");
    const from = await manager.locator('input[name="from"]').inputValue();
    const to = nextDay(await manager.locator('input[name="to"]').inputValue());
    const res = await fetch(`${base}/api/v1/reports/ttr?from=${from}&to=${to}&hours=business&group_by=agent&format=csv`, {
      headers: { authorization: `Bearer ${mgr.access_token}` },
    });
    const want = await res.text();
    assert(res.ok && want.startsWith("key,"), `the API answers CSV: ${want.slice(0, 80)}`);
    assert(got === want, `the downloaded CSV equals the API's:\n${got}\n---\n${want}`);
    assert(/Budi Santoso/.test(got), "the CSV is by agent");
    // Drill down into one agent's tickets.
    await manager.getByTestId("breakdown-table").locator("tbody tr").first().locator("td a").click();
    await manager.waitForURL(/\/agent\/reports\/tickets\?/);
    await manager.locator("table tbody tr").first().waitFor();
    await shoot(manager, "ttr-drilldown");
  });

  await test("the manager edits an SLA policy, with the server's messages next to the fields", async () => {
    await manager.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Settings" }).click();
    // The legend follows the name being edited, so the card is found by its fields.
    const high = manager.locator(".policy").filter({ has: manager.locator('input[name="name-1"]') });
    await manager.getByRole("group", { name: "High", exact: true }).getByLabel("First response").waitFor();
    await high.getByLabel("First response").fill("soon");
    await manager.getByRole("button", { name: "Save policies" }).click();
    await high.getByText("Enter a duration like 30m, 4h or 2d").waitFor();
    await high.getByLabel("Name").fill("H".repeat(101));
    await high.getByLabel("First response").fill("5s");
    await manager.getByRole("button", { name: "Save policies" }).click();
    const nameErr = manager.locator(".policy .field--invalid").filter({ hasText: "Name" }).locator(".field__error");
    await nameErr.waitFor();
    assert(/100 characters/.test(await nameErr.innerText()), `the server's message sits at the name: ${await nameErr.innerText()}`);
    await shoot(manager, "settings-validation");
    const card = high;
    await card.getByLabel("Name").fill("High");
    await card.getByLabel("Counted in").selectOption("calendar");
    await card.getByLabel("Warn at (% of target)").fill("50");
    await manager.getByRole("button", { name: "Save policies" }).click();
    await manager.getByText("Saved.").first().waitFor();
    const { policies } = await api(base, "/api/v1/sla-policies", { token: mgr.access_token });
    const p = policies.find((x) => x.name === "High");
    assert(p && p.first_response_s === 5 && p.hours === "calendar" && p.warn_at_pct === 50, `stored: ${JSON.stringify(p)}`);
    await shoot(manager, "settings");
  });

  await test("a breach alert appears live on the alerts board after an agent's ticket passes its target", async () => {
    await manager.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Alerts" }).click();
    await manager.getByRole("heading", { name: "SLA alerts" }).waitFor();
    await manager.locator('[data-testid="alert-list"], .empty').first().waitFor();
    const created = await api(base, "/api/v1/tickets", {
      method: "POST",
      token: admin.access_token,
      body: {
        customer: { name: "Wati Chat", email: "wati@example.com" },
        subject: "Payment page keeps loading",
        body: "Customer on chat: the payment page never finishes loading.",
        priority: "high",
        channel: "chat",
      },
    });
    const ref = created.ticket.reference;
    await api(base, `/api/v1/tickets/${created.ticket.id}`, { method: "PATCH", token: admin.access_token, body: { assignee_id: agentUser.id } });
    const breach = manager.locator(`[data-testid="alert-row"][data-ticket="${ref}"]`).filter({ hasText: "Breached" });
    await breach.waitFor({ timeout: 25_000 }); // no reload: the board follows the live stream
    await shoot(manager, "alerts-board");
    await breach.getByRole("button", { name: "Acknowledge" }).click();
    await manager.waitForFunction(
      (r) => ![...document.querySelectorAll(`[data-testid="alert-row"][data-ticket="${r}"]`)].some((e) => e.textContent.includes("Breached") && e.querySelector("button")),
      ref,
    );
    const all = await api(base, "/api/v1/alerts?state=all&limit=1000", { token: mgr.access_token });
    assert(all.items.some((a) => a.ticket.reference === ref && a.level === "breach" && a.acked_at), "the breach is acknowledged");
  });

  await test("the manager sees customer experience, customers at risk and recurring issues", async () => {
    await manager.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Customer experience" }).click();
    await manager.getByTestId("cx-kpis").waitFor();
    await manager.getByTestId("at-risk").waitFor();
    await shoot(manager, "cx");
    await manager.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Recurring issues" }).click();
    await manager.getByTestId("issue").first().waitFor();
    const first = manager.getByTestId("issue").first();
    await first.getByRole("button", { name: "Rename" }).click();
    await first.getByLabel("Name").fill("Refund not received (e2e)");
    await first.getByRole("button", { name: "Save" }).click();
    await manager.getByRole("heading", { name: "Refund not received (e2e)" }).waitFor();
    await manager.getByRole("heading", { name: "Refund not received (e2e)" }).locator("xpath=ancestor::li").getByRole("button", { name: "Show tickets" }).click();
    await manager.locator(".issue .history li a").first().waitFor();
    await shoot(manager, "recurring");
  });

  mkdirSync(docsShots, { recursive: true });
  for (const [from, to] of [
    ["form", "form"],
    ["queue", "queue"],
    ["ticket-view", "ticket-view"],
    ["ttr-dashboard", "dashboard"],
  ]) {
    if (shotsTaken.includes(from)) copyFileSync(join(artifacts, `${from}-laptop.png`), join(docsShots, `${to}.png`));
  }
}

async function cleanup() {
  await browser?.close().catch(() => {});
  if (server && server.exitCode === null) {
    server.kill("SIGTERM");
    await new Promise((r) => {
      const t = setTimeout(() => {
        server.kill("SIGKILL");
        r();
      }, 5000);
      server.once("exit", () => {
        clearTimeout(t);
        r();
      });
    });
  }
  rmSync(tmp, { recursive: true, force: true });
}

for (const sig of ["SIGINT", "SIGTERM"]) {
  process.on(sig, async () => {
    await cleanup();
    process.exit(130);
  });
}

let fatal = null;
try {
  await main();
} catch (e) {
  fatal = e;
  console.error(`e2e set-up failed: ${e?.stack ?? e}`);
} finally {
  await cleanup();
}
const passed = results.filter((r) => r.ok).length;
const failed = results.length - passed + (fatal ? 1 : 0);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
