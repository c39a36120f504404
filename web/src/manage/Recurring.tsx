import { useMutation, useQueries, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Link, useSearchParams } from "react-router";
import { getTicket } from "../api/staff";
import { ErrorBanner } from "../components/ErrorBanner";
import { serverFieldErrors } from "../components/errors";
import { SelectField, TextField } from "../components/Field";
import { StatusBadge } from "../components/StatusBadge";
import { formatDate } from "../lib/format";
import { dismissIssue, listIssues, mergeIssue, renameIssue, type Issue } from "./api";
import { Sparkline } from "./Chart";
import { addDays, isoDate, QueryError } from "./common";

const WINDOWS = [7, 30, 90] as const;

/** Recurring issues across customers: label, counts, trend and tickets; rename, merge, dismiss. */
export function RecurringPage() {
  const { t } = useTranslation();
  const [sp, setSp] = useSearchParams();
  const days = WINDOWS.find((d) => String(d) === sp.get("days")) ?? 30;
  const focus = Number(sp.get("issue")) || null;
  const since = addDays(isoDate(new Date()), -days);
  const q = useQuery({ queryKey: ["issues", since], queryFn: () => listIssues(since) });
  const issues = q.data?.items ?? [];
  return (
    <div className="report">
      <div className="section-head">
        <h1>{t("recurring.title")}</h1>
        <label className="filter filter--inline">
          <span>{t("recurring.window")}</span>
          <select
            name="days"
            value={days}
            onChange={(e) => {
              const next = new URLSearchParams(sp);
              next.set("days", e.target.value);
              setSp(next, { replace: true });
            }}
          >
            {WINDOWS.map((d) => (
              <option key={d} value={d}>
                {t("recurring.lastDays", { count: d })}
              </option>
            ))}
          </select>
        </label>
      </div>
      <p className="muted">{t("recurring.intro")}</p>
      {q.error && <QueryError error={q.error} onRetry={() => q.refetch()} />}
      {q.isPending ? (
        <p>{t("app.loading")}</p>
      ) : issues.length === 0 ? (
        <p className="empty">{t("recurring.none")}</p>
      ) : (
        <ul className="issues">
          {issues.map((i) => (
            <IssueCard key={i.id} issue={i} others={issues.filter((o) => o.id !== i.id)} focused={focus === i.id} />
          ))}
        </ul>
      )}
      {focus !== null && q.data && !issues.some((i) => i.id === focus) && <p className="muted">{t("recurring.notInWindow", { id: focus })}</p>}
    </div>
  );
}

function IssueCard({ issue, others, focused }: { issue: Issue; others: Issue[]; focused: boolean }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const qc = useQueryClient();
  const [mode, setMode] = useState<"" | "rename" | "merge">("");
  const [open, setOpen] = useState(focused);
  const ref = useRef<HTMLLIElement>(null);
  useEffect(() => {
    if (focused) ref.current?.scrollIntoView({ block: "start" });
  }, [focused]);
  const done = () => {
    setMode("");
    void qc.invalidateQueries({ queryKey: ["issues"] });
  };
  const dismiss = useMutation({ mutationFn: () => dismissIssue(issue.id), onSuccess: done });
  return (
    <li ref={ref} className={`issue panel${focused ? " issue--focus" : ""}`} id={`issue-${issue.id}`} data-testid="issue">
      <div className="issue__head">
        <div>
          <h2 className="issue__label">{issue.label}</h2>
          <div className="muted small">
            #{issue.id} · {t("recurring.seen", { first: formatDate(issue.first_seen, lang), last: formatDate(issue.last_seen, lang) })}
            {issue.status !== "open" && <span className="tag">{t(`recurring.status_${issue.status}`, { defaultValue: issue.status })}</span>}
          </div>
        </div>
        <div className="issue__nums">
          <span>
            <strong>{issue.ticket_count}</strong> {t("recurring.complaints", { count: issue.ticket_count })}
          </span>
          <span>
            <strong>{issue.customer_count}</strong> {t("recurring.customers", { count: issue.customer_count })}
          </span>
          <Sparkline values={issue.trend.map((d) => d.count)} label={t("recurring.trend")} />
        </div>
      </div>
      <p className="terms">
        {issue.terms.map((term) => (
          <span key={term} className="tag">
            {term}
          </span>
        ))}
      </p>
      <div className="btn-row">
        <button type="button" className="btn btn--small" aria-expanded={open} onClick={() => setOpen(!open)}>
          {open ? t("recurring.hideTickets") : t("recurring.showTickets")}
        </button>
        <button type="button" className="btn btn--small" onClick={() => setMode(mode === "rename" ? "" : "rename")}>
          {t("recurring.rename")}
        </button>
        {others.length > 0 && (
          <button type="button" className="btn btn--small" onClick={() => setMode(mode === "merge" ? "" : "merge")}>
            {t("recurring.merge")}
          </button>
        )}
        {issue.status === "open" && (
          <button type="button" className="btn btn--small btn--ghost" disabled={dismiss.isPending} onClick={() => dismiss.mutate()}>
            {t("recurring.dismiss")}
          </button>
        )}
      </div>
      {dismiss.error && <ErrorBanner error={dismiss.error} />}
      {mode === "rename" && <RenameForm issue={issue} onDone={done} />}
      {mode === "merge" && <MergeForm issue={issue} others={others} onDone={done} />}
      {open && <IssueTickets ids={issue.ticket_ids} />}
    </li>
  );
}

