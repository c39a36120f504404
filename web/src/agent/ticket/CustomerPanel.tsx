import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import type { Survey, TicketDetail } from "../../api/types";
import { isManager } from "../roles";
import { useSession } from "../useSession";
import { StatusBadge } from "../../components/StatusBadge";
import { formatDate, formatDuration } from "../../lib/format";

function Scores({ survey }: { survey: Survey }) {
  const { t } = useTranslation();
  const v = (n: number | null) => (n === null ? "—" : String(n));
  return (
    <span className="scores">
      {t("detail.surveyScores", { csat: v(survey.csat), ces: v(survey.ces), nps: v(survey.nps) })}
      {survey.comment && <q className="comment">{survey.comment}</q>}
    </span>
  );
}

/** Who the customer is, whether they keep coming back, and their earlier tickets. */
export function CustomerPanel({ ticket }: { ticket: TicketDetail }) {
  const { t, i18n } = useTranslation();
  const c = ticket.customer;
  return (
    <section className="panel" aria-labelledby="cust-h">
      <h2 id="cust-h">{t("detail.history")}</h2>
      <p>
        <strong>{c.name}</strong>{" "}
        <span className={`tag${c.tier === "vip" ? " tag--vip" : ""}`}>{t(`detail.tier.${c.tier}`)}</span>
        <br />
        <a href={`mailto:${c.email}`} className="small">
          {c.email}
        </a>
      </p>
      <RecurringFlags ticket={ticket} />
      {ticket.survey && (
        <p className="small">
          {t("detail.survey")}: <Scores survey={ticket.survey} />
        </p>
      )}
      {ticket.customer_history.length === 0 ? (
        <p className="muted small">{t("detail.noHistory")}</p>
      ) : (
        <ul className="history">
          {ticket.customer_history.map((h) => (
            <li key={h.id}>
              <Link to={`/agent/tickets/${h.id}`} className="mono">
                {h.reference}
              </Link>{" "}
              <StatusBadge status={h.status} /> <span>{h.subject}</span>
              <div className="muted small">
                {formatDate(h.created_at, i18n.language)}
                {h.resolution_s !== null && ` · ${t("detail.resolvedIn", { duration: formatDuration(h.resolution_s, i18n.language) })}`}
              </div>
              {h.survey && (
                <div className="small">
                  <Scores survey={h.survey} />
                </div>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** "3rd time in 90 days" with links to the earlier complaints, and the recurring issue
 * (across customers) the complaint belongs to. `recurring` is null until the indexer has
 * seen the ticket (the page refetches meanwhile). */
function RecurringFlags({ ticket }: { ticket: TicketDetail }) {
  const { t } = useTranslation();
  const { user } = useSession();
  const r = ticket.recurring;
  if (r === undefined) return null;
  if (r === null) return <p className="muted small">{t("detail.recurringPending")}</p>;
  const refs = new Map(ticket.customer_history.map((h) => [h.id, h.reference]));
  return (
    <>
      {r.customer_repeat_count > 0 && (
        <div className="banner banner--warning small" data-testid="repeat-flag">
          <strong>{t("detail.repeatTime", { count: r.customer_repeat_count + 1, ordinal: true })}</strong>
          <span>
            {t("detail.earlier")}{" "}
            {r.previous_ticket_ids.map((id, i) => (
              <span key={id}>
                {i > 0 && ", "}
                <Link to={`/agent/tickets/${id}`} className="mono">
                  {refs.get(id) ?? `#${id}`}
                </Link>
              </span>
            ))}
          </span>
        </div>
      )}
      {r.issue_id !== null && (
        <p className="small" data-testid="recurring-issue">
          {isManager(user) ? (
            <Link to={`/agent/recurring?issue=${r.issue_id}`}>{t("detail.issueLink", { id: r.issue_id })}</Link>
          ) : (
            t("detail.issueLink", { id: r.issue_id })
          )}
        </p>
      )}
    </>
  );
}
