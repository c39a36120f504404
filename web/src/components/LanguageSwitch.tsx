import { useId } from "react";
import { useTranslation } from "react-i18next";
import { LANGUAGES, setLanguage, type Lang } from "../i18n";

export function LanguageSwitch() {
  const { t, i18n } = useTranslation();
  const id = useId();
  return (
    <div className="lang-switch">
      <label htmlFor={id}>{t("app.language")}</label>
      <select id={id} value={i18n.language} onChange={(e) => setLanguage(e.target.value as Lang)}>
        {LANGUAGES.map((l) => (
          <option key={l.code} value={l.code} lang={l.code}>
            {l.label}
          </option>
        ))}
      </select>
    </div>
  );
}
