// The teacher's library on /create: every quiz kept in this browser, with
// search, open, host, duplicate, export and delete, and the import of files
// teachers already have (through the server's importers, with a preview that
// lists every problem by row or line before anything is kept).

import { $, confirmDialog, h, mount, plural, toast } from "./dom.js";
import { IMPORT_FORMATS, importFile, importFormat, importPlace } from "./deckapi.js";
import { importZip } from "./deckfiles.js";
import { deleteQuiz, listQuizzes, matches, newUid, putQuiz } from "./deckstore.js";
import { KIND_LABELS } from "./quizform.js";

let page = null;
let records = [];

function when(ms) {
  return new Date(ms).toLocaleString([], { dateStyle: "medium", timeStyle: "short" });
}

function quizCard(record) {
  const deck = record.deck || {};
  const count = Array.isArray(deck.questions) ? deck.questions.length : 0;
  const title = deck.title || "Untitled quiz";
  const action = (label, onclick, extra = {}) => h("button", {
    type: "button", class: "btn btn-small btn-ghost", onclick, "aria-label": `${label}: ${title}`, text: label, ...extra,
  });
  return h("li", { class: "lib-card", dataset: { uid: record.uid } },
    h("h2", { class: "lib-title" }, h("a", { href: `#edit/${encodeURIComponent(record.uid)}`, text: title })),
    deck.description ? h("p", { class: "deck-desc", text: deck.description }) : null,
    h("p", { class: "deck-meta", text: `${plural(count, "question")} · changed ${when(record.updated)}` }),
    h("div", { class: "lib-actions" },
      h("a", { class: "btn btn-small btn-primary", href: `/host?quiz=${encodeURIComponent(record.uid)}`, "aria-label": `Host: ${title}`, text: "Host" }),
      action("Duplicate", () => duplicate(record)),
      action("Export", () => page.exportDeck(deck)),
      action("Delete", () => remove(record), { class: "btn btn-small btn-ghost ed-danger" })));
}

async function duplicate(record) {
  const deck = structuredClone(record.deck);
  deck.title = `${deck.title || "Untitled quiz"} (copy)`.slice(0, 120);
  if (typeof deck.id === "string") deck.id = `${deck.id}-copy`.slice(0, 64);
  await putQuiz(newUid(), deck);
  toast(`Duplicated “${record.deck.title || "Untitled quiz"}”.`);
  await refresh();
}

async function remove(record) {
  const ok = await confirmDialog({
    title: `Delete “${record.deck.title || "Untitled quiz"}”?`,
    body: "It is removed from this browser. Export it first to keep a copy.",
    confirm: "Delete", danger: true,
  });
  if (!ok) return;
  await deleteQuiz(record.uid);
  toast("Quiz deleted.");
  await refresh();
  $("#lib-search")?.focus();
}

function renderList() {
  const list = $("#lib-list");
  if (!list) return;
  const query = $("#lib-search")?.value || "";
  const shown = records.filter((r) => matches(r, query));
  $("#lib-count").textContent = records.length === 0 ? ""
    : query ? `${plural(shown.length, "quiz", "quizzes")} of ${records.length} match` : plural(records.length, "quiz", "quizzes");
  mount(list, records.length === 0
    ? h("li", { class: "lib-empty", text: "No quizzes yet. Make a new one or import a file." })
    : shown.length === 0 ? h("li", { class: "lib-empty", text: "No quiz matches your search." }) : shown.map(quizCard));
}

async function refresh() {
  try {
    records = await listQuizzes();
  } catch (err) {
    records = [];
    toast(`This browser cannot keep quizzes: ${err.message || err}`);
  }
  renderList();
}

// -- import --------------------------------------------------------------------

async function importChosen(file) {
  const format = importFormat(file.name);
  const zip = file.name.toLowerCase().endsWith(".zip");
  const status = $("#lib-import-status");
  if (!format && !zip) {
    status.textContent = `“${file.name}” is not a file Thaw can import. Use ${IMPORT_FORMATS.map((f) => f.ext.join(" or ")).join(", ")}, or a .zip exported from here.`;
    return;
  }
  status.textContent = `Reading ${file.name}…`;
  let result;
  try {
    result = zip ? await importZip(file) : await importFile(file, format);
  } catch (err) {
    status.textContent = `Could not import ${file.name}: ${err.message || "network error"}`;
    return;
  }
  status.textContent = "";
  preview(file.name, result);
}

