// The page's language, its message catalogs and its number formats.
//
// Catalogs are JSON files of this app's own origin, one per language and area:
// static/i18n/<lang>/<area>.json, a flat object of key -> message. A message is
// a string with {name} placeholders, or, where a number decides the wording, an
// object of plural forms named as Intl.PluralRules names them ("one", "few",
// "many", "other", ...) selected by the `count` variable. English is loaded
// beside any other language, so a key missing from a catalog shows in English
// rather than as a key (the catalog test fails on it first).
//
// The language is, in order: ?lang= in the address, the choice remembered on
// this device (the picker), the browser's languages, English. Importing this
// module waits for the catalogs (top-level await), so every module that imports
// `t` may use it at once.

export const LANGUAGES = Object.freeze({
  en: "English",
  es: "Español",
  fr: "Français",
  de: "Deutsch",
  ru: "Русский",
  ar: "العربية",
});
const RTL = new Set(["ar"]);
const AREAS = ["common", "play", "host", "report", "editor"];
const STORAGE_KEY = "thaw.lang";
const COOKIE = "thaw_lang";

function supported(tag) {
  if (!tag) return null;
  const base = String(tag).toLowerCase().split(/[-_]/)[0];
  return Object.hasOwn(LANGUAGES, base) ? base : null;
}

function stored() {
  try { return window.localStorage.getItem(STORAGE_KEY); } catch { return null; }
}

function choose() {
  const asked = supported(new URLSearchParams(window.location.search).get("lang"));
  if (asked) return asked;
  const kept = supported(stored());
  if (kept) return kept;
  for (const tag of navigator.languages || [navigator.language]) {
    const found = supported(tag);
    if (found) return found;
  }
  return "en";
}

/** The page's language code (one of LANGUAGES) and its writing direction. */
export const lang = choose();
export const dir = RTL.has(lang) ? "rtl" : "ltr";

async function load(code) {
  const parts = await Promise.all(AREAS.map(async (area) => {
    try {
      const response = await fetch(new URL(`../i18n/${code}/${area}.json`, import.meta.url));
      return response.ok ? await response.json() : {};
    } catch {
      return {};
    }
  }));
  return Object.assign({}, ...parts);
}

const [english, own] = await Promise.all([load("en"), lang === "en" ? null : load(lang)]);
const catalog = own ? { ...english, ...own } : english;

document.documentElement.lang = lang;
document.documentElement.dir = dir;
// The server answers this device in the same language (its pages, API messages, downloads).
document.cookie = `${COOKIE}=${lang}; path=/; max-age=31536000; SameSite=Lax`;

const numbers = new Intl.NumberFormat(lang);
const cardinal = new Intl.PluralRules(lang);
const ordinalRules = new Intl.PluralRules(lang, { type: "ordinal" });

/** A number written for the page's language (grouping, digits). */
export function fmtNumber(n, options) {
  if (typeof n !== "number") return String(n ?? "");
  return options ? new Intl.NumberFormat(lang, options).format(n) : numbers.format(n);
}

/** A date and time written for the page's language. */
export function fmtDateTime(value, options = { dateStyle: "medium", timeStyle: "short" }) {
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? "" : new Intl.DateTimeFormat(lang, options).format(date);
}

/** A list ("Ana, Ben and Cat") joined as the page's language joins it. */
export function fmtList(items, type = "conjunction") {
  return new Intl.ListFormat(lang, { style: "long", type }).format(items.map(String));
}

function fill(text, vars) {
  return text.replace(/\{(\w+)\}/g, (whole, name) => {
    if (!Object.hasOwn(vars, name)) return whole;
    const value = vars[name];
    return typeof value === "number" ? numbers.format(value) : String(value ?? "");
  });
}

function pick(message, rules, count) {
  if (typeof message === "string") return message;
  return message[rules.select(count)] ?? message.other ?? "";
}

/**
 * The message `key` in the page's language, with {name} placeholders filled
 * from `vars` (numbers formatted for the language). A plural message chooses
 * its form by `vars.count`.
 */
export function t(key, vars = {}) {
  const message = catalog[key];
  if (message === undefined) {
    console.warn(`i18n: no message ${key}`);
    return key;
  }
  return fill(pick(message, cardinal, Number(vars.count ?? 0)), vars);
}

/** "1st", "2.º", "3e": the catalog's `common.ordinal` forms, chosen by ordinal rules. */
export function ordinal(n) {
  const message = catalog["common.ordinal"];
  if (message === undefined) return numbers.format(n);
  return fill(pick(message, ordinalRules, n), { n });
}

/** True when `key` has a message (for optional texts, such as an error code's). */
export function has(key) {
  return Object.hasOwn(catalog, key);
}

/** Remember a language on this device and show the page in it. */
export function setLanguage(code) {
  const chosen = supported(code) || "en";
  try { window.localStorage.setItem(STORAGE_KEY, chosen); } catch { /* private mode: this page only */ }
  const url = new URL(window.location.href);
  url.searchParams.delete("lang");
  window.location.replace(url);
}

/** A labelled <select> of the shipped languages, each named in itself; choosing one reloads. */
export function languagePicker() {
  const label = document.createElement("label");
  label.className = "lang-picker";
  const caption = document.createElement("span");
  caption.className = "visually-hidden";
  caption.textContent = t("common.language");
  const select = document.createElement("select");
  select.className = "lang-select input input-small"; // the pages' form look (thaw.css)
  for (const [code, name] of Object.entries(LANGUAGES)) {
    const option = document.createElement("option");
    option.value = code;
    option.lang = code;
    option.textContent = name;
    option.selected = code === lang;
    select.append(option);
  }
  select.addEventListener("change", () => setLanguage(select.value));
  label.append(caption, select);
  return label;
}
