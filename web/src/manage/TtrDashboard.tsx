import { useQuery } from "@tanstack/react-query";
import type { TFunction } from "i18next";
import { useMemo } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import type { Hours } from "../api/types";
import { BREAKDOWNS, TREND_GROUPS, ttrCsvPath, ttrReport, type GroupBy, type ReportParams, type TtrGroup } from "./api";
import { Chart } from "./Chart";
import { CsvButton, DateRange, hoursOf, Kpi, num, pct, QueryError, Secs, useRange } from "./common";

/** A group's key in words: an agent's name, a translated priority or category, a period. */
export function groupLabel(t: TFunction, groupBy: string, g: { key: string; label?: string | null }): string {
  if (g.label) return g.label;
  if (groupBy === "priority") return t(`priority.${g.key}`, { defaultValue: g.key });
  if (groupBy === "category") return t(`category.${g.key}`, { defaultValue: g.key });
  if (groupBy === "agent" && (g.key === "" || g.key === "none" || g.key === "unassigned")) return t("detail.unassigned");
  return g.key;
}

export function TtrDashboard() {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const range = useRange();
  const hours: Hours = range.params.get("hours") === "business" ? "business" : "calendar";
  const trend = (TREND_GROUPS as readonly string[]).includes(range.params.get("trend") ?? "") ? (range.params.get("trend") as GroupBy) : "week";
  const by = (BREAKDOWNS as readonly string[]).includes(range.params.get("by") ?? "") ? (range.params.get("by") as GroupBy) : "priority";
  const base = { from: range.apiFrom, to: range.apiTo, hours };
  const p = (group_by: GroupBy): ReportParams => ({ ...base, group_by });

  const total = useQuery({ queryKey: ["ttr", p("none")], queryFn: () => ttrReport(p("none")) });
  const over = useQuery({ queryKey: ["ttr", p(trend)], queryFn: () => ttrReport(p(trend)) });
  const split = useQuery({ queryKey: ["ttr", p(by)], queryFn: () => ttrReport(p(by)) });
  const all = total.data?.groups[0];
  const error = total.error ?? over.error ?? split.error;

  return (
    <div className="report">
      <h1>{t("ttr.title")}</h1>
      <p className="muted">{t("ttr.intro")}</p>
      <DateRange key={`${range.from}/${range.to}`} from={range.from} to={range.to} onApply={(from, to) => range.set({ from, to })}>
        <fieldset className="segmented">
          <legend>{t("ttr.hours")}</legend>
          {(["calendar", "business"] as const).map((h) => (
            <label key={h}>
              <input type="radio" name="hours" value={h} checked={hours === h} onChange={() => range.set({ hours: h === "calendar" ? "" : h })} />
              {t(`ttr.hours_${h}`)}
            </label>
          ))}
        </fieldset>
      </DateRange>
      {error ? (
        <QueryError error={error} onRetry={() => void Promise.all([total.refetch(), over.refetch(), split.refetch()])} />
      ) : null}

      <section aria-labelledby="ttr-summary-h" className="report__section">
        <div className="section-head">
          <h2 id="ttr-summary-h">{t("ttr.summary")}</h2>
          <CsvButton path={ttrCsvPath(p("none"))} filename={`ttr-${range.from}-${range.to}-${hours}.csv`} />
        </div>
        {total.isPending ? (
          <p>{t("app.loading")}</p>
        ) : all ? (
          <div className="kpis" data-testid="ttr-kpis">
            <Kpi label={t("ttr.tickets")} testId="kpi-tickets">
              {all.tickets}
            </Kpi>
            <Kpi label={t("ttr.resolved")}>{all.resolved}</Kpi>
            <Kpi label={t("ttr.medianTtr")} testId="kpi-median">
              <Secs s={all.ttr.median_s} lang={lang} />
            </Kpi>
            <Kpi label={t("ttr.p90Ttr")}>
              <Secs s={all.ttr.p90_s} lang={lang} />
            </Kpi>
            <Kpi label={t("ttr.kmTtr")}>
              <Secs s={all.ttr.km_median_s} lang={lang} />
            </Kpi>
            <Kpi label={t("ttr.medianFrt")}>
              <Secs s={all.frt.median_s} lang={lang} />
            </Kpi>
            <Kpi label={t("ttr.slaMet")} testId="kpi-sla">
              {pct(all.sla.met_pct, lang)}
            </Kpi>
            <Kpi label={t("ttr.breaches")}>{all.sla.breached}</Kpi>
          </div>
        ) : null}
        {all && all.excluded > 0 && <p className="muted small">{t("ttr.excludedNote", { count: all.excluded })}</p>}
      </section>

      <section aria-labelledby="ttr-trend-h" className="report__section">
        <div className="section-head">
          <h2 id="ttr-trend-h">{t("ttr.overTime")}</h2>
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
          <CsvButton path={ttrCsvPath(p(trend))} filename={`ttr-by-${trend}-${range.from}-${range.to}-${hours}.csv`} />
        </div>
        {over.data && <TrendCharts groups={over.data.groups} />}
        {over.data && (
          <details>
            <summary>{t("ttr.showTable")}</summary>
            <TtrTable groups={over.data.groups} groupBy={trend} params={p(trend)} />
          </details>
        )}
      </section>

      <section aria-labelledby="ttr-split-h" className="report__section">
        <div className="section-head">
          <h2 id="ttr-split-h">{t("ttr.breakdown")}</h2>
          <label className="filter filter--inline">
            <span>{t("ttr.by")}</span>
            <select name="by" value={by} onChange={(e) => range.set({ by: e.target.value })}>
              {BREAKDOWNS.map((g) => (
                <option key={g} value={g}>
                  {t(`ttr.group_${g}`)}
                </option>
              ))}
            </select>
          </label>
          <CsvButton path={ttrCsvPath(p(by))} filename={`ttr-by-${by}-${range.from}-${range.to}-${hours}.csv`} />
        </div>
        {split.data && <BreakdownChart groups={split.data.groups} groupBy={by} />}
        {split.data && <TtrTable groups={split.data.groups} groupBy={by} params={p(by)} testId="breakdown-table" />}
      </section>
    </div>
  );
}

