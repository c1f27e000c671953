// The teacher's page, made for a projector: pick a deck, run the lobby, show
// each question, how the class answered, the leaderboard and the podium.
// Reloading the tab regains control: the room code is in the URL hash and the
// host token in sessionStorage.

import { $, announce, apiError, confirmDialog, fmtValue, h, mount, showStatus, toast } from "./dom.js";
import { fmtNumber, has, languagePicker, ordinal, t } from "./i18n.js";
import { Connection } from "./socket.js";
import { Countdown } from "./countdown.js";
import { optionClass, optionLook, shapeIcon } from "./shapes.js";
import { downloadCsv, dropHostToken, loadHostToken, saveHostToken } from "./hostkey.js";
import { roomError, roomRequest, showOwnDecks, showRoomError } from "./owndecks.js";
import { recentGamesPanel, rememberGame } from "./recent.js";
import { Sound } from "./sound.js";
import { questionImage } from "./qimage.js";
import { CODE_RE } from "./rules.js";

const main = $("#main");
const topbar = $("#topbar");
const statusBar = $("#status");
const live = $("#live");
const timerLive = $("#timer-live");

// Seconds added by the "+ time" control (the server allows 1 ms to 60 s).
const ADD_TIME_MS = 10_000;
// Points gained, always with their sign: "+120".
const SIGNED = { signDisplay: "always" };

/** The kind as the class reads it: a True/False choice (in either order) says so. */
function kindName(q) {
  const texts = (q.options || []).map((opt) => opt.text).sort();
  if (q.kind === "choice" && texts.length === 2 && texts[0] === "False" && texts[1] === "True") return t("host.kind.truefalse");
  return kindLabel(q.kind);
}

/** A question kind's name (the deck list and the question's badge). */
function kindLabel(kind) {
  return has(`host.kind.${kind}`) ? t(`host.kind.${kind}`) : kind;
}

/** A message with one element in it: `{name}` in the text becomes `node` (a link, a bold word). */
function withNode(key, name, node) {
  const [before, after = ""] = t(key).split(`{${name}}`);
  return [before, node, after];
}

const sound = new Sound({ key: "thaw.sound.host", defaultOn: true });

// The projector's language is the host's: chosen here, before the game (choosing reloads the page,
// which keeps the game: its code is in the hash and the host key in this tab).
const picker = languagePicker();

const state = {
  code: "",
  conn: null,
  title: "",
  count: 0,
  joinUrl: "",
  locked: false,
  players: [],
  arrived: new Map(), // player id -> when this page first saw them (for "remove recent joins")
  phase: "",
  question: null,
  deadline: 0,
  paused: false,
  answers: null,
  reveal: null,
  scoreboard: null,
  finished: null,
  screen: "",
  countdown: null,
};

// -- shell ---------------------------------------------------------------------

function show(screen, ...children) {
  state.countdown?.stop();
  state.countdown = null;
  state.screen = screen;
  main.dataset.screen = screen;
  document.body.dataset.screen = screen;
  mount(main, h("section", { class: ["screen", `screen-${screen}`] }, ...children));
  renderTopbar();
}

function setStatus(text) {
  showStatus(statusBar, text);
}

function connectedCount() {
  return state.players.filter((p) => p.connected).length;
}

function renderTopbar() {
  if (!state.code || state.screen === "setup") {
    mount(topbar, picker, soundButton(), fullscreenButton());
    return;
  }
  const playing = state.phase !== "finished" && state.phase !== "lobby" && state.phase !== "";
  mount(topbar,
    h("span", { class: "tb-code", "aria-label": t("host.code_label", { code: state.code }) },
      ...withNode("host.topbar.code", "code", h("strong", { dir: "ltr", text: state.code }))),
    h("span", { class: "tb-players", id: "tb-players", text: t("host.players", { count: state.players.length }) }),
    state.locked ? h("span", { class: "badge badge-lock", text: t("host.topbar.locked") }) : null,
    keyButton({ id: "roster-open", label: t("host.roster.title"), key: "R", onclick: openRoster }),
    soundButton(),
    playing ? keyButton({ id: "end", label: t("host.end.button"), key: "E", onclick: endGame }) : null,
    fullscreenButton(),
  );
}

/** A shortcut's key, shown on the button it presses. */
function kbd(key) {
  return h("kbd", { text: key });
}

/** The Space bar's name on a button it presses (the shortcut itself is "Space" in any language). */
function spaceKey() {
  return kbd(t("host.key.space"));
}

/** A small top-bar button whose shortcut is shown on it. */
function keyButton({ id, label, key, onclick, pressed }) {
  return h("button", {
    type: "button",
    id,
    class: "btn btn-small btn-ghost",
    "aria-keyshortcuts": key,
    "aria-pressed": pressed === undefined ? null : String(pressed),
    onclick,
  }, `${label} `, kbd(key));
}

function soundButton() {
  return keyButton({ id: "sound", label: soundLabel(sound.on), key: "M", onclick: toggleSound, pressed: sound.on });
}

function soundLabel(on) {
  return on ? t("host.sound.on") : t("host.sound.off");
}

function toggleSound() {
  const on = sound.toggle();
  toast(soundLabel(on));
  renderTopbar();
}

function fullscreenButton() {
  const on = Boolean(document.fullscreenElement);
  return keyButton({ id: "fullscreen", label: on ? t("host.fullscreen.exit") : t("host.fullscreen.enter"), key: "F", onclick: toggleFullscreen, pressed: on });
}

