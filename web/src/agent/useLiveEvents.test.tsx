import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { act, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createMemoryRouter, RouterProvider } from "react-router";
import { session } from "../api/session";
import { AgentLayout } from "./AgentLayout";

class FakeEventSource {
  static all: FakeEventSource[] = [];
  listeners: Record<string, ((e: MessageEvent) => void)[]> = {};
  onopen: (() => void) | null = null;
  onerror: (() => void) | null = null;
  closed = false;
  constructor(public url: string) {
    FakeEventSource.all.push(this);
  }
  addEventListener(type: string, fn: (e: MessageEvent) => void) {
    (this.listeners[type] ??= []).push(fn);
  }
  close() {
    this.closed = true;
  }
  emit(type: string, data: unknown, id: string) {
    for (const fn of this.listeners[type] ?? []) fn(new MessageEvent(type, { data: JSON.stringify(data), lastEventId: id }));
  }
}

const alert = (assignee: number | null, change = "raised") => ({
  change,
  id: 3,
  ticket_id: 42,
  metric: "first_response",
  level: "breach",
  cycle: 0,
  due_at: "2026-11-23T08:00:00Z",
  raised_at: "2026-11-23T08:00:00Z",
  acked_at: null,
  acked_by: null,
  cleared_at: null,
  ticket: { id: 42, reference: "HD-1042", subject: "App crashes", priority: "urgent", status: "open", assignee_id: assignee },
});

afterEach(() => {
  vi.unstubAllGlobals();
  FakeEventSource.all = [];
  session.clear();
});

describe("live events in the agent workspace", () => {
  it("toasts a breach of my ticket only, and reconnects after the stream ends, resuming", async () => {
    vi.stubGlobal("EventSource", FakeEventSource);
    session.accept({
      access_token: "at1",
      refresh_token: "rt1",
      token_type: "Bearer",
      expires_in: 900,
      user: { id: 7, email: "a@x.test", name: "Ayu", role: "agent", active: true },
    });
    const router = createMemoryRouter([{ path: "/agent", element: <AgentLayout />, children: [{ index: true, element: <p>queue</p> }] }], {
      initialEntries: ["/agent"],
    });
    render(
      <QueryClientProvider client={new QueryClient()}>
        <RouterProvider router={router} />
      </QueryClientProvider>,
    );
    await vi.waitFor(() => expect(FakeEventSource.all).toHaveLength(1));
    const es = FakeEventSource.all[0];
    expect(es.url).toBe("/api/v1/events?access_token=at1");
    act(() => {
      es.onopen?.();
      es.emit("alert", alert(99), "10"); // someone else's ticket
      es.emit("alert", alert(7, "cleared"), "11"); // not a new alert
    });
    expect(screen.queryByText(/HD-1042/)).toBeNull();
    act(() => es.emit("alert", alert(7), "12"));
    expect(await screen.findByText("Breached: First response on HD-1042 — App crashes")).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "Open" })).toHaveAttribute("href", "/agent/tickets/42");

    vi.useFakeTimers();
    try {
      act(() => es.onerror?.());
      expect(es.closed).toBe(true);
      await act(async () => {
        await vi.advanceTimersByTimeAsync(1100);
      });
    } finally {
      vi.useRealTimers();
    }
    await vi.waitFor(() => expect(FakeEventSource.all).toHaveLength(2));
    expect(FakeEventSource.all[1].url).toBe("/api/v1/events?access_token=at1&last_event_id=12");
  });
});
