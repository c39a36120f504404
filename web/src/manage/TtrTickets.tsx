import { useInfiniteQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link, useSearchParams } from "react-router";
import type { Hours } from "../api/types";
import { ttrTickets, type GroupBy } from "./api";
import { CsvButton, QueryError, Secs } from "./common";
import { groupLabel } from "./TtrDashboard";
import { query } from "../api/http";

/** Drill-down: the tickets behind one row of the TTR report, with their own figures. */
export function TtrTickets() {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const [sp] = useSearchParams();
  const hours: Hours = sp.get("hours") === "business" ? "business" : "calendar";
  const p = { from: sp.get("from") ?? "", to: sp.get("to") ?? "", hours, group_by: (sp.get("group_by") ?? "none") as GroupBy, key: sp.get("key") ?? "all" };
  const q = useInfiniteQuery({
    queryKey: ["ttr-tickets", p],
    queryFn: ({ pageParam }) => ttrTickets(p, pageParam),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor,
  });
  const items = q.data?.pages.flatMap((x) => x.items) ?? [];
  const biz = hours === "business";
  const back = `/agent/reports?${new URLSearchParams({ from: p.from, to: p.to, ...(biz ? { hours } : {}) })}`;
  return (
    <div className="report">
      <Link to={back} className="back">
        ← {t("ttr.title")}
      </Link>
      <div className="section-head">
        <h1>{t("ttr.drillTitle", { group: p.group_by === "none" ? t("ttr.all") : groupLabel(t, p.group_by, { key: p.key }) })}</h1>
        <CsvButton path={`/api/v1/reports/ttr/tickets${query({ ...p, format: "csv" })}`} filename={`ttr-tickets-${p.key}.csv`} />
      </div>
      <p className="muted">{t(`ttr.hours_${hours}`)}</p>
      {q.error && <QueryError error={q.error} onRetry={() => q.refetch()} />}
      {q.isPending ? (
        <p>{t("app.loading")}</p>
      ) : items.length === 0 ? (
        <p className="empty">{t("reports.empty")}</p>
      ) : (
        <div className="table-wrap">
          <table className="report-table">
            <thead>
              <tr>
                <th scope="col">{t("queue.reference")}</th>
                <th scope="col">{t("queue.subject")}</th>
                <th scope="col">{t("queue.status")}</th>
                <th scope="col">{t("queue.priority")}</th>
                <th scope="col">{t("ttr.frt")}</th>
                <th scope="col">{t("ttr.ttr")}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((x) => (
                <tr key={x.id}>
                  <td className="mono">
                    <Link to={`/agent/tickets/${x.id}`}>{x.reference}</Link>
                  </td>
                  <td>{x.subject}</td>
                  <td>{t(`status.${x.status}`, { defaultValue: x.status })}</td>
                  <td>{t(`priority.${x.priority}`, { defaultValue: x.priority })}</td>
                  <td>
                    <Secs s={biz ? x.first_response_business_s : x.first_response_s} lang={lang} />
                  </td>
                  <td>
                    <Secs s={biz ? x.resolution_business_s : x.resolution_s} lang={lang} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {q.hasNextPage && (
        <button type="button" className="btn" onClick={() => q.fetchNextPage()} disabled={q.isFetchingNextPage}>
          {t("queue.loadMore")}
        </button>
      )}
    </div>
  );
}
