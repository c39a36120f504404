import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Navigate, useNavigate, useSearchParams } from "react-router";
import { ApiError } from "../api/http";
import { session } from "../api/session";
import { ErrorBanner } from "../components/ErrorBanner";
import { serverFieldErrors } from "../components/errors";
import { TextField } from "../components/Field";
import { useSession } from "./useSession";

/** Only same-app paths, so `?next=` cannot send anyone elsewhere. */
function safeNext(next: string | null): string {
  return next && next.startsWith("/agent") && !next.startsWith("//") ? next : "/agent";
}

export function Login() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const { user } = useSession();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const next = safeNext(params.get("next"));

  if (user) return <Navigate to={next} replace />;

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    const errs: Record<string, string> = {};
    if (!email.trim()) errs.email = t("validation.required");
    if (!password) errs.password = t("validation.required");
    setErrors(errs);
    setFailure(null);
    if (Object.keys(errs).length) return;
    setBusy(true);
    try {
      await session.login(email.trim(), password);
      navigate(next, { replace: true });
    } catch (err) {
      const fields = serverFieldErrors(t, err);
      if (Object.keys(fields).length) setErrors(fields);
      else setFailure(err);
    } finally {
      setBusy(false);
    }
  }

  const status = failure instanceof ApiError ? failure.status : 0;
  return (
    <section className="card login">
      <h1>{t("login.title")}</h1>
      {status === 401 ? (
        <div className="banner banner--error" role="alert">
          {t("login.invalid")}
        </div>
      ) : status === 429 ? (
        <div className="banner banner--error" role="alert">
          {t("login.rateLimited")}
        </div>
      ) : (
        <ErrorBanner error={failure} />
      )}
      <form onSubmit={onSubmit} noValidate className="form">
        <TextField
          label={t("login.email")}
          name="email"
          type="email"
          autoComplete="username"
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          error={errors.email}
        />
        <TextField
          label={t("login.password")}
          name="password"
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          error={errors.password}
        />
        <div className="form__actions">
          <button type="submit" className="btn btn--primary" disabled={busy}>
            {busy ? t("login.submitting") : t("login.submit")}
          </button>
        </div>
      </form>
    </section>
  );
}
