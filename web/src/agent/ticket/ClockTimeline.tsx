import { useTranslation } from "react-i18next";
import type { TicketEvent } from "../../api/types";
import { useNow } from "../../components/useNow";
import { clockSegments, type Segment } from "../../lib/clocks";
import { formatDateTime, formatDuration } from "../../lib/format";

/** When the ticket's clocks ran, when they were paused or stopped, and why. */
export function ClockTimeline({ events }: { events: TicketEvent[] }) {
  const { t, i18n } = useTranslation();
  const now = useNow(60_000);
  const segments = clockSegments(events, now);
  const lang = i18n.language;
  const why = (s: Segment): string => {
    const c = s.cause;
    switch (c.kind) {
      case "created":
        return t("detail.why.created", { actor: t(`detail.actor.${c.actor}`) });
      case "customerReply":
        return t("detail.why.customerReply");
      case "agentReply":
        return t("detail.why.agentReply");
      case "change": {
        const base = t("detail.why.change", {
          from: c.from ? t(`status.${c.from}`) : "—",
          to: t(`status.${s.status}`),
          actor: t(`detail.actor.${c.actor}`),
        });
        return c.reason ? `${base} (${t(`closeReason.${c.reason}`, { defaultValue: c.reason })})` : base;
      }
    }
  };
  return (
    <section className="panel" aria-labelledby="timeline-h">
      <h2 id="timeline-h">{t("detail.timeline")}</h2>
      <p className="muted small">{t("detail.timelineHint")}</p>
      <ol className="timeline">
        {segments.map((s, i) => (
          <li key={`${s.from}-${i}`} className={`seg seg--${s.mode}`} data-testid="timeline-segment">
            <div className="seg__head">
              <strong>{t(`detail.${s.mode}`)}</strong>
              <span className="muted small">
                {t(`status.${s.status}`)} · {formatDuration(s.seconds, lang)}
              </span>
            </div>
            <div className="small">
              <time dateTime={s.from}>{formatDateTime(s.from, lang)}</time> →{" "}
              {s.to ? <time dateTime={s.to}>{formatDateTime(s.to, lang)}</time> : t("detail.now")}
            </div>
            <div className="muted small">{why(s)}</div>
          </li>
        ))}
      </ol>
    </section>
  );
}
