import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { session } from "../api/session";
import type { AlertLiveEvent, TicketLiveEvent } from "../api/types";

export interface LiveHandlers {
  onTicket?: (e: TicketLiveEvent) => void;
  onAlert?: (e: AlertLiveEvent) => void;
}

/** Subscribes to `GET /api/v1/events` while mounted. The stream ends when the access token
 * expires; it is then reopened with a fresh token, resuming after the last event seen.
 * Returns whether the stream is connected. */
export function useLiveEvents(handlers: LiveHandlers): boolean {
  const qc = useQueryClient();
  const [connected, setConnected] = useState(false);
  const h = useRef(handlers);
  h.current = handlers;

  useEffect(() => {
    if (typeof EventSource === "undefined") return;
    let es: EventSource | null = null;
    let stopped = false;
    let lastId: string | null = null;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let backoff = 1000;
    let queueTimer: ReturnType<typeof setTimeout> | undefined;

    // Many events can arrive at once (a bulk import): refetch the queue once per burst.
    const refreshQueue = () => {
      clearTimeout(queueTimer);
      queueTimer = setTimeout(() => void qc.invalidateQueries({ queryKey: ["tickets"] }), 500);
    };

    const parse = <T,>(e: MessageEvent): T | null => {
      if (e.lastEventId) lastId = e.lastEventId;
      try {
        return JSON.parse(e.data) as T;
      } catch {
        return null;
      }
    };

    async function connect() {
      const token = await session.freshToken(60_000);
      if (stopped || !token) return;
      const params = new URLSearchParams({ access_token: token });
      if (lastId) params.set("last_event_id", lastId);
      es = new EventSource(`/api/v1/events?${params}`);
      es.onopen = () => {
        backoff = 1000;
        setConnected(true);
      };
      es.addEventListener("ticket", (e) => {
        const ev = parse<TicketLiveEvent>(e as MessageEvent);
        if (!ev) return;
        refreshQueue();
        void qc.invalidateQueries({ queryKey: ["ticket", ev.id] });
        h.current.onTicket?.(ev);
      });
      es.addEventListener("alert", (e) => {
        const ev = parse<AlertLiveEvent>(e as MessageEvent);
        if (!ev) return;
        refreshQueue();
        void qc.invalidateQueries({ queryKey: ["alerts"] });
        void qc.invalidateQueries({ queryKey: ["ticket", ev.ticket_id] });
        h.current.onAlert?.(ev);
      });
      es.onerror = () => {
        es?.close();
        es = null;
        setConnected(false);
        if (stopped) return;
        retry = setTimeout(() => void connect(), backoff);
        backoff = Math.min(backoff * 2, 30_000);
      };
    }

    void connect();
    return () => {
      stopped = true;
      clearTimeout(retry);
      clearTimeout(queueTimer);
      es?.close();
      setConnected(false);
    };
  }, [qc]);

  return connected;
}
