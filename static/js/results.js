// The teacher's report after a game: ranking, per-question difficulty, CSV.
// Needs the host token that this tab (or the host tab that opened it) holds.

import { $, fmt, h, mount, ordinal } from "./dom.js";
import { downloadCsv, hostFetch } from "./hostkey.js";

const main = $("#main");
const code = document.body.dataset.code || "";

const KIND_NAMES = { choice: "Quiz", poll: "Poll", order: "Order", number: "Number", text: "Type answer" };

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

function render(report) {
  const csv = h("button", { type: "button", class: "btn btn-primary", text: "Download CSV" });
  const csvStatus = h("p", { class: "hint", role: "status" });
  csv.addEventListener("click", async () => {
    csv.disabled = true;
    csvStatus.textContent = "";
    try {
      await downloadCsv(code);
      csvStatus.textContent = "Downloaded.";
    } catch (err) {
      csvStatus.textContent = `Download failed: ${err.message}`;
    }
    csv.disabled = false;
  });
  const questions = report.questions || [];
  const byIndex = new Map(questions.map((q) => [q.index, q]));
  const hardest = (report.hardest || []).map((i) => byIndex.get(i)).filter(Boolean);
  const players = report.players || [];
  const scored = questions.filter((q) => q.kind !== "poll").length;

  mount(main, h("section", { class: "screen screen-results" },
    h("div", { class: "results-head" },
      h("div", {},
        h("p", { class: "eyebrow", text: `Game ${report.code}${report.finished ? "" : " · still running"}` }),
        h("h1", { class: "screen-title", text: report.title }),
      ),
      h("div", { class: "results-actions" }, csv, csvStatus),
    ),
    h("div", { class: "results-grid" },
      h("section", { class: "panel", "aria-labelledby": "ranking-title" },
        h("h2", { id: "ranking-title", text: "Final ranking" }),
        players.length === 0 ? h("p", { class: "hint", text: "No players." }) : table(
          `${players.length} players`,
          [["#", true], ["Player"], ["Correct", true], ["Score", true]],
          players.map((p) => h("tr", { class: p.rank <= 3 ? `top-${p.rank}` : "" },
            h("td", { class: "num", "aria-label": ordinal(p.rank), text: String(p.rank) }),
            h("td", { class: "name", text: p.nickname }),
            h("td", { class: "num", text: `${p.correct} / ${scored}` }),
            h("td", { class: "num strong", text: fmt(p.score) }),
          )),
          "table-players",
        ),
      ),
      h("section", { class: "panel", "aria-labelledby": "hardest-title" },
        h("h2", { id: "hardest-title", text: "Hardest questions" }),
        hardest.length === 0 ? h("p", { class: "hint", text: "Nothing stood out." })
          : h("ol", { class: "hardest" }, hardest.map((q) => h("li", {},
            h("span", { class: "hardest-prompt", text: q.prompt }),
            h("span", { class: "hardest-meta", text: `${percent(q.percent_correct)} correct${q.most_common_wrong ? ` · most said “${q.most_common_wrong.text}”` : ""}` }),
          ))),
      ),
    ),
    h("section", { class: "panel", "aria-labelledby": "questions-title" },
      h("h2", { id: "questions-title", text: "Questions" }),
      table(
        `${questions.length} questions`,
        [["#", true], ["Question"], ["Correct", true], ["Avg. time", true], ["Most chosen wrong answer"]],
        questions.map((q) => h("tr", {},
          h("td", { class: "num", text: String(q.index + 1) }),
          h("td", { class: "prompt" },
            h("span", { class: "prompt-text", text: q.prompt }),
            h("span", { class: "prompt-meta", text: [KIND_NAMES[q.kind] || q.kind, q.correct_text ? `answer: ${q.correct_text}` : "", `${fmt(q.answered)} answered`].filter(Boolean).join(" · ") })),
          h("td", { class: "num" }, meter(q.percent_correct), " ", percent(q.percent_correct)),
          h("td", { class: "num", text: seconds(q.avg_ms) }),
          h("td", { text: q.most_common_wrong ? `${q.most_common_wrong.text} (${q.most_common_wrong.count})` : "—" }),
        )),
        "table-questions",
      ),
    ),
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

async function boot() {
  try {
    const response = await hostFetch(code, "results");
    render(await response.json());
  } catch (err) {
    if (err.code === "no_token") {
      fail("Results are for the host", "Open this page from the host tab that ran the game: the host key is kept in that browser tab only.");
    } else if (err.code === "room_not_found" || err.code === "http_404") {
      fail("Game not found", `There are no results for game ${code} (results are kept for a day).`);
    } else {
      fail("Could not load results", err.message || "Try again in a moment.");
    }
  }
}

boot();
