import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { ErrorBanner } from "../components/ErrorBanner";
import { serverFieldErrors } from "../components/errors";
import { SelectField, TextField } from "../components/Field";
import { PRIORITIES, type Hours, type Priority, type Role, type Tier } from "../api/types";
import { isAdmin } from "../agent/roles";
import { useSession } from "../agent/useSession";
import {
  createUser,
  getBusinessHours,
  getPolicies,
  listUsers,
  putBusinessHours,
  putPolicies,
  updateUser,
  type BusinessHours,
  type SlaPolicy,
  type WeeklySlot,
} from "./api";
import { formatTarget, parseTarget } from "./duration";
import { QueryError } from "./common";

type Errors = Record<string, string>;

/** Business hours and SLA policies (managers and admins); users (admins). */
export function Settings() {
  const { t } = useTranslation();
  const { user } = useSession();
  return (
    <div className="report settings">
      <h1>{t("settings.title")}</h1>
      <nav className="subnav" aria-label={t("settings.title")}>
        <a href="#sla">{t("settings.sla")}</a>
        <a href="#hours">{t("settings.hours")}</a>
        {isAdmin(user) && <a href="#users">{t("settings.users")}</a>}
      </nav>
      <SlaPolicies />
      <BusinessHoursForm />
      {isAdmin(user) && <Users />}
    </div>
  );
}

// ---- SLA policies ----

interface PolicyDraft {
  name: string;
  priority: Priority;
  tier: Tier | "";
  first: string;
  next: string;
  resolution: string;
  hours: Hours;
  warn: string;
}

const toDraft = (p: SlaPolicy): PolicyDraft => ({
  name: p.name,
  priority: p.priority,
  tier: p.tier ?? "",
  first: formatTarget(p.first_response_s),
  next: formatTarget(p.next_response_s),
  resolution: formatTarget(p.resolution_s),
  hours: p.hours,
  warn: String(p.warn_at_pct),
});

function SlaPolicies() {
  const { t } = useTranslation();
  const q = useQuery({ queryKey: ["sla-policies"], queryFn: getPolicies });
  if (q.error) return <QueryError error={q.error} onRetry={() => q.refetch()} />;
  if (!q.data) return <p>{t("app.loading")}</p>;
  return <SlaPolicyForm initial={q.data.policies.map(toDraft)} />;
}

