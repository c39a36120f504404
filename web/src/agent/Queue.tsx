import { useInfiniteQuery } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Link, useSearchParams } from "react-router";
import { listTickets } from "../api/staff";
import { CATEGORIES, PRIORITIES, STATUSES, type Ticket } from "../api/types";
import { ErrorBanner } from "../components/ErrorBanner";
import { PriorityBadge, StatusBadge } from "../components/StatusBadge";
import { useNow } from "../components/useNow";
import { formatDateTime, formatDuration, formatRelative } from "../lib/format";
import { filterFromParams, type FilterKey } from "./queueFilter";
import { useStaffName } from "./users";

const PAGE = 25;

export function Queue() {
  const { t } = useTranslation();
  const [params, setParams] = useSearchParams();
  const filter = filterFromParams(params);

  const q = useInfiniteQuery({
    queryKey: ["tickets", filter],
    queryFn: ({ pageParam }) => listTickets(filter, pageParam, PAGE),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor,
    refetchInterval: 120_000,
  });

  const setParam = (key: FilterKey, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next, { replace: true });
  };

  const tickets = q.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <div className="queue">
      <div className="queue__head">
        <h1>{t("queue.title")}</h1>
        {q.data && <span className="muted">{t("queue.count", { count: tickets.length })}</span>}
      </div>
      <Filters params={params} setParam={setParam} reset={() => setParams(new URLSearchParams(), { replace: true })} />
      <ErrorBanner error={q.error} onRetry={() => q.refetch()} />
      {q.isPending ? (
        <p>{t("app.loading")}</p>
      ) : tickets.length === 0 ? (
        <p className="empty">{t("queue.empty")}</p>
      ) : (
        <QueueTable tickets={tickets} />
      )}
      {q.hasNextPage && (
        <div className="form__actions">
          <button type="button" className="btn" onClick={() => q.fetchNextPage()} disabled={q.isFetchingNextPage}>
            {q.isFetchingNextPage ? t("app.loading") : t("queue.loadMore")}
          </button>
        </div>
      )}
    </div>
  );
}

interface FiltersProps {
  params: URLSearchParams;
  setParam: (k: FilterKey, v: string) => void;
  reset: () => void;
}

function Filters({ params, setParam, reset }: FiltersProps) {
  const { t } = useTranslation();
  const [search, setSearch] = useState(params.get("q") ?? "");
  const sel = (key: FilterKey, label: string, options: [string, string][]) => (
    <label className="filter">
      <span>{label}</span>
      <select value={params.get(key) ?? ""} onChange={(e) => setParam(key, e.target.value)} name={key}>
        {options.map(([v, text]) => (
          <option key={v} value={v}>
            {text}
          </option>
        ))}
      </select>
    </label>
  );
  const onSearch = (e: FormEvent) => {
    e.preventDefault();
    setParam("q", search.trim());
  };
  return (
    <section className="filters" aria-label={t("queue.filters")}>
      <form className="filters__search" onSubmit={onSearch} role="search">
        <label className="filter filter--grow">
          <span>{t("queue.search")}</span>
          <input
            type="search"
            name="q"
            value={search}
            placeholder={t("queue.searchPlaceholder")}
            onChange={(e) => setSearch(e.target.value)}
          />
        </label>
        <button type="submit" className="btn">
          {t("queue.search")}
        </button>
      </form>
      <div className="filters__row">
        {sel("status", t("queue.status"), [
          ["", t("queue.statusActive")],
          ["all", t("queue.statusAll")],
          ...STATUSES.map((s): [string, string] => [s, t(`status.${s}`)]),
        ])}
        {sel("assignee", t("queue.assignee"), [
          ["", t("queue.assigneeAnyone")],
          ["me", t("queue.assigneeMe")],
          ["none", t("queue.assigneeNone")],
        ])}
        {sel("priority", t("queue.priority"), [
          ["", t("queue.any")],
          ...PRIORITIES.map((p): [string, string] => [p, t(`priority.${p}`)]),
        ])}
        {sel("category", t("queue.category"), [
          ["", t("queue.any")],
          ...CATEGORIES.map((c): [string, string] => [c, t(`category.${c}`)]),
        ])}
        {sel("sla", t("queue.sla"), [
          ["", t("queue.any")],
          ["breached", t("queue.slaBreached")],
          ["due60", t("queue.slaDue60")],
          ["due240", t("queue.slaDue240")],
        ])}
        {sel("repeat", t("queue.repeatFilter"), [
          ["", t("queue.any")],
          ["true", t("queue.repeatOnly")],
        ])}
        {sel("sort", t("queue.sort"), [
          ["", t("queue.sortNewest")],
          ["due", t("queue.sortDue")],
        ])}
        <button
          type="button"
          className="btn btn--ghost btn--small"
          onClick={() => {
            setSearch("");
            reset();
          }}
        >
          {t("queue.reset")}
        </button>
      </div>
    </section>
  );
}

function QueueTable({ tickets }: { tickets: Ticket[] }) {
  const { t, i18n } = useTranslation();
  const now = useNow();
  const staffName = useStaffName();
  return (
    <div className="table-wrap">
      <table className="queue-table">
        <thead>
          <tr>
            <th scope="col">{t("queue.reference")}</th>
            <th scope="col">{t("queue.subject")}</th>
            <th scope="col" className="hide-sm">
              {t("queue.customer")}
            </th>
            <th scope="col">{t("queue.status")}</th>
            <th scope="col" className="hide-sm">
              {t("queue.priority")}
            </th>
            <th scope="col" className="hide-sm">
              {t("queue.assignee")}
            </th>
            <th scope="col">{t("queue.due")}</th>
            <th scope="col" className="hide-sm">
              {t("queue.updated")}
            </th>
          </tr>
        </thead>
        <tbody>
          {tickets.map((tk) => {
            const overdue = tk.sla_due_at && new Date(tk.sla_due_at).getTime() < now;
            return (
              <tr key={tk.id} className={overdue ? "is-overdue" : undefined}>
                <td className="mono">
                  <Link to={`/agent/tickets/${tk.id}`}>{tk.reference}</Link>
                </td>
                <td className="subject-cell">
                  <Link to={`/agent/tickets/${tk.id}`}>{tk.subject}</Link>
                  {tk.customer.tier === "vip" && <span className="tag tag--vip">VIP</span>}
                  <span className="show-sm muted">{tk.customer.name}</span>
                </td>
                <td className="hide-sm">{tk.customer.name}</td>
                <td>
                  <StatusBadge status={tk.status} />
                </td>
                <td className="hide-sm">
                  <PriorityBadge priority={tk.priority} />
                </td>
                <td className="hide-sm">{staffName(tk.assignee_id)}</td>
                <td>
                  {tk.sla_due_at ? (
                    <time
                      dateTime={tk.sla_due_at}
                      title={formatDateTime(tk.sla_due_at, i18n.language)}
                      className={overdue ? "danger" : undefined}
                    >
                      {overdue
                        ? t("detail.overdueBy", {
                            duration: formatDuration((now - new Date(tk.sla_due_at).getTime()) / 1000, i18n.language),
                          })
                        : formatRelative(tk.sla_due_at, i18n.language, now)}
                    </time>
                  ) : (
                    <span className="muted">—</span>
                  )}
                </td>
                <td className="hide-sm">
                  <time dateTime={tk.updated_at}>{formatRelative(tk.updated_at, i18n.language, now)}</time>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
