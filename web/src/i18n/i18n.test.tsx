import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { LanguageSwitch } from "../components/LanguageSwitch";
import { renderAt } from "../test/render";
import en from "./en";
import id from "./id";
import { detectLanguage } from "./index";

function keys(o: object, prefix = ""): string[] {
  return Object.entries(o).flatMap(([k, v]) => (typeof v === "object" ? keys(v, `${prefix}${k}.`) : [`${prefix}${k}`]));
}

describe("translations", () => {
  it("Indonesian has every English key, with the same placeholders", () => {
    expect(keys(id).sort()).toEqual(keys(en).sort());
    const get = (o: object, path: string) => path.split(".").reduce<unknown>((x, k) => (x as Record<string, unknown>)[k], o) as string;
    for (const k of keys(en)) {
      const ph = (s: string) => (s.match(/\{\{\w+\}\}/g) ?? []).sort();
      expect(ph(get(id, k)), k).toEqual(ph(get(en, k)));
    }
  });

  it("the switch changes the language and remembers it", async () => {
    const user = userEvent.setup();
    renderAt(<LanguageSwitch />);
    await user.selectOptions(screen.getByLabelText("Language"), "id");
    expect(screen.getByLabelText("Bahasa")).toHaveValue("id");
    expect(document.documentElement.lang).toBe("id");
    expect(detectLanguage()).toBe("id");
  });

  it("follows the browser's language by default", () => {
    const langs = Object.getOwnPropertyDescriptor(Navigator.prototype, "languages");
    Object.defineProperty(navigator, "languages", { value: ["id-ID", "en"], configurable: true });
    try {
      expect(detectLanguage()).toBe("id");
    } finally {
      delete (navigator as unknown as Record<string, unknown>).languages;
      if (langs) expect(navigator.languages).toBeDefined();
    }
  });
});
