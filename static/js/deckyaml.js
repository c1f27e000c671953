// A deck as YAML text, written the way the decks in content/ are written:
// the deck's keys in their usual order, `defaults` on one line, one block per
// question with a blank line between, short lists on one line, text in double
// quotes. Loading the text with any YAML loader gives back exactly the deck.

import { FORM } from "./rules.js";

const DECK_ORDER = ["id", "title", "description", "lang", "notes", "defaults", "allow", "questions"];
const QUESTION_ORDER = [
  "kind", "prompt", "options", "items", "min", "max", "step", "answer", "tolerance", "correct", "accept",
  "time_limit", "points", "explanation", "image", "image_on_phones", "source", "allow",
];
const WIDTH = 100;
// Characters a double-quoted YAML string must escape beyond what JSON escapes:
// the ones YAML does not allow raw, and the ones it reads as line breaks.
const UNPRINTABLE = /[\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]/g;
const HAS_UNPRINTABLE = new RegExp(UNPRINTABLE.source);
const DECK_ID = new RegExp(`^(?:${FORM.id_pattern})$`);
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/;
// Words that a YAML 1.1 loader reads as something other than text.
const SPECIAL = /^(?:y|n|yes|no|true|false|on|off|null|~)$/i;

function ordered(object, order) {
  const keys = Object.keys(object);
  return [...order.filter((k) => keys.includes(k)), ...keys.filter((k) => !order.includes(k))];
}

/** A string in double quotes (JSON's escapes are YAML's too). */
function quoted(text) {
  return JSON.stringify(text).replace(UNPRINTABLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** Plain (unquoted) only when no YAML loader could read it as anything but this text. */
function plainSafe(text) {
  return /^\p{L}[^:#{}[\]&*!|>%@`\\\n\r\t]*$/u.test(text)
    && !/\s$/.test(text) && !SPECIAL.test(text) && !HAS_UNPRINTABLE.test(text);
}

function number(n) {
  const text = String(n);
  // YAML 1.1 wants a dot in a float with an exponent ("1e+21" would be a string).
  return /e/i.test(text) && !text.includes(".") ? text.replace(/e/i, ".0e") : text;
}

function scalar(value, plain = false) {
  if (value === null || value === undefined) return "null";
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "number") return Number.isFinite(value) ? number(value) : quoted(String(value));
  const text = String(value);
  return plain && plainSafe(text) ? text : quoted(text);
}

function flowMap(object) {
  return `{${ordered(object, []).map((k) => `${scalar(k, true)}: ${inline(object[k])}`).join(", ")}}`;
}

function inline(value, plain = false) {
  if (Array.isArray(value)) return `[${value.map((v) => inline(v, plain)).join(", ")}]`;
  if (value && typeof value === "object") return flowMap(value);
  return scalar(value, plain);
}

/** Multi-line text as a literal block (`|`), when it can be one without changing it. */
function literal(text, indent) {
  if (!text.includes("\n") || /\r|^[ \t]|\n\n$/.test(text) || /\n[ \t]+(\n|$)/.test(text)) return null;
  if (HAS_UNPRINTABLE.test(text) || CONTROL.test(text)) return null;
  const chomp = text.endsWith("\n") ? "|" : "|-";
  const body = text.replace(/\n$/, "").split("\n").map((line) => (line ? indent + line : "")).join("\n");
  return `${chomp}\n${body}`;
}

/** `key: value` lines at `indent`; lists of text on one line when they fit, else one item a line. */
function entry(key, value, indent, plain) {
  const head = `${indent}${key}:`;
  if (Array.isArray(value) && !value.some((v) => v && typeof v === "object")) {
    const flat = `${head} ${inline(value, plain)}`;
    if (flat.length <= WIDTH || value.length === 0) return [flat];
    return [head, ...value.map((v) => `${indent}  - ${scalar(v, plain)}`)];
  }
  if (value && typeof value === "object" && !Array.isArray(value)) {
    // `defaults` on one line when it fits; other mappings (allow: code -> reason) one key a line.
    const flat = `${head} ${inline(value, plain)}`;
    const keys = Object.keys(value);
    if ((key === "defaults" && flat.length <= WIDTH) || keys.length === 0) return [flat];
    return [head, ...keys.flatMap((k) => entry(scalar(k, true), value[k], `${indent}  `, false))];
  }
  if (Array.isArray(value)) return [`${head} ${inline(value, plain)}`];
  if (typeof value === "string") {
    const block = literal(value, `${indent}  `);
    if (block) return [`${head} ${block}`];
  }
  return [`${head} ${scalar(value, plain)}`];
}

function question(q) {
  if (!q || typeof q !== "object" || Array.isArray(q)) return [`  - ${inline(q)}`];
  const lines = [];
  for (const key of ordered(q, QUESTION_ORDER)) {
    lines.push(...entry(key, q[key], "    ", key === "kind" || key === "source"));
  }
  if (lines.length === 0) return ["  - {}"];
  lines[0] = `  - ${lines[0].slice(4)}`;
  return lines;
}

/** The deck as the text of a YAML deck file. */
export function deckToYaml(deck) {
  const lines = [];
  for (const key of ordered(deck, DECK_ORDER)) {
    const value = deck[key];
    if (key === "questions" && Array.isArray(value) && value.length) {
      lines.push("questions:");
      value.forEach((q, i) => {
        if (i > 0) lines.push("");
        lines.push(...question(q));
      });
    } else {
      lines.push(...entry(key, value, "", key !== "questions"));
    }
  }
  return `${lines.join("\n")}\n`;
}

/** The file name an exported deck gets: its id, as `thaw check` expects. */
export function yamlFileName(deck) {
  const id = typeof deck?.id === "string" && DECK_ID.test(deck.id) ? deck.id : "quiz";
  return `${id}.yaml`;
}
