import type { TFunction } from "i18next";
import type { Complaint } from "../api/types";

export type ComplaintErrors = Partial<Record<keyof Complaint, string>>;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@.]+$/;
const MAX_BODY_BYTES = 64 * 1024;

/** The same rules the server applies, so most mistakes are caught before sending. */
export function validateComplaint(c: Complaint, t: TFunction): ComplaintErrors {
  const e: ComplaintErrors = {};
  const text = (field: "name" | "subject", max: number) => {
    const v = c[field].trim();
    if (!v) e[field] = t("validation.required");
    else if ([...v].length > max) e[field] = t("validation.tooLong", { max });
  };
  text("name", 200);
  const email = c.email.trim();
  if (!email) e.email = t("validation.required");
  else if (email.length > 254 || !EMAIL.test(email)) e.email = t("validation.email");
  text("subject", 200);
  if (!c.body.trim()) e.body = t("validation.required");
  else if (new TextEncoder().encode(c.body).length > MAX_BODY_BYTES) e.body = t("validation.bodyTooLong");
  return e;
}