function TrendCharts({ groups }: { groups: TtrGroup[] }) {
  const { t } = useTranslation();
  const labels = useMemo(() => groups.map((g) => g.key), [groups]);
  const ttr = useMemo(
    () => [
      { label: t("ttr.median"), data: groups.map((g) => hoursOf(g.ttr.median_s)) },
      { label: t("ttr.p90"), data: groups.map((g) => hoursOf(g.ttr.p90_s)) },
      { label: t("ttr.km"), data: groups.map((g) => hoursOf(g.ttr.km_median_s)) },
    ],
    [groups, t],
  );
  const frt = useMemo(
    () => [
      { label: t("ttr.median"), data: groups.map((g) => hoursOf(g.frt.median_s)) },
      { label: t("ttr.p90"), data: groups.map((g) => hoursOf(g.frt.p90_s)) },
    ],
    [groups, t],
  );
  const sla = useMemo(() => [{ label: t("ttr.slaMet"), data: groups.map((g) => g.sla.met_pct) }], [groups, t]);
  return (
    <div className="charts">
      <figure>
        <figcaption>{t("ttr.ttrChart")}</figcaption>
        <Chart type="line" labels={labels} series={ttr} label={t("ttr.ttrChart")} yTitle={t("ttr.hoursAxis")} />
      </figure>
      <figure>
        <figcaption>{t("ttr.frtChart")}</figcaption>
        <Chart type="line" labels={labels} series={frt} label={t("ttr.frtChart")} yTitle={t("ttr.hoursAxis")} />
      </figure>
      <figure>
        <figcaption>{t("ttr.slaChart")}</figcaption>
        <Chart type="bar" labels={labels} series={sla} label={t("ttr.slaChart")} yTitle="%" />
      </figure>
    </div>
  );
}

