// The quiz editor page (/create): the teacher's library (#, see library.js) and
// the editor of one quiz (#edit/<uid>). The quiz is kept in IndexedDB as the
// teacher types; the server's validator (POST /api/decks/check) is asked after
// each pause in typing, and its messages are shown beside the field they name.

import { $, announce, confirmDialog, h, mount, saveBlob, toast } from "./dom.js";
import { checkDeck, fieldName, problemPlace } from "./deckapi.js";
import { fmtDateTime, languagePicker, t } from "./i18n.js";
import { getQuiz, newUid, putQuiz } from "./deckstore.js";
import { deckFile } from "./deckfiles.js";
import { KIND_LABELS, blankQuestion, questionCard } from "./quizform.js";
import { showLibrary } from "./library.js";
import { FORM } from "./rules.js";

const main = $("#main");
const topbar = $("#topbar");
const live = $("#live");

const SAVE_DELAY_MS = 300;
const CHECK_DELAY_MS = 700;

const ed = {
  uid: "",
  deck: null,
  autoId: true,
  saveTimer: 0,
  checkTimer: 0,
  checkSeq: 0,
  checkAbort: null,
  result: null,
  // Questions just added and not typed in yet: their problems are counted, not
  // spelled out under every empty field.
  pristine: new WeakSet(),
  freshUid: "",
  verdict: "",
};

/** A deck id from a title, the way `thaw import` makes one from a file name. */
export function slug(text) {
  const ascii = String(text || "").normalize("NFKD").replace(/[\u0300-\u036f]/g, "");
  return ascii.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, FORM.max.id) || "my-quiz";
}

export function newDeck() {
  return { id: "my-quiz", title: "", questions: [blankQuestion("choice", FORM)] };
}

function show(screen, ...children) {
  main.dataset.screen = screen;
  document.body.dataset.screen = screen;
  mount(main, h("section", { class: ["screen", "screen-wide", `screen-${screen}`] }, ...children));
}

function renderTopbar() {
  mount(topbar,
    ed.deck ? h("a", { class: "btn btn-small btn-ghost", href: "#", text: t("editor.library.title") }) : null,
    h("a", { class: "btn btn-small btn-ghost", href: "/host", text: t("editor.hostGame") }),
    languagePicker());
}

/** The tab's title: a quiz's own, or the library's. */
function setTitle(text) {
  document.title = t("editor.pageTitle", { title: text });
}

// -- saving --------------------------------------------------------------------

function setSaved(text) {
  const el = $("#ed-saved");
  if (el) el.textContent = text;
}

function scheduleSave() {
  setSaved(t("editor.save.saving"));
  window.clearTimeout(ed.saveTimer);
  ed.saveTimer = window.setTimeout(saveNow, SAVE_DELAY_MS);
}

async function saveNow() {
  window.clearTimeout(ed.saveTimer);
  ed.saveTimer = 0;
  if (!ed.deck) return;
  try {
    await putQuiz(ed.uid, structuredClone(ed.deck));
    setSaved(t("editor.save.savedAt", { time: fmtDateTime(new Date(), { timeStyle: "short" }) }));
  } catch (err) {
    setSaved(t("editor.save.failed", { reason: err.message || String(err) }));
  }
}

const DRAFT_KEY = "thaw.draft.";

// A tab closed or reloaded mid-pause still keeps what was typed: IndexedDB may
// not finish while the page goes, so the draft is also written synchronously to
// sessionStorage, and taken back (then dropped) when the quiz is opened again.
window.addEventListener("pagehide", () => {
  if (!ed.saveTimer || !ed.deck) return;
  try {
    sessionStorage.setItem(DRAFT_KEY + ed.uid, JSON.stringify({ at: Date.now(), deck: ed.deck }));
  } catch {
    // Over the storage quota (large images): the IndexedDB save below is all there is.
  }
  saveNow();
});
document.addEventListener("visibilitychange", () => { if (document.hidden && ed.saveTimer) saveNow(); });

