import { useEffect, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { updateTicket } from "../../api/staff";
import { CATEGORIES, PRIORITIES, type Priority, type TicketDetail, type TicketPatch } from "../../api/types";
import { ErrorBanner } from "../../components/ErrorBanner";
import { serverFieldErrors } from "../../components/errors";
import { SelectField, TextField } from "../../components/Field";
import { useSession } from "../useSession";
import { useStaffDirectory, useStaffName } from "../users";
import { useTicketMutation } from "./useTicketMutation";

/** Assignee, priority, category and tags. Selects save on change; tags on their button. */
export function PropertiesPanel({ ticket }: { ticket: TicketDetail }) {
  const { t } = useTranslation();
  const { user } = useSession();
  const staff = useStaffDirectory();
  const authors = new Map<number, string>();
  for (const m of ticket.messages)
    if (m.author_type === "agent" && m.author_id !== null && m.author_name) authors.set(m.author_id, m.author_name);
  const staffName = useStaffName(authors);
  const [tags, setTags] = useState(ticket.tags.join(", "));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [saved, setSaved] = useState(false);
  const m = useTicketMutation(ticket.id, (p: TicketPatch) => updateTicket(ticket.id, p), () => setSaved(true));

  useEffect(() => setTags(ticket.tags.join(", ")), [ticket.tags]);

  const save = (patch: TicketPatch) => {
    setSaved(false);
    setErrors({});
    m.mutate(patch, { onError: (e) => setErrors(serverFieldErrors(t, e)) });
  };
  const onTags = (e: FormEvent) => {
    e.preventDefault();
    save({ tags: tags.split(",").map((s) => s.trim()).filter(Boolean) });
  };
  const closed = ticket.status === "closed";
  const categories: string[] = [...CATEGORIES];
  if (ticket.category && !categories.includes(ticket.category)) categories.push(ticket.category);
  const fieldErr = Object.keys(errors).length > 0;

  return (
    <section className="panel" aria-labelledby="props-h">
      <h2 id="props-h">{t("detail.properties")}</h2>
      <div className="assignee">
        <span className="label">{t("detail.assignee")}</span>
        <strong data-testid="assignee">{staffName(ticket.assignee_id)}</strong>
        <div className="btn-row">
          {user && ticket.assignee_id !== user.id && (
            <button type="button" className="btn btn--small" disabled={closed || m.isPending} onClick={() => save({ assignee_id: user.id })}>
              {t("detail.assignMe")}
            </button>
          )}
          {ticket.assignee_id !== null && (
            <button type="button" className="btn btn--small btn--ghost" disabled={closed || m.isPending} onClick={() => save({ assignee_id: null })}>
              {t("detail.unassign")}
            </button>
          )}
        </div>
        {staff.length > 0 && (
          <SelectField
            label={t("detail.assignee")}
            className="visually-hidden-label"
            name="assignee_id"
            value={ticket.assignee_id ?? ""}
            disabled={closed}
            error={errors.assignee_id}
            onChange={(e) => save({ assignee_id: e.target.value ? Number(e.target.value) : null })}
          >
            <option value="">{t("detail.unassigned")}</option>
            {staff
              .filter((u) => u.active)
              .map((u) => (
                <option key={u.id} value={u.id}>
                  {u.name}
                </option>
              ))}
          </SelectField>
        )}
      </div>
      <SelectField
        label={t("detail.priority")}
        name="priority"
        value={ticket.priority}
        disabled={closed}
        error={errors.priority}
        onChange={(e) => save({ priority: e.target.value as Priority })}
      >
        {PRIORITIES.map((p) => (
          <option key={p} value={p}>
            {t(`priority.${p}`)}
          </option>
        ))}
      </SelectField>
      <SelectField
        label={t("detail.category")}
        name="category"
        value={ticket.category ?? ""}
        disabled={closed}
        error={errors.category}
        onChange={(e) => save({ category: e.target.value || null })}
      >
        <option value="">{t("category.none")}</option>
        {categories.map((c) => (
          <option key={c} value={c}>
            {(CATEGORIES as readonly string[]).includes(c) ? t(`category.${c}`) : c}
          </option>
        ))}
      </SelectField>
      <form onSubmit={onTags} className="tags-form" noValidate>
        <TextField
          label={t("detail.tags")}
          hint={t("detail.tagsHint")}
          name="tags"
          value={tags}
          disabled={closed}
          error={errors.tags}
          onChange={(e) => setTags(e.target.value)}
        />
        <button type="submit" className="btn btn--small" disabled={closed || m.isPending}>
          {t("detail.save")}
        </button>
      </form>
      <p role="status" className="muted small">
        {saved ? t("detail.saved") : ""}
      </p>
      {m.error && !fieldErr && <ErrorBanner error={m.error} />}
    </section>
  );
}
