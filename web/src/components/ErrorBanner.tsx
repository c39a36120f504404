import { useTranslation } from "react-i18next";
import { errorText } from "./errors";

export function ErrorBanner({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { t } = useTranslation();
  if (!error) return null;
  return (
    <div className="banner banner--error" role="alert">
      <span>{errorText(t, error)}</span>
      {onRetry && (
        <button type="button" className="btn btn--small" onClick={onRetry}>
          {t("app.retry")}
        </button>
      )}
    </div>
  );
}
