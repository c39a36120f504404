import { useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { formatDateTime, formatRelative } from "../lib/format";
import { atRisk, cxCsvPath, cxReport, TREND_GROUPS, type AtRiskCustomer, type CxGroup, type GroupBy } from "./api";
import { Chart } from "./Chart";
import { CsvButton, DateRange, Kpi, num, pct, QueryError, useRange } from "./common";

/** CSAT, CES, NPS and response rate over time and in total; latest comments; at-risk customers. */
export function CxPage() {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const range = useRange();
  const trend = (TREND_GROUPS as readonly string[]).includes(range.params.get("trend") ?? "") ? (range.params.get("trend") as GroupBy) : "week";
  const p = (group_by: GroupBy) => ({ from: range.apiFrom, to: range.apiTo, group_by });
  const total = useQuery({ queryKey: ["cx", p("none")], queryFn: () => cxReport(p("none")) });
  const over = useQuery({ queryKey: ["cx", p(trend)], queryFn: () => cxReport(p(trend)) });
  const all = total.data?.groups[0];
  const error = total.error ?? over.error;
  return (
    <div className="report">
      <h1>{t("cx.title")}</h1>
      <DateRange key={`${range.from}/${range.to}`} from={range.from} to={range.to} onApply={(from, to) => range.set({ from, to })} />
      {error ? <QueryError error={error} onRetry={() => void Promise.all([total.refetch(), over.refetch()])} /> : null}
      <section className="report__section" aria-labelledby="cx-sum-h">
        <div className="section-head">
          <h2 id="cx-sum-h">{t("ttr.summary")}</h2>
          <CsvButton path={cxCsvPath(p("none"))} filename={`cx-${range.from}-${range.to}.csv`} />
        </div>
        {all && (
          <div className="kpis" data-testid="cx-kpis">
            <Kpi label={t("cx.csat")}>{pct(all.csat_pct, lang)}</Kpi>
            <Kpi label={t("cx.ces")}>{num(all.ces_avg, lang)}</Kpi>
            <Kpi label={t("cx.nps")}>{num(all.nps, lang, 1)}</Kpi>
            <Kpi label={t("cx.responseRate")}>{pct(all.response_rate, lang)}</Kpi>
            <Kpi label={t("cx.responses")}>{all.responses}</Kpi>
            <Kpi label={t("cx.offered")}>{all.resolved}</Kpi>
          </div>
        )}
        {all && all.responses > 0 && <Distributions g={all} />}
      </section>
      <section className="report__section" aria-labelledby="cx-trend-h">
        <div className="section-head">
          <h2 id="cx-trend-h">{t("ttr.overTime")}</h2>
          <label className="filter filter--inline">
            <span>{t("ttr.per")}</span>
            <select name="trend" value={trend} onChange={(e) => range.set({ trend: e.target.value === "week" ? "" : e.target.value })}>
              {TREND_GROUPS.map((g) => (
                <option key={g} value={g}>
                  {t(`ttr.group_${g}`)}
                </option>
              ))}
            </select>
          </label>
          <CsvButton path={cxCsvPath(p(trend))} filename={`cx-by-${trend}-${range.from}-${range.to}.csv`} />
        </div>
        {over.data && <CxTrend groups={over.data.groups} />}
        {over.data && (
          <details>
            <summary>{t("ttr.showTable")}</summary>
            <CxTable groups={over.data.groups} groupBy={trend} />
          </details>
        )}
      </section>
      <section className="report__section" aria-labelledby="cx-comments-h">
        <h2 id="cx-comments-h">{t("cx.comments")}</h2>
        {total.data && total.data.comments.length === 0 && <p className="muted">{t("cx.noComments")}</p>}
        <ul className="comments">
          {total.data?.comments.slice(0, 12).map((c) => (
            <li key={c.ticket_id}>
              <q className="comment">{c.comment}</q>
              <div className="muted small">
                <Link to={`/agent/tickets/${c.ticket_id}`} className="mono">
                  {c.reference}
                </Link>{" "}
                · {t("detail.surveyScores", { csat: c.csat ?? "—", ces: "—", nps: c.nps ?? "—" })} · {formatDateTime(c.answered_at, lang)}
              </div>
            </li>
          ))}
        </ul>
      </section>
      <AtRisk />
    </div>
  );
}

function Distributions({ g }: { g: CxGroup }) {
  const { t } = useTranslation();
  const csat = useMemo(() => [{ label: t("cx.answers"), data: g.csat_counts }], [g, t]);
  const ces = useMemo(() => [{ label: t("cx.answers"), data: g.ces_counts }], [g, t]);
  const nps = useMemo(() => [{ label: t("cx.answers"), data: g.nps_counts }], [g, t]);
  const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => String(a + i));
  return (
    <div className="charts">
      <figure>
        <figcaption>{t("cx.csatDist")}</figcaption>
        <Chart type="bar" labels={range(1, 5)} series={csat} label={t("cx.csatDist")} height={200} />
      </figure>
      <figure>
        <figcaption>{t("cx.cesDist")}</figcaption>
        <Chart type="bar" labels={range(1, 7)} series={ces} label={t("cx.cesDist")} height={200} />
      </figure>
      <figure>
        <figcaption>{t("cx.npsDist")}</figcaption>
        <Chart type="bar" labels={range(0, 10)} series={nps} label={t("cx.npsDist")} height={200} />
      </figure>
    </div>
  );
}

