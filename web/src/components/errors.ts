import type { TFunction } from "i18next";
import { ApiError, NetworkError } from "../api/http";

/** The server's English field messages, in the user's language where we know them. */
export function fieldMessage(t: TFunction, message: string): string {
  if (message === "is required" || message === "must not be empty") return t("validation.required");
  if (message === "must be a valid e-mail address") return t("validation.email");
  if (message === "must be at most 64 KiB") return t("validation.bodyTooLong");
  const m = /^must be at most (\d+) characters$/.exec(message);
  if (m) return t("validation.tooLong", { max: m[1] });
  return message;
}

/** Field errors of a 422 answer, translated, keyed by field. */
export function serverFieldErrors(t: TFunction, e: unknown): Record<string, string> {
  if (!(e instanceof ApiError)) return {};
  const out: Record<string, string> = {};
  for (const [field, msg] of Object.entries(e.fieldErrors())) out[field] = fieldMessage(t, msg);
  return out;
}

/** One sentence for an error that is not about a particular field. */
export function errorText(t: TFunction, e: unknown): string {
  if (e instanceof NetworkError) return t("app.networkError");
  if (e instanceof ApiError) return t("app.genericError", { detail: e.problem?.detail ?? e.message });
  return t("app.genericError", { detail: String(e) });
}
