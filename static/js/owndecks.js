// The host page's side of the teacher's own quizzes: list them under the
// shipped decks, send the chosen one as `deck_data` with the room creation,
// and show a 422's problems one by one.

import { h, mount, plural } from "./dom.js";
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
        h("span", { class: "deck-title", text: deck.title || "Untitled quiz" }),
        deck.description ? h("span", { class: "deck-desc", text: deck.description }) : null,
        h("span", { class: "deck-meta", text: `${plural(count, "question")} · yours` })));
  });
  const section = h("div", { class: "own-decks", id: "own-decks" },
    h("div", { class: "own-decks-head" },
      h("h2", { class: "section-title", id: "own-decks-title", text: "Your quizzes" }),
      h("a", { class: "btn btn-small btn-ghost", href: "/create", text: "Create or import a quiz" })),
    cards.length
      ? h("div", { class: "deck-list", role: "radiogroup", "aria-labelledby": "own-decks-title" }, cards)
      : h("p", { class: "hint", text: "Quizzes you make or import in this browser appear here." }));
  document.getElementById("own-decks")?.remove();
  deckList.after(section);
  if (wanted && chosen.has(wanted)) section.querySelector("input:checked")?.scrollIntoView({ block: "center" });
}

/** The body of `POST /api/rooms` for the picked deck: a shipped deck's id, or the quiz itself. */
export function roomRequest(value, options) {
  if (typeof value === "string" && value.startsWith(OWN)) {
    const deck = chosen.get(value.slice(OWN.length));
    if (!deck) throw new Error("That quiz is no longer in this browser.");
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
  const err = new Error(body.message || response.statusText || "Could not create the game.");
  err.code = body.error || `http_${response.status}`;
  err.problems = Array.isArray(body.problems) ? body.problems : [];
  if (response.status === 413 && !body.message) err.message = "This quiz is too large to host.";
  return err;
}

/** Show a room-creation error in `el`: the message, then each problem with where it is. */
export function showRoomError(el, err) {
  const problems = err.problems || [];
  mount(el,
    h("span", { text: problems.length ? `This quiz cannot be hosted yet: ${plural(problems.length, "problem")} to fix.` : (err.message || "Could not create the game.") }),
    problems.length ? h("ul", { class: "room-problems" }, problems.map((p) => h("li", {},
      h("strong", { text: `${problemPlace(p)}: ` }), String(p.message ?? "")))) : null,
    problems.length ? h("a", { href: sentUid ? `/create#edit/${encodeURIComponent(sentUid)}` : "/create", text: "Fix it in the editor" }) : null);
}
