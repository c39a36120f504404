import type { Status, TicketEvent } from "../api/types";

export type ClockMode = "running" | "paused" | "stopped";

/** The SLA clocks run in new, open and on_hold, pause in pending and stop once resolved. */
export function clockMode(s: Status): ClockMode {
  if (s === "pending") return "paused";
  if (s === "resolved" || s === "closed") return "stopped";
  return "running";
}

export type Cause =
  | { kind: "created"; actor: TicketEvent["actor_type"] }
  | { kind: "customerReply" }
  | { kind: "agentReply" }
  | { kind: "change"; actor: TicketEvent["actor_type"]; from: Status | null; reason?: string };

export interface Segment {
  status: Status;
  mode: ClockMode;
  from: string;
  /** null while it lasts. */
  to: string | null;
  seconds: number;
  cause: Cause;
}

const statusOf = (e: TicketEvent, key: "from" | "to"): Status | null =>
  (key === "to" ? e.to_status : e.from_status) ?? ((e.data?.[key] as Status | undefined) ?? null);

/** The ticket's life as stretches of one status, derived from its events alone: when the
 * clocks ran, when they were paused or stopped, and what caused each change. */
export function clockSegments(events: TicketEvent[], now = Date.now()): Segment[] {
  const sorted = [...events].sort((a, b) => a.at.localeCompare(b.at) || a.id - b.id);
  const segments: Segment[] = [];
  const close = (at: string) => {
    const last = segments[segments.length - 1];
    if (last && last.to === null) last.to = at;
  };
  for (const e of sorted) {
    let to: Status | null = null;
    let cause: Cause | null = null;
    if (e.kind === "created") {
      to = e.to_status ?? "new";
      cause = { kind: "created", actor: e.actor_type };
    } else if (e.kind === "status_changed") {
      to = statusOf(e, "to");
      // A message at the same instant is what moved the ticket.
      const msg = sorted.find((m) => m.kind === "message_added" && m.at === e.at && m.actor_type === e.actor_type);
      if (msg && e.actor_type === "customer") cause = { kind: "customerReply" };
      else if (msg && e.actor_type === "agent" && to === "pending") cause = { kind: "agentReply" };
      else {
        const reason = typeof e.data?.reason === "string" ? e.data.reason : undefined;
        cause = { kind: "change", actor: e.actor_type, from: statusOf(e, "from"), reason };
      }
    }
    if (!to || !cause) continue;
    close(e.at);
    segments.push({ status: to, mode: clockMode(to), from: e.at, to: null, seconds: 0, cause });
  }
  for (const s of segments) {
    const end = s.to ? Date.parse(s.to) : now;
    s.seconds = Math.max(0, Math.round((end - Date.parse(s.from)) / 1000));
  }
  return segments;
}
