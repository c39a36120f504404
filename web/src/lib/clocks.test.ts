import { describe, expect, it } from "vitest";
import type { TicketEvent } from "../api/types";
import { clockSegments } from "./clocks";

let id = 0;
const ev = (at: string, kind: string, actor: TicketEvent["actor_type"], extra: Partial<TicketEvent> = {}): TicketEvent => ({
  id: ++id,
  at: `2026-11-23T${at}:00Z`,
  kind,
  actor_type: actor,
  actor_id: actor === "agent" ? 7 : null,
  from_status: null,
  to_status: null,
  data: { kind },
  ...extra,
});
const move = (at: string, actor: TicketEvent["actor_type"], from: string, to: string, data: Record<string, unknown> = {}) =>
  ev(at, "status_changed", actor, {
    from_status: from as TicketEvent["from_status"],
    to_status: to as TicketEvent["to_status"],
    data: { kind: "status_changed", from, to, ...data },
  });

describe("clockSegments", () => {
  it("derives when the clocks ran, paused and stopped, and why", () => {
    const events = [
      ev("08:00", "created", "customer"),
      ev("08:00", "message_added", "customer"),
      ev("08:30", "message_added", "agent"),
      move("08:30", "agent", "new", "pending"),
      ev("10:00", "message_added", "customer"),
      move("10:00", "customer", "pending", "open"),
      move("11:00", "agent", "open", "resolved"),
    ];
    const segs = clockSegments(events, Date.parse("2026-11-23T12:00:00Z"));
    expect(segs.map((s) => [s.status, s.mode, s.seconds])).toEqual([
      ["new", "running", 1800],
      ["pending", "paused", 5400],
      ["open", "running", 3600],
      ["resolved", "stopped", 3600],
    ]);
    expect(segs[0].cause).toEqual({ kind: "created", actor: "customer" });
    expect(segs[1].cause).toEqual({ kind: "agentReply" });
    expect(segs[2].cause).toEqual({ kind: "customerReply" });
    expect(segs[3].cause).toMatchObject({ kind: "change", actor: "agent", from: "open" });
    expect(segs[3].to).toBeNull();
  });

  it("keeps a close reason and reads statuses from the payload when columns are empty", () => {
    const events = [
      ev("08:00", "created", "agent"),
      ev("09:00", "status_changed", "agent", { data: { kind: "status_changed", from: "new", to: "closed", reason: "spam" } }),
    ];
    const segs = clockSegments(events, Date.parse("2026-11-23T09:30:00Z"));
    expect(segs[1]).toMatchObject({ status: "closed", mode: "stopped", cause: { kind: "change", reason: "spam", from: "new" } });
  });

  it("ignores events that do not change the status, in any order", () => {
    const events = [move("09:00", "agent", "new", "on_hold"), ev("08:30", "assigned", "agent"), ev("08:00", "created", "customer")];
    const segs = clockSegments(events, Date.parse("2026-11-23T10:00:00Z"));
    expect(segs.map((s) => s.status)).toEqual(["new", "on_hold"]);
    expect(segs[1].mode).toBe("running");
  });
});
