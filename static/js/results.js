// The teacher's report: ranking, who was right, wrong, silent or away on each
// question, the hardest questions, downloads (CSV, XLSX), a link to share and a
// printable layout (static/css/report.css).
//
// The key that opens it, first found first: `?key=` in the address (a results
// link), the report key this browser kept when it created the game (recent.js),
// the host token of this tab (hostkey.js).

import { $, apiError, fmt, h, mount, ordinal, plural, saveBlob } from "./dom.js";
import { loadHostToken } from "./hostkey.js";
import { recentGame, resultsLink } from "./recent.js";

const main = $("#main");
const code = document.body.dataset.code || "";
const problem = document.body.dataset.problem || "";

const KIND_NAMES = {
  choice: "Quiz", multi: "Multi-select", poll: "Poll", order: "Order", number: "Number", text: "Type answer",
};

// How a mark reads: a symbol for the grid, words for screen readers and the legend.
const MARKS = {
  correct: { sym: "✓", label: "right" },
  wrong: { sym: "✗", label: "wrong" },
  no_answer: { sym: "–", label: "no answer" },
  answered: { sym: "•", label: "answered (poll)" },
  absent: { sym: "·", label: "not in the game then" },
};

function findKey() {
  const fromUrl = new URLSearchParams(window.location.search).get("key");
  if (fromUrl) return { key: fromUrl, report: true };
  const kept = recentGame(code)?.key;
  if (kept) return { key: kept, report: true };
  const host = loadHostToken(code);
  return host ? { key: host, report: false } : null;
}

async function get(path, key) {
  const response = await fetch(`/api/rooms/${encodeURIComponent(code)}/${path}`, {
    headers: { Authorization: `Bearer ${key}` },
  });
  if (!response.ok) throw await apiError(response);
  return response;
}

function seconds(ms) {
  return ms == null ? "—" : `${(ms / 1000).toFixed(1)} s`;
}

function percent(p) {
  return p == null ? "—" : `${Math.round(p)}%`;
}

function meter(p) {
  if (p == null) return h("span", { class: "meter is-empty", "aria-hidden": "true" });
  return h("span", { class: ["meter", p < 40 ? "is-low" : p < 70 ? "is-mid" : "is-high"], "aria-hidden": "true" },
    h("span", { class: "meter-fill", style: { "--fill": String(Math.max(0, Math.min(100, p)) / 100) } }));
}

function table(caption, head, rows, cls) {
  return h("div", { class: "table-wrap" },
    h("table", { class: ["table", cls] },
      h("caption", { text: caption }),
      h("thead", {}, h("tr", {}, head.map(([text, numeric]) => h("th", { scope: "col", class: numeric ? "num" : "", text })))),
      h("tbody", {}, rows),
    ));
}

function marksStrip(marks) {
  const cells = [];
  marks.forEach((m, i) => {
    if (m == null) return;
    const mark = MARKS[m] || { sym: "?", label: m };
    cells.push(h("li", { class: ["mark", `mark-${m}`], title: `Q${i + 1}: ${mark.label}` },
      h("span", { "aria-hidden": "true", text: mark.sym }),
      h("span", { class: "visually-hidden", text: `Question ${i + 1}: ${mark.label}` })));
  });
  return cells.length ? h("ol", { class: "marks", "aria-label": "By question" }, cells) : null;
}

function legend() {
  return h("ul", { class: "marks-legend", "aria-label": "Key to the marks" },
    Object.entries(MARKS).map(([m, { sym, label }]) => h("li", {},
      h("span", { class: ["mark", `mark-${m}`], "aria-hidden": "true", text: sym }), ` ${label}`)));
}

function downloadButton(label, path, key, status) {
  const button = h("button", { type: "button", class: "btn btn-ghost", text: label });
  button.addEventListener("click", async () => {
    button.disabled = true;
    status.textContent = "";
    try {
      const response = await get(path, key);
      saveBlob(await response.blob(), `thaw-${code}-${path}`);
      status.textContent = "Downloaded.";
    } catch (err) {
      status.textContent = `Download failed: ${err.message}`;
    }
    button.disabled = false;
  });
  return button;
}

