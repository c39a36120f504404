import { useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { NavLink, Outlet, useNavigate } from "react-router";
import { session } from "../api/session";
import { LanguageSwitch } from "../components/LanguageSwitch";
import { ToastProvider, useToasts } from "../components/Toasts";
import { isManager } from "./roles";
import { useLiveEvents } from "./useLiveEvents";
import { useSession } from "./useSession";

export function AgentLayout() {
  return (
    <ToastProvider>
      <Shell />
    </ToastProvider>
  );
}

function Shell() {
  const { t } = useTranslation();
  const { user } = useSession();
  const toasts = useToasts();
  const navigate = useNavigate();
  const qc = useQueryClient();

  const live = useLiveEvents({
    onAlert(a) {
      // Only new warnings and breaches of my own tickets interrupt me.
      if (a.change !== "raised" || !user || a.ticket?.assignee_id !== user.id) return;
      toasts.push({
        tone: a.level === "breach" ? "danger" : "warning",
        text: t("toast.alert", {
          level: t(`level.${a.level}`),
          metric: t(`metric.${a.metric}`),
          reference: a.ticket.reference,
          subject: a.ticket.subject,
        }),
        href: `/agent/tickets/${a.ticket_id}`,
      });
    },
  });

  async function logout() {
    await session.logout();
    qc.clear();
    navigate("/agent/login", { replace: true });
  }

  return (
    <div className="agent">
      <a className="skip-link" href="#main">
        {t("app.skip")}
      </a>
      <header className="topbar">
        <nav className="topbar__nav" aria-label="Main">
          <NavLink to="/agent" end className="brand">
            {t("app.name")}
          </NavLink>
          <NavLink to="/agent" end>
            {t("nav.queue")}
          </NavLink>
          {isManager(user) && (
            <>
              <NavLink to="/agent/reports">{t("nav.reports")}</NavLink>
              <NavLink to="/agent/alerts">{t("nav.alerts")}</NavLink>
              <NavLink to="/agent/cx">{t("nav.cx")}</NavLink>
              <NavLink to="/agent/recurring">{t("nav.recurring")}</NavLink>
              <NavLink to="/agent/settings">{t("nav.settings")}</NavLink>
            </>
          )}
        </nav>
        <div className="topbar__side">
          <span className={`live-dot${live ? " is-live" : ""}`} title={live ? t("nav.live") : t("nav.offline")}>
            <span className="visually-hidden">{live ? t("nav.live") : t("nav.offline")}</span>
          </span>
          <LanguageSwitch />
          {user && <span className="muted user-name">{t("nav.signedInAs", { name: user.name })}</span>}
          <button type="button" className="btn btn--small btn--ghost" onClick={logout}>
            {t("nav.logout")}
          </button>
        </div>
      </header>
      <main id="main" className="agent__main">
        <Outlet />
      </main>
    </div>
  );
}