function toggleFullscreen() {
  if (document.fullscreenElement) document.exitFullscreen?.();
  else document.documentElement.requestFullscreen?.().catch(() => toast(t("host.fullscreen.unavailable")));
}
document.addEventListener("fullscreenchange", renderTopbar);

function send(message) {
  if (!state.conn || !state.conn.send(message)) {
    toast(t("host.not_connected"));
    return false;
  }
  return true;
}

async function endGame() {
  const ok = await confirmDialog({
    title: t("host.end.title"),
    body: t("host.end.body"),
    confirm: t("host.end.button"),
    cancel: t("host.cancel"),
    danger: true,
  });
  if (ok) send({ type: "end" });
}

// -- pace and control: pause, add time, skip, the roster ----------------------

function togglePause() {
  if (state.phase !== "question") return;
  send({ type: state.paused ? "resume" : "pause" });
}

function addTime() {
  if (state.phase !== "question") return;
  send({ type: "add_time", ms: ADD_TIME_MS });
}

/** Skip ahead: close the open question, or go past the leaderboard to the next one. */
function skip() {
  if (state.phase === "question") send({ type: "close" });
  else if (state.phase === "reveal") {
    if (send({ type: "next" })) send({ type: "next" });
  } else if (state.phase === "scoreboard") send({ type: "next" });
}

let roster = null;

/** Every player, with a Remove button: open at any point of the game. */
function openRoster() {
  if (!state.code || roster) return;
  const list = h("ul", { class: "roster-list", "aria-label": t("host.roster.title") });
  roster = h("dialog", { class: "dialog roster", "aria-labelledby": "roster-title" },
    h("form", { method: "dialog", class: "dialog-form" },
      h("h2", { id: "roster-title", text: t("host.roster.title") }),
      list,
      h("div", { class: "dialog-actions" }, h("button", { value: "close", class: "btn btn-primary", text: t("host.close") })),
    ),
  );
  roster.list = list;
  roster.addEventListener("close", () => {
    roster.remove();
    roster = null;
  });
  document.body.append(roster);
  renderRoster();
  roster.showModal();
  roster.querySelector(".roster-remove, button[value=close]").focus();
}

function renderRoster() {
  if (!roster) return;
  const focusedId = document.activeElement?.dataset?.playerId;
  mount(roster.list, state.players.length === 0
    ? h("li", { class: "hint", text: t("host.no_players") })
    : state.players.map((p) => h("li", { class: "roster-row" },
      h("span", { class: "roster-name" }, h("bdi", { text: p.nickname })),
      h("span", { class: ["roster-state", p.connected ? "" : "is-away"], text: p.connected ? t("host.roster.connected") : t("host.roster.away") }),
      h("button", {
        type: "button",
        class: "btn btn-small btn-danger roster-remove",
        dataset: { playerId: p.player_id },
        "aria-label": t("host.remove_name", { name: p.nickname }),
        onclick: () => kick(p),
        text: t("host.remove"),
      }),
    )));
  const again = focusedId && roster.list.querySelector(`[data-player-id="${CSS.escape(focusedId)}"]`);
  if (focusedId) (again || roster.querySelector("button[value=close]")).focus();
}

// -- setup: pick a deck, create a room -----------------------------------------

async function showSetup(notice = "") {
  state.code = "";
  state.phase = "";
  sound.music(null);
  if (window.location.hash) window.history.replaceState(null, "", window.location.pathname);
  const errorEl = h("div", { class: "form-error", role: "alert", text: notice });
  const deckList = h("div", { class: "deck-list", role: "radiogroup", "aria-labelledby": "deck-legend" },
    h("p", { class: "hint", text: t("host.setup.loading") }));
  const maxPlayers = h("input", {
    id: "opt-max", type: "number", class: "input input-small", min: 1, inputmode: "numeric", placeholder: t("host.setup.no_limit"),
  });
  const option = (id, label, hint, checked = false) => h("div", { class: "check" },
    h("input", { type: "checkbox", id, checked, "aria-describedby": `${id}-hint` }),
    h("label", { for: id }, h("span", { class: "check-label", text: label }),
      h("span", { class: "hint", id: `${id}-hint`, text: hint })),
  );
  const create = h("button", { type: "submit", class: "btn btn-primary btn-big", text: t("host.setup.create") });
  const form = h("form", { class: "setup", novalidate: true },
    h("div", { class: "setup-head" },
      h("h1", { class: "setup-title", text: t("host.setup.title") }),
      h("p", { class: "lead", text: t("host.setup.lead") }),
    ),
    h("fieldset", { class: "decks" },
      h("legend", { id: "deck-legend", class: "section-title", text: t("host.setup.deck") }),
      deckList,
    ),
    h("fieldset", { class: "options" },
      h("legend", { class: "section-title", text: t("host.setup.options") }),
      option("opt-streak", t("host.setup.streak"), t("host.setup.streak_hint"), true),
      option("opt-shuffle", t("host.setup.shuffle"), t("host.setup.shuffle_hint")),
      option("opt-generated", t("host.setup.generated"), t("host.setup.generated_hint")),
      h("div", { class: "field field-inline" },
        h("label", { for: "opt-max", text: t("host.setup.max_players") }), maxPlayers),
    ),
    errorEl,
    h("div", { class: "setup-actions" }, create),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const deck = form.querySelector("input[name=deck]:checked")?.value;
    if (!deck) {
      errorEl.textContent = t("host.setup.pick_deck");
      form.querySelector("input[name=deck]")?.focus();
      return;
    }
    const options = {
      streak_bonus: $("#opt-streak").checked,
      shuffle_options: $("#opt-shuffle").checked,
      generated_nicknames: $("#opt-generated").checked,
    };
    if (maxPlayers.value.trim()) {
      const n = Number(maxPlayers.value);
      if (!Number.isInteger(n) || n < 1) {
        errorEl.textContent = t("host.setup.max_invalid");
        maxPlayers.focus();
        return;
      }
      options.max_players = n;
    }
    create.disabled = true;
    create.textContent = t("host.setup.creating");
    try {
      const response = await fetch("/api/rooms", {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify(roomRequest(deck, options)),
      });
      if (!response.ok) throw await roomError(response);
      const room = await response.json();
      saveHostToken(room.code, room.host_token);
      rememberGame({ code: room.code, key: room.report_key, joinUrl: room.join_url });
      state.joinUrl = room.join_url;
      window.history.replaceState(null, "", `#${room.code}`);
      connect(room.code);
    } catch (err) {
      showRoomError(errorEl, err);
      create.disabled = false;
      create.textContent = t("host.setup.create");
    }
  });
  show("setup", form, recentGamesPanel());
  await loadDecks(deckList);
  showOwnDecks(deckList);
}

