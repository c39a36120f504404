import i18n from "i18next";
import { initReactI18next } from "react-i18next";
import en from "./en";
import id from "./id";

export const LANGUAGES = [
  { code: "en", label: "English" },
  { code: "id", label: "Bahasa Indonesia" },
] as const;
export type Lang = (typeof LANGUAGES)[number]["code"];

const STORE_KEY = "hd.lang";

/** The saved choice, else the first browser language we speak, else English. */
export function detectLanguage(): Lang {
  try {
    const saved = localStorage.getItem(STORE_KEY);
    if (saved === "en" || saved === "id") return saved;
  } catch {
    // No storage.
  }
  const langs = typeof navigator !== "undefined" ? navigator.languages ?? [navigator.language] : [];
  for (const l of langs) {
    const base = (l ?? "").toLowerCase().split("-")[0];
    // "in" is the old ISO code for Indonesian, still sent by some Android browsers.
    if (base === "id" || base === "in") return "id";
    if (base === "en") return "en";
  }
  return "en";
}

export function setLanguage(lang: Lang) {
  try {
    localStorage.setItem(STORE_KEY, lang);
  } catch {
    // No storage: the choice lasts for this page.
  }
  void i18n.changeLanguage(lang);
}

i18n.on("languageChanged", (lng) => {
  if (typeof document !== "undefined") document.documentElement.lang = lng;
});

void i18n.use(initReactI18next).init({
  resources: { en: { translation: en }, id: { translation: id } },
  lng: detectLanguage(),
  fallbackLng: "en",
  interpolation: { escapeValue: false }, // React escapes.
  initAsync: false,
});

export default i18n;
