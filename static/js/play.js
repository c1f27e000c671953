// The student's page: join, answer, see how it went. Every screen is rebuilt
// from what the server sends, so a reload or a reconnect lands on the present.

import { $, announce, fmtValue, focusFirst, h, mount, showStatus, toast } from "./dom.js";
import { fmtNumber, has, languagePicker, ordinal, t } from "./i18n.js";
import { Connection } from "./socket.js";
import { Countdown } from "./countdown.js";
import { optionClass, optionLook, shapeIcon } from "./shapes.js";
import { Sound } from "./sound.js";
import { questionImage } from "./qimage.js";
import { CODE_DIGITS, CODE_RE, NICK_MAX } from "./rules.js";

const main = $("#main");
const topbar = $("#topbar");
const statusBar = $("#status");
const live = $("#live");
const timerLive = $("#timer-live");

/**
 * The catalog's words for a server error `code` (the wire's `message` stays
 * English): `play.error.*` when joining, `play.ingame.*` during the game.
 */
function errorText(code, area = "error") {
  const key = `play.${area}.${code}`;
  if (has(key)) return t(key, { max: NICK_MAX });
  return t(area === "error" ? "play.join.failed" : "play.ingame.unknown");
}

// Phones stay silent unless the player turns sound on (remembered).
const sound = new Sound({ key: "thaw.sound.player", defaultOn: false });

const state = {
  code: document.body.dataset.code || "",
  conn: null,
  welcomed: false,
  nickname: "",
  playerId: null,
  score: 0,
  title: "",
  generated: false,
  rerollsLeft: 0,
  question: null,
  deadline: 0,
  paused: false,
  ack: null,
  pending: null,
  spectating: null,
  reveal: null,
  result: null,
  scoreboard: null,
  finished: null,
  standing: null,
  screen: "",
  countdown: null,
};

// -- storage: one token per room code, kept by the browser ---------------------
// localStorage, not sessionStorage: a closed tab, a restarted browser or a
// discarded background tab opens the join link again as the same player.

const tokenKey = (code) => `thaw.player.${code}`;
function loadToken(code) {
  try { return window.localStorage.getItem(tokenKey(code)); } catch { return null; }
}
function saveToken(code, token) {
  try { window.localStorage.setItem(tokenKey(code), token); } catch { /* private mode */ }
}
function dropToken(code) {
  try { window.localStorage.removeItem(tokenKey(code)); } catch { /* private mode */ }
  saveLateJoin(code, null);
}

// The question a player joined during (the server says so only while it is
// open): kept so a reload at its reveal still does not show "No answer".
const lateKey = (code) => `thaw.late.${code}`;
function loadLateJoin(code) {
  try {
    const v = window.localStorage.getItem(lateKey(code));
    return v === null ? null : Number(v);
  } catch { return null; }
}
function saveLateJoin(code, index) {
  try {
    if (index === null) window.localStorage.removeItem(lateKey(code));
    else window.localStorage.setItem(lateKey(code), String(index));
  } catch { /* private mode */ }
}

/** The longest prefix of `value` whose nickname form fits the server's limit. */
function clipNickname(value) {
  let chars = [...value];
  while (chars.length && [...chars.join("").normalize("NFKC").trim()].length > NICK_MAX) chars = chars.slice(0, -1);
  return chars.join("");
}

// -- shell ---------------------------------------------------------------------

// Each state change is spoken once: a resync after a reconnect sends the
// present again (the same question, answer_ack, result or standing), and the
// screen is rebuilt, but a screen reader hears it only the first time. A new
// connection of this page (joining again, "Play here instead") starts afresh.
const said = new Set();
function sayOnce(key, text) {
  if (said.has(key)) return;
  said.add(key);
  announce(live, text);
}

/**
 * t(key, vars) as nodes, with the value named `apart` (a deck's title, a
 * player's nickname) in a <bdi>: an Arabic nickname in a Russian sentence, or
 * "Capitals" in an Arabic one, keeps its own direction and leaves the
 * sentence's punctuation where the sentence put it.
 */
function tApart(key, vars, apart) {
  const mark = "\u0000";
  const [before, after] = t(key, { ...vars, [apart]: mark }).split(mark);
  return after === undefined ? [before] : [before, h("bdi", { text: vars[apart] }), after];
}

function show(screen, ...children) {
  state.countdown?.stop();
  state.countdown = null;
  state.screen = screen;
  main.dataset.screen = screen;
  mount(main, h("section", { class: ["screen", `screen-${screen}`] }, ...children));
  syncTimer(true);
}

function renderTopbar() {
  if (!state.welcomed) {
    mount(topbar);
    return;
  }
  mount(topbar,
    h("span", { class: "me-nick", dir: "auto", text: state.nickname }),
    h("span", { class: "me-score", "aria-label": t("play.me.score", { count: state.score }) }, fmtNumber(state.score)),
    h("button", {
      type: "button",
      id: "sound",
      class: "btn btn-small btn-ghost btn-icon",
      "aria-pressed": String(sound.on),
      "aria-label": t("play.sound"),
      title: t(sound.on ? "play.sound.on" : "play.sound.off"),
      onclick: () => { sound.toggle(); renderTopbar(); },
    }, speakerIcon(sound.on)),
  );
}

