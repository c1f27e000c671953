// The student's page: join, answer, see how it went. Every screen is rebuilt
// from what the server sends, so a reload or a reconnect lands on the present.

import { $, announce, fmt, fmtValue, focusFirst, h, mount, ordinal, plural, showStatus, toast } from "./dom.js";
import { Connection } from "./socket.js";
import { Countdown } from "./countdown.js";
import { optionClass, optionLook, shapeIcon } from "./shapes.js";
import { Sound } from "./sound.js";
import { questionImage } from "./qimage.js";

const main = $("#main");
const topbar = $("#topbar");
const statusBar = $("#status");
const live = $("#live");
const timerLive = $("#timer-live");

const CODE_RE = /^[1-9][0-9]{5}$/;
// The server's nickname limit (code points after NFKC and trimming), written
// into the page by the template from the server's own constant.
const NICK_MAX = Number(document.body.dataset.nickMax) || 20;
const TEXT_MAX = 100;

const ERRORS = {
  room_not_found: "There is no game with this code. Check the code on the big screen.",
  nickname_invalid: `That nickname can't be used. Use 1–${NICK_MAX} letters, numbers or emoji.`,
  nickname_taken: "Someone in this game already has that nickname. Pick another one.",
  room_locked: "The teacher has locked this game: no one new can join right now. Ask them to unlock it.",
  room_full: "This game is full. Ask your teacher.",
  kicked: "The teacher removed you from this game.",
  bad_token: "Your place in this game has expired. Join again with a nickname.",
  rate_limited: "Too many tries in a short time. Wait a few seconds, then try again.",
  replaced: "This game is now open in another tab or window.",
  bad_message: "Something went wrong sending that. Try again.",
};
const OFFLINE = "You're offline. Answers can't reach the game until your connection is back.";
const IN_GAME_ERRORS = {
  too_late: "Time's up — your answer arrived too late.",
  already_answered: "You already answered this question.",
  wrong_question: "That question is closed.",
  wrong_phase: "No question is open right now.",
  invalid_answer: "That answer isn't valid for this question. Try again.",
  rate_limited: "Slow down a little, then try again.",
  paused: "The teacher paused the game. Answer again when it goes on.",
};

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
    h("span", { class: "me-nick", text: state.nickname }),
    h("span", { class: "me-score", "aria-label": `Score ${fmt(state.score)} points` }, fmt(state.score)),
    h("button", {
      type: "button",
      id: "sound",
      class: "btn btn-small btn-ghost btn-icon",
      "aria-pressed": String(sound.on),
      "aria-label": "Sound",
      title: sound.on ? "Sound on" : "Sound off",
      onclick: () => { sound.toggle(); renderTopbar(); },
    }, speakerIcon(sound.on)),
  );
}

function setStatus(text) {
  showStatus(statusBar, text);
}

