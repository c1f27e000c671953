// The server's rules and limits as the templates write them into the page
// (`data-*` on <body>, from the server's own constants), so that no number or
// pattern of the server's is written again here. A text answer's length comes
// with its question (`max_length`, docs/protocol.md).

const data = document.body.dataset;

/** A room code's form (server/domain/codes.py): on every page. */
export const CODE_DIGITS = Number(data.codeDigits);
export const CODE_RE = new RegExp(`^(?:${data.codePattern})$`);

/** A nickname's length in code points after NFKC and trimming (server/domain/nicknames.py): the join page. */
export const NICK_MAX = Number(data.nickMax);

/** The deck format's limits for the editor's form (server/web/editorform.py): the editor's page. */
export const FORM = JSON.parse(data.form || "{}");
