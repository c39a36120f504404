import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { session } from "../../api/session";
import { mockFetch, renderAt } from "../../test/render";
import { StatusControl } from "./StatusControl";

const login = () =>
  session.accept({
    access_token: "at",
    refresh_token: "rt",
    token_type: "Bearer",
    expires_in: 900,
    user: { id: 1, email: "a@x.test", name: "A", role: "agent", active: true },
  });

describe("StatusControl", () => {
  it("offers only the allowed moves", () => {
    renderAt(<StatusControl ticket={{ id: 5, status: "resolved", allowed_transitions: ["open", "closed"] }} />);
    const options = within(screen.getByLabelText("Change status to")).getAllByRole("option");
    expect(options.map((o) => o.textContent)).toEqual(["—", "Open", "Closed"]);
  });

  it("says a closed ticket cannot move", () => {
    renderAt(<StatusControl ticket={{ id: 5, status: "closed", allowed_transitions: [] }} />);
    expect(screen.getByText("Closed tickets cannot change status.")).toBeInTheDocument();
  });

  it("asks a reason to close a ticket that was never resolved", async () => {
    login();
    const calls = mockFetch({ body: { id: 5, status: "closed" } });
    const user = userEvent.setup();
    renderAt(<StatusControl ticket={{ id: 5, status: "open", allowed_transitions: ["pending", "on_hold", "resolved", "closed"] }} />);
    await user.selectOptions(screen.getByLabelText("Change status to"), "closed");
    await user.click(screen.getByRole("button", { name: "Apply" }));
    const reason = screen.getByLabelText("Reason for closing");
    expect(reason).toHaveAttribute("aria-invalid", "true");
    expect(reason).toHaveAccessibleDescription(/Choose why/);
    expect(calls).toHaveLength(0);
    await user.selectOptions(reason, "duplicate");
    await user.click(screen.getByRole("button", { name: "Apply" }));
    await waitFor(() => expect(calls).toHaveLength(1));
    expect(calls[0].url).toBe("/api/v1/tickets/5/transitions");
    expect(JSON.parse(calls[0].init.body as string)).toEqual({ to: "closed", reason: "duplicate" });
    expect((calls[0].init.headers as Record<string, string>).Authorization).toBe("Bearer at");
  });

  it("does not ask a reason to close a resolved ticket", async () => {
    const user = userEvent.setup();
    renderAt(<StatusControl ticket={{ id: 5, status: "resolved", allowed_transitions: ["open", "closed"] }} />);
    await user.selectOptions(screen.getByLabelText("Change status to"), "closed");
    expect(screen.queryByLabelText("Reason for closing")).toBeNull();
  });
});
