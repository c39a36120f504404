import { describe, expect, it } from "vitest";
import { filterFromParams, UNRESOLVED } from "./queueFilter";

describe("filterFromParams", () => {
  it("defaults to unresolved tickets", () => {
    expect(filterFromParams(new URLSearchParams())).toEqual({ status: UNRESOLVED });
  });

  it("maps status=all to no status filter and the SLA choice to API parameters", () => {
    expect(filterFromParams(new URLSearchParams("status=all&sla=due60&assignee=me&sort=due&q=%20refund%20"))).toEqual({
      status: undefined,
      due_within: "60",
      assignee: "me",
      sort: "due",
      q: "refund",
    });
    expect(filterFromParams(new URLSearchParams("status=pending&sla=breached"))).toEqual({ status: "pending", sla: "breached" });
  });
  it("keeps the repeat-complaints filter", () => {
    expect(filterFromParams(new URLSearchParams("repeat=true")).repeat).toBe("true");
    expect(filterFromParams(new URLSearchParams("repeat=maybe")).repeat).toBeUndefined();
  });
});
