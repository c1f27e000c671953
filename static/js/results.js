// The teacher's report: ranking, who was right, wrong, silent or away on each
// question, the hardest questions, downloads (CSV, XLSX), a link to share and a
// printable layout (static/css/report.css).
//
// The key that opens it, first found first: `?key=` in the address (a results
// link), the report key this browser kept when it created the game (recent.js),
// the host token of this tab (hostkey.js).

import { $, apiError, h, mount, saveBlob } from "./dom.js";
import { fmtDateTime, fmtNumber, has, languagePicker, ordinal, t } from "./i18n.js";
import { loadHostToken } from "./hostkey.js";
import { recentGame, resultsLink } from "./recent.js";

const main = $("#main");
const code = document.body.dataset.code || "";
const problem = document.body.dataset.problem || "";

// How a mark reads: a symbol for the grid, words (report.mark.*) for screen readers and the legend.
const MARKS = { correct: "✓", wrong: "✗", no_answer: "–", answered: "•", absent: "·" };
const NONE = "—";

function markLabel(m) {
  return has(`report.mark.${m}`) ? t(`report.mark.${m}`) : m;
}

function kindLabel(kind) {
  return has(`report.kind.${kind}`) ? t(`report.kind.${kind}`) : kind;
}

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
  if (ms == null) return NONE;
  return t("report.seconds", { seconds: fmtNumber(ms / 1000, { minimumFractionDigits: 1, maximumFractionDigits: 1 }) });
}

function percent(p) {
  return p == null ? NONE : fmtNumber(Math.round(p) / 100, { style: "percent" });
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
    const mark = markLabel(m);
    cells.push(h("li", { class: ["mark", `mark-${m}`], title: t("report.mark.short", { n: i + 1, mark }) },
      h("span", { "aria-hidden": "true", text: MARKS[m] || "?" }),
      h("span", { class: "visually-hidden", text: t("report.mark.long", { n: i + 1, mark }) })));
  });
  return cells.length ? h("ol", { class: "marks", "aria-label": t("report.marks") }, cells) : null;
}

function legend() {
  return h("ul", { class: "marks-legend", "aria-label": t("report.legend") },
    Object.entries(MARKS).map(([m, sym]) => h("li", {},
      h("span", { class: ["mark", `mark-${m}`], "aria-hidden": "true", text: sym }), ` ${markLabel(m)}`)));
}

function downloadButton(label, path, key, status) {
  const button = h("button", { type: "button", class: "btn btn-ghost", text: label });
  button.addEventListener("click", async () => {
    button.disabled = true;
    status.textContent = "";
    try {
      const response = await get(path, key);
      saveBlob(await response.blob(), `thaw-${code}-${path}`);
      status.textContent = t("report.downloaded");
    } catch (err) {
      status.textContent = t("report.download_failed", { reason: err.message });
    }
    button.disabled = false;
  });
  return button;
}

function shareBox(key) {
  const url = resultsLink(code, key);
  const field = h("input", { class: "input share-url", id: "share-url", type: "text", dir: "ltr", readonly: true, value: url });
  const copied = h("span", { class: "hint", role: "status" });
  const copy = h("button", { type: "button", class: "btn btn-ghost", text: t("report.share.copy") });
  copy.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(url);
      copied.textContent = t("report.share.copied");
    } catch {
      field.select();
      copied.textContent = t("report.share.select");
    }
  });
  field.addEventListener("focus", () => field.select());
  return h("section", { class: "panel share no-print", "aria-labelledby": "share-title" },
    h("h2", { id: "share-title", text: t("report.share.title") }),
    h("p", { class: "hint", text: t("report.share.hint") }),
    h("div", { class: "share-row" }, h("label", { class: "visually-hidden", for: "share-url", text: t("report.share.title") }), field, copy),
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
    cell(fmtNumber(players.length), t("report.stat.players", { count: players.length })),
    cell(`${fmtNumber(scored.length)} / ${fmtNumber((report.questions || []).length)}`, t("report.stat.scored")),
    cell(counted ? percent((100 * right) / counted) : NONE, t("report.stat.right")),
    cell(fmtNumber(sum(scored, (q) => q.no_answer)), t("report.stat.no_answer")));
}

