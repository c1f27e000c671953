// The host's recent games, kept in this browser's localStorage so that their
// results stay one click away after the host tab or the browser is closed.
// Each entry holds the game's read-only report key, never the host token.
// An entry goes when the server no longer knows the game (its results expired).

import { h, mount } from "./dom.js";
import { fmtDateTime, t } from "./i18n.js";
import { CODE_RE } from "./rules.js";

const STORE = "thaw.recent";
const KEEP = 20;

function read() {
  try {
    const list = JSON.parse(window.localStorage.getItem(STORE) || "[]");
    return Array.isArray(list)
      ? list.filter((g) => g && CODE_RE.test(g.code) && typeof g.key === "string" && g.key)
      : [];
  } catch {
    return [];
  }
}

function write(list) {
  try { window.localStorage.setItem(STORE, JSON.stringify(list.slice(0, KEEP))); } catch { /* private mode, full */ }
}

/**
 * Remember a game the host just created (newest first). `joinUrl` gives the address
 * other devices reach the server at (not `localhost` on the teacher's laptop), which
 * the results link then uses.
 */
export function rememberGame({ code, key, title = "", joinUrl = "" }) {
  if (!CODE_RE.test(code) || !key) return;
  let origin = "";
  try { origin = joinUrl ? new URL(joinUrl).origin : ""; } catch { /* keep this page's */ }
  write([{ code, key, title, origin, at: Date.now() }, ...read().filter((g) => g.code !== code)]);
}

export function recentGames() {
  return read();
}

export function forgetGame(code) {
  write(read().filter((g) => g.code !== code));
}

/** What this browser keeps of game `code` ({code, key, title, at}), if anything. */
export function recentGame(code) {
  return read().find((g) => g.code === code) || null;
}

function setTitle(code, title) {
  const list = read();
  const game = list.find((g) => g.code === code);
  if (game && title && game.title !== title) {
    game.title = title;
    write(list);
  }
}

function resultsPath(code, key) {
  return `/results/${encodeURIComponent(code)}?key=${encodeURIComponent(key)}`;
}

/** The link that opens a game's report on any device: the report key travels in it. */
export function resultsLink(code, key) {
  return `${recentGame(code)?.origin || window.location.origin}${resultsPath(code, key)}`;
}

function entry(game, phase) {
  const when = game.at ? fmtDateTime(game.at) : "";
  const name = t("common.recent.game", { code: String(game.code) });
  return h("li", { class: "recent-game", dataset: { code: game.code } },
    h("a", { class: "recent-link", href: resultsPath(game.code, game.key) },  // this origin: this browser's list
      h("span", { class: "recent-title", text: game.title || name }),
      h("span", { class: "recent-meta", text: [name, when, phase === "finished" ? "" : t("common.recent.running")].filter(Boolean).join(" · ") }),
    ),
  );
}

/**
 * A section listing this browser's recent games with a link to each report.
 * Empty (and hidden) when there are none; games the server has forgotten are dropped.
 */
export function recentGamesPanel() {
  if (!document.querySelector("link[data-recent]")) {
    document.head.append(h("link", { rel: "stylesheet", href: "/static/css/recent.css", "data-recent": "" }));
  }
  const list = h("ul", { class: "recent-list" });
  const panel = h("section", { class: "recent", "aria-labelledby": "recent-title", hidden: true },
    h("h2", { id: "recent-title", class: "section-title", text: t("common.recent.title") }),
    list);
  fill(panel, list);
  return panel;
}

async function fill(panel, list) {
  const games = read();
  const shown = [];
  await Promise.all(games.map(async (game) => {
    let response;
    try {
      response = await fetch(`/api/rooms/${encodeURIComponent(game.code)}`, { headers: { Accept: "application/json" } });
    } catch {
      shown.push([game, ""]);  // offline: keep it, the link may work later
      return;
    }
    if (response.status === 404) {
      forgetGame(game.code);
      return;
    }
    let info = {};
    try { info = response.ok ? await response.json() : {}; } catch { /* keep the entry as it is */ }
    if (info.title) {
      setTitle(game.code, info.title);
      game.title = info.title;
    }
    shown.push([game, info.phase || ""]);
  }));
  shown.sort((a, b) => (b[0].at || 0) - (a[0].at || 0));
  mount(list, shown.map(([game, phase]) => entry(game, phase)));
  panel.hidden = shown.length === 0;
}