function timerChip() {
  return h("div", { class: "timer-chip", "data-timer": "", "data-urgent": "false" },
    h("span", { class: "visually-hidden", text: "Time left: " }),
    h("span", { class: "timer-number", text: "" }),
    h("span", { class: "timer-unit", "aria-hidden": "true", text: "s" }),
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
  if (msg.type === "paused") announce(live, "The teacher paused the game.");
  else if (msg.type === "resumed") announce(live, "The game goes on.");
  else announce(live, `More time: ${Math.ceil(msg.time_left_ms / 1000)} seconds left.`);
}

function questionHeader(q) {
  const badges = [];
  if (q.points === 2000) badges.push(h("span", { class: "badge badge-double", text: "Double points" }));
  if (q.points === 0) badges.push(h("span", { class: "badge", text: "No points" }));
  if (q.kind === "poll") badges.push(h("span", { class: "badge", text: "Poll" }));
  return [
    h("div", { class: "q-head" },
      h("span", { class: "q-count", text: `${q.index + 1} / ${q.count}` }),
      ...badges,
      timerChip(),
    ),
    h("p", { class: "paused-note", role: "status", hidden: !state.paused, text: "Paused by the teacher" }),
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
      infoEl.textContent = ERRORS.room_not_found;
      infoEl.dataset.tone = "bad";
      return;
    }
    if (!response.ok) return;
    const room = await response.json();
    if (roomInfoFor !== code) return;
    state.generated = Boolean(room.generated_nicknames);
    nickField.hidden = state.generated;
    infoEl.dataset.tone = room.locked ? "bad" : "good";
    infoEl.textContent = room.locked
      ? `“${room.title}” is locked right now.`
      : `Joining “${room.title}”${state.generated ? " — you'll get a nickname." : ""}`;
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
    pattern: "[0-9]*", maxlength: 6, required: true, value: code, "aria-describedby": "room-info",
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
    h("label", { for: "nickname", text: "Nickname" }),
    nickInput,
    h("p", { id: "nick-hint", class: "hint", text: `Up to ${NICK_MAX} characters. Keep it friendly!` }),
  );
  const errorEl = h("p", { id: "join-error", class: "form-error", role: "alert", text: error });
  const button = h("button", { type: "submit", class: "btn btn-primary btn-block btn-big", text: "Join" });
  const form = h("form", { class: "card join-card", novalidate: true, "aria-labelledby": "join-title" },
    h("h1", { id: "join-title", text: "Join a game" }),
    h("div", { class: "field" },
      h("label", { for: "code", text: "Game code" }),
      codeInput,
      info,
    ),
    nickField,
    errorEl,
    button,
  );

  codeInput.addEventListener("input", () => {
    const digits = codeInput.value.replace(/\D/g, "").slice(0, 6);
    if (digits !== codeInput.value) codeInput.value = digits;
    if (CODE_RE.test(digits)) lookUpRoom(digits, info, nickField);
    else { roomInfoFor = ""; info.textContent = ""; nickField.hidden = false; state.generated = false; }
  });

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const c = codeInput.value.trim();
    const nick = nickInput.value.normalize("NFKC").trim();
    if (!CODE_RE.test(c)) {
      errorEl.textContent = "Enter the 6-digit code shown on the big screen.";
      codeInput.focus();
      return;
    }
    if (!state.generated && (nick.length === 0 || [...nick].length > NICK_MAX)) {
      errorEl.textContent = nick.length === 0 ? "Pick a nickname." : ERRORS.nickname_invalid;
      nickInput.focus();
      return;
    }
    errorEl.textContent = "";
    button.disabled = true;
    button.textContent = "Joining…";
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
  const conn = new Connection({
    code,
    hello: () => {
      const token = loadToken(code);
      if (token) return { type: "resume", token };
      return nickname ? { type: "join", nickname } : { type: "join" };
    },
    onMessage: handle,
    onState: (s) => {
      if (s === "offline") setStatus(OFFLINE);
      else if (s === "reconnecting") setStatus("Connection lost — reconnecting…");
      else if (s === "open") setStatus("");
    },
    onFatal: (failure) => fatal(failure, nickname),
  });
  state.conn = conn;
  if (loadToken(code) && !state.screen.startsWith("join")) {
    show("waiting", h("div", { class: "center-stack" }, h("div", { class: "spinner", "aria-hidden": "true" }),
      h("p", { class: "lead", text: "Rejoining your game…" })));
  }
  conn.start();
}

