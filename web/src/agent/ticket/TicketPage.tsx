import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router";
import { ApiError } from "../../api/http";
import { getTicket } from "../../api/staff";
import { ErrorBanner } from "../../components/ErrorBanner";
import { PriorityBadge, StatusBadge } from "../../components/StatusBadge";
import { formatDateTime } from "../../lib/format";
import { ClockTimeline } from "./ClockTimeline";
import { Composer } from "./Composer";
import { CustomerPanel } from "./CustomerPanel";
import { MetricsPanel } from "./MetricsPanel";
import { PropertiesPanel } from "./PropertiesPanel";
import { SlaPanel } from "./SlaPanel";
import { StatusControl } from "./StatusControl";
import { Thread } from "./Thread";

export function TicketPage() {
  const { t, i18n } = useTranslation();
  const id = Number(useParams().id);
  const q = useQuery({
    queryKey: ["ticket", id],
    queryFn: () => getTicket(id),
    enabled: Number.isInteger(id),
    retry: (n, e) => !(e instanceof ApiError && e.status < 500) && n < 2,
    // The recurring-complaint indexer catches up within a second or two of a new ticket.
    refetchInterval: (query) => (query.state.data?.recurring === null && query.state.dataUpdateCount < 15 ? 2000 : false),
  });

  const back = (
    <Link to="/agent" className="back">
      ← {t("detail.back")}
    </Link>
  );
  if (q.isPending) return <p>{t("app.loading")}</p>;
  if (q.error) {
    return (
      <div>
        {back}
        {q.error instanceof ApiError && q.error.status === 404 ? (
          <p role="alert">{t("detail.notFound")}</p>
        ) : (
          <ErrorBanner error={q.error} onRetry={() => q.refetch()} />
        )}
      </div>
    );
  }
  const tk = q.data;
  return (
    <div className="ticket">
      <div className="ticket__main">
        {back}
        <header className="ticket__head">
          <p className="muted">
            <span className="mono">{tk.reference}</span> · {t("detail.created", { when: formatDateTime(tk.created_at, i18n.language) })} ·{" "}
            {t("detail.channel", { channel: tk.channel })}
          </p>
          <h1>{tk.subject}</h1>
          <p className="badges">
            <StatusBadge status={tk.status} /> <PriorityBadge priority={tk.priority} />
            {tk.tags.map((tag) => (
              <span key={tag} className="tag">
                {tag}
              </span>
            ))}
          </p>
        </header>
        <section aria-labelledby="thread-h">
          <h2 id="thread-h" className="visually-hidden">
            {t("detail.conversation")}
          </h2>
          <Thread messages={tk.messages} />
        </section>
        {tk.status !== "closed" && <Composer ticket={tk} />}
      </div>
      <aside className="ticket__side">
        <StatusControl ticket={tk} />
        <SlaPanel ticket={tk} />
        <PropertiesPanel ticket={tk} />
        <CustomerPanel ticket={tk} />
        <ClockTimeline events={tk.events} />
        <MetricsPanel metrics={tk.metrics} />
      </aside>
    </div>
  );
}