/** The newer of the kept quiz and a draft left by a page that went mid-save. */
async function takeDraft(record) {
  let draft = null;
  try {
    draft = JSON.parse(sessionStorage.getItem(DRAFT_KEY + record.uid) || "null");
  } catch {
    draft = null;
  }
  if (!draft) return record;
  const newer = draft.at > record.updated && draft.deck;
  const saved = newer ? await putQuiz(record.uid, draft.deck) : record;
  sessionStorage.removeItem(DRAFT_KEY + record.uid);
  return saved;
}

// Leaving the page by a link waits for the last keystrokes to be kept.
document.addEventListener("click", async (event) => {
  const link = event.target instanceof Element ? event.target.closest("a[href]") : null;
  if (!link || !ed.saveTimer || link.getAttribute("href").startsWith("#") || event.defaultPrevented) return;
  if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || link.target) return;
  event.preventDefault();
  await saveNow();
  window.location.assign(link.href);
});

// -- checking ------------------------------------------------------------------

function scheduleCheck() {
  window.clearTimeout(ed.checkTimer);
  ed.checkTimer = window.setTimeout(runCheck, CHECK_DELAY_MS);
}

async function runCheck() {
  if (!ed.deck) return;
  const seq = ++ed.checkSeq;
  ed.checkAbort?.abort();
  ed.checkAbort = new AbortController();
  const summary = $("#ed-check");
  if (summary) summary.dataset.state = "checking";
  try {
    const result = await checkDeck(ed.deck, ed.checkAbort.signal);
    if (seq !== ed.checkSeq) return;
    if (result.retryAfter) {
      // Too many checks from this network for now: say so, and check again later.
      if (summary) mount(summary, h("p", { class: "hint", text: t("editor.check.retry", { count: result.retryAfter }) }));
      window.clearTimeout(ed.checkTimer);
      ed.checkTimer = window.setTimeout(runCheck, result.retryAfter * 1000);
      return;
    }
    ed.result = result;
    showCheck();
  } catch (err) {
    if (err.name === "AbortError" || seq !== ed.checkSeq) return;
    ed.result = null;
    if (summary) {
      summary.dataset.state = "error";
      mount(summary, h("p", { class: "form-error", text: t("editor.check.failed", { reason: err.message || t("editor.networkError") }) }));
    }
  }
}

/** The element where a problem about (question, field) is shown. */
function slotFor(problem) {
  const q = Number.isInteger(problem.question) ? String(problem.question) : "deck";
  const name = fieldName(problem.field);
  const scope = `[data-q="${q}"]`;
  return $(`.ed-field${scope}[data-field="${CSS.escape(name)}"] .field-msgs`, main)
    || $(`.field-msgs${scope}[data-field=""]`, main);
}

