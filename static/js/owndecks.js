// The host page's side of the teacher's own quizzes: list them under the
// shipped decks, send the chosen one as `deck_data` with the room creation,
// and show a 422's problems one by one.

import { h, mount } from "./dom.js";
import { t } from "./i18n.js";
import { listQuizzes } from "./deckstore.js";
import { problemPlace } from "./deckapi.js";

const OWN = "own:";
const chosen = new Map();
let sentUid = "";

/** Add the teacher's quizzes (from this browser) after the shipped decks' list. */
export async function showOwnDecks(deckList) {
  let records = [];
  try {
    records = await listQuizzes();
  } catch {
    records = [];
  }
  chosen.clear();
  const wanted = new URLSearchParams(window.location.search).get("quiz");
  const cards = records.map((record, i) => {
    chosen.set(record.uid, record.deck);
    const deck = record.deck || {};
    const id = `own-deck-${i}`;
    const count = Array.isArray(deck.questions) ? deck.questions.length : 0;
    return h("div", { class: "deck" },
      h("input", { type: "radio", name: "deck", id, value: `${OWN}${record.uid}`, class: "deck-radio", checked: record.uid === wanted }),
      h("label", { for: id, class: "deck-card" },
        h("span", { class: "deck-title", text: deck.title || t("common.own.untitled") }),
        deck.description ? h("span", { class: "deck-desc", text: deck.description }) : null,
        h("span", { class: "deck-meta", text: t("common.own.meta", { count }) })));
  });
  const section = h("div", { class: "own-decks", id: "own-decks" },
    h("div", { class: "own-decks-head" },
      h("h2", { class: "section-title", id: "own-decks-title", text: t("common.own.title") }),
      h("a", { class: "btn btn-small btn-ghost", href: "/create", text: t("common.own.create") })),
    cards.length
      ? h("div", { class: "deck-list", role: "radiogroup", "aria-labelledby": "own-decks-title" }, cards)
      : h("p", { class: "hint", text: t("common.own.empty") }));
  document.getElementById("own-decks")?.remove();
  deckList.after(section);
  if (wanted && chosen.has(wanted)) section.querySelector("input:checked")?.scrollIntoView({ block: "center" });
}

/** The body of `POST /api/rooms` for the picked deck: a shipped deck's id, or the quiz itself. */
export function roomRequest(value, options) {
  if (typeof value === "string" && value.startsWith(OWN)) {
    const deck = chosen.get(value.slice(OWN.length));
    if (!deck) throw new Error(t("common.own.gone"));
    sentUid = value.slice(OWN.length);
    return { deck_data: deck, options };
  }
  sentUid = "";
  return { deck: value, options };
}

/** An error from room creation, with the problems of a refused quiz listed. */
export async function roomError(response) {
  let body = {};
  try {
    body = await response.json();
  } catch {
    body = {};
  }
  const err = new Error(body.message || t("common.own.create_failed"));
  err.code = body.error || `http_${response.status}`;
  err.problems = Array.isArray(body.problems) ? body.problems : [];
  if (response.status === 413 && !body.message) err.message = t("common.own.too_large");
  return err;
}

/** Show a room-creation error in `el`: the message, then each problem with where it is. */
export function showRoomError(el, err) {
  const problems = err.problems || [];
  mount(el,
    h("span", { text: problems.length ? t("common.own.problems", { count: problems.length }) : (err.message || t("common.own.create_failed")) }),
    problems.length ? h("ul", { class: "room-problems" }, problems.map((p) => h("li", {},
      h("strong", { text: t("common.own.problem_place", { place: problemPlace(p) }) }), " ", String(p.message ?? "")))) : null,
    problems.length ? h("a", { href: sentUid ? `/create#edit/${encodeURIComponent(sentUid)}` : "/create", text: t("common.own.fix") }) : null);
}
