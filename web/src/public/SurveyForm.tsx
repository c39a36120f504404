import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { answerSurvey } from "../api/public";
import type { PublicTicket, SurveyAnswer } from "../api/types";
import { ErrorBanner } from "../components/ErrorBanner";
import { serverFieldErrors } from "../components/errors";
import { TextArea } from "../components/Field";

interface ScaleProps {
  name: "csat" | "ces" | "nps";
  min: number;
  max: number;
  value: number | undefined;
  onChange: (v: number) => void;
  error?: string;
}

/** One question as a row of radio buttons with its two end labels. */
function Scale({ name, min, max, value, onChange, error }: ScaleProps) {
  const { t } = useTranslation();
  const values = Array.from({ length: max - min + 1 }, (_, i) => min + i);
  const errId = `${name}-error`;
  const endsId = `${name}-ends`;
  return (
    <fieldset className={`scale${error ? " field--invalid" : ""}`} aria-describedby={error ? `${errId} ${endsId}` : endsId}>
      <legend>{t(`survey.${name}`)}</legend>
      <div className="scale__options" role="presentation">
        {values.map((v) => (
          <label key={v} className={`scale__option${value === v ? " is-checked" : ""}`}>
            <input type="radio" name={name} value={v} checked={value === v} onChange={() => onChange(v)} />
            <span>{v}</span>
          </label>
        ))}
      </div>
      <p className="scale__ends muted" id={endsId}>
        <span>
          {min} = {t(`survey.${name}Low`)}
        </span>
        <span>
          {max} = {t(`survey.${name}High`)}
        </span>
      </p>
      {error && (
        <p id={errId} className="field__error" role="alert">
          {error}
        </p>
      )}
    </fieldset>
  );
}

export function SurveyForm({ reference, token, ticket }: { reference: string; token: string; ticket: PublicTicket }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const prev = ticket.survey;
  const [answer, setAnswer] = useState<SurveyAnswer>({
    csat: prev?.csat ?? undefined,
    ces: prev?.ces ?? undefined,
    nps: prev?.nps ?? undefined,
    comment: prev?.comment ?? "",
  });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [thanked, setThanked] = useState<"new" | "updated" | null>(null);
  const m = useMutation({
    mutationFn: (a: SurveyAnswer) => answerSurvey(reference, token, a),
    onSuccess: ({ thank_you: _t, updated, message: _m, ...fresh }) => {
      setThanked(updated || prev ? "updated" : "new");
      qc.setQueryData(["public-ticket", reference, token], fresh);
    },
    onError: (e) => setErrors(serverFieldErrors(t, e)),
  });

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    setThanked(null);
    if (answer.csat === undefined && answer.ces === undefined && answer.nps === undefined) {
      setErrors({ csat: t("survey.atLeastOne") });
      return;
    }
    setErrors({});
    const body: SurveyAnswer = {};
    if (answer.csat !== undefined) body.csat = answer.csat;
    if (answer.ces !== undefined) body.ces = answer.ces;
    if (answer.nps !== undefined) body.nps = answer.nps;
    if (answer.comment?.trim()) body.comment = answer.comment.trim();
    m.mutate(body);
  }

  const set = (k: "csat" | "ces" | "nps") => (v: number) => setAnswer((a) => ({ ...a, [k]: v }));
  const fieldErrors = Object.keys(errors).length > 0;
  return (
    <section className="card survey" aria-labelledby="survey-h">
      <h2 id="survey-h">{t("survey.title")}</h2>
      {thanked ? (
        <p className="banner banner--success" role="status" data-testid="survey-thanks">
          {thanked === "updated" ? t("survey.updated") : t("survey.thanks")}
        </p>
      ) : (
        <p className="muted">{t("survey.intro")}</p>
      )}
      <form onSubmit={onSubmit} noValidate className="form">
        <Scale name="csat" min={1} max={5} value={answer.csat} onChange={set("csat")} error={errors.csat} />
        <Scale name="ces" min={1} max={7} value={answer.ces} onChange={set("ces")} error={errors.ces} />
        <Scale name="nps" min={0} max={10} value={answer.nps} onChange={set("nps")} error={errors.nps} />
        <TextArea
          label={t("survey.comment")}
          name="comment"
          rows={3}
          value={answer.comment ?? ""}
          onChange={(e) => setAnswer((a) => ({ ...a, comment: e.target.value }))}
          error={errors.comment}
        />
        {m.error && !fieldErrors && <ErrorBanner error={m.error} />}
        <div className="form__actions">
          <button type="submit" className="btn btn--primary" disabled={m.isPending}>
            {prev ? t("survey.update") : t("survey.submit")}
          </button>
        </div>
      </form>
    </section>
  );
}
