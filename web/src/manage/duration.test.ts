import { describe, expect, it } from "vitest";
import { formatTarget, parseTarget } from "./duration";

describe("SLA target durations", () => {
  it("formats seconds compactly", () => {
    expect(formatTarget(28_800)).toBe("8h");
    expect(formatTarget(5_400)).toBe("1h 30m");
    expect(formatTarget(5)).toBe("5s");
    expect(formatTarget(90_000)).toBe("1d 1h");
    expect(formatTarget(null)).toBe("");
  });
  it("parses what it formats, bare minutes, and refuses nonsense", () => {
    for (const s of [5, 60, 5_400, 28_800, 90_061]) expect(parseTarget(formatTarget(s))).toBe(s);
    expect(parseTarget("45")).toBe(2_700);
    expect(parseTarget(" 2h 15m ")).toBe(8_100);
    expect(parseTarget("")).toBeNull();
    expect(parseTarget("soon")).toBeUndefined();
    expect(parseTarget("4x")).toBeUndefined();
    expect(parseTarget("4h later")).toBeUndefined();
  });
});
