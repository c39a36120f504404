import { describe, expect, it } from "vitest";
import { formatDuration, formatRelative, intlLocale } from "./format";

describe("formatDuration", () => {
  it("shows the two largest units", () => {
    expect(formatDuration(2 * 3600 + 5 * 60 + 9, "en")).toMatch(/^2 hr 5 min$/);
    expect(formatDuration(3 * 86400 + 4 * 3600, "en")).toMatch(/^3 days? 4 hr$/);
    expect(formatDuration(45, "en")).toMatch(/^45 sec$/);
    expect(formatDuration(0, "en")).toMatch(/^0 sec$/);
  });

  it("drops a zero second unit and ignores the sign", () => {
    expect(formatDuration(-7200, "en")).toMatch(/^2 hr$/);
  });

  it("speaks Indonesian", () => {
    expect(formatDuration(2 * 3600 + 5 * 60, "id")).toMatch(/^2 jam 5 menit$/);
  });
});

describe("formatRelative", () => {
  const now = Date.parse("2026-11-23T10:00:00Z");
  it("says in / ago in the user's language", () => {
    expect(formatRelative("2026-11-23T13:00:00Z", "en", now)).toBe("in 3 hours");
    expect(formatRelative("2026-11-23T09:55:00Z", "en", now)).toBe("5 minutes ago");
    expect(formatRelative("2026-11-23T13:00:00Z", "id", now)).toBe("dalam 3 jam");
  });
});

describe("intlLocale", () => {
  it("falls back to a default region per language", () => {
    expect(intlLocale("id")).toMatch(/^id/);
    expect(intlLocale("en")).toMatch(/^en/);
  });
});