function shareBox(key) {
  const url = resultsLink(code, key);
  const field = h("input", { class: "input share-url", id: "share-url", type: "text", readonly: true, value: url });
  const copied = h("span", { class: "hint", role: "status" });
  const copy = h("button", { type: "button", class: "btn btn-ghost", text: "Copy link" });
  copy.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(url);
      copied.textContent = "Copied.";
    } catch {
      field.select();
      copied.textContent = "Select the link and copy it.";
    }
  });
  field.addEventListener("focus", () => field.select());
  return h("section", { class: "panel share no-print", "aria-labelledby": "share-title" },
    h("h2", { id: "share-title", text: "Results link" }),
    h("p", { class: "hint", text: "Opens this report on another device, or for a colleague: it can read the results, not run the game. Anyone with the link can read them while they are kept." }),
    h("div", { class: "share-row" }, h("label", { class: "visually-hidden", for: "share-url", text: "Results link" }), field, copy),
    copied);
}

function summary(report) {
  const players = report.players || [];
  const scored = (report.questions || []).filter((q) => q.asked && q.kind !== "poll");
  const sum = (list, f) => list.reduce((n, x) => n + (f(x) || 0), 0);
  const right = sum(scored, (q) => q.correct);
  const counted = sum(scored, (q) => q.correct + q.wrong + q.no_answer);
  const cell = (value, label) => h("div", { class: "stat" },
    h("span", { class: "stat-value", text: value }), h("span", { class: "stat-label", text: label }));
  return h("div", { class: "stats" },
    cell(fmt(players.length), "players"),
    cell(`${scored.length} / ${(report.questions || []).length}`, "questions scored"),
    cell(counted ? `${Math.round((100 * right) / counted)}%` : "—", "answers right"),
    cell(fmt(sum(scored, (q) => q.no_answer)), "no answer given"));
}