function setStatus(text) {
  showStatus(statusBar, text);
}

function timerChip() {
  return h("div", { class: "timer-chip", "data-timer": "", "data-urgent": "false" },
    h("span", { class: "visually-hidden", text: `${t("play.timer.left")} ` }),
    h("span", { class: "timer-number", text: "" }),
    h("span", { class: "timer-unit", "aria-hidden": "true", text: t("play.timer.unit") }),
    h("span", { class: "timer-bar", "aria-hidden": "true" }),
  );
}

function syncTimer(quiet) {
  const el = main.querySelector("[data-timer]");
  if (!el || !state.question) return;
  state.countdown?.stop();
  state.countdown = new Countdown({
    number: el.querySelector(".timer-number"),
    bar: el.querySelector(".timer-bar"),
    live: timerLive,
  });
  el.dataset.paused = String(state.paused);
  state.countdown.start(state.deadline - performance.now(), state.question.time_limit_ms, { quiet, paused: state.paused });
}

/** `paused` / `resumed` / `time`: the server's clock stopped, runs again, or got more time. */
function onClock(msg) {
  if (!state.question || msg.index !== state.question.index) return;
  if (msg.type === "paused") state.paused = true;
  if (msg.type === "resumed") state.paused = false;
  if (msg.time_limit_ms) state.question = { ...state.question, time_limit_ms: msg.time_limit_ms };
  state.deadline = performance.now() + msg.time_left_ms;
  syncTimer(true);
  const pausedNote = main.querySelector(".paused-note");
  if (pausedNote) pausedNote.hidden = !state.paused;
  if (msg.type === "paused") announce(live, t("play.clock.paused"));
  else if (msg.type === "resumed") announce(live, t("play.clock.resumed"));
  else announce(live, t("play.clock.more_time", { count: Math.ceil(msg.time_left_ms / 1000) }));
}

function questionHeader(q) {
  const badges = [];
  if (q.points === 2000) badges.push(h("span", { class: "badge badge-double", text: t("play.question.badge_double") }));
  if (q.points === 0) badges.push(h("span", { class: "badge", text: t("play.question.badge_no_points") }));
  if (q.kind === "poll") badges.push(h("span", { class: "badge", text: t("play.question.badge_poll") }));
  return [
    h("div", { class: "q-head" },
      h("span", { class: "q-count", text: t("play.question.count", { number: q.index + 1, total: q.count }) }),
      ...badges,
      timerChip(),
    ),
    h("p", { class: "paused-note", role: "status", hidden: !state.paused, text: t("play.question.paused") }),
  ];
}

// -- join ----------------------------------------------------------------------

let roomInfoFor = "";
async function lookUpRoom(code, infoEl, nickField) {
  if (roomInfoFor === code) return;
  roomInfoFor = code;
  infoEl.textContent = "";
  infoEl.dataset.tone = "";
  try {
    const response = await fetch(`/api/rooms/${code}`, { headers: { Accept: "application/json" } });
    if (roomInfoFor !== code) return;
    if (response.status === 404) {
      infoEl.textContent = t("play.error.room_not_found");
      infoEl.dataset.tone = "bad";
      return;
    }
    if (!response.ok) return;
    const room = await response.json();
    if (roomInfoFor !== code) return;
    state.generated = Boolean(room.generated_nicknames);
    nickField.hidden = state.generated;
    infoEl.dataset.tone = room.locked ? "bad" : "good";
    const words = room.locked ? "play.join.room_locked"
      : state.generated ? "play.join.room_open_generated" : "play.join.room_open";
    mount(infoEl, tApart(words, { title: room.title }, "title"));
  } catch {
    // Offline or the API is busy: the WebSocket will tell.
  }
}

