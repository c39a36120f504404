// Compact SLA targets: "4h", "30m", "1d 2h", "5s" <-> seconds.

const UNITS: [string, number][] = [
  ["d", 86_400],
  ["h", 3_600],
  ["m", 60],
  ["s", 1],
];

export function formatTarget(s: number | null): string {
  if (s === null) return "";
  if (s === 0) return "0s";
  const parts: string[] = [];
  let rest = s;
  for (const [u, size] of UNITS) {
    const n = Math.floor(rest / size);
    if (n > 0) {
      parts.push(`${n}${u}`);
      rest -= n * size;
    }
  }
  return parts.join(" ");
}

/** Seconds, `null` for an empty text (no target), `undefined` when the text is not a duration.
 * A bare number means minutes. */
export function parseTarget(text: string): number | null | undefined {
  const s = text.trim().toLowerCase();
  if (!s) return null;
  if (/^\d+$/.test(s)) return Number(s) * 60;
  const re = /(\d+)\s*([dhms])/gy;
  let total = 0;
  let pos = 0;
  let m: RegExpExecArray | null;
  const compact = s.replace(/\s+/g, "");
  re.lastIndex = 0;
  while ((m = re.exec(compact)) !== null) {
    total += Number(m[1]) * UNITS.find(([u]) => u === m![2])![1];
    pos = re.lastIndex;
  }
  if (pos !== compact.length || pos === 0) return undefined;
  return total;
}
