// One question of the editor: its card, with the fields of its kind. The card
// edits the question object in place (the deck's own structure, as in a YAML
// deck file) and calls `changed(structural)`; a structural change (a row added
// or removed, a kind changed) makes the editor draw the list again.
// Every field wrapper carries data-q and data-field, where the server's
// problems for that field are shown.

import { fileText } from "./deckapi.js";
import { h } from "./dom.js";
import { fmtNumber, t } from "./i18n.js";
import { optionClass, optionLook, shapeIcon } from "./shapes.js";

export const KIND_LABELS = {
  choice: t("editor.kind.choice"),
  truefalse: t("editor.kind.truefalse"),
  multi: t("editor.kind.multi"),
  order: t("editor.kind.order"),
  number: t("editor.kind.number"),
  text: t("editor.kind.text"),
  poll: t("editor.kind.poll"),
};

const POINT_LABELS = { 0: t("editor.points.none"), 1000: t("editor.points.standard"), 2000: t("editor.points.double") };

const OPTION_KINDS = ["choice", "multi", "poll"];
const COMMON = ["kind", "prompt", "time_limit", "points", "explanation", "image", "image_on_phones", "source", "allow"];

/** A new question of a kind, with empty rows to fill in. */
export function blankQuestion(kind, form) {
  const q = { kind, prompt: "" };
  return Object.assign(q, kindFields(kind, {}, form));
}

function blanks(n) {
  return Array.from({ length: n }, () => "");
}

