// The staff session: the access token lives in memory only, the refresh token in
// localStorage. A 401 triggers one refresh (shared by every caller waiting at that moment,
// because a refresh token works once and reusing it ends the session), then the call is retried.

import { ApiError, request, type RequestOptions } from "./http";
import type { TokenResponse, User } from "./types";

const REFRESH_KEY = "hd.refresh";

export interface SessionState {
  user: User | null;
  accessToken: string | null;
  /** Epoch ms when the access token expires. */
  expiresAt: number;
}

let state: SessionState = { user: null, accessToken: null, expiresAt: 0 };
const listeners = new Set<() => void>();
let refreshing: Promise<boolean> | null = null;

function set(next: SessionState) {
  state = next;
  listeners.forEach((l) => l());
}

export const session = {
  get: (): SessionState => state,
  subscribe(l: () => void): () => void {
    listeners.add(l);
    return () => listeners.delete(l);
  },
  hasRefreshToken: (): boolean => !!readRefresh(),

  accept(t: TokenResponse) {
    writeRefresh(t.refresh_token);
    set({ user: t.user, accessToken: t.access_token, expiresAt: Date.now() + t.expires_in * 1000 });
  },

  clear() {
    writeRefresh(null);
    set({ user: null, accessToken: null, expiresAt: 0 });
  },

  async login(email: string, password: string): Promise<User> {
    const t = await request<TokenResponse>("/api/v1/auth/login", {
      method: "POST",
      body: { email, password },
    });
    session.accept(t);
    return t.user;
  },

  async logout(): Promise<void> {
    const rt = readRefresh();
    session.clear();
    if (rt) {
      try {
        await request<void>("/api/v1/auth/logout", { method: "POST", body: { refresh_token: rt } });
      } catch {
        // The local session is gone either way.
      }
    }
  },

  /** Exchanges the refresh token for new tokens. Concurrent callers share one exchange. */
  refresh(): Promise<boolean> {
    if (!refreshing) {
      refreshing = (async () => {
        const rt = readRefresh();
        if (!rt) {
          session.clear();
          return false;
        }
        try {
          const t = await request<TokenResponse>("/api/v1/auth/refresh", {
            method: "POST",
            body: { refresh_token: rt },
          });
          session.accept(t);
          return true;
        } catch (e) {
          if (e instanceof ApiError && (e.status === 401 || e.status === 422 || e.status === 400)) {
            session.clear();
          }
          return false;
        }
      })().finally(() => {
        refreshing = null;
      });
    }
    return refreshing;
  },

  /** A token valid for at least `marginMs` more, refreshing if needed; null when logged out. */
  async freshToken(marginMs = 30_000): Promise<string | null> {
    if (state.accessToken && state.expiresAt - Date.now() > marginMs) return state.accessToken;
    return (await session.refresh()) ? state.accessToken : null;
  },
};

function readRefresh(): string | null {
  try {
    return localStorage.getItem(REFRESH_KEY);
  } catch {
    return null;
  }
}

function writeRefresh(v: string | null) {
  try {
    if (v) localStorage.setItem(REFRESH_KEY, v);
    else localStorage.removeItem(REFRESH_KEY);
  } catch {
    // Private mode without storage: the session lasts as long as the page.
  }
}

/** A request as the logged-in staff member, refreshing the access token once on 401. */
export async function staffRequest<T>(path: string, opts: Omit<RequestOptions, "token"> = {}): Promise<T> {
  const token = await session.freshToken();
  try {
    return await request<T>(path, { ...opts, token });
  } catch (e) {
    if (e instanceof ApiError && e.status === 401 && (await session.refresh())) {
      return request<T>(path, { ...opts, token: session.get().accessToken });
    }
    throw e;
  }
}
