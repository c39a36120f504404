import { useTranslation } from "react-i18next";
import type { Priority, Status } from "../api/types";

export function StatusBadge({ status }: { status: Status }) {
  const { t } = useTranslation();
  return <span className={`badge badge--${status}`}>{t(`status.${status}`)}</span>;
}

export function PriorityBadge({ priority }: { priority: Priority }) {
  const { t } = useTranslation();
  return <span className={`prio prio--${priority}`}>{t(`priority.${priority}`)}</span>;
}
