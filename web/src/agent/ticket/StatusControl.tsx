import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { transition } from "../../api/staff";
import { CLOSE_REASONS, type CloseReason, type Status, type TicketDetail } from "../../api/types";
import { ErrorBanner } from "../../components/ErrorBanner";
import { serverFieldErrors } from "../../components/errors";
import { SelectField } from "../../components/Field";
import { StatusBadge } from "../../components/StatusBadge";
import { ALLOWED_MOVES, needsReason } from "../../lib/status";
import { useTicketMutation } from "./useTicketMutation";

/** Offers only the moves the domain allows from the current status; closing a ticket that
 * was never resolved asks for a reason. */
export function StatusControl({ ticket }: { ticket: Pick<TicketDetail, "id" | "status" | "allowed_transitions"> }) {
  const { t } = useTranslation();
  const moves = ticket.allowed_transitions ?? ALLOWED_MOVES[ticket.status];
  const [to, setTo] = useState<Status | "">("");
  const [reason, setReason] = useState<CloseReason | "">("");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const m = useTicketMutation(
    ticket.id,
    (v: { to: Status; reason?: CloseReason }) => transition(ticket.id, v.to, v.reason),
    () => {
      setTo("");
      setReason("");
    },
  );
  const reasonNeeded = !!to && needsReason(ticket.status, to);

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    if (!to) return;
    if (reasonNeeded && !reason) {
      setErrors({ reason: t("validation.reasonRequired") });
      return;
    }
    setErrors({});
    m.mutate({ to, reason: reasonNeeded && reason ? reason : undefined }, { onError: (err) => setErrors(serverFieldErrors(t, err)) });
  }

  return (
    <section className="panel" aria-labelledby="status-h">
      <h2 id="status-h">
        {t("detail.status")} <StatusBadge status={ticket.status} />
      </h2>
      {moves.length === 0 ? (
        <p className="muted">{t("detail.noMoves")}</p>
      ) : (
        <form onSubmit={onSubmit} noValidate className="form form--compact">
          <SelectField
            label={t("detail.moveTo")}
            name="to"
            value={to}
            error={errors.to}
            onChange={(e) => {
              setTo(e.target.value as Status | "");
              setErrors({});
            }}
          >
            <option value="">—</option>
            {moves.map((s) => (
              <option key={s} value={s}>
                {t(`status.${s}`)}
              </option>
            ))}
          </SelectField>
          {reasonNeeded && (
            <SelectField
              label={t("detail.reason")}
              name="reason"
              required
              value={reason}
              error={errors.reason}
              onChange={(e) => setReason(e.target.value as CloseReason | "")}
            >
              <option value="">—</option>
              {CLOSE_REASONS.map((r) => (
                <option key={r} value={r}>
                  {t(`closeReason.${r}`)}
                </option>
              ))}
            </SelectField>
          )}
          <button type="submit" className="btn btn--primary btn--small" disabled={!to || m.isPending}>
            {t("detail.apply")}
          </button>
          {m.error && !Object.keys(errors).length && <ErrorBanner error={m.error} />}
        </form>
      )}
    </section>
  );
}