function render(report, found) {
  const status = h("p", { class: "hint", role: "status" });
  const questions = report.questions || [];
  const byIndex = new Map(questions.map((q) => [q.index, q]));
  const hardest = (report.hardest || []).map((i) => byIndex.get(i)).filter(Boolean);
  const players = report.players || [];
  const at = recentGame(code)?.at;  // the server's clock is not a calendar: the date is the one this browser noted
  const when = at ? fmtDateTime(at, { dateStyle: "long" }) : "";
  const print = h("button", { type: "button", class: "btn btn-ghost", text: t("report.print"), onclick: () => window.print() });

  mount(main, h("section", { class: "screen screen-results report" },
    h("div", { class: "results-head" },
      h("div", { class: "results-heading" },
        h("p", { class: "eyebrow", text: [t("report.game", { code: report.code }), when, report.finished ? "" : t("report.still_running")].filter(Boolean).join(" · ") }),
        h("h1", { class: "screen-title" }, h("bdi", { text: report.title })),
      ),
      h("div", { class: "results-actions no-print" },
        h("div", { class: "results-buttons" },
          downloadButton(t("report.download_csv"), "results.csv", found.key, status),
          downloadButton(t("report.download_xlsx"), "results.xlsx", found.key, status),
          print),
        status),
    ),
    summary(report),
    h("div", { class: "results-grid" },
      h("section", { class: "panel panel-ranking", "aria-labelledby": "ranking-title" },
        h("h2", { id: "ranking-title", text: report.finished ? t("report.ranking.final") : t("report.ranking.so_far") }),
        players.length === 0 ? h("p", { class: "hint", text: t("report.ranking.none") }) : table(
          t("report.ranking.caption", { count: players.length }),
          [["#", true], [t("report.col.player")], [t("report.col.right"), true], [t("report.col.score"), true]],
          players.map((p) => h("tr", { class: p.rank <= 3 ? `top-${p.rank}` : "" },
            h("td", { class: "num", "aria-label": ordinal(p.rank), text: fmtNumber(p.rank) }),
            h("td", { class: "name" },
              h("span", { class: "name-text" }, h("bdi", { text: p.nickname })),
              h("span", {
                class: "name-meta",
                text: [
                  p.wrong ? t("report.player.wrong", { count: p.wrong }) : "",
                  p.no_answer ? t("report.player.no_answer", { count: p.no_answer }) : "",
                  p.absent ? t("report.player.away", { count: p.absent }) : "",
                ].filter(Boolean).join(" · "),
              }),
              marksStrip(p.marks || [])),
            h("td", { class: "num", text: `${fmtNumber(p.correct)} / ${fmtNumber(p.scored ?? p.correct)}` }),
            h("td", { class: "num strong", text: fmtNumber(p.score) }),
          )),
          "table-players",
        ),
        players.length ? legend() : null,
      ),
      h("section", { class: "panel panel-hardest", "aria-labelledby": "hardest-title" },
        h("h2", { id: "hardest-title", text: t("report.hardest.title") }),
        hardest.length === 0 ? h("p", { class: "hint", text: t("report.hardest.none") })
          : h("ol", { class: "hardest" }, hardest.map((q) => h("li", {},
            h("span", { class: "hardest-prompt" }, h("bdi", { text: q.prompt })),
            h("span", {
              class: "hardest-meta",
              text: [
                t("report.hardest.right", { percent: percent(q.percent_correct) }),
                q.most_common_wrong ? t("report.hardest.most_said", { answer: q.most_common_wrong.text }) : "",
              ].filter(Boolean).join(" · "),
            }),
          ))),
      ),
    ),
    h("section", { class: "panel panel-questions", "aria-labelledby": "questions-title" },
      h("h2", { id: "questions-title", text: t("report.questions.title") }),
      table(
        t("report.questions.caption", { count: questions.length }),
        [["#", true], [t("report.col.question")], [t("report.col.right"), true], [t("report.col.wrong"), true],
          [t("report.col.no_answer"), true], [t("report.col.avg_time"), true], [t("report.col.common_wrong")]],
        questions.map((q) => h("tr", { class: q.asked ? "" : "not-asked" },
          h("td", { class: "num", "data-label": "#", text: fmtNumber(q.index + 1) }),
          h("td", { class: "prompt" },
            h("span", { class: "prompt-text" }, h("bdi", { text: q.prompt })),
            h("span", {
              class: "prompt-meta",
              text: [
                kindLabel(q.kind),
                q.correct_text ? t("report.questions.answer", { answer: q.correct_text }) : "",
                q.asked ? "" : t("report.questions.not_reached"),
                q.absent ? t("report.questions.absent", { count: q.absent }) : "",
              ].filter(Boolean).join(" · "),
            })),
          h("td", { class: "num", "data-label": t("report.col.right") }, meter(q.percent_correct), " ", percent(q.percent_correct)),
          h("td", { class: "num", "data-label": t("report.col.wrong"), text: q.asked && q.kind !== "poll" ? fmtNumber(q.wrong) : NONE }),
          h("td", { class: "num", "data-label": t("report.col.no_answer"), text: q.asked ? fmtNumber(q.no_answer) : NONE }),
          h("td", { class: "num", "data-label": t("report.col.avg_time"), text: seconds(q.avg_ms) }),
          h("td", {
            class: "wrong-common",
            "data-label": t("report.col.common_wrong_short"),
            text: q.most_common_wrong ? `${q.most_common_wrong.text} (${fmtNumber(q.most_common_wrong.count)})` : NONE,
          }),
        )),
        "table-questions",
      ),
      h("p", { class: "hint", text: t("report.questions.note") }),
    ),
    found.report ? shareBox(found.key) : null,
  ));
}

function fail(title, text) {
  mount(main, h("section", { class: "screen screen-results" },
    h("div", { class: "card center-stack" },
      h("h1", { class: "big-title", text: title }),
      h("p", { class: "lead", text }),
      h("a", { class: "btn btn-primary", href: "/host", text: t("report.fail.host") }),
    )));
}

function explain(errorCode) {
  if (errorCode === "room_not_found" || errorCode === "http_404") {
    fail(t("report.fail.not_found"), t("report.fail.not_found_text", { code }));
  } else if (errorCode === "forbidden" || errorCode === "unauthorized") {
    fail(t("report.fail.forbidden"), t("report.fail.forbidden_text"));
  } else if (errorCode === "rate_limited") {
    fail(t("report.fail.rate_limited"), t("report.fail.rate_limited_text"));
  } else {
    fail(t("report.fail.failed"), t("report.fail.failed_text"));
  }
}

async function boot() {
  mount($("#topbar"), languagePicker());
  if (problem) {
    explain(problem);
    return;
  }
  const found = findKey();
  if (!found) {
    fail(t("report.fail.for_host"), t("report.fail.for_host_text"));
    return;
  }
  try {
    const response = await get("results", found.key);
    render(await response.json(), found);
  } catch (err) {
    if (err.code === "forbidden" || err.code === "unauthorized" || err.code === "room_not_found" || err.code === "http_404") {
      explain(err.code);
    } else {
      fail(t("report.fail.failed"), err.message || t("report.fail.failed_text"));
    }
  }
}

boot();
