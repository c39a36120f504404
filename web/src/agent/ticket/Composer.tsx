import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { addMessage } from "../../api/staff";
import type { Status, TicketDetail } from "../../api/types";
import { ErrorBanner } from "../../components/ErrorBanner";
import { serverFieldErrors } from "../../components/errors";
import { SelectField, TextArea } from "../../components/Field";
import { replyStatuses } from "../../lib/status";
import { useTicketMutation } from "./useTicketMutation";

/** Public reply (optionally moving the ticket on, e.g. to pending) or internal note. */
export function Composer({ ticket }: { ticket: TicketDetail }) {
  const { t } = useTranslation();
  const [internal, setInternal] = useState(false);
  const [body, setBody] = useState("");
  const [status, setStatus] = useState<Status | "">("");
  const [error, setError] = useState<string | null>(null);
  const [sent, setSent] = useState(false);
  const m = useTicketMutation(
    ticket.id,
    (v: { body: string; internal: boolean; status?: Status }) => addMessage(ticket.id, v.body, v.internal, v.status),
    () => {
      setBody("");
      setStatus("");
      setSent(true);
    },
  );
  const statuses = replyStatuses(ticket.allowed_transitions);

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    setSent(false);
    if (!body.trim()) {
      setError(t("validation.required"));
      return;
    }
    setError(null);
    m.mutate(
      { body, internal, status: !internal && status ? status : undefined },
      { onError: (err) => setError(serverFieldErrors(t, err).body ?? null) },
    );
  }

  return (
    <form className={`composer form${internal ? " composer--internal" : ""}`} onSubmit={onSubmit} noValidate>
      <div className="tabs" role="group" aria-label={t("detail.conversation")}>
        <button type="button" className="tab" aria-pressed={!internal} onClick={() => setInternal(false)}>
          {t("detail.replyTab")}
        </button>
        <button type="button" className="tab" aria-pressed={internal} onClick={() => setInternal(true)}>
          {t("detail.noteTab")}
        </button>
      </div>
      <TextArea
        label={internal ? t("detail.noteLabel") : t("detail.replyLabel")}
        name="message"
        rows={5}
        value={body}
        onChange={(e) => {
          setBody(e.target.value);
          if (error) setError(null);
        }}
        error={error}
      />
      <div className="composer__actions">
        {!internal && statuses.length > 0 && (
          <SelectField
            label={t("detail.setStatus")}
            name="reply-status"
            className="field--inline"
            value={status}
            onChange={(e) => setStatus(e.target.value as Status | "")}
          >
            <option value="">{t("detail.keepStatus")}</option>
            {statuses.map((s) => (
              <option key={s} value={s}>
                {t(`status.${s}`)}
              </option>
            ))}
          </SelectField>
        )}
        <button type="submit" className="btn btn--primary" disabled={m.isPending}>
          {internal ? t("detail.addNote") : t("detail.sendReply")}
        </button>
        <span role="status" className="muted">
          {sent ? t("detail.sent") : ""}
        </span>
      </div>
      {m.error && !error && <ErrorBanner error={m.error} />}
    </form>
  );
}
