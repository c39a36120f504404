import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render } from "@testing-library/react";
import type { ReactElement } from "react";
import { createMemoryRouter, RouterProvider } from "react-router";

/** Renders `ui` at `path` (matching `route`) with a fresh query client. */
export function renderAt(ui: ReactElement, { path = "/", route = "*", initialEntry }: { path?: string; route?: string; initialEntry?: string } = {}) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
  const router = createMemoryRouter(
    [
      { path: route, element: ui },
      { path: "/thanks", element: <p>thanks page</p> },
    ],
    { initialEntries: [initialEntry ?? path] },
  );
  const utils = render(
    <QueryClientProvider client={client}>
      <RouterProvider router={router} />
    </QueryClientProvider>,
  );
  return { ...utils, router, client };
}

/** A fetch mock answering JSON per call, in order; records the calls. */
export function mockFetch(...answers: Array<{ status?: number; body?: unknown } | Error>) {
  const calls: Array<{ url: string; init: RequestInit }> = [];
  const queue = [...answers];
  const fn = async (url: string, init: RequestInit = {}) => {
    calls.push({ url, init });
    const a = queue.shift() ?? { status: 500, body: { status: 500, detail: "no more answers" } };
    if (a instanceof Error) throw a;
    const status = a.status ?? 200;
    return new Response(a.body === undefined ? null : JSON.stringify(a.body), {
      status,
      headers: { "content-type": status >= 400 ? "application/problem+json" : "application/json" },
    });
  };
  globalThis.fetch = fn as unknown as typeof fetch;
  return calls;
}