function SlaPolicyForm({ initial }: { initial: PolicyDraft[] }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const [rows, setRows] = useState(initial);
  const [errors, setErrors] = useState<Errors>({});
  const [saved, setSaved] = useState(false);
  const m = useMutation({
    mutationFn: putPolicies,
    onSuccess: (res) => {
      setSaved(true);
      qc.setQueryData(["sla-policies"], res);
    },
    onError: (e) => setErrors(serverFieldErrors(t, e)),
  });
  const edit = (i: number, patch: Partial<PolicyDraft>) => {
    setSaved(false);
    setRows((rs) => rs.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  };

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    setSaved(false);
    const errs: Errors = {};
    const out: SlaPolicy[] = rows.map((r, i) => {
      const f = (k: string) => `policies[${i}].${k}`;
      if (!r.name.trim()) errs[f("name")] = t("validation.required");
      const target = (text: string, key: string) => {
        const v = parseTarget(text);
        if (v === undefined || v === 0) errs[f(key)] = t("settings.badTarget");
        return v ?? null;
      };
      const warn = Number(r.warn);
      if (!Number.isInteger(warn) || warn < 1 || warn > 99) errs[f("warn_at_pct")] = t("settings.badWarn");
      return {
        name: r.name.trim(),
        priority: r.priority,
        tier: r.tier || null,
        first_response_s: target(r.first, "first_response_s"),
        next_response_s: target(r.next, "next_response_s"),
        resolution_s: target(r.resolution, "resolution_s"),
        hours: r.hours,
        warn_at_pct: warn,
      };
    });
    setErrors(errs);
    if (Object.keys(errs).length === 0) m.mutate(out);
  }

  return (
    <section id="sla" className="report__section" aria-labelledby="sla-h">
      <h2 id="sla-h">{t("settings.sla")}</h2>
      <p className="muted small">{t("settings.slaIntro")}</p>
      <form onSubmit={onSubmit} noValidate className="form">
        <div className="policy-grid">
          {rows.map((r, i) => {
            const err = (k: string) => errors[`policies[${i}].${k}`];
            return (
              <fieldset key={i} className="policy" data-testid="policy">
                <legend>{r.name || t("settings.newPolicy")}</legend>
                <TextField label={t("settings.name")} name={`name-${i}`} value={r.name} error={err("name")} onChange={(e) => edit(i, { name: e.target.value })} />
                <div className="form__row">
                  <SelectField label={t("queue.priority")} name={`priority-${i}`} value={r.priority} error={err("priority")} onChange={(e) => edit(i, { priority: e.target.value as Priority })}>
                    {PRIORITIES.map((p) => (
                      <option key={p} value={p}>
                        {t(`priority.${p}`)}
                      </option>
                    ))}
                  </SelectField>
                  <SelectField label={t("settings.tier")} name={`tier-${i}`} value={r.tier} error={err("tier")} onChange={(e) => edit(i, { tier: e.target.value as Tier | "" })}>
                    <option value="">{t("settings.anyTier")}</option>
                    <option value="standard">{t("detail.tier.standard")}</option>
                    <option value="vip">{t("detail.tier.vip")}</option>
                  </SelectField>
                </div>
                <div className="form__row form__row--3">
                  <TextField label={t("metric.first_response")} name={`first-${i}`} value={r.first} error={err("first_response_s")} placeholder="4h" onChange={(e) => edit(i, { first: e.target.value })} />
                  <TextField label={t("metric.next_response")} name={`next-${i}`} value={r.next} error={err("next_response_s")} placeholder="4h" onChange={(e) => edit(i, { next: e.target.value })} />
                  <TextField label={t("metric.resolution")} name={`resolution-${i}`} value={r.resolution} error={err("resolution_s")} placeholder="2d" onChange={(e) => edit(i, { resolution: e.target.value })} />
                </div>
                <div className="form__row">
                  <SelectField label={t("settings.clock")} name={`hours-${i}`} value={r.hours} error={err("hours")} onChange={(e) => edit(i, { hours: e.target.value as Hours })}>
                    <option value="business">{t("ttr.hours_business")}</option>
                    <option value="calendar">{t("ttr.hours_calendar")}</option>
                  </SelectField>
                  <TextField label={t("settings.warnAt")} name={`warn-${i}`} inputMode="numeric" value={r.warn} error={err("warn_at_pct")} onChange={(e) => edit(i, { warn: e.target.value })} />
                </div>
                <button type="button" className="btn btn--small btn--ghost" onClick={() => setRows((rs) => rs.filter((_, j) => j !== i))}>
                  {t("settings.remove")}
                </button>
              </fieldset>
            );
          })}
        </div>
        <p className="muted small">{t("settings.targetHint")}</p>
        {errors.policies && <p className="field__error">{errors.policies}</p>}
        <div className="form__actions">
          <button
            type="button"
            className="btn"
            onClick={() => setRows((rs) => [...rs, { name: "", priority: "normal", tier: "", first: "4h", next: "4h", resolution: "2d", hours: "business", warn: "80" }])}
          >
            {t("settings.addPolicy")}
          </button>
          <button type="submit" className="btn btn--primary" disabled={m.isPending}>
            {t("settings.savePolicies")}
          </button>
          <span role="status" className="muted">
            {saved ? t("detail.saved") : Object.keys(errors).length ? t("validation.fixBelow") : ""}
          </span>
        </div>
        {m.error && Object.keys(errors).length === 0 && <ErrorBanner error={m.error} />}
      </form>
    </section>
  );
}

// ---- business hours ----

const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;

function BusinessHoursForm() {
  const { t } = useTranslation();
  const q = useQuery({ queryKey: ["business-hours"], queryFn: getBusinessHours });
  if (q.error) return <QueryError error={q.error} onRetry={() => q.refetch()} />;
  if (!q.data) return <p>{t("app.loading")}</p>;
  return <HoursEditor initial={q.data} />;
}

function zones(): string[] {
  try {
    return (Intl as unknown as { supportedValuesOf(k: string): string[] }).supportedValuesOf("timeZone");
  } catch {
    return ["UTC", "Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"];
  }
}