function asList(value) {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

/** The fields of `kind`, keeping what the old question had that still makes sense. */
function kindFields(kind, old, form) {
  const texts = Array.isArray(old.options) ? old.options : Array.isArray(old.items) ? old.items : null;
  const fourOrSo = () => (texts && texts.length ? [...texts] : blanks(Math.max(form.options[0], 4)));
  switch (kind) {
    case "choice":
    case "multi": {
      if (old.kind === "truefalse") {
        return { options: [...form.truefalse], correct: old.correct === false ? form.truefalse[1] : form.truefalse[0] };
      }
      const options = fourOrSo().slice(0, form.options[1]);
      const correct = asList(old.correct).filter((c) => options.includes(c));
      if (kind === "multi") return { options, correct };
      return correct.length ? { options, correct: correct.length === 1 ? correct[0] : correct } : { options };
    }
    case "poll":
      return { options: fourOrSo().slice(0, form.options[1]) };
    case "order": {
      const items = texts && texts.length ? [...texts] : blanks(form.items[0]);
      while (items.length < form.items[0]) items.push("");
      return { items: items.slice(0, form.items[1]) };
    }
    case "truefalse":
      return { correct: old.kind === "truefalse" ? old.correct : true };
    case "number":
      return { min: 0, max: 100, step: 1 };
    case "text":
      return { accept: [""] };
    default:
      return {};
  }
}

/** Change a question's kind in place, keeping the prompt, timing, points, explanation and image. */
export function convertKind(q, kind, form) {
  const old = { ...q };
  for (const key of Object.keys(q)) if (!COMMON.includes(key)) delete q[key];
  q.kind = kind;
  if (kind === "poll") delete q.points;
  Object.assign(q, kindFields(kind, old, form));
}

/** A field wrapper: label, control(s), and the slot for the server's messages. */
function field(qi, name, label, control, { hint, cls } = {}) {
  const id = `q${qi}-${name}`;
  const msgId = `${id}-msg`;
  const wrap = h("div", { class: ["ed-field", cls], dataset: { q: String(qi), field: name } },
    label ? h("label", { for: id, class: "ed-label", text: label }) : null,
    hint ? h("p", { class: "hint", id: `${id}-hint`, text: hint }) : null,
    control,
    h("div", { class: "field-msgs", id: msgId }));
  const input = wrap.querySelector("input, textarea, select");
  if (input && label) {
    input.id = id;
    input.setAttribute("aria-describedby", [hint ? `${id}-hint` : "", msgId].filter(Boolean).join(" "));
  }
  return wrap;
}

/** The slot for the server's messages about a group of controls, which the group names as its description. */
function groupMsgs(qi, name) {
  return h("div", { class: "field-msgs", id: `q${qi}-${name}-msg` });
}

/**
 * A field made of several controls: a fieldset named by its legend, its server messages
 * last; it is described by those and by the slots of the `also` fields it answers for.
 */
function fieldGroup(qi, name, legend, children, also = []) {
  const described = [name, ...also].map((field) => `q${qi}-${field}-msg`).join(" ");
  return h("fieldset", {
    class: "ed-field ed-group", dataset: { q: String(qi), field: name }, "aria-describedby": described,
  },
  h("legend", { class: "ed-label", text: legend }),
  ...children,
  groupMsgs(qi, name));
}

function textArea(value, max, oninput, props = {}) {
  return h("textarea", { class: "input ed-text", rows: 2, maxlength: max, value: value ?? "", oninput, ...props });
}

/** A size in the page's language: "512 bytes", "64 kB", "1.5 MB" (Intl's units). */
function bytesText(n) {
  if (n < 1024) return fmtNumber(n, { style: "unit", unit: "byte", unitDisplay: "long" });
  if (n < 1024 * 1024) return fmtNumber(n / 1024, { style: "unit", unit: "kilobyte", maximumFractionDigits: 0 });
  return fmtNumber(n / (1024 * 1024), { style: "unit", unit: "megabyte", maximumFractionDigits: 1 });
}

/** How many bytes a data URL holds once decoded. */
export function dataUrlBytes(url) {
  const comma = url.indexOf(",");
  if (comma < 0) return 0;
  const b64 = url.slice(comma + 1);
  return Math.floor((b64.length * 3) / 4) - (b64.endsWith("==") ? 2 : b64.endsWith("=") ? 1 : 0);
}

/**
 * The card of question `qi`. `ops` holds the editor's list operations
 * ({move, duplicate, remove, count}) and `changed(structural)`.
 */
export function questionCard(q, qi, form, ops) {
  const { changed } = ops;
  const kinds = form.kinds.filter((k) => KIND_LABELS[k]);
  const kindSelect = h("select", {
    class: "input input-select",
    onchange: (e) => { convertKind(q, e.target.value, form); changed(true, `q${qi}-kind`); },
  }, kinds.map((k) => h("option", { value: k, selected: q.kind === k, text: KIND_LABELS[k] })));
  if (!kinds.includes(q.kind)) {
    kindSelect.prepend(h("option", { value: q.kind, selected: true, disabled: true, text: String(q.kind) }));
  }
  const headingId = `q${qi}-title`;
  const n = qi + 1;
  const tool = (label, key, onclick, props = {}) => h("button", {
    type: "button", class: "btn btn-small btn-ghost ed-tool", onclick, id: `q${qi}-${key}`, ...props,
  }, label);
  const card = h("li", { class: "ed-card", id: `q${qi}`, dataset: { index: String(qi) } },
    h("section", { class: "ed-card-inner", "aria-labelledby": headingId },
      h("div", { class: "ed-card-head" },
        h("h2", { class: "ed-card-title", id: headingId, tabindex: "-1", text: t("editor.question.number", { n }) }),
        field(qi, "kind", t("editor.question.kind"), kindSelect, { cls: "ed-field-kind" }),
        h("div", { class: "ed-tools", role: "group", "aria-label": t("editor.question.actions", { n }) },
          tool(t("editor.question.up"), "up", () => ops.move(qi, -1), {
            disabled: qi === 0, "aria-label": t("editor.question.moveUp", { n }), "aria-keyshortcuts": "Alt+ArrowUp",
          }),
          tool(t("editor.question.down"), "down", () => ops.move(qi, 1), {
            disabled: qi === ops.count - 1, "aria-label": t("editor.question.moveDown", { n }), "aria-keyshortcuts": "Alt+ArrowDown",
          }),
          tool(t("editor.duplicate"), "dup", () => ops.duplicate(qi), { "aria-label": t("editor.question.duplicate", { n }) }),
          tool(t("editor.delete"), "del", () => ops.remove(qi), { "aria-label": t("editor.question.delete", { n }), class: "btn btn-small btn-ghost ed-tool ed-danger" }),
        ),
      ),
      h("div", { class: "field-msgs ed-card-msgs", dataset: { q: String(qi), field: "" } }),
      field(qi, "prompt", t("editor.question.prompt"), textArea(q.prompt, form.max.prompt, (e) => { q.prompt = e.target.value; changed(); },
        { rows: 2, class: "input ed-text ed-prompt", placeholder: t("editor.question.promptPlaceholder") })),
      kindBody(q, qi, form, changed),
      settingsRow(q, qi, form, changed),
      field(qi, "explanation", t("editor.question.explanation"),
        textArea(q.explanation, form.max.explanation, (e) => {
          if (e.target.value) q.explanation = e.target.value; else delete q.explanation;
          changed();
        }, { placeholder: t("editor.question.explanationPlaceholder") })),
      imageField(q, qi, form, changed),
    ),
  );
  return card;
}

function settingsRow(q, qi, form, changed) {
  const fallback = form.defaults?.time_limit ?? form.default_time;
  const time = h("input", {
    type: "number", class: "input input-small", min: form.time[0], max: form.time[1], step: 1, inputmode: "numeric",
    value: q.time_limit ?? "", placeholder: String(fallback),
    oninput: (e) => {
      const raw = e.target.value.trim();
      if (raw === "") delete q.time_limit;
      else q.time_limit = Number.isFinite(Number(raw)) ? Number(raw) : raw;
      changed();
    },
  });
  const row = h("div", { class: "ed-row" },
    field(qi, "time_limit", t("editor.question.time"), time, { cls: "ed-field-small" }));
  if (q.kind !== "poll") {
    const defaultPoints = form.defaults?.points ?? form.default_points;
    const points = h("select", {
      class: "input input-select",
      onchange: (e) => { q.points = Number(e.target.value); changed(); },
    }, form.points.map((p) => h("option", {
      value: String(p), selected: (q.points ?? defaultPoints) === p, text: POINT_LABELS[p] ? t("editor.points.option", { label: POINT_LABELS[p], points: p }) : fmtNumber(p),
    })));
    row.append(field(qi, "points", t("editor.question.points"), points, { cls: "ed-field-small" }));
  }
  return row;
}

function kindBody(q, qi, form, changed) {
  if (OPTION_KINDS.includes(q.kind)) return optionsField(q, qi, form, changed);
  if (q.kind === "order") return itemsField(q, qi, form, changed);
  if (q.kind === "truefalse") return trueFalseField(q, qi, changed);
  if (q.kind === "number") return numberFields(q, qi, changed);
  if (q.kind === "text") return acceptField(q, qi, form, changed);
  return h("p", { class: "hint", text: t("editor.question.unknownKind", { kind: String(q.kind) }) });
}

/** Rows of text inputs (options, items, accepted answers) with add and remove. */
function rowList(qi, name, values, { min, max, maxLength, label, addLabel, decorate, changed, onEdit, onRemove, onAdd }) {
  const list = h("ol", { class: ["ed-rows", `ed-rows-${name}`] });
  values.forEach((value, i) => {
    const input = h("input", {
      type: "text", class: "input ed-row-input", id: `q${qi}-${name}-${i}`, maxlength: maxLength, value,
      "aria-label": label(i),
      oninput: (e) => { onEdit(i, e.target.value); changed(); },
      onkeydown: (e) => {
        if (e.key !== "Enter" || e.isComposing) return;
        e.preventDefault();
        const next = document.getElementById(`q${qi}-${name}-${i + 1}`);
        if (next) next.focus();
        else if (values.length < max) { onAdd(); changed(true, `q${qi}-${name}-${i + 1}`); }
      },
    });
    const remove = h("button", {
      type: "button", class: "btn btn-small btn-ghost ed-row-remove", disabled: values.length <= min,
      "aria-label": t("editor.row.remove", { label: label(i) }), text: "✕",
      onclick: () => { onRemove(i); changed(true, `q${qi}-${name}-${Math.max(0, i - 1)}`); },
    });
    list.append(h("li", { class: "ed-row-item" }, ...(decorate ? decorate(i, input) : [input]), remove));
  });
  const add = h("button", {
    type: "button", class: "btn btn-small ed-add-row", id: `q${qi}-${name}-add`, disabled: values.length >= max,
    text: t("editor.add", { label: addLabel }),
    onclick: () => { onAdd(); changed(true, `q${qi}-${name}-${values.length}`); },
  });
  return [list, add];
}

function optionsField(q, qi, form, changed) {
  const scored = q.kind !== "poll";
  const options = Array.isArray(q.options) ? q.options : (q.options = blanks(form.options[0]));
  const flags = options.map((o) => asList(q.correct).includes(o));
  const store = () => {
    if (!scored) return;
    const correct = options.filter((_, i) => flags[i]);
    if (q.kind === "multi") q.correct = correct;
    else if (correct.length === 0) delete q.correct;
    else q.correct = correct.length === 1 ? correct[0] : correct;
  };
  const letter = (i) => optionLook(i).letter;
  const [list, add] = rowList(qi, "options", options, {
    min: (q.kind === "multi" ? form.multi_options : form.options)[0], max: form.options[1], maxLength: form.max.option,
    label: (i) => t("editor.option.label", { letter: letter(i) }), addLabel: t("editor.option.add"), changed,
    decorate: (i, input) => [
      h("span", { class: ["ed-opt-key", optionClass(i)], "aria-hidden": "true" }, shapeIcon(i),
        h("span", { class: "opt-letter", text: letter(i) })),
      input,
      scored ? h("label", { class: "ed-correct" },
        h("input", {
          type: "checkbox", checked: flags[i], id: `q${qi}-correct-${i}`,
          "aria-label": t("editor.option.rightFor", { letter: letter(i) }),
          onchange: (e) => { flags[i] = e.target.checked; store(); changed(); },
        }),
        h("span", { text: t("editor.option.right") })) : null,
    ],
    onEdit: (i, text) => { options[i] = text; store(); },
    onRemove: (i) => { options.splice(i, 1); flags.splice(i, 1); store(); },
    onAdd: () => { options.push(""); flags.push(false); },
  });
  const hint = t(`editor.options.hint.${q.kind}`);
  const wrap = fieldGroup(qi, "options", t("editor.options.legend"), [h("p", { class: "hint", text: hint }), list, add],
    ["correct"]);
  if (!scored) return wrap;
  // The server names `correct` for a missing or wrong right answer: show it here too.
  return h("div", { class: "ed-group-wrap" }, wrap,
    h("div", { class: "ed-field ed-field-bare", dataset: { q: String(qi), field: "correct" } },
      groupMsgs(qi, "correct")));
}

function itemsField(q, qi, form, changed) {
  const items = Array.isArray(q.items) ? q.items : (q.items = blanks(form.items[0]));
  const [list, add] = rowList(qi, "items", items, {
    min: form.items[0], max: form.items[1], maxLength: form.max.option,
    label: (i) => t("editor.item.label", { n: i + 1 }), addLabel: t("editor.item.add"), changed,
    decorate: (i, input) => [
      h("span", { class: "ed-item-num", "aria-hidden": "true", text: String(i + 1) }),
      input,
      h("button", {
        type: "button", class: "btn btn-small btn-ghost", disabled: i === 0, "aria-label": t("editor.item.moveUp", { n: i + 1 }), text: "↑",
        onclick: () => { [items[i - 1], items[i]] = [items[i], items[i - 1]]; changed(true, `q${qi}-items-${i - 1}`); },
      }),
      h("button", {
        type: "button", class: "btn btn-small btn-ghost", disabled: i === items.length - 1, "aria-label": t("editor.item.moveDown", { n: i + 1 }), text: "↓",
        onclick: () => { [items[i + 1], items[i]] = [items[i], items[i + 1]]; changed(true, `q${qi}-items-${i + 1}`); },
      }),
    ],
    onEdit: (i, text) => { items[i] = text; },
    onRemove: (i) => { items.splice(i, 1); },
    onAdd: () => { items.push(""); },
  });
  return fieldGroup(qi, "items", t("editor.items.legend"),
    [h("p", { class: "hint", text: t("editor.items.hint") }), list, add]);
}

function trueFalseField(q, qi, changed) {
  const radio = (value, label) => h("label", { class: "ed-radio" },
    h("input", {
      type: "radio", name: `q${qi}-tf`, id: `q${qi}-tf-${value}`, checked: q.correct === value,
      onchange: () => { q.correct = value; changed(); },
    }), h("span", { text: label }));
  return fieldGroup(qi, "correct", t("editor.truefalse.legend"),
    [h("div", { class: "ed-radios" }, radio(true, t("editor.truefalse.true")), radio(false, t("editor.truefalse.false")))]);
}

function numberFields(q, qi, changed) {
  const input = (name, label, optional) => field(qi, name, label, h("input", {
    type: "number", class: "input input-small", step: "any", inputmode: "decimal", value: q[name] ?? "",
    placeholder: optional ? t("editor.number.optional") : "",
    oninput: (e) => {
      const raw = e.target.value.trim();
      if (raw === "") delete q[name];
      else q[name] = Number(raw);
      changed();
    },
  }), { cls: "ed-field-small" });
  return h("div", { class: "ed-group" },
    h("p", { class: "hint", text: t("editor.number.hint") }),
    h("div", { class: "ed-row ed-row-wrap" },
      input("answer", t("editor.number.answer")),
      input("min", t("editor.number.min")),
      input("max", t("editor.number.max")),
      input("step", t("editor.number.step"), true),
      input("tolerance", t("editor.number.tolerance"), true)));
}

function acceptField(q, qi, form, changed) {
  const accept = Array.isArray(q.accept) ? q.accept : (q.accept = q.accept == null ? [""] : [String(q.accept)]);
  const [list, add] = rowList(qi, "accept", accept, {
    min: 1, max: 20, maxLength: form.max.accept,
    label: (i) => t("editor.accept.label", { n: i + 1 }), addLabel: t("editor.accept.add"), changed,
    onEdit: (i, text) => { accept[i] = text; },
    onRemove: (i) => { accept.splice(i, 1); },
    onAdd: () => { accept.push(""); },
  });
  return fieldGroup(qi, "accept", t("editor.accept.legend"),
    [h("p", { class: "hint", text: t("editor.accept.hint") }), list, add]);
}

function imageField(q, qi, form, changed) {
  const id = `q${qi}-image`;
  // The browser's own file button speaks the browser's language, not the page's:
  // it stays out of sight and this page's button opens it.
  const picker = h("input", {
    type: "file", id, class: "ed-file visually-hidden", tabindex: "-1", "aria-hidden": "true",
    accept: form.image_types.join(","),
    onchange: () => {
      const file = picker.files?.[0];
      if (!file) return;
      const reader = new FileReader();
      reader.onload = () => { q.image = String(reader.result); changed(true, `${id}-remove`); };
      reader.readAsDataURL(file);
    },
  });
  const current = typeof q.image === "string" && q.image ? q.image : "";
  const inline = current.startsWith("data:");
  const choose = h("button", {
    type: "button", class: "btn btn-small", id: `${id}-choose`, "aria-describedby": `${id}-hint ${id}-msg`,
    text: t(current ? "editor.image.replace" : "editor.image.choose"), onclick: () => picker.click(),
  });
  return h("div", { class: "ed-field ed-image", dataset: { q: String(qi), field: "image" } },
    h("label", { for: id, class: "ed-label", text: t("editor.image.label") }),
    h("p", { class: "hint", id: `${id}-hint`, text: t("editor.image.hint", { size: bytesText(form.image_max_bytes) }) }),
    current ? h("div", { class: "ed-image-now" },
      inline ? h("img", { src: current, alt: "", class: "ed-image-preview" }) : null,
      h("p", { class: "hint", id: `${id}-size`, text: inline ? t("editor.image.inline", { size: bytesText(dataUrlBytes(current)) }) : t("editor.image.file", { name: fileText(current) }) }),
      h("button", {
        type: "button", class: "btn btn-small btn-ghost", id: `${id}-remove`, text: t("editor.image.remove"),
        onclick: () => { delete q.image; delete q.image_on_phones; changed(true, `${id}-choose`); },
      }),
      h("label", { class: "ed-radio ed-phones" },
        h("input", {
          type: "checkbox", id: `${id}-phones`, checked: q.image_on_phones === true,
          onchange: (e) => { if (e.target.checked) q.image_on_phones = true; else delete q.image_on_phones; changed(); },
        }),
        h("span", { text: t("editor.image.phones") }))) : null,
    h("div", { class: "ed-image-pick" }, choose), picker,
    groupMsgs(qi, "image"));
}