function showCheck() {
  const { problems, warnings } = ed.result;
  for (const slot of main.querySelectorAll(".field-msgs")) slot.replaceChildren();
  for (const el of main.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
  const place = (item, kind) => {
    const slot = slotFor(item);
    if (!slot) return;
    // A problem with the file name or the notes opens the section that holds them.
    const folded = slot.closest("details");
    if (folded && kind === "problem") folded.open = true;
    slot.append(h("p", { class: ["field-msg", `field-msg-${kind}`] },
      h("span", { class: "visually-hidden", text: t(kind === "problem" ? "editor.check.problemPrefix" : "editor.check.advicePrefix") }), item.message));
    if (kind === "problem") {
      const row = Number.isInteger(item.item) ? document.getElementById(`q${item.question}-${fieldName(item.field)}-${item.item}`) : null;
      const inputs = row ? [row] : slot.closest(".ed-field")?.querySelectorAll("input, textarea, select") || [];
      for (const el of inputs) el.setAttribute("aria-invalid", "true");
    }
  };
  const waiting = new Map();
  for (const p of problems) {
    const q = Number.isInteger(p.question) ? ed.deck.questions[p.question] : null;
    if (q && ed.pristine.has(q)) waiting.set(p.question, (waiting.get(p.question) || 0) + 1);
    else place(p, "problem");
  }
  for (const [index, count] of waiting) {
    $(`.field-msgs[data-q="${index}"][data-field=""]`, main)?.append(h("p", { class: "field-msg field-msg-waiting" },
      t("editor.check.waiting", { count })));
  }
  warnings.forEach((w) => place(w, "warning"));
  const summary = $("#ed-check");
  if (!summary) return;
  // Screen readers hear the verdict when it changes, not the whole list each time.
  const verdict = problems.length ? t("editor.check.toFix", { count: problems.length }) : t("editor.check.ready");
  if (verdict !== ed.verdict) announce(live, verdict);
  ed.verdict = verdict;
  summary.dataset.state = problems.length ? "problems" : "ok";
  const jump = (item) => h("li", {},
    h("button", {
      type: "button", class: "ed-jump",
      onclick: () => {
        const slot = slotFor(item);
        const target = slot?.closest(".ed-field")?.querySelector("input, textarea, select")
          || slot?.closest(".ed-card")?.querySelector("h2") || $("#deck-title");
        target?.focus();
        target?.scrollIntoView({ block: "center" });
      },
    }, h("strong", { text: t("editor.place.prefix", { place: problemPlace(item) }) }), item.message));
  mount(summary,
    h("p", { class: ["ed-check-head", problems.length ? "is-bad" : "is-good"], text: problems.length ? verdict : `✓ ${verdict}` }),
    problems.length ? h("ul", { class: "ed-check-list" }, problems.map(jump)) : null,
    warnings.length ? h("details", { class: "ed-advice" },
      h("summary", { text: t("editor.check.tips", { count: warnings.length }) }),
      h("ul", { class: "ed-check-list" }, warnings.map(jump))) : null);
}

// -- editing -------------------------------------------------------------------

/** Something changed: keep it, check it; redraw the questions when rows came or went. */
function changed(structural = false, focusId = "") {
  scheduleSave();
  scheduleCheck();
  if (structural) {
    renderQuestions(focusId);
    if (ed.result) showCheck();
  }
}

const ops = {
  move(i, by, focusId = "") {
    const list = ed.deck.questions;
    const j = i + by;
    if (j < 0 || j >= list.length) return;
    [list[i], list[j]] = [list[j], list[i]];
    changed(true, focusId || `q${j}-${by < 0 ? "up" : "down"}`);
    // The button pressed may now be disabled (top or bottom): keep the focus in the card.
    if (document.activeElement === document.body || document.activeElement?.disabled) $(`#q${j}-title`)?.focus();
    announce(live, t("editor.announce.moved", { n: j + 1 }));
  },
  duplicate(i) {
    ed.deck.questions.splice(i + 1, 0, structuredClone(ed.deck.questions[i]));
    changed(true, `q${i + 1}-prompt`);
    announce(live, t("editor.announce.duplicated", { n: i + 1, m: i + 2 }));
  },
  async remove(i) {
    const q = ed.deck.questions[i];
    if (q.prompt || (q.options || q.items || []).some(Boolean)) {
      const ok = await confirmDialog({
        title: t("editor.confirm.deleteQuestion", { n: i + 1 }), body: q.prompt || "",
        confirm: t("editor.delete"), cancel: t("editor.cancel"), danger: true,
      });
      if (!ok) return;
    }
    ed.deck.questions.splice(i, 1);
    const next = Math.min(i, ed.deck.questions.length - 1);
    changed(true, next >= 0 ? `q${next}-prompt` : "add-choice");
    announce(live, t("editor.announce.deleted", { n: i + 1 }));
  },
  add(kind) {
    const q = blankQuestion(kind, FORM);
    ed.pristine.add(q);
    ed.deck.questions.push(q);
    const i = ed.deck.questions.length - 1;
    changed(true, `q${i}-prompt`);
    $(`#q${i}`)?.scrollIntoView({ block: "start" });
  },
  changed,
};

function renderQuestions(focusId = "") {
  const list = $("#ed-questions");
  if (!list) return;
  const form = { ...FORM, defaults: ed.deck.defaults || {} };
  const questions = Array.isArray(ed.deck.questions) ? ed.deck.questions : (ed.deck.questions = []);
  mount(list, questions.map((q, i) => questionCard(q, i, form, { ...ops, count: questions.length })));
  const count = $("#ed-count");
  if (count) count.textContent = t("editor.questions", { count: questions.length });
  if (focusId) document.getElementById(focusId)?.focus();
}

function deckField(name, label, control, hint) {
  const id = `deck-${name}`;
  control.id = id;
  control.setAttribute("aria-describedby", `${id}-msg${hint ? ` ${id}-hint` : ""}`);
  return h("div", { class: "ed-field", dataset: { q: "deck", field: name } },
    h("label", { for: id, class: "ed-label", text: label }),
    hint ? h("p", { class: "hint", id: `${id}-hint`, text: hint }) : null,
    control,
    h("div", { class: "field-msgs", id: `${id}-msg` }));
}

/** Download a quiz: its YAML deck, or a zip of the deck and its images. */
function exportDeck(deck) {
  const { blob, name } = deckFile(deck);
  saveBlob(blob, name);
}

async function showEditor(uid) {
  let record = await getQuiz(uid).catch(() => null);
  if (record) record = await takeDraft(record);
  if (!record) {
    toast(t("editor.notInLibrary"));
    window.location.hash = "";
    return;
  }
  ed.uid = uid;
  ed.deck = record.deck;
  if (uid === ed.freshUid) for (const q of ed.deck.questions || []) ed.pristine.add(q);
  ed.freshUid = "";
  ed.result = null;
  ed.autoId = !ed.deck.id || ed.deck.id === slug(ed.deck.title) || ed.deck.id === "my-quiz";
  const deck = ed.deck;
  const title = h("input", {
    type: "text", class: "input", maxlength: FORM.max.title, value: deck.title ?? "", placeholder: t("editor.deck.titlePlaceholder"),
    oninput: (e) => {
      deck.title = e.target.value;
      if (ed.autoId) {
        deck.id = slug(deck.title);
        $("#deck-id").value = deck.id;
      }
      setTitle(deck.title || t("editor.untitled"));
      changed();
    },
  });
  const description = h("input", {
    type: "text", class: "input", maxlength: FORM.max.description, value: deck.description ?? "",
    placeholder: t("editor.deck.descriptionPlaceholder"),
    oninput: (e) => {
      if (e.target.value) deck.description = e.target.value; else delete deck.description;
      changed();
    },
  });
  const id = h("input", {
    type: "text", class: "input input-mono", maxlength: FORM.max.id, value: deck.id ?? "", spellcheck: "false",
    autocapitalize: "off", autocomplete: "off",
    oninput: (e) => { deck.id = e.target.value; ed.autoId = false; changed(); },
  });
  const notes = h("textarea", {
    class: "input ed-text", rows: 3, value: deck.notes ?? "",
    oninput: (e) => { if (e.target.value) deck.notes = e.target.value; else delete deck.notes; changed(); },
  });
  const kinds = FORM.kinds.filter((k) => KIND_LABELS[k]);
  show("editor",
    h("div", { class: "ed-head" },
      h("div", { class: "ed-head-text" },
        h("h1", { class: "setup-title", text: t("editor.edit.title") }),
        h("p", { class: "hint", id: "ed-saved", text: t("editor.save.saved") })),
      h("div", { class: "ed-head-actions" },
        h("button", { type: "button", class: "btn btn-ghost", id: "ed-save", text: t("editor.save"), onclick: saveNow }),
        h("button", { type: "button", class: "btn btn-ghost", id: "ed-export", text: t("editor.export"), onclick: () => exportDeck(ed.deck) }),
        h("a", { class: "btn btn-primary", id: "ed-host", href: `/host?quiz=${encodeURIComponent(uid)}`, text: t("editor.edit.host") }))),
    h("div", { class: "ed-layout" },
      h("div", { class: "ed-body" },
        h("div", { class: "ed-deck" },
          h("div", { class: "field-msgs", dataset: { q: "deck", field: "" } }),
          deckField("title", t("editor.deck.title"), title),
          deckField("description", t("editor.deck.description"), description),
          h("details", { class: "ed-more" },
            h("summary", { text: t("editor.deck.more") }),
            deckField("id", t("editor.deck.id"), id, t("editor.deck.idHint")),
            deckField("notes", t("editor.deck.notes"), notes)),
        ),
        h("div", { class: "ed-list-head" },
          h("h2", { class: "section-title", text: t("editor.questions.title") }),
          h("p", { class: "hint", id: "ed-count" }),
          h("p", { class: "hint ed-keys", text: t("editor.questions.keys") })),
        h("ol", { class: "ed-questions", id: "ed-questions" }),
        h("div", { class: "ed-add", role: "group", "aria-label": t("editor.questions.add") },
          h("p", { class: "ed-label", text: t("editor.questions.add") }),
          h("div", { class: "ed-add-buttons" }, kinds.map((k) => h("button", {
            type: "button", class: "btn btn-small", id: `add-${k}`, onclick: () => ops.add(k), text: t("editor.add", { label: KIND_LABELS[k] }),
          })))),
      ),
      h("aside", { class: "ed-side", "aria-label": t("editor.check.region") },
        h("div", { class: "ed-check", id: "ed-check", dataset: { state: "checking" } },
          h("p", { class: "hint", text: t("editor.check.checking") }))),
    ),
  );
  setTitle(deck.title || t("editor.untitled"));
  renderTopbar();
  renderQuestions();
  runCheck();
  if (!deck.title) title.focus();
}

// Typing in a new question's card shows its problems from then on.
for (const type of ["input", "change"]) {
  document.addEventListener(type, (event) => {
    const card = event.target instanceof Element ? event.target.closest(".ed-card") : null;
    const q = card && ed.deck ? ed.deck.questions[Number(card.dataset.index)] : null;
    if (q && ed.pristine.has(q)) ed.pristine.delete(q);
  }, true);
}

// Alt+↑/↓ inside a question moves it.
document.addEventListener("keydown", (event) => {
  if (!ed.deck || !event.altKey || event.ctrlKey || event.metaKey) return;
  if (event.key !== "ArrowUp" && event.key !== "ArrowDown") return;
  const card = event.target instanceof Element ? event.target.closest(".ed-card") : null;
  if (!card) return;
  event.preventDefault();
  const i = Number(card.dataset.index);
  const j = i + (event.key === "ArrowUp" ? -1 : 1);
  // The focus moves with the question, to the same field.
  const focusId = event.target.id ? event.target.id.replace(/^q\d+-/, `q${j}-`) : "";
  ops.move(i, j - i, focusId);
});

// -- routing -------------------------------------------------------------------

/** Open a quiz in the editor (a new tab state: #edit/<uid>). */
export function openQuiz(uid) {
  window.location.hash = `edit/${uid}`;
}

export async function createQuiz(deck = null) {
  const uid = newUid();
  if (!deck) {
    deck = newDeck();
    ed.freshUid = uid;
  }
  await putQuiz(uid, deck);
  openQuiz(uid);
}

async function route() {
  if (ed.saveTimer) await saveNow();
  window.clearTimeout(ed.checkTimer);
  const hash = window.location.hash.slice(1);
  if (hash.startsWith("edit/")) {
    await showEditor(decodeURIComponent(hash.slice(5)));
    return;
  }
  ed.deck = null;
  ed.uid = "";
  setTitle(t("editor.library.title"));
  renderTopbar();
  await showLibrary({ show, createQuiz, openQuiz, exportDeck });
}

window.addEventListener("hashchange", route);
route();
