import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link, useSearchParams } from "react-router";
import { ackAlert } from "../api/staff";
import { ErrorBanner } from "../components/ErrorBanner";
import { PriorityBadge } from "../components/StatusBadge";
import { useNow } from "../components/useNow";
import type { Priority } from "../api/types";
import { formatDateTime, formatDuration, formatRelative } from "../lib/format";
import { useStaffName } from "../agent/users";
import { listAlerts } from "./api";
import { QueryError } from "./common";

const STATES = ["open", "acked", "cleared", "all"] as const;

/** Open warnings and breaches, oldest first. The layout's live stream invalidates ["alerts"]
 * on every alert event, so new ones appear without a reload. */
export function AlertsBoard() {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const now = useNow(15_000);
  const qc = useQueryClient();
  const staffName = useStaffName();
  const [sp, setSp] = useSearchParams();
  const state = (STATES as readonly string[]).includes(sp.get("state") ?? "") ? sp.get("state")! : "open";
  const q = useInfiniteQuery({
    queryKey: ["alerts", state],
    queryFn: ({ pageParam }) => listAlerts(state, pageParam),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor,
    refetchInterval: 60_000,
  });
  const ack = useMutation({
    mutationFn: (id: number) => ackAlert(id),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ["alerts"] }),
  });
  const items = q.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <div className="report">
      <div className="section-head">
        <h1>{t("alerts.title")}</h1>
        <label className="filter filter--inline">
          <span>{t("alerts.state")}</span>
          <select name="state" value={state} onChange={(e) => setSp(e.target.value === "open" ? {} : { state: e.target.value }, { replace: true })}>
            {STATES.map((s) => (
              <option key={s} value={s}>
                {t(`alerts.state_${s}`)}
              </option>
            ))}
          </select>
        </label>
        {q.data && <span className="muted">{t("queue.count", { count: items.length })}</span>}
      </div>
      <p className="muted">{t("alerts.intro")}</p>
      {q.error && <QueryError error={q.error} onRetry={() => q.refetch()} />}
      {ack.error && <ErrorBanner error={ack.error} />}
      {q.isPending ? (
        <p>{t("app.loading")}</p>
      ) : items.length === 0 ? (
        <p className="empty">{t("alerts.empty")}</p>
      ) : (
        <ul className="alert-list" data-testid="alert-list">
          {items.map((a) => {
            const overdue = now - new Date(a.due_at).getTime();
            return (
              <li key={a.id} className={`alert-row alert-row--${a.level}`} data-testid="alert-row" data-ticket={a.ticket.reference}>
                <span className={`level level--${a.level}`}>{t(`level.${a.level}`)}</span>
                <div className="alert-row__main">
                  <div>
                    <Link to={`/agent/tickets/${a.ticket_id}`} className="mono">
                      {a.ticket.reference}
                    </Link>{" "}
                    {a.ticket.subject}
                  </div>
                  <div className="muted small">
                    {t(`metric.${a.metric}`)} · <PriorityBadge priority={a.ticket.priority as Priority} /> · {staffName(a.ticket.assignee_id)}
                  </div>
                  <div className="small">
                    <time dateTime={a.due_at} title={formatDateTime(a.due_at, lang)}>
                      {a.level === "breach" && overdue > 0
                        ? t("detail.overdueBy", { duration: formatDuration(overdue / 1000, lang) })
                        : t("alerts.crossed", { when: formatRelative(a.due_at, lang, now) })}
                    </time>
                    {a.acked_at && <span className="muted"> · {t("alerts.ackedAt", { when: formatRelative(a.acked_at, lang, now) })}</span>}
                    {a.cleared_at && <span className="muted"> · {t("alerts.clearedAt", { when: formatRelative(a.cleared_at, lang, now) })}</span>}
                  </div>
                </div>
                {!a.acked_at && !a.cleared_at && (
                  <button type="button" className="btn btn--small" disabled={ack.isPending} onClick={() => ack.mutate(a.id)}>
                    {t("detail.ack")}
                  </button>
                )}
              </li>
            );
          })}
        </ul>
      )}
      {q.hasNextPage && (
        <button type="button" className="btn" onClick={() => q.fetchNextPage()} disabled={q.isFetchingNextPage}>
          {t("queue.loadMore")}
        </button>
      )}
    </div>
  );
}
