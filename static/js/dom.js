// DOM helpers. Data (nicknames, deck text, server messages) is only ever set
// with textContent or as attribute values: never parsed as HTML.

import { fmtNumber, lang, t } from "./i18n.js";

// Numbers and ranks in the page's language, under the names screens import.
export { fmtNumber as fmt, ordinal } from "./i18n.js";

const SVG_NS = "http://www.w3.org/2000/svg";

function setProps(el, props) {
  for (const [key, value] of Object.entries(props || {})) {
    if (value == null || value === false) continue;
    if (key === "class") {
      el.setAttribute("class", Array.isArray(value) ? value.filter(Boolean).join(" ") : value);
    } else if (key === "text") {
      el.textContent = String(value);
    } else if (key === "dataset") {
      Object.assign(el.dataset, value);
    } else if (key === "style") {
      // CSSOM, allowed by the CSP (style attributes in markup are not).
      for (const [prop, v] of Object.entries(value)) el.style.setProperty(prop, String(v));
    } else if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2), value);
    } else if (key === "value" && "value" in el) {
      el.value = value;
    } else if (value === true) {
      el.setAttribute(key, "");
    } else {
      el.setAttribute(key, String(value));
    }
  }
}

function appendAll(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child == null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** h("button", {class: "x", onclick: fn}, "text", otherNode) */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  setProps(el, props);
  appendAll(el, children);
  return el;
}

/** An SVG element (for shapes and icons). */
export function svg(tag, props, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  setProps(el, props);
  appendAll(el, children);
  return el;
}

export function $(selector, root = document) {
  return root.querySelector(selector);
}

/** Replace an element's children. */
export function mount(el, ...children) {
  el.replaceChildren();
  appendAll(el, children);
  return el;
}

/** Say something in an aria-live region (re-set so repeats are announced). */
export function announce(region, text) {
  if (!region) return;
  region.textContent = "";
  window.setTimeout(() => { region.textContent = text; }, 30);
}

// Every decimal an answer was given with, ungrouped (shortest form, as String(n) writes it).
const plainNumber = new Intl.NumberFormat(lang, { useGrouping: false, maximumFractionDigits: 20 });

/** An answer value (a year, a count): grouped only when large, so 1962 stays 1962. */
export function fmtValue(n) {
  if (typeof n !== "number") return String(n ?? "");
  return Math.abs(n) >= 10_000 ? fmtNumber(n) : plainNumber.format(n);
}

/**
 * @deprecated English word endings only; use a plural catalog message,
 * `t(key, { count: n })`, instead. Kept while screens still import it.
 */
export function plural(n, one, many = `${one}s`) {
  return `${fmtNumber(n)} ${n === 1 ? one : many}`;
}

/** Focus the first element matching selector inside root, without scrolling jumps. */
export function focusFirst(root, selector = "[autofocus], h1, h2, button, input") {
  const el = root.querySelector(selector);
  if (!el) return;
  if (!el.hasAttribute("tabindex") && /^H\d$/.test(el.tagName)) el.setAttribute("tabindex", "-1");
  el.focus({ preventScroll: true });
}

/** Save a blob as a file download. */
export function saveBlob(blob, filename) {
  const url = URL.createObjectURL(blob);
  const a = h("a", { href: url, download: filename, class: "visually-hidden" });
  document.body.append(a);
  a.click();
  a.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** A modal confirm built on <dialog>; resolves true/false. */
export function confirmDialog({ title, body, confirm = t("common.ok"), cancel = t("common.cancel"), danger = false }) {
  return new Promise((resolve) => {
    const dialog = h("dialog", { class: "dialog", "aria-labelledby": "dialog-title" },
      h("form", { method: "dialog", class: "dialog-form" },
        h("h2", { id: "dialog-title", text: title }),
        body ? h("p", { text: body }) : null,
        h("div", { class: "dialog-actions" },
          h("button", { value: "cancel", class: "btn btn-ghost", text: cancel }),
          h("button", { value: "ok", class: ["btn", danger ? "btn-danger" : "btn-primary"], text: confirm }),
        ),
      ),
    );
    dialog.addEventListener("close", () => {
      resolve(dialog.returnValue === "ok");
      dialog.remove();
    });
    document.body.append(dialog);
    dialog.showModal();
    dialog.querySelector("button[value=ok]").focus();
  });
}

/** Read an API error body into a message. */
export async function apiError(response) {
  // The server words its message in this page's language (the thaw_lang cookie);
  // without one, HTTP's English reason phrase is no message for a person.
  let body = {};
  try { body = await response.json(); } catch { /* not JSON: the status says it all */ }
  return {
    code: body?.error || `http_${response.status}`,
    message: body?.message || t("common.error.request_failed", { status: String(response.status) }),
  };
}

/** Show (or hide, with no text) the page's connection status bar. */
export function showStatus(bar, text) {
  bar.hidden = !text;
  bar.textContent = text || "";
}

let toastTimer = 0;
/** A short message at the bottom of the screen, read out by screen readers. */
export function toast(text) {
  let el = $("#toast");
  if (!el) {
    el = h("div", { id: "toast", class: "toast", role: "status" });
    document.body.append(el);
  }
  el.textContent = text;
  el.hidden = false;
  window.clearTimeout(toastTimer);
  toastTimer = window.setTimeout(() => { el.hidden = true; }, 4000);
}