function showJoin({ code = state.code, nickname = "", error = "", focus = "", lookup = true } = {}) {
  state.welcomed = false;
  renderTopbar();
  setStatus("");
  roomInfoFor = "";
  const codeInput = h("input", {
    id: "code", name: "code", class: "input input-code", inputmode: "numeric", autocomplete: "off",
    pattern: "[0-9]*", maxlength: CODE_DIGITS, required: true, value: code, "aria-describedby": "room-info",
    enterkeyhint: "next",
  });
  const nickInput = h("input", {
    id: "nickname", name: "nickname", class: "input", autocomplete: "off", autocapitalize: "words",
    spellcheck: "false", value: clipNickname(nickname), enterkeyhint: "go", "aria-describedby": "nick-hint",
  });
  nickInput.addEventListener("input", () => {
    const clipped = clipNickname(nickInput.value);
    if (clipped !== nickInput.value) nickInput.value = clipped;
  });
  const info = h("p", { id: "room-info", class: "room-info", "aria-live": "polite" });
  const nickField = h("div", { class: "field" },
    h("label", { for: "nickname", text: t("play.join.nickname") }),
    nickInput,
    h("p", { id: "nick-hint", class: "hint", text: t("play.join.nick_hint", { count: NICK_MAX }) }),
  );
  const errorEl = h("p", { id: "join-error", class: "form-error", role: "alert", text: error });
  const button = h("button", { type: "submit", class: "btn btn-primary btn-block btn-big", text: t("play.join.submit") });
  const form = h("form", { class: "card join-card", novalidate: true, "aria-labelledby": "join-title" },
    h("h1", { id: "join-title", text: t("play.join.title") }),
    h("div", { class: "field" },
      h("label", { for: "code", text: t("play.join.code") }),
      codeInput,
      info,
    ),
    nickField,
    pickerField(),
    errorEl,
    button,
  );

  codeInput.addEventListener("input", () => {
    const digits = codeInput.value.replace(/\D/g, "").slice(0, CODE_DIGITS);
    if (digits !== codeInput.value) codeInput.value = digits;
    if (CODE_RE.test(digits)) lookUpRoom(digits, info, nickField);
    else { roomInfoFor = ""; info.textContent = ""; nickField.hidden = false; state.generated = false; }
  });

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const c = codeInput.value.trim();
    const nick = nickInput.value.normalize("NFKC").trim();
    if (!CODE_RE.test(c)) {
      errorEl.textContent = t("play.join.code_needed", { digits: CODE_DIGITS });
      codeInput.focus();
      return;
    }
    if (!state.generated && (nick.length === 0 || [...nick].length > NICK_MAX)) {
      errorEl.textContent = nick.length === 0 ? t("play.join.nick_needed") : errorText("nickname_invalid");
      nickInput.focus();
      return;
    }
    errorEl.textContent = "";
    button.disabled = true;
    button.textContent = t("play.join.joining");
    connect(c, state.generated ? "" : nick);
  });

  show("join", form);
  if (CODE_RE.test(code) && lookup) lookUpRoom(code, info, nickField);
  else if (state.generated) nickField.hidden = true;
  const target = focus === "code" || !CODE_RE.test(code) ? codeInput : nickInput;
  if (!window.matchMedia("(pointer: coarse)").matches || focus) target.focus();
}

// -- connection ----------------------------------------------------------------

function connect(code, nickname) {
  state.conn?.stop();
  state.code = code;
  state.welcomed = false;
  state.question = state.ack = state.pending = state.reveal = state.result = null;
  state.scoreboard = state.finished = state.standing = null;
  state.spectating = loadLateJoin(code);
  said.clear();
  const conn = new Connection({
    code,
    hello: () => {
      const token = loadToken(code);
      if (token) return { type: "resume", token };
      return nickname ? { type: "join", nickname } : { type: "join" };
    },
    onMessage: handle,
    onState: (s) => {
      if (s === "offline") setStatus(t("play.status.offline"));
      else if (s === "reconnecting") setStatus(t("play.status.reconnecting"));
      else if (s === "open") setStatus("");
    },
    onFatal: (failure) => fatal(failure, nickname),
  });
  state.conn = conn;
  if (loadToken(code) && !state.screen.startsWith("join")) {
    show("waiting", h("div", { class: "center-stack" }, h("div", { class: "spinner", "aria-hidden": "true" }),
      h("p", { class: "lead", text: t("play.status.rejoining") })));
  }
  conn.start();
}

function fatal({ code }, nickname) {
  const wasIn = state.welcomed;
  state.welcomed = false;
  state.countdown?.stop();
  setStatus("");
  if (["kicked", "bad_token", "room_not_found"].includes(code)) dropToken(state.code);
  if (code === "kicked") {
    showEnded(errorText("kicked"));
  } else if (code === "replaced") {
    showEnded(t("play.ended.replaced_title"), errorText("replaced"), {
      label: t("play.ended.play_here"),
      run: () => connect(state.code, ""),
    });
  } else if (code === "room_not_found" && wasIn) {
    showEnded(t("play.ended.over_title"), t("play.ended.over_text"));
  } else {
    const text = errorText(code);
    const focus = code.startsWith("nickname") ? "nickname" : code === "room_not_found" ? "code" : "";
    showJoin({ code: state.code, nickname, error: text, focus, lookup: code !== "room_not_found" });
  }
  renderTopbar();
}

function handle(msg) {
  switch (msg.type) {
    case "welcome": return onWelcome(msg);
    case "nickname": return onNickname(msg);
    case "question": return onQuestion(msg);
    case "answer_ack": return onAck(msg);
    case "paused": case "resumed": case "time": return onClock(msg);
    case "spectating": return onSpectating(msg);
    case "reveal": return onReveal(msg);
    case "result": return onResult(msg);
    case "scoreboard": return onScoreboard(msg);
    case "finished": return onFinished(msg);
    case "standing": return onStanding(msg);
    case "error": return onError(msg);
    default: return undefined;
  }
}

function onWelcome(msg) {
  state.welcomed = true;
  state.playerId = msg.player_id;
  state.nickname = msg.nickname;
  state.score = msg.score ?? 0;
  state.title = msg.title || state.title;
  state.generated = Boolean(msg.generated_nickname);
  state.rerollsLeft = msg.rerolls_left ?? 0;
  saveToken(state.code, msg.token);
  const path = `/join/${state.code}`;
  if (window.location.pathname !== path) window.history.replaceState(null, "", path);
  renderTopbar();
  if (msg.phase === "lobby") {
    showLobby();
    // The Join button is gone with the form: say where the player landed.
    sayOnce("lobby", `${t("play.lobby.title")} ${t("play.lobby.nickname", { nickname: state.nickname })}`);
  } else if (!["question", "locked", "spectating", "result", "reveal", "scoreboard", "finished"].includes(state.screen)) {
    show("waiting", h("div", { class: "center-stack" }, h("div", { class: "spinner", "aria-hidden": "true" }),
      h("p", { class: "lead", text: t("play.status.catching_up") })));
  }
}

