import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { useLocation, useNavigate, useParams } from "react-router";
import { ApiError } from "../api/http";
import { getPublicTicket, replyAsCustomer } from "../api/public";
import type { PublicMessage, PublicTicket } from "../api/types";
import { ErrorBanner } from "../components/ErrorBanner";
import { serverFieldErrors } from "../components/errors";
import { TextArea } from "../components/Field";
import { useNow } from "../components/useNow";
import { formatDateTime, formatRelative, formatWhen } from "../lib/format";
import { privateLinkPath, readToken, rememberToken } from "../lib/privateLink";
import { SurveyForm } from "./SurveyForm";

export function PrivateTicket() {
  const { t } = useTranslation();
  const { reference = "" } = useParams();
  const { hash, state } = useLocation();
  const token = readToken(reference, hash);
  const followUpOf = (state as { followUpOf?: string } | null)?.followUpOf;

  const q = useQuery({
    queryKey: ["public-ticket", reference, token],
    queryFn: () => getPublicTicket(reference, token!),
    enabled: !!token,
    retry: (n, e) => !(e instanceof ApiError && e.status < 500) && n < 2,
    refetchInterval: 60_000,
  });

  if (!token) return <Notice text={t("ticket.noToken")} />;
  if (q.isPending) return <p className="card narrow">{t("app.loading")}</p>;
  if (q.error) {
    if (q.error instanceof ApiError && (q.error.status === 404 || q.error.status === 401))
      return <Notice text={t("ticket.notFound")} />;
    return (
      <section className="card narrow">
        <ErrorBanner error={q.error} onRetry={() => q.refetch()} />
      </section>
    );
  }
  const ticket = q.data;
  return (
    <div className="narrow stack">
      {followUpOf && (
        <div className="banner banner--info" role="status">
          {t("ticket.followUp", { reference: ticket.reference })}
        </div>
      )}
      <TicketHeader ticket={ticket} />
      {ticket.survey_open && <SurveyForm reference={reference} token={token} ticket={ticket} />}
      <section className="card" aria-labelledby="conv-h">
        <h2 id="conv-h">{t("ticket.conversation")}</h2>
        <Conversation messages={ticket.messages} />
        <CustomerReply reference={reference} token={token} ticket={ticket} />
      </section>
    </div>
  );
}

function Notice({ text }: { text: string }) {
  return (
    <section className="card narrow">
      <p role="alert">{text}</p>
    </section>
  );
}

function TicketHeader({ ticket }: { ticket: PublicTicket }) {
  const { t, i18n } = useTranslation();
  const now = useNow();
  const lang = i18n.language;
  const expected = ticket.expected_reply_by;
  const active = ticket.status !== "resolved" && ticket.status !== "closed";
  return (
    <section className="card">
      <p className="muted eyebrow">{t("ticket.title", { reference: ticket.reference })}</p>
      <h1 className="ticket-subject">{ticket.subject}</h1>
      {ticket.follow_up_of && <p className="muted">{t("ticket.followUpOf", { reference: ticket.follow_up_of })}</p>}
      <p className="facts">
        <span className="label">{t("ticket.status")}</span>
        <span className={`badge badge--${ticket.status}`} data-testid="public-status">
          {t(`customerStatus.${ticket.status}`)}
        </span>
        <span className="muted">{t("ticket.submitted", { when: formatDateTime(ticket.created_at, lang) })}</span>
      </p>
      {active && expected && (
        <p className="expect" data-testid="expected-reply">
          {t("ticket.expect", {
            when: formatWhen(expected, lang, now),
            relative: formatRelative(expected, lang, now),
          })}
        </p>
      )}
      {ticket.status === "resolved" && <p className="expect">{t("ticket.expectResolved")}</p>}
    </section>
  );
}

export function Conversation({ messages }: { messages: PublicMessage[] }) {
  const { t, i18n } = useTranslation();
  if (!messages.length) return <p className="muted">{t("ticket.noMessages")}</p>;
  const who = (m: PublicMessage) =>
    m.author_type === "customer"
      ? t("ticket.you")
      : m.author_type === "agent"
        ? (m.author_name ?? t("ticket.support"))
        : t("ticket.system");
  return (
    <ol className="thread">
      {messages.map((m) => (
        <li key={m.id} className={`msg msg--${m.author_type}`}>
          <div className="msg__meta">
            <strong>{who(m)}</strong>
            <time dateTime={m.created_at}>{formatDateTime(m.created_at, i18n.language)}</time>
          </div>
          <p className="msg__body">{m.body}</p>
        </li>
      ))}
    </ol>
  );
}

function CustomerReply({ reference, token, ticket }: { reference: string; token: string; ticket: PublicTicket }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const navigate = useNavigate();
  const [body, setBody] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  const m = useMutation({
    mutationFn: (text: string) => replyAsCustomer(reference, token, text),
    onSuccess: (res) => {
      setBody("");
      setDone(true);
      if (res.follow_up) {
        rememberToken(res.follow_up.reference, res.follow_up.access_token);
        navigate(privateLinkPath(res.follow_up.reference, res.follow_up.access_token), {
          state: { followUpOf: reference },
        });
      } else {
        void qc.invalidateQueries({ queryKey: ["public-ticket", reference] });
      }
    },
    onError: (e) => setError(serverFieldErrors(t, e).body ?? null),
  });

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    setDone(false);
    if (!body.trim()) {
      setError(t("validation.required"));
      return;
    }
    setError(null);
    m.mutate(body);
  }

  return (
    <form onSubmit={onSubmit} noValidate className="form reply-form">
      {ticket.status === "closed" && <p className="muted">{t("ticket.closedNote")}</p>}
      <TextArea
        label={t("ticket.reply")}
        name="reply"
        rows={4}
        value={body}
        onChange={(e) => {
          setBody(e.target.value);
          if (error) setError(null);
        }}
        error={error}
      />
      {m.error && !error && <ErrorBanner error={m.error} />}
      <div className="form__actions">
        <button type="submit" className="btn btn--primary" disabled={m.isPending}>
          {m.isPending ? t("ticket.sending") : t("ticket.send")}
        </button>
        <span role="status" className="muted">
          {done ? t("ticket.replied") : ""}
        </span>
      </div>
    </form>
  );
}
