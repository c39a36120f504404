import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { session } from "../api/session";
import type { Ticket } from "../api/types";
import { mockFetch, renderAt } from "../test/render";
import { Queue } from "./Queue";

const ticket = (id: number, extra: Partial<Ticket> = {}): Ticket => ({
  id,
  reference: `HD-${1000 + id}`,
  subject: `Subject ${id}`,
  status: "open",
  priority: "normal",
  category: "refund",
  channel: "web",
  customer: { id: 1, name: "Siti", email: "s@x.test", tier: "standard" },
  assignee_id: null,
  tags: [],
  created_at: "2026-11-23T08:00:00Z",
  updated_at: "2026-11-23T08:00:00Z",
  first_response_at: null,
  resolved_at: null,
  closed_at: null,
  close_reason: null,
  reopen_count: 0,
  follow_up_of: null,
  sla_due_at: null,
  ...extra,
});

describe("Queue", () => {
  it("sends the URL's filters, pages with the cursor and keeps earlier rows", async () => {
    session.accept({
      access_token: "at",
      refresh_token: "rt",
      token_type: "Bearer",
      expires_in: 900,
      user: { id: 9, email: "a@x.test", name: "Ayu", role: "agent", active: true },
    });
    const all = mockFetch(
      { body: { items: [ticket(1, { assignee_id: 9 }), ticket(2, { sla_due_at: "2020-01-01T00:00:00Z" })], next_cursor: "c1" } },
      // The staff directory (names of assignees), asked once the table shows.
      { body: { items: [{ id: 9, name: "Ayu", role: "agent", active: true }, { id: 4, name: "Dewi Lestari", role: "agent", active: true }] } },
      { body: { items: [ticket(3)], next_cursor: null } },
    );
    const calls = new Proxy(all, {
      get: (target, prop) => Reflect.get(target.filter((c) => c.url.startsWith("/api/v1/tickets")), prop),
    });
    const user = userEvent.setup();
    renderAt(<Queue />, { initialEntry: "/agent?assignee=me&sort=due&sla=breached" });
    await screen.findByRole("link", { name: "HD-1001" });
    const url = new URL(calls[0].url, "http://x");
    expect(Object.fromEntries(url.searchParams)).toEqual({
      status: "new,open,pending,on_hold",
      assignee: "me",
      sort: "due",
      sla: "breached",
      limit: "25",
    });
    expect(screen.getAllByText("Ayu (me)").length).toBeGreaterThan(0);
    expect(screen.getByText(/^overdue by/)).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Load more" }));
    await screen.findByRole("link", { name: "HD-1003" });
    expect(new URL(calls[1].url, "http://x").searchParams.get("cursor")).toBe("c1");
    expect(screen.getByRole("link", { name: "HD-1001" })).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Load more" })).toBeNull();
    session.clear();
  });

  it("changing a filter asks the API again", async () => {
    session.accept({
      access_token: "at",
      refresh_token: "rt",
      token_type: "Bearer",
      expires_in: 900,
      user: { id: 9, email: "a@x.test", name: "Ayu", role: "agent", active: true },
    });
    const calls = mockFetch({ body: { items: [], next_cursor: null } }, { body: { items: [], next_cursor: null } });
    const user = userEvent.setup();
    const { router } = renderAt(<Queue />, { initialEntry: "/agent" });
    await screen.findByText("No tickets match these filters.");
    await user.selectOptions(screen.getByLabelText("Priority"), "urgent");
    await waitFor(() => expect(calls).toHaveLength(2));
    expect(new URL(calls[1].url, "http://x").searchParams.get("priority")).toBe("urgent");
    expect(router.state.location.search).toBe("?priority=urgent");
    session.clear();
  });
});