function HoursEditor({ initial }: { initial: BusinessHours }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const [tz, setTz] = useState(initial.timezone);
  const [slots, setSlots] = useState<WeeklySlot[]>(initial.weekly);
  const [holidays, setHolidays] = useState<string[]>(initial.holidays ?? []);
  const [errors, setErrors] = useState<Errors>({});
  const [saved, setSaved] = useState(false);
  const m = useMutation({
    mutationFn: putBusinessHours,
    onSuccess: (res) => {
      setSaved(true);
      qc.setQueryData(["business-hours"], res);
      void qc.invalidateQueries({ queryKey: ["ttr"] });
    },
    onError: (e) => setErrors(serverFieldErrors(t, e)),
  });
  const slot = (i: number, patch: Partial<WeeklySlot>) => {
    setSaved(false);
    setSlots((s) => s.map((x, j) => (j === i ? { ...x, ...patch } : x)));
  };

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    setSaved(false);
    const errs: Errors = {};
    if (!tz.trim()) errs.timezone = t("validation.required");
    slots.forEach((s, i) => {
      if (!TIME.test(s.open)) errs[`weekly[${i}].open`] = t("settings.badTime");
      if (!TIME.test(s.close)) errs[`weekly[${i}].close`] = t("settings.badTime");
      else if (TIME.test(s.open) && s.close <= s.open) errs[`weekly[${i}].close`] = t("settings.closeAfterOpen");
    });
    holidays.forEach((h, i) => {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(h)) errs[`holidays[${i}]`] = t("reports.badDate");
    });
    setErrors(errs);
    if (Object.keys(errs).length === 0) m.mutate({ timezone: tz.trim(), weekly: slots, holidays });
  }

  return (
    <section id="hours" className="report__section" aria-labelledby="hours-h">
      <h2 id="hours-h">{t("settings.hours")}</h2>
      <p className="muted small">{t("settings.hoursIntro")}</p>
      <form onSubmit={onSubmit} noValidate className="form">
        <TextField label={t("settings.timezone")} name="timezone" list="tz-list" value={tz} error={errors.timezone} hint={t("settings.timezoneHint")} onChange={(e) => setTz(e.target.value)} />
        <datalist id="tz-list">
          {zones().map((z) => (
            <option key={z} value={z} />
          ))}
        </datalist>
        <fieldset className="slots">
          <legend>{t("settings.weekly")}</legend>
          {slots.length === 0 && <p className="muted small">{t("settings.noSlots")}</p>}
          {slots.map((s, i) => (
            <div key={i} className="slot" data-testid="slot">
              <SelectField label={t("settings.day")} name={`day-${i}`} value={s.day} error={errors[`weekly[${i}].day`]} onChange={(e) => slot(i, { day: e.target.value })}>
                {DAYS.map((d) => (
                  <option key={d} value={d}>
                    {t(`settings.days.${d}`)}
                  </option>
                ))}
              </SelectField>
              <TextField label={t("settings.open")} type="time" name={`open-${i}`} value={s.open} error={errors[`weekly[${i}].open`]} onChange={(e) => slot(i, { open: e.target.value })} />
              <TextField label={t("settings.close")} type="time" name={`close-${i}`} value={s.close} error={errors[`weekly[${i}].close`]} onChange={(e) => slot(i, { close: e.target.value })} />
              <button type="button" className="btn btn--small btn--ghost" onClick={() => setSlots((x) => x.filter((_, j) => j !== i))}>
                {t("settings.remove")}
              </button>
            </div>
          ))}
          <button type="button" className="btn btn--small" onClick={() => setSlots((x) => [...x, { day: "sat", open: "09:00", close: "13:00" }])}>
            {t("settings.addSlot")}
          </button>
        </fieldset>
        <fieldset className="slots">
          <legend>{t("settings.holidays")}</legend>
          {holidays.length === 0 && <p className="muted small">{t("settings.noHolidays")}</p>}
          {holidays.map((h, i) => (
            <div key={i} className="slot">
              <TextField label={t("settings.holiday")} type="date" name={`holiday-${i}`} value={h} error={errors[`holidays[${i}]`]} onChange={(e) => setHolidays((x) => x.map((y, j) => (j === i ? e.target.value : y)))} />
              <button type="button" className="btn btn--small btn--ghost" onClick={() => setHolidays((x) => x.filter((_, j) => j !== i))}>
                {t("settings.remove")}
              </button>
            </div>
          ))}
          <button type="button" className="btn btn--small" onClick={() => setHolidays((x) => [...x, ""])}>
            {t("settings.addHoliday")}
          </button>
        </fieldset>
        <div className="form__actions">
          <button type="submit" className="btn btn--primary" disabled={m.isPending}>
            {t("settings.saveHours")}
          </button>
          <span role="status" className="muted">
            {saved ? t("detail.saved") : Object.keys(errors).length ? t("validation.fixBelow") : ""}
          </span>
        </div>
        {m.error && Object.keys(errors).length === 0 && <ErrorBanner error={m.error} />}
      </form>
    </section>
  );
}

// ---- users (admins) ----

const ROLES: Role[] = ["agent", "manager", "admin"];

