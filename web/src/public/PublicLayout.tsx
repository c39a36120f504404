import { useTranslation } from "react-i18next";
import { Link, Outlet } from "react-router";
import { LanguageSwitch } from "../components/LanguageSwitch";

export function PublicLayout() {
  const { t } = useTranslation();
  return (
    <div className="public">
      <a className="skip-link" href="#main">
        {t("app.skip")}
      </a>
      <header className="topbar topbar--public">
        <Link to="/" className="brand">
          {t("app.name")}
        </Link>
        <LanguageSwitch />
      </header>
      <main id="main" className="public__main">
        <Outlet />
      </main>
      <footer className="footer">
        <Link to="/agent">{t("app.staffLogin")}</Link>
      </footer>
    </div>
  );
}