function onNickname(msg) {
  state.nickname = msg.nickname;
  state.rerollsLeft = msg.rerolls_left ?? state.rerollsLeft;
  renderTopbar();
  if (state.screen === "lobby") showLobby();
  announce(live, t("play.lobby.renamed", { nickname: msg.nickname }));
}

function onQuestion(q) {
  const prev = state.question;
  const same = prev && prev.index === q.index && ["question", "locked", "spectating"].includes(state.screen);
  state.question = q;
  state.paused = Boolean(q.paused);
  state.deadline = performance.now() + (q.time_left_ms ?? q.time_limit_ms);
  state.reveal = null;
  if (!prev || prev.index !== q.index) {
    if (state.ack && state.ack.index !== q.index) state.ack = null;
    state.pending = null;
  }
  if (state.spectating !== null && q.index > state.spectating) {
    state.spectating = null;
    saveLateJoin(state.code, null);
  }
  if (same) {
    syncTimer(true);
    return;
  }
  if (state.spectating === q.index) showSpectating();
  else if (state.ack && state.ack.index === q.index) showLocked();
  else showQuestion(q);
  syncTimer(false);
  sayOnce(`question:${q.index}`, t("play.question.announce", { number: q.index + 1, total: q.count, prompt: q.prompt }));
}

function onAck(msg) {
  const answer = "answer" in msg ? msg.answer : state.pending?.answer;
  state.ack = { index: msg.index, answer };
  state.pending = null;
  if (state.question && state.question.index === msg.index && state.screen !== "reveal" && state.screen !== "result") {
    showLocked();
    sayOnce(`locked:${msg.index}`, t("play.locked.announce"));
  }
}

function onSpectating(msg) {
  state.spectating = msg.index;
  saveLateJoin(state.code, msg.index);
  if (state.question && state.question.index === msg.index) showSpectating();
}

function onReveal(msg) {
  state.reveal = msg;
  state.paused = false;
  state.countdown?.stop();
  showReveal();
}

function onResult(msg) {
  state.result = msg;
  state.score = msg.score;
  if (msg.nickname) state.nickname = msg.nickname;
  renderTopbar();
  // Joined while this question was open: it was never theirs to answer, so no
  // "No answer, 6th place" — the reveal screen stays, saying they play next.
  if (state.spectating === msg.index && msg.answered === false) return;
  showResult();
}

function onScoreboard(msg) {
  state.scoreboard = msg;
  showScoreboard();
}

function onFinished(msg) {
  state.finished = msg;
  showFinished();
}

function onStanding(msg) {
  state.standing = msg;
  state.score = msg.score;
  renderTopbar();
  showFinished();
}

function onError(msg) {
  if (!state.welcomed) return; // a rejection: the close that follows shows it
  if (msg.code === "kicked") return; // the close that follows shows the one screen
  const text = errorText(msg.code, "ingame");
  if (state.pending && ["too_late", "wrong_question", "wrong_phase"].includes(msg.code)) {
    state.pending = null;
    if (state.screen === "locked") showMissed(text);
    else toast(text);
    return;
  }
  // Refused but still open (paused, malformed, too fast): the question comes back to answer again.
  if (["invalid_answer", "paused", "rate_limited"].includes(msg.code) && state.question && state.screen === "locked") {
    state.pending = null;
    showQuestion(state.question);
  }
  toast(text);
}

// -- screens -------------------------------------------------------------------

function showLobby() {
  const children = [
    h("div", { class: "center-stack" },
      state.title ? h("p", { class: "deck-line", dir: "auto", text: state.title }) : null,
      h("h1", { class: "big-title", text: t("play.lobby.title") }),
      h("p", { class: "nick-chip", dir: "auto", "aria-label": t("play.lobby.nickname", { nickname: state.nickname }) }, state.nickname),
      h("p", { class: "lead", text: t("play.lobby.lead") }),
    ),
  ];
  if (state.generated && state.rerollsLeft > 0) {
    children[0].append(h("button", {
      type: "button",
      class: "btn btn-ghost",
      onclick: (event) => {
        event.currentTarget.disabled = true;
        state.conn.send({ type: "reroll" });
      },
      text: t("play.lobby.reroll", { count: state.rerollsLeft }),
    }));
  }
  children[0].append(pickerField());
  show("lobby", ...children);
}

function kindHint(q) {
  if (q.kind === "choice" && q.multiple_correct) return t("play.hint.choice_multiple");
  if (q.kind === "poll") return t("play.hint.poll");
  if (q.kind === "multi") return t("play.hint.multi");
  if (q.kind === "order") return t("play.hint.order");
  if (q.kind === "number") return t("play.hint.number", { min: fmtValue(q.min), max: fmtValue(q.max) });
  if (q.kind === "text") return t("play.hint.text");
  return "";
}

