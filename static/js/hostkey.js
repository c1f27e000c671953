// The host token lives in this tab's sessionStorage under `thaw.host.<code>`;
// the host page and the results page both use it.

import { apiError, saveBlob } from "./dom.js";
import { t } from "./i18n.js";

const key = (code) => `thaw.host.${code}`;

export function loadHostToken(code) {
  try { return window.sessionStorage.getItem(key(code)); } catch { return null; }
}

export function saveHostToken(code, token) {
  try { window.sessionStorage.setItem(key(code), token); } catch { /* private mode */ }
}

export function dropHostToken(code) {
  try { window.sessionStorage.removeItem(key(code)); } catch { /* private mode */ }
}

/** GET a host-only route with the bearer token; throws {code, message} on failure. */
export async function hostFetch(code, path) {
  const token = loadHostToken(code);
  if (!token) throw { code: "no_token", message: t("common.error.no_token") };
  const response = await fetch(`/api/rooms/${encodeURIComponent(code)}/${path}`, {
    headers: { Authorization: `Bearer ${token}` },
  });
  if (!response.ok) throw await apiError(response);
  return response;
}

/** Download the results CSV (the route needs the Authorization header, so no plain link). */
export async function downloadCsv(code) {
  const response = await hostFetch(code, "results.csv");
  saveBlob(await response.blob(), `thaw-${code}-results.csv`);
}