function RenameForm({ issue, onDone }: { issue: Issue; onDone: () => void }) {
  const { t } = useTranslation();
  const [label, setLabel] = useState(issue.label);
  const [error, setError] = useState<string | null>(null);
  const m = useMutation({
    mutationFn: (l: string) => renameIssue(issue.id, l || null),
    onSuccess: onDone,
    onError: (e) => setError(serverFieldErrors(t, e).label ?? null),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (label.trim().length > 200) return setError(t("validation.tooLong", { max: 200 }));
    setError(null);
    m.mutate(label.trim());
  };
  return (
    <form className="form form--compact inline-form" onSubmit={submit} noValidate>
      <TextField label={t("recurring.newLabel")} hint={t("recurring.labelHint")} name="label" value={label} error={error} onChange={(e) => setLabel(e.target.value)} />
      <button type="submit" className="btn btn--primary btn--small" disabled={m.isPending}>
        {t("detail.save")}
      </button>
      {m.error && !error && <ErrorBanner error={m.error} />}
    </form>
  );
}

function MergeForm({ issue, others, onDone }: { issue: Issue; others: Issue[]; onDone: () => void }) {
  const { t } = useTranslation();
  const [into, setInto] = useState("");
  const [error, setError] = useState<string | null>(null);
  const m = useMutation({
    mutationFn: (target: number) => mergeIssue(issue.id, target),
    onSuccess: onDone,
    onError: (e) => setError(serverFieldErrors(t, e).into ?? null),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!into) return setError(t("validation.required"));
    setError(null);
    m.mutate(Number(into));
  };
  return (
    <form className="form form--compact inline-form" onSubmit={submit} noValidate>
      <SelectField label={t("recurring.mergeInto")} name="into" value={into} error={error} onChange={(e) => setInto(e.target.value)}>
        <option value="">—</option>
        {others.map((o) => (
          <option key={o.id} value={o.id}>
            #{o.id} {o.label}
          </option>
        ))}
      </SelectField>
      <button type="submit" className="btn btn--primary btn--small" disabled={m.isPending}>
        {t("recurring.merge")}
      </button>
      {m.error && !error && <ErrorBanner error={m.error} />}
    </form>
  );
}

/** The newest complaints of an issue with their reference, subject and status. */
function IssueTickets({ ids }: { ids: number[] }) {
  const { t } = useTranslation();
  const shown = ids.slice(0, 10);
  const qs = useQueries({ queries: shown.map((id) => ({ queryKey: ["ticket", id], queryFn: () => getTicket(id), staleTime: 60_000 })) });
  return (
    <div>
      <ul className="history">
        {shown.map((id, i) => {
          const tk = qs[i].data;
          return (
            <li key={id}>
              <Link to={`/agent/tickets/${id}`} className="mono">
                {tk?.reference ?? `#${id}`}
              </Link>{" "}
              {tk && <StatusBadge status={tk.status} />} {tk?.subject}
            </li>
          );
        })}
      </ul>
      {ids.length > shown.length && <p className="muted small">{t("recurring.more", { count: ids.length - shown.length })}</p>}
    </div>
  );
}