function preview(name, { deck, problems, skipped }) {
  const questions = Array.isArray(deck?.questions) ? deck.questions : [];
  const canSave = questions.length > 0;
  const dialog = h("dialog", { class: "dialog dialog-wide", "aria-labelledby": "imp-title" },
    h("form", { method: "dialog", class: "dialog-form" },
      h("h2", { id: "imp-title", text: `Import ${name}` }),
      h("p", {
        text: canSave
          ? `${plural(questions.length, "question")} read${skipped ? `, ${plural(skipped, "question")} skipped` : ""}. ${problems.length ? "Fix what is listed below in the editor after saving." : "Nothing to fix."}`
          : "No question could be read from this file.",
      }),
      problems.length ? h("section", { class: "imp-problems", "aria-labelledby": "imp-problems-title" },
        h("h3", { id: "imp-problems-title", text: plural(problems.length, "problem") }),
        h("ul", { class: "ed-check-list" }, problems.map((p) => h("li", { class: "imp-problem" },
          h("strong", { text: `${importPlace(p)}: ` }), p.message)))) : null,
      canSave ? h("section", { class: "imp-questions", "aria-labelledby": "imp-q-title" },
        h("h3", { id: "imp-q-title", text: deck.title || "Questions" }),
        h("ol", {}, questions.map((q) => h("li", {},
          h("span", { class: "badge", text: KIND_LABELS[q?.kind] || String(q?.kind ?? "?") }), " ", String(q?.prompt ?? ""))))) : null,
      h("div", { class: "dialog-actions" },
        h("button", { value: "cancel", class: "btn btn-ghost", text: "Cancel" }),
        canSave ? h("button", { value: "ok", class: "btn btn-primary", id: "imp-save", text: "Save and edit" }) : null)));
  dialog.addEventListener("close", async () => {
    dialog.remove();
    if (dialog.returnValue === "ok" && canSave) await page.createQuiz(deck);
    else $("#lib-import")?.focus();
  });
  document.body.append(dialog);
  dialog.showModal();
  (dialog.querySelector("#imp-save") || dialog.querySelector("button"))?.focus();
}

/** Draw the library; `ctx` gives the page's `show`, `createQuiz`, `openQuiz` and `exportDeck`. */
export async function showLibrary(ctx) {
  page = ctx;
  const picker = h("input", {
    type: "file", id: "lib-file", class: "visually-hidden", tabindex: "-1", "aria-hidden": "true",
    accept: [...IMPORT_FORMATS.flatMap((f) => f.ext), ".zip"].join(","),
    onchange: () => {
      const file = picker.files?.[0];
      picker.value = "";
      if (file) importChosen(file);
    },
  });
  ctx.show("library",
    h("div", { class: "ed-head" },
      h("div", { class: "ed-head-text" },
        h("h1", { class: "setup-title", text: "Your quizzes" }),
        h("p", { class: "lead lib-lead", text: "Kept in this browser only. Export a quiz (a YAML deck, zipped with its images if it has any) to keep a copy or share it." })),
      h("div", { class: "ed-head-actions" },
        h("button", { type: "button", class: "btn btn-primary", id: "lib-new", text: "New quiz", onclick: () => ctx.createQuiz() }),
        h("button", { type: "button", class: "btn btn-ghost", id: "lib-import", text: "Import a file", onclick: () => picker.click() }),
        picker)),
    h("p", { class: "hint", text: `Import: ${IMPORT_FORMATS.map((f) => `${f.label} (${f.ext.join(", ")})`).join(" · ")} · a quiz with images exported from here (.zip).` }),
    h("p", { class: "form-error", id: "lib-import-status", role: "alert" }),
    h("div", { class: "lib-search" },
      h("label", { for: "lib-search", class: "ed-label", text: "Search your quizzes" }),
      h("input", { type: "search", id: "lib-search", class: "input", autocomplete: "off", oninput: renderList }),
      h("p", { class: "hint", id: "lib-count", "aria-live": "polite" })),
    h("ul", { class: "lib-list", id: "lib-list" }));
  await refresh();
}
