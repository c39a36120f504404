import { useTranslation } from "react-i18next";
import type { Message } from "../../api/types";
import { formatDateTime } from "../../lib/format";

/** The conversation: customer messages, public replies and internal notes, each clearly marked.
 * Bodies are plain text (React escapes them; line breaks kept by CSS). */
export function Thread({ messages }: { messages: Message[] }) {
  const { t, i18n } = useTranslation();
  if (!messages.length) return <p className="muted">{t("ticket.noMessages")}</p>;
  return (
    <ol className="thread">
      {messages.map((m) => {
        const kind = m.internal ? "internal" : m.author_type;
        const who =
          m.author_type === "agent"
            ? (m.author_name ?? t("detail.agent"))
            : m.author_type === "customer"
              ? t("detail.customer")
              : t("detail.system");
        return (
          <li key={m.id} className={`msg msg--${kind}`} data-testid={m.internal ? "note" : "message"}>
            <div className="msg__meta">
              <strong>{who}</strong>
              {m.author_type === "agent" && (
                <span className={`msg__kind msg__kind--${m.internal ? "internal" : "public"}`}>
                  {m.internal ? t("detail.internal") : t("detail.publicReply")}
                </span>
              )}
              <time dateTime={m.created_at}>{formatDateTime(m.created_at, i18n.language)}</time>
            </div>
            <p className="msg__body">{m.body}</p>
          </li>
        );
      })}
    </ol>
  );
}
