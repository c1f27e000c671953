// The server's deck routes, for the editor, the library and the host page:
// the one validator (`POST /api/decks/check`) and the importers (`POST /api/import`).

import { apiError } from "./dom.js";
import { dir, has, t } from "./i18n.js";

/** Which importer reads a file, from its name. */
export const IMPORT_FORMATS = [
  { format: "yaml", ext: [".yaml", ".yml"], label: t("editor.format.yaml") },
  { format: "csv", ext: [".csv"], label: t("editor.format.csv") },
  { format: "kahoot-xlsx", ext: [".xlsx"], label: t("editor.format.kahoot") },
  { format: "gift", ext: [".gift", ".txt"], label: t("editor.format.gift") },
];

/**
 * A file name or extension inside a sentence: isolated on a right-to-left page,
 * where ".zip" or "quiz.yaml" would otherwise be reordered by the Arabic around it.
 */
export function fileText(name) {
  return dir === "rtl" ? `\u2068${name}\u2069` : String(name);
}

export function importFormat(fileName) {
  const name = fileName.toLowerCase();
  return IMPORT_FORMATS.find((f) => f.ext.some((ext) => name.endsWith(ext)))?.format || null;
}

/**
 * Check a deck with the server's validator.
 * Resolves {ok, problems, warnings}; rejects only when the server cannot be asked.
 */
export async function checkDeck(deck, signal) {
  const response = await fetch("/api/decks/check", {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify(deck),
    signal,
  });
  if (response.ok || response.status === 422) {
    const body = await response.json();
    return { ok: response.ok, problems: body.problems || [], warnings: body.warnings || [], message: body.message || "" };
  }
  if (response.status === 429) {
    const wait = Number(response.headers.get("Retry-After")) || 10;
    return { ok: false, retryAfter: wait, problems: [], warnings: [] };
  }
  if (response.status === 413) {
    const err = await apiError(response);
    return { ok: false, problems: [{ question: null, field: null, message: err.message || t("editor.check.tooLarge") }], warnings: [] };
  }
  throw await apiError(response);
}

/** Convert a file with the server's importer: resolves {deck, problems, skipped}. */
export async function importFile(file, format) {
  const response = await fetch(`/api/import?format=${encodeURIComponent(format)}`, {
    method: "POST",
    headers: { "Content-Type": "application/octet-stream", Accept: "application/json" },
    body: file,
  });
  if (!response.ok) throw await apiError(response);
  const body = await response.json();
  return { deck: body.deck || null, problems: body.problems || [], skipped: body.skipped || 0 };
}

/** A deck field's name in the page's language ("time_limit" is "Zeit"); a key it does not know stays as written. */
function fieldWords(field) {
  const name = fieldName(field);
  const key = `editor.field.${name}`;
  return name && has(key) ? t(key) + field.slice(name.length) : field;
}

/** Where a check problem points, in words: "Question 3 · options". */
export function problemPlace(problem) {
  const where = Number.isInteger(problem.question)
    ? t("editor.question.number", { n: problem.question + 1 })
    : t("editor.place.quiz");
  return problem.field ? t("editor.place.field", { where, field: fieldWords(problem.field) }) : where;
}

/** Where an import problem points: "Row 7", "Line 12", or "File". */
export function importPlace(problem) {
  if (Number.isInteger(problem.row)) return t("editor.place.row", { n: problem.row });
  if (Number.isInteger(problem.line)) return t("editor.place.line", { n: problem.line });
  return t("editor.place.file");
}

/** The form field a problem's `field` names: "options[2]" and "options.2" are "options". */
export function fieldName(field) {
  return typeof field === "string" ? field.split(/[.[\s]/)[0] : "";
}
