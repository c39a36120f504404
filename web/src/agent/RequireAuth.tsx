import { useEffect, useState, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { Navigate, useLocation } from "react-router";
import { session } from "../api/session";
import { useSession } from "./useSession";

/** Renders its children for a logged-in user; restores the session from the refresh token
 * after a reload; otherwise sends the user to the login page and back afterwards. */
export function RequireAuth({ children }: { children: ReactNode }) {
  const { t } = useTranslation();
  const { user } = useSession();
  const location = useLocation();
  const [restoring, setRestoring] = useState(() => !user && session.hasRefreshToken());

  useEffect(() => {
    if (!restoring) return;
    let live = true;
    void session.refresh().finally(() => live && setRestoring(false));
    return () => {
      live = false;
    };
  }, [restoring]);

  if (user) return <>{children}</>;
  if (restoring) return <p className="page-pad">{t("app.loading")}</p>;
  const next = location.pathname + location.search;
  return <Navigate to={`/agent/login?next=${encodeURIComponent(next)}`} replace />;
}