function showQuestion(q) {
  const body = {
    choice: choiceBody, multi: multiBody, poll: choiceBody, order: orderBody, number: numberBody, text: textBody,
  }[q.kind];
  const hint = kindHint(q);
  show("question",
    questionHeader(q),
    h("h1", { class: "q-prompt", id: "q-prompt", dir: "auto", text: q.prompt }),
    questionImage(q, "phone"),
    hint ? h("p", { class: ["q-hint", q.multiple_correct ? "q-hint-strong" : ""], text: hint }) : null,
    body ? body(q) : h("p", { text: t("play.question.unsupported") }),
  );
}

function submit(answer) {
  const q = state.question;
  if (!q) return;
  state.pending = { index: q.index, answer };
  if (!state.conn.send({ type: "answer", index: q.index, answer })) {
    state.pending = null;
    toast(t(Connection.offline ? "play.answer.offline" : "play.answer.not_connected"));
    return;
  }
  showLocked(true);
}

function optionButton(q, opt, position, onclick) {
  const look = optionLook(position);
  return h("button", {
    type: "button",
    class: [optionClass(position), "answer-btn"],
    "aria-label": t("play.answer.option", { letter: look.letter, text: opt.text }),
    dataset: { id: String(opt.id) },
    onclick,
  },
  shapeIcon(position),
  h("span", { class: "opt-letter", "aria-hidden": "true", text: look.letter }),
  h("span", { class: "opt-text", dir: "auto", text: opt.text }),
  );
}

function choiceBody(q) {
  return h("div", { class: ["answer-grid", `n${q.options.length}`], role: "group", "aria-labelledby": "q-prompt" },
    q.options.map((opt, i) => optionButton(q, opt, i, () => submit(opt.id))));
}

/** Select all that apply: each option toggles (aria-pressed), then one submit. */
function multiBody(q) {
  const chosen = new Set();
  const send = h("button", { type: "button", class: "btn btn-primary btn-block btn-big", disabled: true });
  const buttons = q.options.map((opt, i) => {
    const button = optionButton(q, opt, i, () => {
      if (chosen.has(opt.id)) chosen.delete(opt.id);
      else chosen.add(opt.id);
      render();
    });
    button.classList.add("is-toggle");
    button.append(h("span", { class: "tick", "aria-hidden": "true" }, checkIcon()));
    return button;
  });
  function render() {
    buttons.forEach((button, i) => {
      const on = chosen.has(q.options[i].id);
      button.setAttribute("aria-pressed", String(on));
      button.classList.toggle("is-selected", on);
    });
    send.disabled = chosen.size === 0;
    send.textContent = chosen.size === 0 ? t("play.multi.none") : t("play.multi.submit", { count: chosen.size });
  }
  // Send in the order shown, so "your answer" reads the way the options do.
  send.addEventListener("click", () => submit(q.options.map((opt) => opt.id).filter((id) => chosen.has(id))));
  render();
  return h("div", { class: "multi" },
    h("div", { class: ["answer-grid", `n${q.options.length}`], role: "group", "aria-labelledby": "q-prompt" }, buttons),
    send,
  );
}

function orderBody(q) {
  const picked = [];
  const list = h("ol", { class: "order-picked", "aria-label": t("play.order.yours"), "aria-live": "polite" });
  const pool = h("div", { class: "order-pool", role: "group", "aria-label": t("play.order.pool") });
  const undo = h("button", { type: "button", class: "btn btn-ghost", text: t("play.order.undo") });
  const reset = h("button", { type: "button", class: "btn btn-ghost", text: t("play.order.reset") });
  const send = h("button", { type: "button", class: "btn btn-primary btn-block btn-big", text: t("play.order.submit") });
  const position = new Map(q.options.map((opt, i) => [opt.id, i]));

  function render() {
    mount(list, picked.length === 0
      ? h("li", { class: "order-empty", text: t("play.order.empty") })
      : picked.map((id, n) => {
        const i = position.get(id);
        return h("li", { class: ["order-item", optionClass(i)] },
          h("span", { class: "order-rank", text: fmtNumber(n + 1) }),
          shapeIcon(i),
          h("span", { class: "opt-text", dir: "auto", text: q.options[i].text }),
        );
      }));
    mount(pool, q.options.filter((opt) => !picked.includes(opt.id)).map((opt) => {
      const i = position.get(opt.id);
      return optionButton(q, opt, i, () => {
        picked.push(opt.id);
        render();
        const next = pool.querySelector("button") || send;
        next.focus({ preventScroll: true });
      });
    }));
    pool.hidden = picked.length === q.options.length;
    undo.disabled = picked.length === 0;
    reset.disabled = picked.length === 0;
    send.disabled = picked.length !== q.options.length;
    send.textContent = send.disabled
      ? t("play.order.left", { count: q.options.length - picked.length }) : t("play.order.submit");
  }
  undo.addEventListener("click", () => { picked.pop(); render(); });
  reset.addEventListener("click", () => { picked.length = 0; render(); });
  send.addEventListener("click", () => submit([...picked]));
  render();
  return h("div", { class: "order" },
    list,
    pool,
    h("div", { class: "order-actions" }, h("div", { class: "row-actions" }, undo, reset), send),
  );
}

function decimals(step) {
  const s = String(step);
  return s.includes(".") ? s.length - s.indexOf(".") - 1 : 0;
}