async function loadDecks(deckList) {
  let decks;
  try {
    const response = await fetch("/api/decks", { headers: { Accept: "application/json" } });
    if (!response.ok) throw await apiError(response);
    decks = await response.json();
  } catch (err) {
    mount(deckList, h("p", { class: "form-error", text: t("host.setup.decks_failed", { reason: err.message || t("host.setup.network_error") }) }));
    return;
  }
  if (decks.length === 0) {
    mount(deckList, h("p", { class: "hint", text: t("host.setup.no_decks") }));
    return;
  }
  mount(deckList, decks.map((deck, i) => {
    const id = `deck-${i}`;
    const kinds = (deck.kinds || []).map(kindLabel).join(" · ");
    return h("div", { class: "deck" },
      h("input", { type: "radio", name: "deck", id, value: deck.id, checked: i === 0, class: "deck-radio" }),
      h("label", { for: id, class: "deck-card" },
        h("span", { class: "deck-title" }, h("bdi", { text: deck.title })),
        deck.description ? h("span", { class: "deck-desc" }, h("bdi", { text: deck.description })) : null,
        h("span", { class: "deck-meta", text: `${t("host.setup.questions", { count: deck.questions })}${kinds ? ` · ${kinds}` : ""}` }),
      ),
    );
  }));
}

// -- connection ----------------------------------------------------------------

function connect(code) {
  state.conn?.stop();
  state.code = code;
  state.players = [];
  state.phase = "";
  show("waiting", h("div", { class: "center-stack" },
    h("div", { class: "spinner", "aria-hidden": "true" }), h("p", { class: "lead", text: t("host.connecting") })));
  state.conn = new Connection({
    code,
    hello: () => ({ type: "host", token: loadHostToken(code) }),
    onMessage: handle,
    onState: (s) => {
      if (s === "offline") setStatus(t("host.offline"));
      else if (s === "reconnecting") setStatus(t("host.reconnecting"));
      else if (s === "open") setStatus("");
    },
    onFatal: ({ code: reason }) => {
      setStatus("");
      if (reason === "bad_token" || reason === "room_not_found") dropHostToken(code);
      const text = has(`host.fatal.${reason}`) ? t(`host.fatal.${reason}`, { code }) : t("host.fatal.other");
      showSetup(t("host.fatal.restart", { problem: text }));
    },
  });
  state.conn.start();
}

function handle(msg) {
  switch (msg.type) {
    case "host_welcome": return onWelcome(msg);
    case "lobby": return onLobby(msg);
    case "question": return onQuestion(msg);
    case "answers": return onAnswers(msg);
    case "paused": return onPaused(msg, true);
    case "resumed": return onPaused(msg, false);
    case "time": return onTime(msg);
    case "reveal": return onReveal(msg);
    case "scoreboard": return onScoreboard(msg);
    case "finished": return onFinished(msg);
    case "error": return toast(errorText(msg.code));
    default: return undefined;
  }
}

/** The server's refusal of a host command, said in the page's language (the wire's message is English). */
function errorText(code) {
  const key = `host.error.${code}`;
  return has(key) ? t(key) : t("host.error.other");
}

function onWelcome(msg) {
  state.code = msg.code;
  state.title = msg.title;
  state.count = msg.count;
  state.joinUrl = msg.join_url || state.joinUrl;
  state.locked = Boolean(msg.locked);
  state.phase = msg.phase;
  document.title = t("host.document_title", { code: msg.code, title: msg.title });
  if (msg.phase === "lobby") showLobby();
}

// -- lobby ---------------------------------------------------------------------

