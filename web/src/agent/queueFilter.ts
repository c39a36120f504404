import type { QueueFilter } from "../api/types";

/** Unresolved work: what the queue shows unless told otherwise. */
export const UNRESOLVED = "new,open,pending,on_hold";

export const FILTER_KEYS = ["status", "assignee", "priority", "category", "sla", "q", "sort", "repeat"] as const;
export type FilterKey = (typeof FILTER_KEYS)[number];

/** The queue's filter as kept in the page's URL (so it survives reloads and can be shared).
 * `status=all` means every status; no `status` means unresolved ones. `sla` is `breached` or
 * `due60`/`due240` (due within that many minutes). */
export function filterFromParams(p: URLSearchParams): QueueFilter {
  const f: QueueFilter = {};
  const status = p.get("status");
  f.status = status === "all" ? undefined : (status ?? UNRESOLVED);
  for (const k of ["assignee", "priority", "category", "q", "sort"] as const) {
    const v = p.get(k)?.trim();
    if (v) f[k] = v;
  }
  if (p.get("repeat") === "true") f.repeat = "true";
  const sla = p.get("sla");
  if (sla === "breached") f.sla = "breached";
  else if (sla?.startsWith("due")) {
    const m = Number(sla.slice(3));
    if (Number.isInteger(m) && m > 0) f.due_within = String(m);
  }
  return f;
}
