import { describe, expect, it } from "vitest";
import { STATUSES } from "../api/types";
import { ALLOWED_MOVES, needsReason, replyStatuses } from "./status";

describe("status moves", () => {
  it("closed is final and nothing moves back to new", () => {
    expect(ALLOWED_MOVES.closed).toEqual([]);
    for (const s of STATUSES) expect(ALLOWED_MOVES[s]).not.toContain("new");
    for (const s of STATUSES) expect(ALLOWED_MOVES[s]).not.toContain(s);
  });

  it("a resolved ticket can only reopen or close", () => {
    expect(ALLOWED_MOVES.resolved).toEqual(["open", "closed"]);
  });

  it("closing needs a reason unless the ticket was resolved", () => {
    expect(needsReason("open", "closed")).toBe(true);
    expect(needsReason("new", "closed")).toBe(true);
    expect(needsReason("resolved", "closed")).toBe(false);
    expect(needsReason("open", "resolved")).toBe(false);
  });

  it("a reply can move the ticket anywhere allowed except closed", () => {
    expect(replyStatuses(ALLOWED_MOVES.open)).toEqual(["pending", "on_hold", "resolved"]);
  });
});