function numberBody(q) {
  const min = Number(q.min);
  const max = Number(q.max);
  const step = Number(q.step) || 1;
  const places = decimals(step);
  const snap = (v) => {
    const n = Math.min(max, Math.max(min, min + Math.round((v - min) / step) * step));
    return Number(n.toFixed(places));
  };
  const start = snap((min + max) / 2);
  const fixed = { minimumFractionDigits: places, maximumFractionDigits: places, useGrouping: false };
  const format = (v) => (places ? fmtNumber(v, fixed) : fmtValue(v));
  const output = h("output", { class: "number-value", for: "number-slider", "aria-hidden": "true", text: format(start) });
  const slider = h("input", {
    type: "range", id: "number-slider", class: "slider", min, max, step, value: String(start),
    "aria-label": t("play.answer.yours"), "aria-valuetext": format(start),
  });
  const submitText = (v) => t("play.number.submit", { value: format(v) });
  const send = h("button", { type: "button", class: "btn btn-primary btn-block btn-big", text: submitText(start) });
  const update = (v) => {
    const value = snap(v);
    slider.value = String(value);
    output.textContent = format(value);
    slider.setAttribute("aria-valuetext", format(value));
    send.textContent = submitText(value);
  };
  const nudge = (dir) => () => update(Number(slider.value) + dir * step);
  slider.addEventListener("input", () => update(Number(slider.value)));
  send.addEventListener("click", () => submit(snap(Number(slider.value))));
  return h("div", { class: "number" },
    output,
    h("div", { class: "slider-row" },
      h("button", { type: "button", class: "btn btn-round", "aria-label": t("play.number.minus", { step: format(step) }), onclick: nudge(-1), text: "−" }),
      slider,
      h("button", { type: "button", class: "btn btn-round", "aria-label": t("play.number.plus", { step: format(step) }), onclick: nudge(1), text: "+" }),
    ),
    h("div", { class: "slider-scale", "aria-hidden": "true" },
      h("span", { text: format(min) }), h("span", { text: format(max) })),
    send,
  );
}

function textBody(q) {
  const max = q.max_length;
  const input = h("input", {
    id: "text-answer", class: "input input-big", maxlength: max, autocomplete: "off",
    autocapitalize: "off", spellcheck: "false", enterkeyhint: "send", "aria-describedby": "text-count",
  });
  const counted = () => t("play.text.count", { length: input.value.length, max });
  const count = h("p", { id: "text-count", class: "hint", text: counted() });
  const send = h("button", { type: "submit", class: "btn btn-primary btn-block btn-big", text: t("play.answer.submit"), disabled: true });
  input.addEventListener("input", () => {
    count.textContent = counted();
    send.disabled = input.value.trim() === "";
  });
  const form = h("form", { class: "text-form", novalidate: true },
    h("label", { for: "text-answer", text: t("play.answer.yours") }), input, count, send);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const value = input.value.trim().slice(0, max);
    if (value) submit(value);
  });
  window.setTimeout(() => input.focus({ preventScroll: true }), 0);
  return form;
}

/** What an answer looks like, as nodes (option with its shape, list, number, text). */
function describeAnswer(q, answer) {
  if (!q || answer == null) return null;
  const byId = new Map((q.options || []).map((opt, i) => [opt.id, i]));
  const chip = (id) => {
    const i = byId.get(id);
    if (i === undefined) return h("span", { text: String(id) });
    return h("span", { class: ["answer-chip", optionClass(i)] },
      shapeIcon(i), h("span", { class: "opt-letter", text: optionLook(i).letter }),
      h("span", { class: "opt-text", dir: "auto", text: q.options[i].text }));
  };
  if (q.kind === "choice" || q.kind === "poll") return chip(answer);
  if (q.kind === "multi" && Array.isArray(answer)) {
    // In the tiles' order, whatever order they were picked or stored in.
    const shown = [...answer].sort((a, b) => (byId.get(a) ?? 0) - (byId.get(b) ?? 0));
    return h("div", { class: "answer-list" }, shown.map((id) => chip(id)));
  }
  if (q.kind === "order" && Array.isArray(answer)) {
    return h("ol", { class: "answer-order" }, answer.map((id) => h("li", {}, chip(id))));
  }
  if (q.kind === "number") return h("span", { class: "answer-number", text: fmtValue(answer) });
  return h("span", { class: "answer-text", dir: "auto", text: String(answer) });
}

function showLocked(sending = false) {
  const q = state.question;
  const answer = sending ? state.pending?.answer : state.ack?.answer;
  show("locked",
    q ? questionHeader(q) : null,
    h("div", { class: "center-stack" },
      h("div", { class: ["lock-badge", sending ? "is-sending" : ""], "aria-hidden": "true" }, lockIcon()),
      h("h1", { class: "big-title", text: t(sending ? "play.locked.sending" : "play.locked.title") }),
      answer != null ? h("div", { class: "your-answer" },
        h("p", { class: "eyebrow", text: t("play.answer.yours") }), describeAnswer(q, answer)) : null,
      h("p", { class: "lead", text: t("play.locked.wait") }),
    ),
  );
}

function showMissed(text) {
  const q = state.question;
  show("locked",
    q ? questionHeader(q) : null,
    h("div", { class: "center-stack" },
      h("h1", { class: "big-title", text: t("play.missed.title") }),
      h("p", { class: "lead", text }),
    ),
  );
}

