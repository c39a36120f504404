import { useState, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { useSearchParams } from "react-router";
import { ApiError } from "../api/http";
import { ErrorBanner } from "../components/ErrorBanner";
import { errorText } from "../components/errors";
import { formatDuration } from "../lib/format";
import { downloadCsv } from "./api";

/** A local calendar date as YYYY-MM-DD. */
export function isoDate(d: Date): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

export function addDays(date: string, n: number): string {
  const [y, m, d] = date.split("-").map(Number);
  return isoDate(new Date(y, m - 1, d + n));
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** The report's date range, kept in the URL: `from` and `to` are both inclusive dates (the API's
 * `to` is exclusive, so it gets the day after). Default: the last 30 days including today. */
export function useRange(): {
  from: string;
  to: string;
  apiFrom: string;
  apiTo: string;
  params: URLSearchParams;
  set: (changes: Record<string, string>) => void;
} {
  const [params, setParams] = useSearchParams();
  const today = isoDate(new Date());
  const to = DATE.test(params.get("to") ?? "") ? params.get("to")! : today;
  const from = DATE.test(params.get("from") ?? "") ? params.get("from")! : addDays(to, -29);
  const set = (changes: Record<string, string>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(changes)) {
      if (v) next.set(k, v);
      else next.delete(k);
    }
    setParams(next, { replace: true });
  };
  return { from, to, apiFrom: from, apiTo: addDays(to, 1), params, set };
}

/** From/to date pickers; applies on submit, with the server's or our own message next to the field. */
export function DateRange({ from, to, onApply, children }: { from: string; to: string; onApply: (from: string, to: string) => void; children?: ReactNode }) {
  const { t } = useTranslation();
  const [f, setF] = useState(from);
  const [tt, setT] = useState(to);
  const [error, setError] = useState<string | null>(null);
  return (
    <form
      className="report-controls"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        if (!DATE.test(f) || !DATE.test(tt)) return setError(t("reports.badDate"));
        if (f > tt) return setError(t("reports.fromAfterTo"));
        setError(null);
        onApply(f, tt);
      }}
    >
      <label className="filter">
        <span>{t("reports.from")}</span>
        <input type="date" name="from" value={f} max={tt} onChange={(e) => setF(e.target.value)} aria-invalid={!!error || undefined} />
      </label>
      <label className="filter">
        <span>{t("reports.to")}</span>
        <input type="date" name="to" value={tt} min={f} onChange={(e) => setT(e.target.value)} aria-invalid={!!error || undefined} />
      </label>
      <button type="submit" className="btn">
        {t("reports.apply")}
      </button>
      {children}
      {error && (
        <p className="field__error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}

/** An error of a report query; a 403 becomes the "not allowed" notice. */
export function QueryError({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  if (error instanceof ApiError && error.status === 403) return <NotAllowed />;
  return <ErrorBanner error={error} onRetry={onRetry} />;
}

export function NotAllowed() {
  const { t } = useTranslation();
  return (
    <div className="banner banner--warning" role="alert" data-testid="not-allowed">
      {t("manage.notAllowed")}
    </div>
  );
}

export function CsvButton({ path, filename }: { path: string; filename: string }) {
  const { t } = useTranslation();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  return (
    <span className="csv">
      <button
        type="button"
        className="btn btn--small"
        disabled={busy}
        onClick={async () => {
          setBusy(true);
          setError(null);
          try {
            await downloadCsv(path, filename);
          } catch (e) {
            setError(errorText(t, e));
          } finally {
            setBusy(false);
          }
        }}
      >
        {t("reports.csv")}
      </button>
      {error && (
        <span role="alert" className="field__error">
          {error}
        </span>
      )}
    </span>
  );
}

/** A duration in seconds from the API, shown in words, with the exact seconds kept for tools. */
export function Secs({ s, lang }: { s: number | null | undefined; lang: string }) {
  if (s === null || s === undefined) return <span data-value="">—</span>;
  return (
    <span data-value={s} title={`${s} s`}>
      {formatDuration(s, lang)}
    </span>
  );
}

export function pct(v: number | null | undefined, lang: string): string {
  if (v === null || v === undefined) return "—";
  return `${new Intl.NumberFormat(lang === "id" ? "id-ID" : "en-GB", { maximumFractionDigits: 2 }).format(v)} %`;
}

export function num(v: number | null | undefined, lang: string, digits = 2): string {
  if (v === null || v === undefined) return "—";
  return new Intl.NumberFormat(lang === "id" ? "id-ID" : "en-GB", { maximumFractionDigits: digits }).format(v);
}

/** Seconds as hours for charts (one decimal), keeping gaps. */
export const hoursOf = (s: number | null | undefined): number | null => (s === null || s === undefined ? null : Math.round(s / 360) / 10);

export function Kpi({ label, children, testId }: { label: string; children: ReactNode; testId?: string }) {
  return (
    <div className="kpi" data-testid={testId}>
      <div className="kpi__label">{label}</div>
      <div className="kpi__value">{children}</div>
    </div>
  );
}
