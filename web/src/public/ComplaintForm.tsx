import { useRef, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate } from "react-router";
import { ApiError } from "../api/http";
import { submitComplaint } from "../api/public";
import { CATEGORIES, type Complaint } from "../api/types";
import { ErrorBanner } from "../components/ErrorBanner";
import { serverFieldErrors } from "../components/errors";
import { SelectField, TextArea, TextField } from "../components/Field";
import { uuid } from "../lib/ids";
import { rememberToken } from "../lib/privateLink";
import { saveSubmission } from "./submission";
import { validateComplaint, type ComplaintErrors } from "./validate";

const EMPTY: Complaint = { name: "", email: "", subject: "", body: "", category: "" };
const FIELDS = ["name", "email", "subject", "category", "body"] as const;

export function ComplaintForm() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [form, setForm] = useState<Complaint>(EMPTY);
  const [errors, setErrors] = useState<ComplaintErrors>({});
  const [failure, setFailure] = useState<unknown>(null);
  const [sending, setSending] = useState(false);
  // One key per filled-in form: a double submit or a retry of the same text returns the same
  // ticket. Editing the form makes it a different request, so it gets a new key.
  const idemKey = useRef<string | null>(null);
  const formRef = useRef<HTMLFormElement>(null);

  const update = (field: keyof Complaint) => (e: { target: { value: string } }) => {
    idemKey.current = null;
    setForm((f) => ({ ...f, [field]: e.target.value }));
    if (errors[field]) setErrors((x) => ({ ...x, [field]: undefined }));
  };

  const focusFirstError = (errs: ComplaintErrors) => {
    const first = FIELDS.find((f) => errs[f]);
    if (first) formRef.current?.querySelector<HTMLElement>(`[name="${first}"]`)?.focus();
  };

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    if (sending) return;
    const errs = validateComplaint(form, t);
    setErrors(errs);
    setFailure(null);
    if (Object.values(errs).some(Boolean)) {
      focusFirstError(errs);
      return;
    }
    idemKey.current ??= uuid();
    setSending(true);
    try {
      const res = await submitComplaint(
        {
          name: form.name.trim(),
          email: form.email.trim(),
          subject: form.subject.trim(),
          body: form.body,
          ...(form.category ? { category: form.category } : {}),
        },
        idemKey.current,
      );
      rememberToken(res.reference, res.access_token);
      saveSubmission(res);
      navigate("/thanks", { state: res });
    } catch (err) {
      const fields = serverFieldErrors(t, err);
      if (Object.keys(fields).length && FIELDS.some((f) => fields[f])) {
        setErrors(fields);
        focusFirstError(fields);
      } else {
        setFailure(err);
      }
    } finally {
      setSending(false);
    }
  }

  const rateLimited = failure instanceof ApiError && failure.status === 429;
  return (
    <section className="card narrow">
      <h1>{t("complaint.title")}</h1>
      <p className="muted">{t("complaint.intro")}</p>
      {rateLimited ? (
        <div className="banner banner--error" role="alert">
          {t("complaint.rateLimited")}
        </div>
      ) : (
        <ErrorBanner error={failure} />
      )}
      <form ref={formRef} onSubmit={onSubmit} noValidate className="form" aria-busy={sending}>
        <div className="form__row">
          <TextField
            label={t("complaint.name")}
            name="name"
            autoComplete="name"
            required
            maxLength={200}
            value={form.name}
            onChange={update("name")}
            error={errors.name}
          />
          <TextField
            label={t("complaint.email")}
            name="email"
            type="email"
            autoComplete="email"
            inputMode="email"
            required
            value={form.email}
            onChange={update("email")}
            error={errors.email}
            hint={t("complaint.emailHint")}
          />
        </div>
        <TextField
          label={t("complaint.subject")}
          name="subject"
          required
          maxLength={200}
          value={form.subject}
          onChange={update("subject")}
          error={errors.subject}
        />
        <SelectField
          label={t("complaint.category")}
          name="category"
          value={form.category}
          onChange={update("category")}
          error={errors.category}
        >
          <option value="">{t("category.none")}</option>
          {CATEGORIES.map((c) => (
            <option key={c} value={c}>
              {t(`category.${c}`)}
            </option>
          ))}
        </SelectField>
        <TextArea
          label={t("complaint.body")}
          name="body"
          required
          rows={7}
          value={form.body}
          onChange={update("body")}
          error={errors.body}
          hint={t("complaint.bodyHint")}
        />
        <div className="form__actions">
          <button type="submit" className="btn btn--primary" disabled={sending}>
            {sending ? t("complaint.submitting") : t("complaint.submit")}
          </button>
        </div>
      </form>
    </section>
  );
}
