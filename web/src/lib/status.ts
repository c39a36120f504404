import type { Status } from "../api/types";

/** The moves the domain allows (DESIGN §2); the server's `allowed_transitions` is the authority,
 * this table is the fallback and documents the rules. */
export const ALLOWED_MOVES: Record<Status, Status[]> = {
  new: ["open", "pending", "on_hold", "resolved", "closed"],
  open: ["pending", "on_hold", "resolved", "closed"],
  pending: ["open", "on_hold", "resolved", "closed"],
  on_hold: ["open", "pending", "resolved", "closed"],
  resolved: ["open", "closed"],
  closed: [],
};

/** Closing a ticket that was never resolved needs a reason. */
export function needsReason(from: Status, to: Status): boolean {
  return to === "closed" && from !== "resolved";
}

/** The statuses an agent can set together with a reply: any allowed move but closing. */
export function replyStatuses(allowed: Status[]): Status[] {
  return allowed.filter((s) => s !== "closed");
}
