// The teacher's library on /create: every quiz kept in this browser, with
// search, open, host, duplicate, export and delete, and the import of files
// teachers already have (through the server's importers, with a preview that
// lists every problem by row or line before anything is kept).

import { $, confirmDialog, h, mount, toast } from "./dom.js";
import { IMPORT_FORMATS, fileText, importFile, importFormat, importPlace } from "./deckapi.js";
import { importZip } from "./deckfiles.js";
import { deleteQuiz, listQuizzes, matches, newUid, putQuiz } from "./deckstore.js";
import { fmtDateTime, fmtList, t } from "./i18n.js";
import { KIND_LABELS } from "./quizform.js";
import { FORM } from "./rules.js";

let page = null;
let records = [];

function titleOf(deck) {
  return deck?.title || t("editor.untitled");
}

function quizCard(record) {
  const deck = record.deck || {};
  const count = Array.isArray(deck.questions) ? deck.questions.length : 0;
  const title = titleOf(deck);
  const named = (label) => t("editor.lib.actionFor", { action: label, title });
  const action = (label, onclick, extra = {}) => h("button", {
    type: "button", class: "btn btn-small btn-ghost", onclick, "aria-label": named(label), text: label, ...extra,
  });
  const meta = t("editor.lib.meta", { questions: t("editor.questions", { count }), when: fmtDateTime(record.updated) });
  return h("li", { class: "lib-card", dataset: { uid: record.uid } },
    h("h2", { class: "lib-title" }, h("a", { href: `#edit/${encodeURIComponent(record.uid)}`, text: title })),
    deck.description ? h("p", { class: "deck-desc", text: deck.description }) : null,
    h("p", { class: "deck-meta", text: meta }),
    h("div", { class: "lib-actions" },
      h("a", {
        class: "btn btn-small btn-primary", href: `/host?quiz=${encodeURIComponent(record.uid)}`,
        "aria-label": named(t("editor.lib.host")), text: t("editor.lib.host"),
      }),
      action(t("editor.duplicate"), () => duplicate(record)),
      action(t("editor.export"), () => page.exportDeck(deck)),
      action(t("editor.delete"), () => remove(record), { class: "btn btn-small btn-ghost ed-danger" })));
}

async function duplicate(record) {
  const deck = structuredClone(record.deck);
  deck.title = t("editor.lib.copyTitle", { title: titleOf(deck) }).slice(0, FORM.max.title);
  if (typeof deck.id === "string") deck.id = `${deck.id}-copy`.slice(0, FORM.max.id);
  await putQuiz(newUid(), deck);
  toast(t("editor.lib.duplicated", { title: titleOf(record.deck) }));
  await refresh();
}

async function remove(record) {
  const ok = await confirmDialog({
    title: t("editor.confirm.deleteQuiz", { title: titleOf(record.deck) }),
    body: t("editor.confirm.deleteQuizBody"),
    confirm: t("editor.delete"), cancel: t("editor.cancel"), danger: true,
  });
  if (!ok) return;
  await deleteQuiz(record.uid);
  toast(t("editor.lib.deleted"));
  await refresh();
  $("#lib-search")?.focus();
}

function renderList() {
  const list = $("#lib-list");
  if (!list) return;
  const query = $("#lib-search")?.value || "";
  const shown = records.filter((r) => matches(r, query));
  $("#lib-count").textContent = records.length === 0 ? ""
    : query ? t("editor.lib.matching", { count: shown.length, total: records.length })
      : t("editor.lib.count", { count: records.length });
  mount(list, records.length === 0
    ? h("li", { class: "lib-empty", text: t("editor.lib.empty") })
    : shown.length === 0 ? h("li", { class: "lib-empty", text: t("editor.lib.noMatch") }) : shown.map(quizCard));
}

async function refresh() {
  try {
    records = await listQuizzes();
  } catch (err) {
    records = [];
    toast(t("editor.lib.cannotKeep", { reason: err.message || String(err) }));
  }
  renderList();
}

// -- import --------------------------------------------------------------------