function showSpectating() {
  const q = state.question;
  show("spectating",
    q ? questionHeader(q) : null,
    h("div", { class: "center-stack" },
      h("p", { class: "eyebrow", text: t("play.spectating.welcome") }),
      h("h1", { class: "big-title", text: t("play.spectating.title") }),
      h("p", { class: "lead", text: t("play.spectating.lead") }),
    ),
  );
}

function describeCorrect(r) {
  if (r.kind === "poll") return null;
  const q = { kind: r.kind, options: r.options || state.question?.options || [] };
  // Option ids are opaque: the right ones are listed in the order they were shown.
  const shown = (ids) => q.options.map((opt) => opt.id).filter((id) => (ids || []).includes(id));
  if (r.kind === "choice") {
    return h("div", { class: "answer-list" }, shown(r.correct).map((id) => describeAnswer(q, id)));
  }
  if (r.kind === "multi") return describeAnswer(q, shown(r.correct));
  if (r.kind === "order") return describeAnswer(q, r.correct);
  if (r.kind === "number" && r.correct) {
    const tol = r.correct.tolerance ? ` (± ${fmtValue(r.correct.tolerance)})` : "";
    return h("span", { class: "answer-number", text: `${fmtValue(r.correct.value)}${tol}` });
  }
  if (r.kind === "text" && Array.isArray(r.correct)) {
    return h("span", { class: "answer-text", dir: "auto", text: r.correct.slice(0, 3).join(" / ") });
  }
  return null;
}

function correctBlock(r) {
  const node = r ? describeCorrect(r) : null;
  if (!node) return null;
  const many = ["choice", "multi"].includes(r.kind) && (r.correct || []).length > 1;
  return h("div", { class: "correct-block" }, h("p", { class: "eyebrow", text: t(many ? "play.correct.many" : "play.correct.one") }), node);
}

function showReveal() {
  const r = state.reveal;
  const watched = state.spectating === r.index;
  const title = t(watched ? "play.reveal.spectator_title" : "play.reveal.title");
  show("reveal",
    h("div", { class: "center-stack" },
      h("p", { class: "eyebrow", text: t("play.reveal.count", { number: r.index + 1, total: r.count ?? "?" }) }),
      h("h1", { class: "big-title", text: title }),
      correctBlock(r),
      watched ? h("p", { class: "lead", text: t("play.reveal.spectator_lead") }) : null,
      r.kind === "poll" ? h("p", { class: "lead", text: t("play.reveal.poll") }) : null,
    ),
  );
  // A player hears their result next; one who only watched this question hears this.
  if (watched) sayOnce(`reveal:${r.index}`, `${title} ${t("play.reveal.spectator_lead")}`);
}

const SIGNED = { signDisplay: "always" };

/** "2nd place, 150 points behind Ana": as a string to be read out, or as nodes to be shown. */
function rankLine(res, nodes = false) {
  const place = ordinal(res.rank);
  if (res.behind) {
    const vars = { place, count: res.behind.points, nickname: res.behind.nickname };
    return nodes ? tApart("play.rank.behind", vars, "nickname") : t("play.rank.behind", vars);
  }
  return t(res.rank === 1 ? "play.rank.lead" : "play.rank.place", { place });
}

function showResult() {
  const res = state.result;
  const r = state.reveal && state.reveal.index === res.index ? state.reveal : null;
  let tone; let title; let icon;
  if (res.correct === null) { tone = "poll"; title = t(res.answered === false ? "play.result.no_vote" : "play.result.voted"); icon = pollIcon(); }
  else if (res.correct) { tone = "correct"; title = t("play.result.correct"); icon = checkIcon(); }
  else if (res.answered !== false && res.points > 0) { tone = "partial"; title = t("play.result.partial"); icon = checkIcon(); }
  else if (res.answered === false) { tone = "none"; title = t("play.result.none"); icon = clockIcon(); }
  else { tone = "wrong"; title = t("play.result.wrong"); icon = crossIcon(); }
  const gained = res.points + res.bonus;
  if (tone === "correct") sound.good();
  else if (tone === "wrong" || tone === "none") sound.bad();
  show("result",
    h("div", { class: ["result", `result-${tone}`] },
      h("div", { class: "result-icon", "aria-hidden": "true" }, icon),
      h("h1", { class: "big-title", text: title }),
      tone === "correct" || gained > 0
        ? h("p", { class: "result-points", text: fmtNumber(gained, SIGNED) }) : null,
      res.bonus > 0 ? h("p", { class: "result-bonus", text: t("play.result.bonus", { bonus: fmtNumber(res.bonus, SIGNED) }) }) : null,
      res.streak > 1 ? h("p", { class: "streak" }, flameIcon(), " ", t("play.result.streak", { count: res.streak })) : null,
      tone === "wrong" || tone === "none" || tone === "partial" ? correctBlock(r) : null,
    ),
    h("div", { class: "result-foot" },
      h("p", { class: "result-rank" }, rankLine(res, true)),
      h("p", { class: "result-total" }, t("play.result.score"), " ", h("strong", { text: fmtNumber(res.score) })),
    ),
  );
  const words = { title, rank: rankLine(res), score: res.score, count: gained };
  sayOnce(`result:${res.index}`, t(gained > 0 ? "play.result.announce_gained" : "play.result.announce", words));
}

