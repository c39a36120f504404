import { useTranslation } from "react-i18next";
import type { TicketMetrics } from "../../api/types";
import { formatDuration } from "../../lib/format";

export function MetricsPanel({ metrics }: { metrics: TicketMetrics }) {
  const { t, i18n } = useTranslation();
  const d = (s: number | null | undefined) => (s === null || s === undefined ? "—" : formatDuration(s, i18n.language));
  return (
    <section className="panel" aria-labelledby="metrics-h">
      <h2 id="metrics-h">{t("detail.metrics")}</h2>
      <dl className="kv">
        <dt>{t("detail.firstResponse")}</dt>
        <dd>{d(metrics.first_response_s)}</dd>
        <dt>{t("detail.resolution")}</dt>
        <dd>{d(metrics.resolution_s)}</dd>
        <dt>{t("detail.waitTime")}</dt>
        <dd>{d(metrics.requester_wait_s)}</dd>
        <dt>{t("detail.reopens")}</dt>
        <dd>{metrics.reopen_count}</dd>
      </dl>
    </section>
  );
}
