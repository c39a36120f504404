import { useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useLocation } from "react-router";
import type { Submitted } from "../api/types";
import { privateLinkPath, privateLinkUrl } from "../lib/privateLink";
import { loadSubmission } from "./submission";

export function ThankYou() {
  const { t } = useTranslation();
  const location = useLocation();
  const sub = (location.state as Submitted | null) ?? loadSubmission();
  const [copied, setCopied] = useState(false);
  const linkRef = useRef<HTMLInputElement>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);

  useEffect(() => headingRef.current?.focus(), []);

  if (!sub) {
    return (
      <section className="card narrow">
        <p>{t("thanks.missing")}</p>
        <Link to="/">{t("app.home")}</Link>
      </section>
    );
  }
  const url = privateLinkUrl(sub.reference, sub.access_token);

  async function copy() {
    try {
      await navigator.clipboard.writeText(url);
    } catch {
      // Clipboard API unavailable (plain http): select the text so Ctrl+C works.
      linkRef.current?.select();
      document.execCommand?.("copy");
    }
    setCopied(true);
    setTimeout(() => setCopied(false), 2500);
  }

  return (
    <section className="card narrow thanks">
      <h1 tabIndex={-1} ref={headingRef}>
        {t("thanks.title")}
      </h1>
      <p>
        {t("thanks.reference")}: <strong className="reference" data-testid="reference">{sub.reference}</strong>
      </p>
      <p>{t("thanks.linkIntro")}</p>
      <div className="copy-row">
        <label htmlFor="private-link" className="visually-hidden">
          {t("thanks.link")}
        </label>
        <input id="private-link" ref={linkRef} readOnly value={url} onFocus={(e) => e.target.select()} />
        <button type="button" className="btn" onClick={copy}>
          {copied ? t("thanks.copied") : t("thanks.copy")}
        </button>
      </div>
      <p aria-live="polite" className="visually-hidden">
        {copied ? t("thanks.copied") : ""}
      </p>
      <div className="form__actions">
        <Link className="btn btn--primary" to={privateLinkPath(sub.reference, sub.access_token)}>
          {t("thanks.open")}
        </Link>
        <Link className="btn btn--ghost" to="/">
          {t("thanks.another")}
        </Link>
      </div>
    </section>
  );
}
