// A quiz as files the teacher keeps: the YAML deck alone, or, when questions
// carry images, a zip of the deck and its images beside it (the layout of
// content/, where `image:` names a file next to the deck). Reading such a zip
// back puts each image into its question again, so a round trip changes nothing.

import { importFile } from "./deckapi.js";
import { t } from "./i18n.js";
import { deckToYaml, yamlFileName } from "./deckyaml.js";
import { makeZip, readZip } from "./zipfile.js";

const EXT_OF = { "image/png": "png", "image/jpeg": "jpg", "image/webp": "webp", "image/gif": "gif" };
const TYPE_OF = Object.fromEntries(Object.entries(EXT_OF).map(([type, ext]) => [ext, type]));
TYPE_OF.jpeg = "image/jpeg";
const DATA_URL = /^data:([a-z/+.-]+);base64,(.*)$/s;

function fromBase64(b64) {
  const text = atob(b64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i += 1) bytes[i] = text.charCodeAt(i);
  return bytes;
}

function toBase64(bytes) {
  let text = "";
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

/** The file to download for a deck: {blob, name}. */
export function deckFile(deck) {
  const questions = Array.isArray(deck.questions) ? deck.questions : [];
  const inline = questions.some((q) => typeof q?.image === "string" && DATA_URL.test(q.image));
  if (!inline) return { blob: new Blob([deckToYaml(deck)], { type: "application/yaml" }), name: yamlFileName(deck) };
  const yamlName = yamlFileName(deck);
  const stem = yamlName.replace(/\.yaml$/, "");
  const copy = structuredClone(deck);
  const images = [];
  copy.questions.forEach((q, i) => {
    const match = typeof q?.image === "string" ? DATA_URL.exec(q.image) : null;
    if (!match) return;
    const name = `${stem}-${i + 1}.${EXT_OF[match[1]] || "bin"}`;
    images.push({ name, bytes: fromBase64(match[2]) });
    q.image = name;
  });
  const files = [{ name: yamlName, bytes: new TextEncoder().encode(deckToYaml(copy)) }, ...images];
  return { blob: makeZip(files), name: `${stem}.zip` };
}

/**
 * Import a zip of a deck and its images: the deck goes through the server's YAML
 * importer, then each image it names (and the zip holds) is put back into its
 * question as a data URL, as the editor keeps it.
 */
export async function importZip(file) {
  const files = await readZip(await file.arrayBuffer());
  const decks = [...files.keys()].filter((n) => /\.ya?ml$/i.test(n));
  if (decks.length !== 1) {
    throw new Error(t(decks.length ? "editor.zip.manyDecks" : "editor.zip.noDeck"));
  }
  const folder = decks[0].includes("/") ? decks[0].slice(0, decks[0].lastIndexOf("/") + 1) : "";
  const result = await importFile(new Blob([files.get(decks[0])], { type: "application/yaml" }), "yaml");
  const problems = [...result.problems];
  for (const q of result.deck?.questions || []) {
    if (typeof q?.image !== "string" || DATA_URL.test(q.image)) continue;
    const bytes = files.get(folder + q.image);
    const type = TYPE_OF[q.image.split(".").pop().toLowerCase()];
    if (!bytes || !type) {
      problems.push({ row: null, line: null, message: t("editor.zip.noImage", { image: q.image, prompt: q.prompt ?? "" }) });
      continue;
    }
    q.image = `data:${type};base64,${toBase64(bytes)}`;
  }
  return { ...result, problems };
}
