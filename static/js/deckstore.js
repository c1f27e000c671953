// The teacher's library: their own quizzes, kept in this browser's IndexedDB.
// A record is {uid, deck, created, updated}; `deck` has exactly the structure
// of a YAML deck file (content/*.yaml), so it can be sent as `deck_data`,
// checked by the server and exported as YAML without translation.

import { lang, t } from "./i18n.js";

const DB_NAME = "thaw";
const DB_VERSION = 1;
const STORE = "decks";

let opening = null;

function open() {
  if (!opening) {
    opening = new Promise((resolve, reject) => {
      const request = indexedDB.open(DB_NAME, DB_VERSION);
      request.onupgradeneeded = () => {
        const db = request.result;
        if (!db.objectStoreNames.contains(STORE)) {
          db.createObjectStore(STORE, { keyPath: "uid" }).createIndex("updated", "updated");
        }
      };
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error || new Error(t("editor.store.refused")));
    });
  }
  return opening;
}

async function run(mode, work) {
  const db = await open();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(STORE, mode);
    const request = work(tx.objectStore(STORE));
    tx.oncomplete = () => resolve(request?.result);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error || new Error(t("editor.store.notWritten")));
  });
}

/** A new id for a library record (not the deck's own `id`, which the teacher may change). */
export function newUid() {
  return crypto.randomUUID ? crypto.randomUUID() : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

/** Every quiz, most recently changed first. */
export async function listQuizzes() {
  const all = await run("readonly", (store) => store.getAll());
  return (all || []).sort((a, b) => b.updated - a.updated);
}

export function getQuiz(uid) {
  return run("readonly", (store) => store.get(uid));
}

/** Keep a quiz (a new one or a new version of one); returns the record. */
export async function putQuiz(uid, deck) {
  const now = Date.now();
  const old = await getQuiz(uid);
  const record = { uid, deck, created: old?.created ?? now, updated: now };
  await run("readwrite", (store) => store.put(record));
  return record;
}

export function deleteQuiz(uid) {
  return run("readwrite", (store) => store.delete(uid));
}

/** Does a quiz match what the teacher typed in the search box (title, description, prompts), case folded as the page's language folds it? */
export function matches(record, query) {
  const words = query.toLocaleLowerCase(lang).split(/\s+/).filter(Boolean);
  if (words.length === 0) return true;
  const deck = record.deck || {};
  const haystack = [deck.title, deck.description, deck.id, ...(deck.questions || []).map((q) => q?.prompt)]
    .filter((s) => typeof s === "string").join("\n").toLocaleLowerCase(lang);
  return words.every((w) => haystack.includes(w));
}
