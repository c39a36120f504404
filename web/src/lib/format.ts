// Dates and durations in the user's language and time zone, with Intl only.

/** The Intl locale for a UI language: the browser's own variant when it matches. */
export function intlLocale(lang: string): string {
  const nav = typeof navigator !== "undefined" ? navigator.languages ?? [navigator.language] : [];
  const match = nav.find((l) => l && l.toLowerCase().split("-")[0] === lang);
  return match ?? (lang === "id" ? "id-ID" : "en-GB");
}

export function formatDateTime(iso: string, lang: string): string {
  return new Intl.DateTimeFormat(intlLocale(lang), { dateStyle: "medium", timeStyle: "short" }).format(
    new Date(iso),
  );
}

export function formatDate(iso: string, lang: string): string {
  return new Intl.DateTimeFormat(intlLocale(lang), { dateStyle: "medium" }).format(new Date(iso));
}

/** "weekday, time" for instants within a week, a full date otherwise. */
export function formatWhen(iso: string, lang: string, now = Date.now()): string {
  const d = new Date(iso);
  const days = Math.abs(d.getTime() - now) / 86_400_000;
  const opts: Intl.DateTimeFormatOptions =
    days < 6
      ? { weekday: "long", hour: "numeric", minute: "2-digit" }
      : { dateStyle: "full", timeStyle: "short" };
  return new Intl.DateTimeFormat(intlLocale(lang), opts).format(d);
}

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ["day", 86_400],
  ["hour", 3_600],
  ["minute", 60],
  ["second", 1],
];

/** "in 3 hours", "5 minutes ago". */
export function formatRelative(iso: string, lang: string, now = Date.now()): string {
  const s = Math.round((new Date(iso).getTime() - now) / 1000);
  const rtf = new Intl.RelativeTimeFormat(intlLocale(lang), { numeric: "auto" });
  for (const [unit, size] of UNITS) {
    if (Math.abs(s) >= size || unit === "second") return rtf.format(Math.trunc(s / size), unit);
  }
  return rtf.format(0, "second");
}

/** A duration as its two largest units, e.g. "2 hr 5 min" / "2 jam 5 mnt". */
export function formatDuration(seconds: number, lang: string): string {
  const loc = intlLocale(lang);
  let s = Math.abs(Math.round(seconds));
  const parts: string[] = [];
  for (const [unit, size] of UNITS) {
    const n = Math.floor(s / size);
    if (n > 0 || (unit === "second" && parts.length === 0)) {
      // Indonesian short units are cryptic ("2 j"), so it gets the long ones ("2 jam").
      const unitDisplay = lang === "id" ? "long" : "short";
      parts.push(new Intl.NumberFormat(loc, { style: "unit", unit, unitDisplay }).format(n));
      s -= n * size;
    }
    if (parts.length === 2) break;
  }
  return parts.join(" ");
}