function prettyUrl(url) {
  return url.replace(/^https?:\/\//, "");
}

/** "123 456": the code in two halves, easier to read off the wall. */
function spacedCode(code) {
  const half = Math.ceil(code.length / 2);
  return `${code.slice(0, half)} ${code.slice(half)}`;
}

function showLobby() {
  state.phase = "lobby";
  const joinUrl = state.joinUrl || `${window.location.origin}/join/${state.code}`;
  const base = prettyUrl(new URL("/", joinUrl).href).replace(/\/$/, "");
  const start = h("button", {
    type: "button", id: "start", class: "btn btn-primary btn-huge", onclick: startGame, "aria-keyshortcuts": "Space Enter",
  }, `${t("host.lobby.start")} `, spaceKey());
  const lock = h("button", { type: "button", id: "lock", class: "btn btn-ghost btn-big", onclick: toggleLock });
  sound.music("lobby");
  show("lobby",
    h("div", { class: "lobby-hero" },
      h("div", { class: "lobby-join" },
        h("p", { class: "lobby-step" }, ...withNode("host.lobby.go_to", "url", h("strong", { class: "lobby-url", dir: "ltr", text: base }))),
        h("p", { class: "lobby-step", text: t("host.lobby.enter_code") }),
        h("p", {
          class: "room-code", dir: "ltr", "aria-label": t("host.code_label", { code: state.code.split("").join(" ") }), text: spacedCode(state.code),
        }),
        h("p", { class: "lobby-link" }, ...withNode("host.lobby.or_open", "link", h("span", { class: "mono", dir: "ltr", text: prettyUrl(joinUrl) }))),
      ),
      h("figure", { class: "lobby-qr" },
        h("img", {
          src: `/api/rooms/${state.code}/qr.svg`, alt: t("host.lobby.qr_alt", { code: state.code }), width: 360, height: 360,
        }),
        h("figcaption", { text: t("host.lobby.scan") }),
      ),
    ),
    h("div", { class: "lobby-bar" },
      h("p", { class: "lobby-title", role: "heading", "aria-level": "1" }, h("bdi", { text: state.title })),
      h("p", { class: "lobby-count", id: "lobby-count", "aria-live": "polite" }),
      lock,
      start,
    ),
    h("ul", { class: "players", id: "players", "aria-label": t("host.lobby.players_label") }),
  );
  updateLobby();
}

function updateLobby() {
  const list = $("#players");
  if (!list) return;
  const count = state.players.length;
  $("#lobby-count").textContent = count === 0 ? t("host.lobby.waiting") : t("host.players", { count });
  const lock = $("#lock");
  lock.setAttribute("aria-pressed", state.locked ? "true" : "false");
  lock.textContent = state.locked ? t("host.lobby.unlock") : t("host.lobby.lock");
  $("#start").disabled = count === 0;
  const recent = recentJoins();
  const focusedId = document.activeElement?.dataset?.playerId;
  const items = state.players.length === 0
    ? [h("li", { class: "players-empty", text: t("host.lobby.empty") })]
    : state.players.map((p) => h("li", { class: "player" },
      h("button", {
        type: "button",
        class: ["player-chip", p.connected ? "" : "is-away"],
        dataset: { playerId: p.player_id },
        title: t("host.remove_name", { name: p.nickname }),
        onclick: () => kick(p),
      },
      h("span", { class: "player-name" }, h("bdi", { text: p.nickname })),
      p.connected ? null : h("span", { class: "player-away", text: ` ${t("host.lobby.away")}` }),
      h("span", { class: "visually-hidden", text: ` ${t("host.lobby.remove_hint")}` }),
      )));
  if (recent.length > 0) {
    // After the names, not in the bar: the bar's controls never move, and it shows only
    // while someone has just joined (a script filling the room is answered in one click).
    items.push(h("li", { class: "players-action" }, h("button", {
      type: "button", id: "kick-recent", class: "btn btn-ghost", onclick: kickRecent,
    }, t("host.lobby.remove_recent", { count: recent.length }))));
  }
  mount(list, items);
  if (focusedId) list.querySelector(`[data-player-id="${CSS.escape(focusedId)}"]`)?.focus();
  renderTopbar();
}

function onLobby(msg) {
  const before = new Set(state.players.map((p) => p.player_id));
  state.players = msg.players || [];
  const now = Date.now();
  for (const p of state.players) if (!state.arrived.has(p.player_id)) state.arrived.set(p.player_id, now);
  state.locked = Boolean(msg.locked);
  const joined = state.players.filter((p) => !before.has(p.player_id));
  renderRoster();
  if (state.screen === "lobby") {
    updateLobby();
    if (joined.length === 1) announce(live, t("host.lobby.joined", { name: joined[0].nickname }));
    else if (joined.length > 1) announce(live, t("host.lobby.joined_many", { count: joined.length }));
  } else {
    renderTopbar();
    updateAnswered();
  }
}

async function kick(player) {
  const ok = await confirmDialog({
    title: t("host.kick.title", { name: player.nickname }),
    body: t("host.kick.body"),
    confirm: t("host.remove"),
    cancel: t("host.cancel"),
    danger: true,
  });
  if (ok) send({ type: "kick", player_id: player.player_id });
}

const RECENT_MS = 60_000;

/** Players this page saw arrive in the last minute, in join order. */
function recentJoins() {
  const since = Date.now() - RECENT_MS;
  const first = state.players.findIndex((p) => (state.arrived.get(p.player_id) || 0) >= since);
  return first < 0 ? [] : state.players.slice(first);
}

/** The answer to a script that filled the lobby: everyone from the first recent join on. */
async function kickRecent() {
  const recent = recentJoins();
  if (recent.length === 0) return;
  const ok = await confirmDialog({
    title: t("host.kick_recent.title", { count: recent.length }),
    body: t("host.kick_recent.body"),
    confirm: t("host.kick_recent.confirm"),
    cancel: t("host.cancel"),
    danger: true,
  });
  if (ok) send({ type: "kick_since", player_id: recent[0].player_id });
}

function toggleLock() {
  send({ type: "lock", locked: !state.locked });
}

function startGame() {
  if (state.players.length === 0) {
    toast(t("host.lobby.wait_player"));
    return;
  }
  send({ type: "start" });
}

// -- question ------------------------------------------------------------------

function optionTile(opt, position, extra = {}) {
  const look = optionLook(position);
  return h("div", { class: [optionClass(position), "tile", extra.class], dataset: { id: String(opt.id) } },
    shapeIcon(position),
    h("span", { class: "opt-letter", text: look.letter }),
    h("span", { class: "opt-text" }, h("bdi", { text: opt.text })),
    extra.mark || null,
  );
}

function pointsBadge(q) {
  if (q.points === 2000) return h("span", { class: "badge badge-double", text: t("host.question.double") });
  if (q.points === 0) return h("span", { class: "badge", text: t("host.question.no_points") });
  return null;
}

function onQuestion(q) {
  const same = state.question && state.question.index === q.index && state.screen === "question";
  state.phase = "question";
  state.question = q;
  state.paused = Boolean(q.paused);
  state.deadline = performance.now() + (q.time_left_ms ?? q.time_limit_ms);
  if (!same) {
    state.answers = null;
    showQuestion(q);
    announce(live, t("host.question.announce", { n: q.index + 1, prompt: q.prompt }));
  }
  startTimer(!same);
  sound.music("question");
}

function startTimer(announceIt) {
  const el = $("#timer");
  if (!el) return;
  state.countdown?.stop();
  state.countdown = new Countdown({
    number: el.querySelector(".timer-number"),
    bar: el,
    live: timerLive,
    onSecond: (s) => { if (s > 0 && s <= 5) sound.tick(s); },
  });
  state.countdown.start(state.deadline - performance.now(), state.question.time_limit_ms, {
    quiet: !announceIt, paused: state.paused,
  });
  renderPace();
}

/** `paused` / `resumed`: the server's clock stopped or runs again. */
function onPaused(msg, paused) {
  if (!state.question || msg.index !== state.question.index) return;
  state.paused = paused;
  state.deadline = performance.now() + msg.time_left_ms;
  startTimer(false);
  sound.music(paused ? null : "question");
  announce(live, paused ? t("host.pace.paused") : t("host.pace.resumed"));
}

/** `time`: time was added; the limit grows with it. */
function onTime(msg) {
  if (!state.question || msg.index !== state.question.index) return;
  state.question = { ...state.question, time_limit_ms: msg.time_limit_ms };
  state.deadline = performance.now() + msg.time_left_ms;
  startTimer(false);
  announce(live, t("host.pace.time_added", { count: Math.ceil(msg.time_left_ms / 1000) }));
}

/** The pause button's label and the timer's "Paused" state follow `state.paused`. */
function renderPace() {
  const pause = $("#pause");
  if (pause) {
    mount(pause, `${state.paused ? t("host.pace.resume") : t("host.pace.pause")} `, kbd("P"));
    pause.setAttribute("aria-pressed", String(state.paused));
  }
  $("#timer")?.setAttribute("data-paused", String(state.paused));
  const caption = $("#timer .timer-caption");
  if (caption) caption.textContent = state.paused ? t("host.timer.paused") : t("host.timer.seconds");
}

function showQuestion(q) {
  let middle = null;
  let tiles = null;
  if (["choice", "multi", "poll", "order"].includes(q.kind)) {
    tiles = h("div", { class: ["tile-grid", `n${q.options.length}`] }, q.options.map((opt, i) => optionTile(opt, i)));
    if (q.kind === "order") middle = h("p", { class: "q-instruction", text: t("host.question.order") });
    if (q.kind === "multi") middle = h("p", { class: "q-instruction", text: t("host.question.multi") });
  } else if (q.kind === "number") {
    middle = h("div", { class: "q-panel" },
      h("p", { class: "q-instruction", text: t("host.question.number") }),
      h("p", { class: "q-range" }, h("span", { text: fmtValue(q.min) }),
        h("span", { class: "q-range-line", "aria-hidden": "true" }), h("span", { text: fmtValue(q.max) })));
  } else {
    middle = h("div", { class: "q-panel" }, h("p", { class: "q-instruction", text: t("host.question.text") }));
  }
  const close = h("button", {
    type: "button", id: "primary", class: "btn btn-primary", onclick: () => send({ type: "close" }), "aria-keyshortcuts": "Space Enter S",
  }, `${t("host.question.close")} `, spaceKey());
  const pause = h("button", {
    type: "button", id: "pause", class: "btn btn-ghost", onclick: togglePause, "aria-keyshortcuts": "P", "aria-pressed": "false",
  }, `${t("host.pace.pause")} `, kbd("P"));
  const more = h("button", {
    type: "button", id: "add-time", class: "btn btn-ghost", onclick: addTime, "aria-keyshortcuts": "T",
  }, `${t("host.pace.add_time", { seconds: ADD_TIME_MS / 1000 })} `, kbd("T"));
  show("question",
    h("div", { class: "q-top" },
      h("p", { class: "q-count", text: t("host.question.count", { n: q.index + 1, total: q.count }) }),
      h("span", { class: "badge", text: kindName(q) }),
      pointsBadge(q),
      q.multiple_correct ? h("span", { class: "badge", text: t("host.question.multiple_correct") }) : null,
      h("span", { class: "q-top-end pace" }, pause, more, close),
    ),
    h("h1", { class: "q-title", dir: "auto", text: q.prompt }),
    h("div", { class: "q-stage" },
      h("div", { class: "timer-ring", id: "timer", "data-urgent": "false" },
        h("span", { class: "timer-number" }), h("span", { class: "timer-caption", text: t("host.timer.seconds") })),
      h("div", { class: "q-middle" }, questionImage(q, "projector"), middle),
      h("div", { class: "answered-box" },
        h("span", { class: "answered-num", id: "answered-num", text: fmtNumber(0) }),
        h("span", { class: "answered-caption", id: "answered-caption", text: t("host.question.answers") }),
      ),
    ),
    tiles,
  );
  updateAnswered();
}

function onAnswers(msg) {
  if (!state.question || msg.index !== state.question.index) return;
  state.answers = msg;
  updateAnswered();
}

function updateAnswered() {
  const num = $("#answered-num");
  if (!num) return;
  const answered = state.answers?.answered ?? 0;
  const total = state.answers?.total ?? connectedCount();
  num.textContent = fmtNumber(answered);
  $("#answered-caption").textContent = t("host.question.answered_of", { total });
}

// -- reveal --------------------------------------------------------------------

function bar({ label, count, max, cls, mark, tile }) {
  const fraction = max > 0 ? count / max : 0;
  return h("div", { class: ["bar", cls] },
    h("span", { class: "bar-count", text: fmtNumber(count) }),
    h("span", { class: "bar-track", "aria-hidden": "true" },
      h("span", { class: "bar-fill", style: { "--fill": String(fraction) } })),
    h("span", { class: "bar-label" }, tile, label ? h("span", { class: "bar-text", text: label }) : null, mark || null),
  );
}

function markCorrect(isCorrect) {
  return h("span", { class: ["mark", isCorrect ? "mark-yes" : "mark-no"], "aria-label": isCorrect ? t("host.reveal.correct") : t("host.reveal.incorrect") },
    isCorrect ? "✓" : "✗");
}

function chart(r) {
  const dist = r.distribution || {};
  const options = r.options || [];
  if (r.kind === "choice" || r.kind === "multi" || r.kind === "poll") {
    const correct = new Set(r.correct || []);
    const counts = options.map((opt) => dist[String(opt.id)] ?? 0);
    const max = Math.max(1, ...counts);
    return h("div", { class: ["chart", `n${options.length}`], role: "img", "aria-label": options.map((opt, i) => t(correct.has(opt.id) ? "host.reveal.option_correct" : "host.reveal.option", { letter: optionLook(i).letter, text: opt.text, count: counts[i] })).join("; ") },
      options.map((opt, i) => bar({
        count: counts[i],
        max,
        cls: [optionClass(i), r.kind !== "poll" && !correct.has(opt.id) ? "is-dim" : ""].join(" "),
        tile: h("span", { class: "bar-key" }, shapeIcon(i), h("span", { class: "opt-letter", text: optionLook(i).letter })),
        mark: r.kind !== "poll" && correct.has(opt.id) ? markCorrect(true) : null,
      })));
  }
  const right = dist.correct ?? 0;
  const wrong = dist.incorrect ?? 0;
  const max = Math.max(1, right, wrong);
  return h("div", { class: "chart n2", role: "img", "aria-label": t("host.reveal.tally", { right, wrong }) },
    bar({ count: right, max, cls: "bar-correct", label: t("host.reveal.bar_correct"), tile: markCorrect(true) }),
    bar({ count: wrong, max, cls: "bar-incorrect", label: t("host.reveal.bar_incorrect"), tile: markCorrect(false) }),
  );
}

function answerPanel(r) {
  const options = r.options || [];
  const pos = new Map(options.map((opt, i) => [opt.id, i]));
  if (r.kind === "choice" || r.kind === "multi") {
    const correct = new Set(r.correct || []);
    return h("div", { class: ["tile-grid", "tile-grid-small", `n${options.length}`] },
      options.map((opt, i) => optionTile(opt, i, {
        class: correct.has(opt.id) ? "is-correct" : "is-dim",
        mark: correct.has(opt.id) ? markCorrect(true) : null,
      })));
  }
  if (r.kind === "poll") {
    return h("div", { class: ["tile-grid", "tile-grid-small", `n${options.length}`] }, options.map((opt, i) => optionTile(opt, i)));
  }
  if (r.kind === "order") {
    return h("div", { class: "answer-box" },
      h("p", { class: "answer-box-label", text: t("host.reveal.right_order") }),
      h("ol", { class: "order-answer" }, (r.correct || []).map((id) => {
        const i = pos.get(id);
        return h("li", {}, optionTile(options[i] || { id, text: String(id) }, i ?? 0));
      })));
  }
  if (r.kind === "number") {
    const c = r.correct || {};
    return h("div", { class: "answer-box" },
      h("p", { class: "answer-box-label", text: t("host.reveal.answer") }),
      h("p", { class: "answer-big", text: `${fmtValue(c.value)}${c.tolerance ? ` ± ${fmtValue(c.tolerance)}` : ""}` }));
  }
  return h("div", { class: "answer-box" },
    h("p", { class: "answer-box-label", text: (r.correct || []).length > 1 ? t("host.reveal.accepted") : t("host.reveal.answer") }),
    h("p", { class: "answer-big", dir: "auto", text: (r.correct || []).join(" / ") }));
}

function onReveal(r) {
  const again = state.phase === "reveal" && state.reveal?.index === r.index;
  state.phase = "reveal";
  state.reveal = r;
  state.paused = false;
  sound.music(null);
  if (!again) sound.reveal();
  const next = h("button", {
    type: "button", id: "primary", class: "btn btn-primary", onclick: () => send({ type: "next" }), "aria-keyshortcuts": "Space Enter",
  }, `${t("host.scoreboard.title")} `, spaceKey());
  const skipIt = h("button", {
    type: "button", id: "skip", class: "btn btn-ghost", onclick: skip, "aria-keyshortcuts": "S",
  }, `${t("host.next_question")} `, kbd("S"));
  const total = r.total ?? connectedCount();
  show("reveal",
    h("div", { class: "q-top" },
      h("p", { class: "q-count", text: t("host.question.count", { n: r.index + 1, total: r.count ?? state.count }) }),
      h("span", { class: "badge", text: kindName(r) }),
      h("p", { class: "q-answered", text: t("host.reveal.answered", { answered: r.answered ?? 0, total }) }),
      h("span", { class: "pace" }, (r.index + 1 < (r.count ?? state.count)) ? skipIt : null, next),
    ),
    h("h1", { class: "q-title q-title-small", dir: "auto", text: r.prompt || state.question?.prompt || "" }),
    h("div", { class: ["reveal-body", `reveal-${r.kind}`] },
      chart(r),
      answerPanel(r),
    ),
    r.explanation ? h("aside", { class: "explanation", "aria-label": t("host.reveal.explanation") },
      h("p", { class: "explanation-label", text: t("host.reveal.why") }), h("p", { dir: "auto", text: r.explanation })) : null,
  );
  next.focus({ preventScroll: true });
  const dist = r.distribution || {};
  if (r.kind === "choice" || r.kind === "multi" || r.kind === "poll") {
    announce(live, t("host.reveal.announce", { count: r.answered ?? 0 }));
  } else {
    announce(live, t("host.reveal.announce_tally", { right: dist.correct ?? 0, wrong: dist.incorrect ?? 0 }));
  }
}

// -- scoreboard and podium -----------------------------------------------------

function onScoreboard(sb) {
  state.phase = "scoreboard";
  state.scoreboard = sb;
  const next = h("button", {
    type: "button", id: "primary", class: "btn btn-primary btn-big", onclick: () => send({ type: "next" }), "aria-keyshortcuts": "Space Enter",
  }, `${sb.last ? t("host.scoreboard.final") : t("host.next_question")} `, spaceKey());
  show("scoreboard",
    h("p", { class: "q-count", text: t("host.scoreboard.after", { n: sb.index + 1, total: sb.count ?? state.count }) }),
    h("h1", { class: "screen-title", text: t("host.scoreboard.title") }),
    (sb.top || []).length === 0
      ? h("p", { class: "lead", text: t("host.no_players") })
      : h("ol", { class: "scoreboard", "aria-label": t("host.scoreboard.top") },
        sb.top.map((e, i) => h("li", { class: "sb-row", style: { "--i": String(i) } },
          h("span", { class: "sb-rank", text: fmtNumber(e.rank) }),
          h("span", { class: "sb-name" }, h("bdi", { text: e.nickname })),
          e.delta ? h("span", { class: "sb-delta", text: fmtNumber(e.delta, SIGNED) }) : h("span", { class: "sb-delta is-zero", text: "" }),
          h("span", { class: "sb-score", text: fmtNumber(e.score) }),
        ))),
    h("div", { class: "host-actions" }, next),
  );
  next.focus({ preventScroll: true });
  const leader = sb.top?.[0];
  if (leader) announce(live, t("host.scoreboard.announce", { name: leader.nickname, count: leader.score }));
}

function onFinished(f) {
  state.phase = "finished";
  const again = state.phase === "finished" && state.screen === "finished";
  state.finished = f;
  state.countdown?.stop();
  sound.music(null);
  const podium = f.podium || [];
  const order = [podium[1], podium[0], podium[2]].filter(Boolean);
  const csv = h("button", { type: "button", class: "btn btn-ghost btn-big", text: t("report.download_csv") });
  csv.addEventListener("click", async () => {
    csv.disabled = true;
    try { await downloadCsv(state.code); } catch (err) { toast(t("host.finished.csv_failed", { reason: err.message })); }
    csv.disabled = false;
  });
  show("finished",
    h("p", { class: "q-count" }, h("bdi", { text: state.title })),
    h("h1", { class: "screen-title", text: podium.length ? t("host.finished.winners") : t("host.finished.game_over") }),
    h("ol", { class: "podium", "aria-label": t("host.finished.podium") },
      order.map((e) => h("li", {
        class: ["step", `step-${e.rank}`, `step-at-${podium.indexOf(e) + 1}`],
        "aria-label": t("host.finished.step", { place: ordinal(e.rank), name: e.nickname, count: e.score }),
      },
      h("span", { class: "step-name" }, h("bdi", { text: e.nickname })),
      h("span", { class: "step-score", text: t("host.finished.points", { count: e.score }) }),
      h("span", { class: "step-block", "aria-hidden": "true" }, h("span", { class: "step-rank", text: fmtNumber(e.rank) })),
      ))),
    h("p", { class: "lead finished-count", text: t("host.finished.took_part", { count: f.players ?? 0 }) }),
    h("div", { class: "host-actions" },
      h("a", { class: "btn btn-primary btn-big", href: `/results/${state.code}`, target: "_blank", rel: "opener", text: t("host.finished.full_results") }),
      csv,
      h("button", { type: "button", class: "btn btn-ghost btn-big", text: t("host.finished.new_game"), onclick: newGame }),
    ),
  );
  if (podium[0]) announce(live, t("host.finished.announce", { name: podium[0].nickname, count: podium[0].score }));
  if (!again) celebrate(podium.length);
}

// Third, then second, then the winner: the CSS staggers the steps
// (`.step-at-N`, none of it under prefers-reduced-motion); the sound follows
// the same beats and the confetti falls for the winner.
const PODIUM_BEATS_MS = { 3: 400, 2: 1900, 1: 3400 };

function celebrate(places) {
  const screen = main.querySelector(".screen-finished");
  for (let place = Math.min(3, places); place >= 1; place -= 1) {
    window.setTimeout(() => { if (screen.isConnected) sound.podiumStep(place); }, PODIUM_BEATS_MS[place]);
  }
  if (places === 0) return;
  window.setTimeout(() => { if (screen.isConnected) sound.fanfare(); }, PODIUM_BEATS_MS[1] + 500);
  if (window.matchMedia("(prefers-reduced-motion: reduce)").matches) return;
  const confetti = h("div", { class: "confetti", "aria-hidden": "true" });
  for (let i = 0; i < 48; i += 1) {
    confetti.append(h("span", {
      style: {
        "--x": `${Math.round(Math.random() * 100)}vw`,
        "--d": `${(Math.random() * 1.2).toFixed(2)}s`,
        "--r": `${Math.round(Math.random() * 720 - 360)}deg`,
        "--c": ["var(--sun)", "var(--ice)", "#ff6b8a", "#8ff0b5", "#c59bff"][i % 5],
      },
    }));
  }
  screen.append(confetti);
}

function newGame() {
  state.conn?.stop();
  state.conn = null;
  showSetup();
}

// -- keyboard ------------------------------------------------------------------
// Space is always the screen's primary action (start, close answers,
// leaderboard, next question), wherever focus is — a focused Lock or Pause
// button does not take it. Enter does the same unless focus is on a control,
// which Enter activates. The letters are shown on the buttons they press.

function advance() {
  if (state.phase === "lobby") startGame();
  else if (state.phase === "question") send({ type: "close" });
  else if (state.phase === "reveal" || state.phase === "scoreboard") send({ type: "next" });
}

const KEYS = {
  f: toggleFullscreen,
  m: toggleSound,
  r: openRoster,
  p: togglePause,
  t: addTime,
  s: skip,
  e: () => { if (state.phase && !["lobby", "finished"].includes(state.phase)) endGame(); },
};

/** The letter a shortcut names: the key's own letter, or, on a keyboard that does not type
 * Latin letters (Cyrillic, Arabic), the letter printed at that place on a US keyboard. */
function shortcutKey(event) {
  const key = event.key.toLowerCase();
  if (/^[a-z]$/.test(key) || !/^Key[A-Z]$/.test(event.code)) return key;
  return event.code.slice(3).toLowerCase();
}

document.addEventListener("keydown", (event) => {
  if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) return;
  if (document.querySelector("dialog[open]")) return;
  const target = event.target;
  const typing = target instanceof HTMLElement && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
  if (typing) return;
  const key = shortcutKey(event);
  const action = KEYS[key];
  if (action && (state.code || key === "f" || key === "m")) {
    if (event.repeat) return;
    event.preventDefault();
    action();
    return;
  }
  if (event.key === " " || event.key === "Enter") {
    if (event.key === "Enter" && target instanceof HTMLElement && target.closest("button, a, summary, [role=button]")) return;
    if (!state.code || state.screen === "setup") return;
    event.preventDefault();
    if (!event.repeat) advance();
  }
});

// A focused button would also act on Space's keyup: the page already did.
document.addEventListener("keyup", (event) => {
  if (event.key !== " " || document.querySelector("dialog[open]") || !state.code || state.screen === "setup") return;
  const target = event.target;
  if (target instanceof HTMLElement && target.closest("button, a, summary, [role=button]")) event.preventDefault();
});

// -- start ---------------------------------------------------------------------

function boot() {
  const code = window.location.hash.slice(1);
  if (CODE_RE.test(code) && loadHostToken(code)) connect(code);
  else if (CODE_RE.test(code)) showSetup(t("host.fatal.restart", { problem: t("host.fatal.no_key", { code }) }));
  else showSetup();
}

window.addEventListener("hashchange", () => {
  const code = window.location.hash.slice(1);
  if (CODE_RE.test(code) && code !== state.code && loadHostToken(code)) connect(code);
});

boot();
