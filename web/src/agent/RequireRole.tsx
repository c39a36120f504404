import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import type { Role } from "../api/types";
import { hasRole } from "./roles";
import { useSession } from "./useSession";

/** Shows its children to users with at least `role`; others get a clear "not allowed" notice
 * (the API refuses them anyway) and never download the page's code. */
export function RequireRole({ role, children }: { role: Role; children: ReactNode }) {
  const { t } = useTranslation();
  const { user } = useSession();
  if (hasRole(user, role)) return <>{children}</>;
  return (
    <section className="panel not-allowed" role="alert" data-testid="not-allowed">
      <h1>{t("manage.notAllowedTitle")}</h1>
      <p>{t(role === "admin" ? "manage.adminsOnly" : "manage.notAllowed")}</p>
      <Link to="/agent">{t("detail.back")}</Link>
    </section>
  );
}