function fatal({ code, message }, nickname) {
  const wasIn = state.welcomed;
  state.welcomed = false;
  state.countdown?.stop();
  setStatus("");
  if (["kicked", "bad_token", "room_not_found"].includes(code)) dropToken(state.code);
  if (code === "kicked") {
    showEnded(ERRORS.kicked);
  } else if (code === "replaced") {
    showEnded("Playing in another tab", ERRORS.replaced, {
      label: "Play here instead",
      run: () => connect(state.code, ""),
    });
  } else if (code === "room_not_found" && wasIn) {
    showEnded("This game is over", "The game you were in has closed.");
  } else {
    const text = ERRORS[code] || message || "Could not join. Try again.";
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
  if (msg.phase === "lobby") showLobby();
  else if (!["question", "locked", "spectating", "result", "reveal", "scoreboard", "finished"].includes(state.screen)) {
    show("waiting", h("div", { class: "center-stack" }, h("div", { class: "spinner", "aria-hidden": "true" }),
      h("p", { class: "lead", text: "Catching up with the game…" })));
  }
}

function onNickname(msg) {
  state.nickname = msg.nickname;
  state.rerollsLeft = msg.rerolls_left ?? state.rerollsLeft;
  renderTopbar();
  if (state.screen === "lobby") showLobby();
  announce(live, `Your nickname is now ${msg.nickname}`);
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
  announce(live, `Question ${q.index + 1} of ${q.count}: ${q.prompt}`);
}

function onAck(msg) {
  const answer = "answer" in msg ? msg.answer : state.pending?.answer;
  state.ack = { index: msg.index, answer };
  state.pending = null;
  if (state.question && state.question.index === msg.index && state.screen !== "reveal" && state.screen !== "result") {
    showLocked();
    announce(live, "Answer locked in");
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
  const text = IN_GAME_ERRORS[msg.code] || msg.message || "Something went wrong.";
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
      state.title ? h("p", { class: "deck-line", text: state.title }) : null,
      h("h1", { class: "big-title", text: "You're in!" }),
      h("p", { class: "nick-chip", "aria-label": `Your nickname: ${state.nickname}` }, state.nickname),
      h("p", { class: "lead", text: "See your name on the big screen? The game starts soon." }),
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
      text: `New nickname (${state.rerollsLeft} left)`,
    }));
  }
  show("lobby", ...children);
}

function kindHint(q) {
  if (q.kind === "choice" && q.multiple_correct) return "More than one answer is right — pick any one.";
  if (q.kind === "poll") return "No wrong answers: pick the one you agree with.";
  if (q.kind === "multi") return "Select all that apply, then submit.";
  if (q.kind === "order") return "Tap the items in the right order, first to last.";
  if (q.kind === "number") return `Pick a number between ${fmtValue(q.min)} and ${fmtValue(q.max)}.`;
  if (q.kind === "text") return "Type your answer.";
  return "";
}

function showQuestion(q) {
  const body = {
    choice: choiceBody, multi: multiBody, poll: choiceBody, order: orderBody, number: numberBody, text: textBody,
  }[q.kind];
  const hint = kindHint(q);
  show("question",
    questionHeader(q),
    h("h1", { class: "q-prompt", id: "q-prompt", text: q.prompt }),
    questionImage(q, "phone"),
    hint ? h("p", { class: ["q-hint", q.multiple_correct ? "q-hint-strong" : ""], text: hint }) : null,
    body ? body(q) : h("p", { text: "This kind of question isn't supported by this page." }),
  );
}

function submit(answer) {
  const q = state.question;
  if (!q) return;
  state.pending = { index: q.index, answer };
  if (!state.conn.send({ type: "answer", index: q.index, answer })) {
    state.pending = null;
    toast(Connection.offline
      ? "You're offline: that answer was not sent. Answer again when you're back online."
      : "Not connected — wait a moment and try again.");
    return;
  }
  showLocked(true);
}

