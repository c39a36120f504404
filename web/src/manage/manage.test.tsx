import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { session } from "../api/session";
import type { Role } from "../api/types";
import { RequireRole } from "../agent/RequireRole";
import { renderAt } from "../test/render";
import { Settings } from "./Settings";
import { TtrDashboard } from "./TtrDashboard";

// jsdom has no canvas: the chart is a picture of the table next to it, so a stub will do.
vi.mock("./Chart", () => ({ Chart: ({ label }: { label: string }) => <div role="img" aria-label={label} />, Sparkline: () => null }));

const login = (role: Role) =>
  session.accept({
    access_token: "at",
    refresh_token: "rt",
    token_type: "Bearer",
    expires_in: 900,
    user: { id: 1, email: "m@x.test", name: "Rina", role, active: true },
  });

/** A fetch mock answering by path. */
function route(handler: (url: URL, init: RequestInit) => { status?: number; body: unknown }) {
  const calls: URL[] = [];
  globalThis.fetch = (async (u: string, init: RequestInit = {}) => {
    const url = new URL(u, "http://x");
    calls.push(url);
    const a = handler(url, init);
    const status = a.status ?? 200;
    return new Response(JSON.stringify(a.body), { status, headers: { "content-type": status >= 400 ? "application/problem+json" : "application/json" } });
  }) as typeof fetch;
  return calls;
}

const group = (key: string, label: string | null, tickets: number) => ({
  key,
  label,
  tickets,
  resolved: tickets - 1,
  excluded: 1,
  ttr: { median_s: 3600 * tickets, mean_s: 4000, p90_s: 7200, km_median_s: null },
  frt: { responded: tickets, median_s: 600, mean_s: 700, p90_s: 900 },
  sla: { met: 3, breached: 1, met_pct: 75 },
});

describe("manager pages", () => {
  it("an agent gets a clear 'not allowed' instead of a manager page", () => {
    login("agent");
    renderAt(
      <RequireRole role="manager">
        <p>secret report</p>
      </RequireRole>,
    );
    expect(screen.getByTestId("not-allowed")).toHaveTextContent("This page is for managers and admins");
    expect(screen.queryByText("secret report")).toBeNull();
    login("manager");
    session.clear();
  });

  it("the TTR dashboard shows the API's numbers and asks every part with the same range and clock", async () => {
    login("manager");
    const calls = route((url) => {
      const by = url.searchParams.get("group_by");
      const groups = by === "none" ? [group("all", null, 12)] : by === "agent" ? [group("3", "Budi Santoso", 5), group("4", "Dewi Lestari", 7)] : [group("2026-W47", null, 12)];
      return { body: { from: "", to: "", hours: url.searchParams.get("hours"), group_by: by, generated_at: "", groups } };
    });
    renderAt(<TtrDashboard />, { initialEntry: "/agent/reports?from=2026-11-01&to=2026-11-30&hours=business&by=agent" });
    const table = await screen.findByTestId("breakdown-table");
    const budi = within(table).getByRole("row", { name: /Budi Santoso/ });
    expect(within(budi).getByRole("link", { name: "5" })).toHaveAttribute("href", expect.stringContaining("key=3"));
    expect(budi.querySelector("td:nth-child(5) [data-value]")?.getAttribute("data-value")).toBe(String(5 * 3600));
    expect(screen.getByTestId("kpi-tickets")).toHaveTextContent("12");
    expect(screen.getByTestId("kpi-sla")).toHaveTextContent("75 %");
    await waitFor(() => expect(calls.length).toBe(3));
    for (const c of calls) {
      expect(c.searchParams.get("from")).toBe("2026-11-01");
      expect(c.searchParams.get("to")).toBe("2026-12-01"); // the inclusive end date + 1 day
      expect(c.searchParams.get("hours")).toBe("business");
    }
    expect(calls.map((c) => c.searchParams.get("group_by")).sort()).toEqual(["agent", "none", "week"]);
    session.clear();
  });

  it("SLA policies: the server's field messages appear next to the fields", async () => {
    login("manager");
    const policy = { name: "High", priority: "high", tier: null, first_response_s: 3600, next_response_s: 3600, resolution_s: 86400, hours: "business", warn_at_pct: 80 };
    const puts: unknown[] = [];
    route((url, init) => {
      if (url.pathname === "/api/v1/sla-policies" && init.method === "PUT") {
        puts.push(JSON.parse(String(init.body)));
        return {
          status: 422,
          body: { status: 422, title: "Unprocessable Entity", detail: "the request has invalid fields", errors: [{ field: "policies[0].name", message: "must be 1 to 100 characters" }] },
        };
      }
      if (url.pathname === "/api/v1/sla-policies") return { body: { policies: [policy] } };
      if (url.pathname === "/api/v1/business-hours") return { body: { timezone: "Asia/Jakarta", weekly: [], holidays: [] } };
      return { status: 404, body: { status: 404 } };
    });
    const user = userEvent.setup();
    renderAt(<Settings />);
    const first = await screen.findByLabelText("First response");
    expect(first).toHaveValue("1h");
    await user.clear(first);
    await user.type(first, "soon");
    await user.click(screen.getByRole("button", { name: "Save policies" }));
    expect(await screen.findByText(/Enter a duration like 30m/)).toBeInTheDocument();
    expect(puts).toHaveLength(0);
    await user.clear(first);
    await user.type(first, "5s");
    await user.click(screen.getByRole("button", { name: "Save policies" }));
    expect(await screen.findByText("must be 1 to 100 characters")).toBeInTheDocument();
    expect(screen.getByLabelText("Name")).toHaveAttribute("aria-invalid", "true");
    expect((puts[0] as { policies: { first_response_s: number }[] }).policies[0].first_response_s).toBe(5);
    session.clear();
  });
});