function BreakdownChart({ groups, groupBy }: { groups: TtrGroup[]; groupBy: string }) {
  const { t } = useTranslation();
  const labels = useMemo(() => groups.map((g) => groupLabel(t, groupBy, g)), [groups, groupBy, t]);
  const series = useMemo(
    () => [
      { label: t("ttr.medianTtr"), data: groups.map((g) => hoursOf(g.ttr.median_s)) },
      { label: t("ttr.p90Ttr"), data: groups.map((g) => hoursOf(g.ttr.p90_s)) },
      { label: t("ttr.medianFrt"), data: groups.map((g) => hoursOf(g.frt.median_s)) },
    ],
    [groups, t],
  );
  return (
    <figure>
      <figcaption>{t("ttr.breakdownChart", { by: t(`ttr.group_${groupBy}`) })}</figcaption>
      <Chart
        type="bar"
        horizontal
        labels={labels}
        series={series}
        label={t("ttr.breakdownChart", { by: t(`ttr.group_${groupBy}`) })}
        yTitle={t("ttr.hoursAxis")}
        height={Math.max(200, 60 + groups.length * 48)}
      />
    </figure>
  );
}

export function TtrTable({ groups, groupBy, params, testId }: { groups: TtrGroup[]; groupBy: string; params: ReportParams; testId?: string }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const drill = (key: string) => {
    const q = new URLSearchParams({ from: params.from, to: params.to, hours: params.hours, group_by: params.group_by, key });
    return `/agent/reports/tickets?${q}`;
  };
  if (groups.length === 0) return <p className="empty">{t("reports.empty")}</p>;
  return (
    <div className="table-wrap">
      <table className="report-table" data-testid={testId}>
        <thead>
          <tr>
            <th scope="col">{t(`ttr.group_${groupBy}`)}</th>
            <th scope="col">{t("ttr.tickets")}</th>
            <th scope="col">{t("ttr.resolved")}</th>
            <th scope="col">{t("ttr.excluded")}</th>
            <th scope="col">{t("ttr.medianTtr")}</th>
            <th scope="col">{t("ttr.p90Ttr")}</th>
            <th scope="col">{t("ttr.meanTtr")}</th>
            <th scope="col">{t("ttr.kmTtr")}</th>
            <th scope="col">{t("ttr.medianFrt")}</th>
            <th scope="col">{t("ttr.p90Frt")}</th>
            <th scope="col">{t("ttr.slaMet")}</th>
            <th scope="col">{t("ttr.breaches")}</th>
          </tr>
        </thead>
        <tbody>
          {groups.map((g) => (
            <tr key={g.key} data-key={g.key}>
              <th scope="row">{groupLabel(t, groupBy, g)}</th>
              <td data-value={g.tickets}>
                <Link to={drill(g.key)} title={t("ttr.drill")}>
                  {g.tickets}
                </Link>
              </td>
              <td data-value={g.resolved}>{g.resolved}</td>
              <td data-value={g.excluded}>{g.excluded}</td>
              <td>
                <Secs s={g.ttr.median_s} lang={lang} />
              </td>
              <td>
                <Secs s={g.ttr.p90_s} lang={lang} />
              </td>
              <td>
                <Secs s={g.ttr.mean_s} lang={lang} />
              </td>
              <td>
                <Secs s={g.ttr.km_median_s} lang={lang} />
              </td>
              <td>
                <Secs s={g.frt.median_s} lang={lang} />
              </td>
              <td>
                <Secs s={g.frt.p90_s} lang={lang} />
              </td>
              <td data-value={g.sla.met_pct ?? ""}>{pct(g.sla.met_pct, lang)}</td>
              <td data-value={g.sla.breached}>{num(g.sla.breached, lang)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
