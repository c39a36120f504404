import { describe, expect, it } from "vitest";
import { privateLinkPath, readToken } from "./privateLink";

describe("private links", () => {
  it("carry the token in the fragment", () => {
    expect(privateLinkPath("HD-1001", "abc_DEF-123")).toBe("/t/HD-1001#abc_DEF-123");
  });

  it("read the token from the fragment and remember it for reloads", () => {
    expect(readToken("HD-1001", "#tok-1")).toBe("tok-1");
    expect(readToken("HD-1001", "")).toBe("tok-1");
    expect(readToken("hd-1001", "")).toBe("tok-1");
    expect(readToken("HD-1002", "")).toBeNull();
  });
});