function optionButton(q, opt, position, onclick) {
  const look = optionLook(position);
  return h("button", {
    type: "button",
    class: [optionClass(position), "answer-btn"],
    "aria-label": `${look.letter}: ${opt.text}`,
    dataset: { id: String(opt.id) },
    onclick,
  },
  shapeIcon(position),
  h("span", { class: "opt-letter", "aria-hidden": "true", text: look.letter }),
  h("span", { class: "opt-text", text: opt.text }),
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
    send.textContent = chosen.size === 0 ? "Select at least one" : `Submit ${plural(chosen.size, "answer")}`;
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
  const list = h("ol", { class: "order-picked", "aria-label": "Your order", "aria-live": "polite" });
  const pool = h("div", { class: "order-pool", role: "group", "aria-label": "Items left to place" });
  const undo = h("button", { type: "button", class: "btn btn-ghost", text: "Undo" });
  const reset = h("button", { type: "button", class: "btn btn-ghost", text: "Start over" });
  const send = h("button", { type: "button", class: "btn btn-primary btn-block btn-big", text: "Submit order" });
  const position = new Map(q.options.map((opt, i) => [opt.id, i]));

  function render() {
    mount(list, picked.length === 0
      ? h("li", { class: "order-empty", text: "Tap the first item…" })
      : picked.map((id, n) => {
        const i = position.get(id);
        return h("li", { class: ["order-item", optionClass(i)] },
          h("span", { class: "order-rank", text: String(n + 1) }),
          shapeIcon(i),
          h("span", { class: "opt-text", text: q.options[i].text }),
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
    send.textContent = send.disabled ? `Place ${q.options.length - picked.length} more` : "Submit order";
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
  const format = (v) => (places ? v.toFixed(places) : fmtValue(v));
  const output = h("output", { class: "number-value", for: "number-slider", "aria-hidden": "true", text: format(start) });
  const slider = h("input", {
    type: "range", id: "number-slider", class: "slider", min, max, step, value: String(start),
    "aria-label": "Your answer", "aria-valuetext": format(start),
  });
  const send = h("button", { type: "button", class: "btn btn-primary btn-block btn-big", text: `Submit ${format(start)}` });
  const update = (v) => {
    const value = snap(v);
    slider.value = String(value);
    output.textContent = format(value);
    slider.setAttribute("aria-valuetext", format(value));
    send.textContent = `Submit ${format(value)}`;
  };
  const nudge = (dir) => () => update(Number(slider.value) + dir * step);
  slider.addEventListener("input", () => update(Number(slider.value)));
  send.addEventListener("click", () => submit(snap(Number(slider.value))));
  return h("div", { class: "number" },
    output,
    h("div", { class: "slider-row" },
      h("button", { type: "button", class: "btn btn-round", "aria-label": `Minus ${format(step)}`, onclick: nudge(-1), text: "−" }),
      slider,
      h("button", { type: "button", class: "btn btn-round", "aria-label": `Plus ${format(step)}`, onclick: nudge(1), text: "+" }),
    ),
    h("div", { class: "slider-scale", "aria-hidden": "true" },
      h("span", { text: format(min) }), h("span", { text: format(max) })),
    send,
  );
}

function textBody() {
  const input = h("input", {
    id: "text-answer", class: "input input-big", maxlength: TEXT_MAX, autocomplete: "off",
    autocapitalize: "off", spellcheck: "false", enterkeyhint: "send", "aria-describedby": "text-count",
  });
  const count = h("p", { id: "text-count", class: "hint", text: `0 / ${TEXT_MAX}` });
  const send = h("button", { type: "submit", class: "btn btn-primary btn-block btn-big", text: "Submit", disabled: true });
  input.addEventListener("input", () => {
    count.textContent = `${input.value.length} / ${TEXT_MAX}`;
    send.disabled = input.value.trim() === "";
  });
  const form = h("form", { class: "text-form", novalidate: true },
    h("label", { for: "text-answer", text: "Your answer" }), input, count, send);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const value = input.value.trim().slice(0, TEXT_MAX);
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
      h("span", { class: "opt-text", text: q.options[i].text }));
  };
  if (q.kind === "choice" || q.kind === "poll") return chip(answer);
  if (q.kind === "multi" && Array.isArray(answer)) {
    return h("div", { class: "answer-list" }, answer.map((id) => chip(id)));
  }
  if (q.kind === "order" && Array.isArray(answer)) {
    return h("ol", { class: "answer-order" }, answer.map((id) => h("li", {}, chip(id))));
  }
  if (q.kind === "number") return h("span", { class: "answer-number", text: fmtValue(answer) });
  return h("span", { class: "answer-text", text: String(answer) });
}

function showLocked(sending = false) {
  const q = state.question;
  const answer = sending ? state.pending?.answer : state.ack?.answer;
  show("locked",
    q ? questionHeader(q) : null,
    h("div", { class: "center-stack" },
      h("div", { class: ["lock-badge", sending ? "is-sending" : ""], "aria-hidden": "true" }, lockIcon()),
      h("h1", { class: "big-title", text: sending ? "Sending…" : "Locked in!" }),
      answer != null ? h("div", { class: "your-answer" },
        h("p", { class: "eyebrow", text: "Your answer" }), describeAnswer(q, answer)) : null,
      h("p", { class: "lead", text: "Waiting for everyone else…" }),
    ),
  );
}

function showMissed(text) {
  const q = state.question;
  show("locked",
    q ? questionHeader(q) : null,
    h("div", { class: "center-stack" },
      h("h1", { class: "big-title", text: "Too late" }),
      h("p", { class: "lead", text }),
    ),
  );
}

function showSpectating() {
  const q = state.question;
  show("spectating",
    q ? questionHeader(q) : null,
    h("div", { class: "center-stack" },
      h("p", { class: "eyebrow", text: "Welcome!" }),
      h("h1", { class: "big-title", text: "Wait for the next question" }),
      h("p", { class: "lead", text: "You joined while this question was open. Follow it on the big screen — you play from the next one." }),
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
    return h("span", { class: "answer-text", text: r.correct.slice(0, 3).join(" / ") });
  }
  return null;
}

function correctBlock(r) {
  const node = r ? describeCorrect(r) : null;
  if (!node) return null;
  const label = ["choice", "multi"].includes(r.kind) && (r.correct || []).length > 1 ? "Right answers" : "Right answer";
  return h("div", { class: "correct-block" }, h("p", { class: "eyebrow", text: label }), node);
}

function showReveal() {
  const r = state.reveal;
  show("reveal",
    h("div", { class: "center-stack" },
      h("p", { class: "eyebrow", text: `Question ${r.index + 1} of ${r.count ?? "?"}` }),
      h("h1", { class: "big-title", text: state.spectating === r.index ? "Here's the answer" : "Time's up!" }),
      correctBlock(r),
      state.spectating === r.index ? h("p", { class: "lead", text: "You play from the next question." }) : null,
      r.kind === "poll" ? h("p", { class: "lead", text: "See how everyone voted on the big screen." }) : null,
    ),
  );
}

function rankLine(res) {
  const place = `${ordinal(res.rank)} place`;
  if (res.behind) return `${place}, ${plural(res.behind.points, "point")} behind ${res.behind.nickname}`;
  if (res.rank === 1) return `${place} — you're in the lead!`;
  return place;
}

function showResult() {
  const res = state.result;
  const r = state.reveal && state.reveal.index === res.index ? state.reveal : null;
  let tone; let title; let icon;
  if (res.correct === null) { tone = "poll"; title = res.answered === false ? "No vote" : "Thanks for voting!"; icon = pollIcon(); }
  else if (res.correct) { tone = "correct"; title = "Correct!"; icon = checkIcon(); }
  else if (res.answered !== false && res.points > 0) { tone = "partial"; title = "Partly right"; icon = checkIcon(); }
  else if (res.answered === false) { tone = "none"; title = "No answer"; icon = clockIcon(); }
  else { tone = "wrong"; title = "Not quite"; icon = crossIcon(); }
  const gained = res.points + res.bonus;
  if (tone === "correct") sound.good();
  else if (tone === "wrong" || tone === "none") sound.bad();
  show("result",
    h("div", { class: ["result", `result-${tone}`] },
      h("div", { class: "result-icon", "aria-hidden": "true" }, icon),
      h("h1", { class: "big-title", text: title }),
      tone === "correct" || gained > 0
        ? h("p", { class: "result-points", text: `+${fmt(gained)}` }) : null,
      res.bonus > 0 ? h("p", { class: "result-bonus", text: `including +${fmt(res.bonus)} streak bonus` }) : null,
      res.streak > 1 ? h("p", { class: "streak" }, flameIcon(), ` ${res.streak} in a row`) : null,
      tone === "wrong" || tone === "none" || tone === "partial" ? correctBlock(r) : null,
    ),
    h("div", { class: "result-foot" },
      h("p", { class: "result-rank", text: rankLine(res) }),
      h("p", { class: "result-total" }, "Score ", h("strong", { text: fmt(res.score) })),
    ),
  );
  announce(live, `${title} ${gained > 0 ? `Plus ${gained} points. ` : ""}${rankLine(res)}. Score ${res.score}.`);
}

function leaderboard(entries, mine) {
  return h("ol", { class: "leaderboard", "aria-label": "Top players" },
    entries.map((e) => h("li", { class: ["lb-row", e.player_id === mine ? "is-me" : ""] },
      h("span", { class: "lb-rank", text: String(e.rank) }),
      h("span", { class: "lb-name", text: e.nickname }),
      h("span", { class: "lb-score", text: fmt(e.score) }),
    )));
}

function showScoreboard() {
  const sb = state.scoreboard;
  const res = state.result && state.result.index === sb.index ? state.result : null;
  show("scoreboard",
    h("div", { class: "center-stack" },
      h("p", { class: "eyebrow", text: sb.last ? "Final question done" : `After question ${sb.index + 1}` }),
      h("h1", { class: "big-title", text: "Leaderboard" }),
      leaderboard(sb.top || [], state.playerId),
      res ? h("p", { class: "lead", text: `You: ${rankLine(res)} · ${fmt(res.score)} points` }) : null,
      h("p", { class: "hint", text: sb.last ? "The winners are coming up…" : "Next question coming up…" }),
    ),
  );
}

function showFinished() {
  const f = state.finished;
  const s = state.standing;
  const podium = f ? h("ol", { class: "mini-podium", "aria-label": "Podium" },
    f.podium.map((e) => h("li", { class: ["mp", `mp-${e.rank}`, e.player_id === state.playerId ? "is-me" : ""] },
      h("span", { class: "mp-rank", text: ordinal(e.rank) }),
      h("span", { class: "mp-name", text: e.nickname }),
      h("span", { class: "mp-score", text: fmt(e.score) }),
    ))) : null;
  let headline = "Game over";
  if (s) headline = s.rank === 1 ? "You won!" : `You finished ${ordinal(s.rank)}`;
  show("finished",
    h("div", { class: "center-stack" },
      state.title ? h("p", { class: "deck-line", text: state.title }) : null,
      h("h1", { class: "big-title", text: headline }),
      s ? h("p", { class: "lead", text: `${ordinal(s.rank)} of ${s.players} · ${plural(s.score, "point")}` }) : null,
      podium,
      h("button", {
        type: "button",
        class: "btn btn-ghost",
        text: "Join another game",
        onclick: () => { state.conn?.stop(); dropToken(state.code); window.location.assign("/"); },
      }),
    ),
  );
  if (s) announce(live, `${headline}. ${s.score} points.`);
}

function showEnded(title, text = "", action = null) {
  show("ended",
    h("div", { class: "card center-stack" },
      h("h1", { class: "big-title", text: title }),
      text ? h("p", { class: "lead", text }) : null,
      action ? h("button", { type: "button", class: "btn btn-primary", text: action.label, onclick: action.run }) : null,
      h("a", { class: "btn btn-ghost", href: "/", text: "Join a game" }),
    ),
  );
  focusFirst(main, "h1");
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