function CxTrend({ groups }: { groups: CxGroup[] }) {
  const { t } = useTranslation();
  const labels = useMemo(() => groups.map((g) => g.key), [groups]);
  const pcts = useMemo(
    () => [
      { label: t("cx.csat"), data: groups.map((g) => g.csat_pct) },
      { label: t("cx.nps"), data: groups.map((g) => g.nps) },
      { label: t("cx.responseRate"), data: groups.map((g) => g.response_rate) },
    ],
    [groups, t],
  );
  const ces = useMemo(() => [{ label: t("cx.ces"), data: groups.map((g) => g.ces_avg) }], [groups, t]);
  return (
    <div className="charts charts--2">
      <figure>
        <figcaption>{t("cx.trendChart")}</figcaption>
        <Chart type="line" labels={labels} series={pcts} label={t("cx.trendChart")} yTitle="%" />
      </figure>
      <figure>
        <figcaption>{t("cx.cesChart")}</figcaption>
        <Chart type="line" labels={labels} series={ces} label={t("cx.cesChart")} />
      </figure>
    </div>
  );
}

function CxTable({ groups, groupBy }: { groups: CxGroup[]; groupBy: string }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  return (
    <div className="table-wrap">
      <table className="report-table">
        <thead>
          <tr>
            <th scope="col">{t(`ttr.group_${groupBy}`)}</th>
            <th scope="col">{t("cx.offered")}</th>
            <th scope="col">{t("cx.responses")}</th>
            <th scope="col">{t("cx.responseRate")}</th>
            <th scope="col">{t("cx.csat")}</th>
            <th scope="col">{t("cx.ces")}</th>
            <th scope="col">{t("cx.nps")}</th>
          </tr>
        </thead>
        <tbody>
          {groups.map((g) => (
            <tr key={g.key}>
              <th scope="row">{g.label ?? g.key}</th>
              <td>{g.resolved}</td>
              <td>{g.responses}</td>
              <td>{pct(g.response_rate, lang)}</td>
              <td>{pct(g.csat_pct, lang)}</td>
              <td>{num(g.ces_avg, lang)}</td>
              <td>{num(g.nps, lang, 1)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** A signal in the user's language (the API's `reasons` are English). */
export function reasonText(t: (k: string, o?: Record<string, unknown>) => string, s: AtRiskCustomer["signals"][number], fallback: string): string {
  const known = ["repeat_complaints", "sla_breaches", "low_csat", "nps_detractor", "reopened", "waiting"];
  if (!known.includes(s.code)) return fallback;
  return t(`risk.${s.code}`, { count: s.value, value: s.value, ticket: s.ticket ?? "" });
}

function AtRisk() {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const q = useQuery({ queryKey: ["at-risk", 90], queryFn: () => atRisk(90) });
  return (
    <section className="report__section" aria-labelledby="risk-h">
      <h2 id="risk-h">{t("risk.title")}</h2>
      <p className="muted small">{t("risk.intro")}</p>
      {q.error && <QueryError error={q.error} onRetry={() => q.refetch()} />}
      {q.data && q.data.items.length === 0 && <p className="empty">{t("risk.none")}</p>}
      {q.data && q.data.items.length > 0 && (
        <div className="table-wrap">
          <table className="report-table" data-testid="at-risk">
            <thead>
              <tr>
                <th scope="col">{t("queue.customer")}</th>
                <th scope="col">{t("risk.score")}</th>
                <th scope="col">{t("risk.reasons")}</th>
                <th scope="col">{t("risk.lastContact")}</th>
              </tr>
            </thead>
            <tbody>
              {q.data.items.slice(0, 50).map((c) => (
                <tr key={c.customer_id}>
                  <th scope="row">
                    <Link to={`/agent?${new URLSearchParams({ q: c.email, status: "all" })}`}>{c.name}</Link>
                    {c.tier === "vip" && <span className="tag tag--vip">VIP</span>}
                    <div className="muted small">{c.email}</div>
                  </th>
                  <td>
                    <span className={`score${c.score >= 70 ? " score--high" : ""}`}>{c.score}</span>
                  </td>
                  <td>
                    <ul className="reasons">
                      {c.signals.map((s, i) => (
                        <li key={i}>{reasonText(t as never, s, c.reasons[i] ?? s.code)}</li>
                      ))}
                    </ul>
                  </td>
                  <td>{formatRelative(c.last_contact, lang)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
