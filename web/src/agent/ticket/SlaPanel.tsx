import { useTranslation } from "react-i18next";
import { ackAlert } from "../../api/staff";
import type { SlaClock, TicketDetail } from "../../api/types";
import { ErrorBanner } from "../../components/ErrorBanner";
import { useNow } from "../../components/useNow";
import { formatDateTime, formatDuration, formatRelative } from "../../lib/format";
import { useTicketMutation } from "./useTicketMutation";

/** The ticket's SLA clocks with live countdowns, and its alerts that are not cleared. */
export function SlaPanel({ ticket }: { ticket: TicketDetail }) {
  const { t, i18n } = useTranslation();
  const { sla } = ticket;
  const ack = useTicketMutation(ticket.id, (id: number) => ackAlert(id));
  const open = sla.alerts.filter((a) => !a.cleared_at);
  return (
    <section className="panel" aria-labelledby="sla-h">
      <h2 id="sla-h">{t("detail.sla")}</h2>
      {sla.policy ? (
        <p className="muted small">
          {t("detail.slaPolicy", { policy: sla.policy, hours: t(`detail.hours.${sla.hours ?? "calendar"}`) })}
        </p>
      ) : (
        <p className="muted small">{t("detail.noPolicy")}</p>
      )}
      {sla.clocks.length > 0 && (
        <ul className="clocks">
          {sla.clocks.map((c) => (
            <ClockRow key={`${c.metric}-${c.cycle}`} clock={c} business={sla.hours === "business"} />
          ))}
        </ul>
      )}
      <h3>{t("detail.alerts")}</h3>
      {open.length === 0 ? (
        <p className="muted small">{t("detail.noAlerts")}</p>
      ) : (
        <ul className="alerts">
          {open.map((a) => (
            <li key={a.id} className={`alert alert--${a.level}`} data-testid="alert">
              <strong>{t(`level.${a.level}`)}</strong> · {t(`metric.${a.metric}`)}
              <span className="muted small"> {formatDateTime(a.raised_at, i18n.language)}</span>
              {a.acked_at ? (
                <span className="muted small"> · {t("detail.acked")}</span>
              ) : (
                <button type="button" className="btn btn--small btn--ghost" disabled={ack.isPending} onClick={() => ack.mutate(a.id)}>
                  {t("detail.ack")}
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      <ErrorBanner error={ack.error} />
    </section>
  );
}

/** A running clock counts down live. In business hours the time left is the server's
 * measure (it only counts opening hours); the due instant is shown as a date either way. */
function ClockRow({ clock: c, business }: { clock: SlaClock; business: boolean }) {
  const { t, i18n } = useTranslation();
  const now = useNow(15_000);
  const lang = i18n.language;
  const dur = (s: number) => formatDuration(s, lang);
  let text: string;
  let tone = "";
  if (c.state === "running" && c.due_at) {
    const untilDue = (Date.parse(c.due_at) - now) / 1000;
    const left = business ? c.remaining_s : untilDue;
    if (untilDue < 0) {
      text = t("detail.overdueBy", { duration: dur(-untilDue) });
      tone = "danger";
    } else {
      text = `${t(business ? "detail.remainingBusiness" : "detail.remaining", { duration: dur(left) })} · ${t("detail.dueIn", { relative: formatRelative(c.due_at, lang, now) })}`;
      if (c.warn_at && Date.parse(c.warn_at) <= now) tone = "warning";
    }
  } else if (c.state === "paused") {
    text = t("detail.pausedWith", { duration: dur(Math.max(0, c.remaining_s)) });
  } else if (c.state === "met") {
    text = t("detail.metAfter", { duration: dur(c.elapsed_s) });
    tone = c.breached ? "danger" : "ok";
  } else {
    text = c.breached ? t("detail.overdueBy", { duration: dur(-c.remaining_s) }) : t(`clockState.${c.state}`);
    if (c.breached) tone = "danger";
  }
  const pct = c.target_s > 0 ? Math.min(100, Math.round((c.elapsed_s / c.target_s) * 100)) : 0;
  return (
    <li className={`clock clock--${c.state}${tone ? ` tone--${tone}` : ""}`} data-testid="sla-clock">
      <div className="clock__head">
        <strong>{t(`metric.${c.metric}`)}</strong>
        <span className="badge badge--clock">{t(`clockState.${c.state}`)}</span>
      </div>
      <div className="meter" aria-hidden="true">
        <span style={{ width: `${pct}%` }} />
      </div>
      <p className="small">
        {text} <span className="muted">({t("detail.target", { duration: dur(c.target_s) })})</span>
      </p>
      {c.state === "running" && c.due_at && (
        <p className="muted small">
          <time dateTime={c.due_at}>{formatDateTime(c.due_at, lang)}</time>
        </p>
      )}
    </li>
  );
}
