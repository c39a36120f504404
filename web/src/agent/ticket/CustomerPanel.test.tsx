import { screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { session } from "../../api/session";
import type { Role, TicketDetail } from "../../api/types";
import { renderAt } from "../../test/render";
import { CustomerPanel } from "./CustomerPanel";

const ticket = (recurring: TicketDetail["recurring"]): TicketDetail =>
  ({
    id: 5,
    customer: { id: 1, name: "Siti", email: "s@x.test", tier: "standard" },
    survey: null,
    customer_history: [{ id: 3, reference: "HD-1003", subject: "Refund late", status: "closed", category: "refund", created_at: "2026-11-01T00:00:00Z", resolution_s: 3600, survey: null }],
    recurring,
  }) as unknown as TicketDetail;

const login = (role: Role) =>
  session.accept({ access_token: "a", refresh_token: "r", token_type: "Bearer", expires_in: 900, user: { id: 9, email: "a@x.test", name: "Ayu", role, active: true } });

describe("CustomerPanel recurring flags", () => {
  it("says which time this is, links the earlier tickets and, for managers, the recurring issue", () => {
    login("manager");
    renderAt(<CustomerPanel ticket={ticket({ customer_repeat_count: 2, previous_ticket_ids: [4, 3], issue_id: 7 })} />);
    expect(screen.getByTestId("repeat-flag")).toHaveTextContent("3rd time in 90 days");
    expect(screen.getAllByRole("link", { name: "HD-1003" })[0]).toHaveAttribute("href", "/agent/tickets/3");
    expect(screen.getByRole("link", { name: "#4" })).toHaveAttribute("href", "/agent/tickets/4");
    expect(screen.getByRole("link", { name: "Part of recurring issue #7" })).toHaveAttribute("href", "/agent/recurring?issue=7");
    session.clear();
  });

  it("an agent sees the issue without a link; a first complaint has no flag; null means not indexed yet", () => {
    login("agent");
    const { unmount } = renderAt(<CustomerPanel ticket={ticket({ customer_repeat_count: 0, previous_ticket_ids: [], issue_id: 7 })} />);
    expect(screen.queryByTestId("repeat-flag")).toBeNull();
    expect(screen.getByTestId("recurring-issue")).toHaveTextContent("Part of recurring issue #7");
    expect(screen.queryByRole("link", { name: /recurring issue/ })).toBeNull();
    unmount();
    renderAt(<CustomerPanel ticket={ticket(null)} />);
    expect(screen.getByText("Checking for repeat complaints…")).toBeInTheDocument();
    session.clear();
  });
});