function render(report, found) {
  const status = h("p", { class: "hint", role: "status" });
  const questions = report.questions || [];
  const byIndex = new Map(questions.map((q) => [q.index, q]));
  const hardest = (report.hardest || []).map((i) => byIndex.get(i)).filter(Boolean);
  const players = report.players || [];
  const at = recentGame(code)?.at;  // the server's clock is not a calendar: the date is the one this browser noted
  const when = at ? new Intl.DateTimeFormat(undefined, { dateStyle: "long" }).format(new Date(at)) : "";
  const print = h("button", { type: "button", class: "btn btn-ghost", text: "Print or save as PDF", onclick: () => window.print() });

  mount(main, h("section", { class: "screen screen-results report" },
    h("div", { class: "results-head" },
      h("div", { class: "results-heading" },
        h("p", { class: "eyebrow", text: [`Game ${report.code}`, when, report.finished ? "" : "still running"].filter(Boolean).join(" · ") }),
        h("h1", { class: "screen-title", text: report.title }),
      ),
      h("div", { class: "results-actions no-print" },
        h("div", { class: "results-buttons" },
          downloadButton("Download CSV", "results.csv", found.key, status),
          downloadButton("Download XLSX", "results.xlsx", found.key, status),
          print),
        status),
    ),
    summary(report),
    h("div", { class: "results-grid" },
      h("section", { class: "panel panel-ranking", "aria-labelledby": "ranking-title" },
        h("h2", { id: "ranking-title", text: report.finished ? "Final ranking" : "Ranking so far" }),
        players.length === 0 ? h("p", { class: "hint", text: "No players." }) : table(
          plural(players.length, "player"),
          [["#", true], ["Player"], ["Right", true], ["Score", true]],
          players.map((p) => h("tr", { class: p.rank <= 3 ? `top-${p.rank}` : "" },
            h("td", { class: "num", "aria-label": ordinal(p.rank), text: String(p.rank) }),
            h("td", { class: "name" },
              h("span", { class: "name-text", text: p.nickname }),
              h("span", { class: "name-meta", text: [p.wrong ? `${p.wrong} wrong` : "", p.no_answer ? `${p.no_answer} no answer` : "", p.absent ? `away for ${p.absent}` : ""].filter(Boolean).join(" · ") }),
              marksStrip(p.marks || [])),
            h("td", { class: "num", text: `${fmt(p.correct)} / ${fmt(p.scored ?? p.correct)}` }),
            h("td", { class: "num strong", text: fmt(p.score) }),
          )),
          "table-players",
        ),
        players.length ? legend() : null,
      ),
      h("section", { class: "panel panel-hardest", "aria-labelledby": "hardest-title" },
        h("h2", { id: "hardest-title", text: "Hardest questions" }),
        hardest.length === 0 ? h("p", { class: "hint", text: "Nothing stood out." })
          : h("ol", { class: "hardest" }, hardest.map((q) => h("li", {},
            h("span", { class: "hardest-prompt", text: q.prompt }),
            h("span", { class: "hardest-meta", text: `${percent(q.percent_correct)} right${q.most_common_wrong ? ` · most said “${q.most_common_wrong.text}”` : ""}` }),
          ))),
      ),
    ),
    h("section", { class: "panel panel-questions", "aria-labelledby": "questions-title" },
      h("h2", { id: "questions-title", text: "Questions" }),
      table(
        plural(questions.length, "question"),
        [["#", true], ["Question"], ["Right", true], ["Wrong", true], ["No answer", true], ["Avg. time", true], ["Most chosen wrong answer"]],
        questions.map((q) => h("tr", { class: q.asked ? "" : "not-asked" },
          h("td", { class: "num", "data-label": "#", text: String(q.index + 1) }),
          h("td", { class: "prompt" },
            h("span", { class: "prompt-text", text: q.prompt }),
            h("span", { class: "prompt-meta", text: [KIND_NAMES[q.kind] || q.kind, q.correct_text ? `answer: ${q.correct_text}` : "", q.asked ? "" : "not reached", q.absent ? `${q.absent} not in the game` : ""].filter(Boolean).join(" · ") })),
          h("td", { class: "num", "data-label": "Right" }, meter(q.percent_correct), " ", percent(q.percent_correct)),
          h("td", { class: "num", "data-label": "Wrong", text: q.asked && q.kind !== "poll" ? fmt(q.wrong) : "—" }),
          h("td", { class: "num", "data-label": "No answer", text: q.asked ? fmt(q.no_answer) : "—" }),
          h("td", { class: "num", "data-label": "Avg. time", text: seconds(q.avg_ms) }),
          h("td", { class: "wrong-common", "data-label": "Most chosen wrong", text: q.most_common_wrong ? `${q.most_common_wrong.text} (${q.most_common_wrong.count})` : "—" }),
        )),
        "table-questions",
      ),
      h("p", { class: "hint", text: "Right counts the players in the game at that question; a player who joined later or had left is not counted as wrong." }),
    ),
    found.report ? shareBox(found.key) : null,
  ));
}

function fail(title, text) {
  mount(main, h("section", { class: "screen screen-results" },
    h("div", { class: "card center-stack" },
      h("h1", { class: "big-title", text: title }),
      h("p", { class: "lead", text }),
      h("a", { class: "btn btn-primary", href: "/host", text: "Host a game" }),
    )));
}

function explain(errorCode) {
  if (errorCode === "room_not_found" || errorCode === "http_404") {
    fail("Game not found", `There are no results for game ${code}: results are kept for a limited time after a game.`);
  } else if (errorCode === "forbidden" || errorCode === "unauthorized") {
    fail("This link does not open these results", "Ask the teacher who ran the game for its results link.");
  } else if (errorCode === "rate_limited") {
    fail("Too many tries", "This network asked for too many games that do not exist. Wait a minute, then try again.");
  } else {
    fail("Could not load results", "Try again in a moment.");
  }
}

async function boot() {
  if (problem) {
    explain(problem);
    return;
  }
  const found = findKey();
  if (!found) {
    fail("Results are for the host", "Open them from the host page of the browser that ran the game, or with the game's results link.");
    return;
  }
  try {
    const response = await get("results", found.key);
    render(await response.json(), found);
  } catch (err) {
    if (err.code === "forbidden" || err.code === "unauthorized" || err.code === "room_not_found" || err.code === "http_404") {
      explain(err.code);
    } else {
      fail("Could not load results", err.message || "Try again in a moment.");
    }
  }
}

boot();