function Users() {
  const { t, i18n } = useTranslation();
  const qc = useQueryClient();
  const { user: me } = useSession();
  const q = useQuery({ queryKey: ["users"], queryFn: listUsers });
  const [draft, setDraft] = useState({ name: "", email: "", role: "agent" as Role, password: "" });
  const [errors, setErrors] = useState<Errors>({});
  const [created, setCreated] = useState<string | null>(null);
  const refresh = () => {
    void qc.invalidateQueries({ queryKey: ["users"] });
    void qc.invalidateQueries({ queryKey: ["staff"] });
  };
  const create = useMutation({
    mutationFn: createUser,
    onSuccess: (u) => {
      setCreated(u.name);
      setDraft({ name: "", email: "", role: "agent", password: "" });
      refresh();
    },
    onError: (e) => setErrors(serverFieldErrors(t, e)),
  });
  const patch = useMutation({
    mutationFn: (v: { id: number; patch: Parameters<typeof updateUser>[1] }) => updateUser(v.id, v.patch),
    onSuccess: refresh,
  });

  function onCreate(e: FormEvent) {
    e.preventDefault();
    setCreated(null);
    const errs: Errors = {};
    if (!draft.name.trim()) errs.name = t("validation.required");
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(draft.email.trim())) errs.email = t("validation.email");
    if (draft.password.length < 12) errs.password = t("settings.passwordShort");
    setErrors(errs);
    if (Object.keys(errs).length === 0) create.mutate({ ...draft, name: draft.name.trim(), email: draft.email.trim() });
  }

  return (
    <section id="users" className="report__section" aria-labelledby="users-h">
      <h2 id="users-h">{t("settings.users")}</h2>
      {q.error && <QueryError error={q.error} onRetry={() => q.refetch()} />}
      {patch.error && <ErrorBanner error={patch.error} />}
      {q.data && (
        <div className="table-wrap">
          <table className="report-table">
            <thead>
              <tr>
                <th scope="col">{t("settings.name")}</th>
                <th scope="col">{t("login.email")}</th>
                <th scope="col">{t("settings.role")}</th>
                <th scope="col">{t("settings.state")}</th>
                <th scope="col">
                  <span className="visually-hidden">{t("settings.actions")}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {q.data.items.map((u) => (
                <tr key={u.id} className={u.active ? undefined : "is-inactive"}>
                  <th scope="row">{u.name}</th>
                  <td>{u.email}</td>
                  <td>
                    <select
                      aria-label={t("settings.roleOf", { name: u.name })}
                      value={u.role}
                      disabled={u.id === me?.id || patch.isPending}
                      onChange={(e) => patch.mutate({ id: u.id, patch: { role: e.target.value as Role } })}
                    >
                      {ROLES.map((r) => (
                        <option key={r} value={r}>
                          {t(`role.${r}`)}
                        </option>
                      ))}
                    </select>
                  </td>
                  <td>
                    {u.active ? t("settings.active") : t("settings.inactive")}
                    {u.can_log_in === false && <span className="muted small"> · {t("settings.noPassword")}</span>}
                    {u.created_at && <div className="muted small">{new Date(u.created_at).toLocaleDateString(i18n.language)}</div>}
                  </td>
                  <td>
                    {u.id !== me?.id && (
                      <button type="button" className="btn btn--small" disabled={patch.isPending} onClick={() => patch.mutate({ id: u.id, patch: { active: !u.active } })}>
                        {u.active ? t("settings.deactivate") : t("settings.reactivate")}
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <form onSubmit={onCreate} noValidate className="form card-inset">
        <h3>{t("settings.newUser")}</h3>
        <div className="form__row">
          <TextField label={t("settings.name")} name="new-name" value={draft.name} error={errors.name} onChange={(e) => setDraft({ ...draft, name: e.target.value })} />
          <TextField label={t("login.email")} name="new-email" type="email" value={draft.email} error={errors.email} onChange={(e) => setDraft({ ...draft, email: e.target.value })} />
        </div>
        <div className="form__row">
          <SelectField label={t("settings.role")} name="new-role" value={draft.role} error={errors.role} onChange={(e) => setDraft({ ...draft, role: e.target.value as Role })}>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {t(`role.${r}`)}
              </option>
            ))}
          </SelectField>
          <TextField
            label={t("settings.password")}
            name="new-password"
            type="password"
            autoComplete="new-password"
            hint={t("settings.passwordHint")}
            value={draft.password}
            error={errors.password}
            onChange={(e) => setDraft({ ...draft, password: e.target.value })}
          />
        </div>
        <div className="form__actions">
          <button type="submit" className="btn btn--primary" disabled={create.isPending}>
            {t("settings.createUser")}
          </button>
          <span role="status" className="muted">
            {created ? t("settings.created", { name: created }) : ""}
          </span>
        </div>
        {create.error && Object.keys(errors).length === 0 && <ErrorBanner error={create.error} />}
      </form>
    </section>
  );
}
