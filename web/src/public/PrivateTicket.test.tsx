import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { PublicTicket } from "../api/types";
import { mockFetch, renderAt } from "../test/render";
import { PrivateTicket } from "./PrivateTicket";

const base: PublicTicket = {
  reference: "HD-1001",
  subject: "Refund missing",
  status: "open",
  category: "refund",
  customer_name: "Siti",
  created_at: "2026-11-23T08:00:00Z",
  updated_at: "2026-11-23T08:00:00Z",
  resolved_at: null,
  closed_at: null,
  messages: [
    { id: 1, author_type: "customer", author_name: null, body: "<img src=x onerror=alert(1)> hi", created_at: "2026-11-23T08:00:00Z" },
    { id: 2, author_type: "agent", author_name: "Budi", body: "We are on it", created_at: "2026-11-23T08:10:00Z" },
  ],
  survey_open: false,
  survey: null,
  follow_up_of: null,
};

const open = (t: PublicTicket) => {
  const calls = mockFetch({ body: t });
  const utils = renderAt(<PrivateTicket />, { route: "/t/:reference", initialEntry: "/t/HD-1001#secret-token" });
  return { calls, ...utils };
};

describe("PrivateTicket", () => {
  it("asks the API with the fragment's token and shows customer text as text", async () => {
    const { calls, container } = open(base);
    await screen.findByRole("heading", { name: "Refund missing" });
    expect(calls[0].url).toBe("/api/v1/public/tickets/HD-1001");
    expect((calls[0].init.headers as Record<string, string>).Authorization).toBe("Bearer secret-token");
    expect(screen.getByText("<img src=x onerror=alert(1)> hi")).toBeInTheDocument();
    expect(container.querySelector("img")).toBeNull();
    expect(screen.getByText("We are working on it")).toBeInTheDocument();
    expect(screen.queryByTestId("expected-reply")).toBeNull();
    expect(screen.queryByRole("heading", { name: "How did we do?" })).toBeNull();
  });

  it("says when to expect an answer when the API tells", async () => {
    open({ ...base, expected_reply_by: new Date(Date.now() + 3 * 3600_000).toISOString() });
    const p = await screen.findByTestId("expected-reply");
    expect(p.textContent).toMatch(/We aim to answer by .+\(in 3 hours\)/);
  });

  it("offers the survey once it is open and sends only the answered questions", async () => {
    const calls = mockFetch(
      { body: { ...base, status: "resolved", survey_open: true } },
      { body: { ...base, status: "resolved", survey_open: true, survey: { csat: 4, ces: null, nps: 10, comment: "", answered_at: "x", updated_at: "x" } } },
    );
    const user = userEvent.setup();
    renderAt(<PrivateTicket />, { route: "/t/:reference", initialEntry: "/t/HD-1001#secret-token" });
    await screen.findByRole("heading", { name: "How did we do?" });
    await user.click(screen.getByRole("button", { name: "Send answers" }));
    expect(screen.getByText("Please answer at least one question.")).toBeInTheDocument();
    const csat = screen.getByRole("group", { name: /How satisfied/ });
    await user.click(csat.querySelector<HTMLInputElement>('input[value="4"]')!);
    const nps = screen.getByRole("group", { name: /recommend/ });
    await user.click(nps.querySelector<HTMLInputElement>('input[value="10"]')!);
    await user.click(screen.getByRole("button", { name: "Send answers" }));
    await screen.findByText("Thank you for your feedback!");
    expect(calls[1].init.method).toBe("PUT");
    expect(JSON.parse(calls[1].init.body as string)).toEqual({ csat: 4, nps: 10 });
  });

  it("explains an incomplete link instead of calling the API", async () => {
    const calls = mockFetch();
    renderAt(<PrivateTicket />, { route: "/t/:reference", initialEntry: "/t/HD-1001" });
    expect(await screen.findByRole("alert")).toHaveTextContent(/link is incomplete/);
    expect(calls).toHaveLength(0);
  });

  it("validates the reply next to its box", async () => {
    open(base);
    const user = userEvent.setup();
    await screen.findByRole("heading", { name: "Refund missing" });
    await user.click(screen.getByRole("button", { name: "Send reply" }));
    await waitFor(() => expect(screen.getByLabelText("Your reply")).toHaveAttribute("aria-invalid", "true"));
  });
});