function leaderboard(entries, mine) {
  return h("ol", { class: "leaderboard", "aria-label": t("play.scoreboard.top") },
    entries.map((e) => h("li", { class: ["lb-row", e.player_id === mine ? "is-me" : ""] },
      h("span", { class: "lb-rank", text: fmtNumber(e.rank) }),
      h("span", { class: "lb-name", dir: "auto", text: e.nickname }),
      h("span", { class: "lb-score", text: fmtNumber(e.score) }),
    )));
}

function showScoreboard() {
  const sb = state.scoreboard;
  const res = state.result && state.result.index === sb.index ? state.result : null;
  show("scoreboard",
    h("div", { class: "center-stack" },
      h("p", { class: "eyebrow", text: sb.last ? t("play.scoreboard.final") : t("play.scoreboard.after", { number: sb.index + 1 }) }),
      h("h1", { class: "big-title", text: t("play.scoreboard.title") }),
      leaderboard(sb.top || [], state.playerId),
      res ? h("p", { class: "lead", text: t("play.scoreboard.you", { rank: rankLine(res), count: res.score }) }) : null,
      h("p", { class: "hint", text: t(sb.last ? "play.scoreboard.next_winners" : "play.scoreboard.next_question") }),
    ),
  );
}

function showFinished() {
  const f = state.finished;
  const s = state.standing;
  const podium = f ? h("ol", { class: "mini-podium", "aria-label": t("play.finished.podium") },
    f.podium.map((e) => h("li", { class: ["mp", `mp-${e.rank}`, e.player_id === state.playerId ? "is-me" : ""] },
      h("span", { class: "mp-rank", text: ordinal(e.rank) }),
      h("span", { class: "mp-name", dir: "auto", text: e.nickname }),
      h("span", { class: "mp-score", text: fmtNumber(e.score) }),
    ))) : null;
  let headline = t("play.finished.over");
  if (s) headline = s.rank === 1 ? t("play.finished.won") : t("play.finished.place", { place: ordinal(s.rank) });
  show("finished",
    h("div", { class: "center-stack" },
      state.title ? h("p", { class: "deck-line", dir: "auto", text: state.title }) : null,
      h("h1", { class: "big-title", text: headline }),
      s ? h("p", { class: "lead", text: t("play.finished.summary", { place: ordinal(s.rank), players: s.players, count: s.score }) }) : null,
      podium,
      h("button", {
        type: "button",
        class: "btn btn-ghost",
        text: t("play.finished.again"),
        onclick: () => { state.conn?.stop(); dropToken(state.code); window.location.assign("/"); },
      }),
    ),
  );
  if (s) sayOnce("finished", t("play.finished.announce", { headline, count: s.score }));
}

function showEnded(title, text = "", action = null) {
  show("ended",
    h("div", { class: "card center-stack" },
      h("h1", { class: "big-title", text: title }),
      text ? h("p", { class: "lead", text }) : null,
      action ? h("button", { type: "button", class: "btn btn-primary", text: action.label, onclick: action.run }) : null,
      h("a", { class: "btn btn-ghost", href: "/", text: t("play.ended.join") }),
    ),
  );
  focusFirst(main, "h1");
}

/** The language picker as one more field of a form, its name shown like the others'. */
function pickerField() {
  const picker = languagePicker();
  picker.querySelector(".visually-hidden")?.classList.remove("visually-hidden");
  picker.querySelector("select").classList.add("input");
  return h("div", { class: "field" }, picker);
}

// -- icons (decorative) --------------------------------------------------------

function icon(...paths) {
  const el = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  el.setAttribute("viewBox", "0 0 24 24");
  el.setAttribute("class", "icon");
  el.setAttribute("aria-hidden", "true");
  for (const d of paths) {
    const p = document.createElementNS("http://www.w3.org/2000/svg", "path");
    p.setAttribute("d", d);
    el.append(p);
  }
  return el;
}
const checkIcon = () => icon("M4.5 12.5l5 5L19.5 7");
const crossIcon = () => icon("M6 6l12 12M18 6L6 18");
const clockIcon = () => icon("M12 3a9 9 0 1 0 0 18a9 9 0 1 0 0-18z", "M12 7v5l3.5 2");
const pollIcon = () => icon("M5 20V11M12 20V5M19 20v-6");
const lockIcon = () => icon("M6 11h12v9H6z", "M8.5 11V8a3.5 3.5 0 0 1 7 0v3");
const speakerIcon = (on) => (on
  ? icon("M4 9h4l5-4v14l-5-4H4z", "M16.5 8.5a5 5 0 0 1 0 7", "M19 6a8.5 8.5 0 0 1 0 12")
  : icon("M4 9h4l5-4v14l-5-4H4z", "M17 9.5l5 5M22 9.5l-5 5"));
const flameIcon = () => icon("M12 3c1 3.5 5 5.5 5 10a5 5 0 0 1-10 0c0-2.5 1.5-4 2.5-5c0 2 1 3 2 3c0-3-1-5.5.5-8z");

// -- start ---------------------------------------------------------------------

function boot() {
  const code = state.code;
  if (CODE_RE.test(code) && loadToken(code)) connect(code, "");
  else showJoin({ code });
}

boot();
