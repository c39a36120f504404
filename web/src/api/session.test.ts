import { afterEach, describe, expect, it } from "vitest";
import { mockFetch } from "../test/render";
import { session, staffRequest } from "./session";
import type { TokenResponse } from "./types";

const tokens = (n: number): TokenResponse => ({
  access_token: `at${n}`,
  refresh_token: `rt${n}`,
  token_type: "Bearer",
  expires_in: 900,
  user: { id: 1, email: "a@x.test", name: "A", role: "agent", active: true },
});

afterEach(() => session.clear());

describe("staff session", () => {
  it("keeps the access token in memory and the refresh token in localStorage", () => {
    session.accept(tokens(1));
    expect(session.get().accessToken).toBe("at1");
    expect(localStorage.getItem("hd.refresh")).toBe("rt1");
    expect(JSON.stringify(localStorage)).not.toContain("at1");
  });

  it("refreshes once on 401, rotates the refresh token and retries", async () => {
    session.accept(tokens(1));
    const calls = mockFetch(
      { status: 401, body: { status: 401, detail: "expired" } },
      { body: tokens(2) },
      { body: { items: [], next_cursor: null } },
    );
    const page = await staffRequest<{ items: unknown[] }>("/api/v1/tickets");
    expect(page.items).toEqual([]);
    expect(calls.map((c) => c.url)).toEqual(["/api/v1/tickets", "/api/v1/auth/refresh", "/api/v1/tickets"]);
    expect(JSON.parse(calls[1].init.body as string)).toEqual({ refresh_token: "rt1" });
    expect((calls[2].init.headers as Record<string, string>).Authorization).toBe("Bearer at2");
    expect(localStorage.getItem("hd.refresh")).toBe("rt2");
  });

  it("shares one refresh between concurrent callers (a refresh token works once)", async () => {
    localStorage.setItem("hd.refresh", "rt1");
    const calls = mockFetch({ body: tokens(2) }, { body: { n: 1 } }, { body: { n: 2 } });
    await Promise.all([staffRequest("/api/v1/me"), staffRequest("/api/v1/me")]);
    expect(calls.filter((c) => c.url === "/api/v1/auth/refresh")).toHaveLength(1);
  });

  it("ends the session when the refresh token is refused", async () => {
    session.accept(tokens(1));
    mockFetch({ status: 401, body: { status: 401, detail: "x" } }, { status: 401, body: { status: 401, detail: "reused" } });
    await expect(staffRequest("/api/v1/me")).rejects.toMatchObject({ status: 401 });
    expect(session.get().user).toBeNull();
    expect(localStorage.getItem("hd.refresh")).toBeNull();
  });
});
