import { createContext, useCallback, useContext, useMemo, useRef, useState, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";

export interface Toast {
  id: number;
  text: string;
  tone: "info" | "warning" | "danger";
  href?: string;
}

interface ToastApi {
  push(t: Omit<Toast, "id">): void;
}

const Ctx = createContext<ToastApi>({ push: () => {} });

export function useToasts(): ToastApi {
  return useContext(Ctx);
}

/** Non-blocking notifications in a polite live region; each fades after a while. */
export function ToastProvider({ children, timeoutMs = 12_000 }: { children: ReactNode; timeoutMs?: number }) {
  const { t } = useTranslation();
  const [toasts, setToasts] = useState<Toast[]>([]);
  const next = useRef(1);
  const dismiss = useCallback((id: number) => setToasts((ts) => ts.filter((x) => x.id !== id)), []);
  const api = useMemo<ToastApi>(
    () => ({
      push(toast) {
        const id = next.current++;
        setToasts((ts) => [...ts.slice(-4), { ...toast, id }]);
        setTimeout(() => dismiss(id), timeoutMs);
      },
    }),
    [dismiss, timeoutMs],
  );
  return (
    <Ctx.Provider value={api}>
      {children}
      <div className="toasts" role="status" aria-live="polite">
        {toasts.map((x) => (
          <div key={x.id} className={`toast toast--${x.tone}`}>
            <span>{x.text}</span>
            {x.href && (
              <Link to={x.href} onClick={() => dismiss(x.id)}>
                {t("toast.open")}
              </Link>
            )}
            <button type="button" className="toast__close" aria-label={t("toast.dismiss")} onClick={() => dismiss(x.id)}>
              ×
            </button>
          </div>
        ))}
      </div>
    </Ctx.Provider>
  );
}
