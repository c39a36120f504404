import type { Submitted } from "../api/types";

const KEY = "hd.lastSubmission";

/** The last submission of this tab, so the thank-you page survives a reload. */
export function saveSubmission(s: Submitted) {
  try {
    sessionStorage.setItem(KEY, JSON.stringify({ reference: s.reference, access_token: s.access_token }));
  } catch {
    // No storage: the page still got it through navigation state.
  }
}

export function loadSubmission(): Pick<Submitted, "reference" | "access_token"> | null {
  try {
    const raw = sessionStorage.getItem(KEY);
    if (!raw) return null;
    const v = JSON.parse(raw) as { reference?: unknown; access_token?: unknown };
    return typeof v.reference === "string" && typeof v.access_token === "string"
      ? { reference: v.reference, access_token: v.access_token }
      : null;
  } catch {
    return null;
  }
}
