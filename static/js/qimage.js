// A question's image: the server's re-encoded copy, served from this origin
// (`/media/...`). Large on the projector; on phones only when the deck says so
// (`image_on_phones`). Sized through the CSSOM, which the CSP allows.

import { h } from "./dom.js";
import { t } from "./i18n.js";

// The projector fills its band (small pictures are scaled up to be seen from the
// back of the room); a phone shows a picture at most at its own size.
const LOOK = {
  projector: { height: "clamp(120px, 30vh, 540px)", width: "auto" },
  phone: { "max-height": "clamp(100px, 26vh, 260px)" },
};

/** The image of question `q` for `where` ("projector" or "phone"), or null. */
export function questionImage(q, where) {
  if (typeof q?.image !== "string" || !q.image.startsWith("/media/")) return null;
  if (where === "phone" && q.image_on_phones !== true) return null;
  return h("figure", {
    class: "q-figure",
    style: { margin: "0", display: "flex", "justify-content": "center", "min-height": "0" },
  }, h("img", {
    src: q.image,
    alt: t("common.image.alt"),
    style: { ...(LOOK[where] || LOOK.phone), "max-width": "100%", "object-fit": "contain", "border-radius": "14px" },
  }));
}