async function importChosen(file) {
  const format = importFormat(file.name);
  const zip = file.name.toLowerCase().endsWith(".zip");
  const status = $("#lib-import-status");
  if (!format && !zip) {
    const kinds = fmtList(IMPORT_FORMATS.flatMap((f) => f.ext).map(fileText), "disjunction");
    status.textContent = t("editor.imp.notImportable", { name: fileText(file.name), formats: kinds });
    return;
  }
  status.textContent = t("editor.imp.reading", { name: fileText(file.name) });
  let result;
  try {
    result = zip ? await importZip(file) : await importFile(file, format);
  } catch (err) {
    status.textContent = t("editor.imp.failed", { name: fileText(file.name), reason: err.message || t("editor.networkError") });
    return;
  }
  status.textContent = "";
  preview(file.name, result);
}

/** "3 questions read, 1 question skipped. Nothing to fix." */
function importSummary(read, skipped, problems) {
  const counted = t("editor.imp.read", { count: read });
  const both = skipped ? t("editor.imp.readSkipped", { read: counted, skipped: t("editor.imp.skipped", { count: skipped }) }) : counted;
  return t("editor.imp.summary", { read: both, advice: t(problems ? "editor.imp.fixLater" : "editor.imp.nothingToFix") });
}

function preview(name, { deck, problems, skipped }) {
  const questions = Array.isArray(deck?.questions) ? deck.questions : [];
  const canSave = questions.length > 0;
  const dialog = h("dialog", { class: "dialog dialog-wide", "aria-labelledby": "imp-title" },
    h("form", { method: "dialog", class: "dialog-form" },
      h("h2", { id: "imp-title", text: t("editor.imp.title", { name: fileText(name) }) }),
      h("p", { text: canSave ? importSummary(questions.length, skipped, problems.length) : t("editor.imp.nothingRead") }),
      problems.length ? h("section", { class: "imp-problems", "aria-labelledby": "imp-problems-title" },
        h("h3", { id: "imp-problems-title", text: t("editor.problems", { count: problems.length }) }),
        h("ul", { class: "ed-check-list" }, problems.map((p) => h("li", { class: "imp-problem" },
          h("strong", { text: t("editor.place.prefix", { place: importPlace(p) }) }), p.message)))) : null,
      canSave ? h("section", { class: "imp-questions", "aria-labelledby": "imp-q-title" },
        h("h3", { id: "imp-q-title", text: deck.title || t("editor.questions.title") }),
        h("ol", {}, questions.map((q) => h("li", {},
          h("span", { class: "badge", text: KIND_LABELS[q?.kind] || String(q?.kind ?? "?") }), " ", String(q?.prompt ?? ""))))) : null,
      h("div", { class: "dialog-actions" },
        h("button", { value: "cancel", class: "btn btn-ghost", text: t("editor.cancel") }),
        canSave ? h("button", { value: "ok", class: "btn btn-primary", id: "imp-save", text: t("editor.imp.save") }) : null)));
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
        h("h1", { class: "setup-title", text: t("editor.library.title") }),
        h("p", { class: "lead lib-lead", text: t("editor.library.lead") })),
      h("div", { class: "ed-head-actions" },
        h("button", { type: "button", class: "btn btn-primary", id: "lib-new", text: t("editor.library.new"), onclick: () => ctx.createQuiz() }),
        h("button", { type: "button", class: "btn btn-ghost", id: "lib-import", text: t("editor.library.import"), onclick: () => picker.click() }),
        picker)),
    h("p", { class: "hint", text: t("editor.library.formats", { formats: IMPORT_FORMATS.map((f) => t("editor.format.named", { label: f.label, ext: fileText(f.ext.join(", ")) })).join(" · ") }) }),
    h("p", { class: "form-error", id: "lib-import-status", role: "alert" }),
    h("div", { class: "lib-search" },
      h("label", { for: "lib-search", class: "ed-label", text: t("editor.library.search") }),
      h("input", { type: "search", id: "lib-search", class: "input", autocomplete: "off", oninput: renderList }),
      h("p", { class: "hint", id: "lib-count", "aria-live": "polite" })),
    h("ul", { class: "lib-list", id: "lib-list" }));
  await refresh();
}
