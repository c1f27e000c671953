"""HTTP: pages, the JSON API and health, with security headers on every answer.

Route shapes and statuses are the contract's (docs/protocol.md); bodies are
validated here and errors are `{"error": CODE, "message": ...}`.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import jinja2
import segno
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..domain import codes
from ..domain.errors import GameError
from ..domain.model import Room
from ..domain.nicknames import MAX_LENGTH as NICKNAME_MAX
from ..rooms import report
from ..shared import i18n
from ..shared.i18n import tr, translate
from ..shared.marks import N_, english
from ..shared.resources import TEMPLATES_DIR, static_dir
from ..store.base import StoreUnavailable
from ..transport import ws
from ..transport.logthrottle import LogThrottle
from ..transport.netaddr import GUESSING, client_address, public_base
from ..transport.runtime import Runtime
from .editorform import form_json

log = logging.getLogger("thaw.web")
_failures = LogThrottle(log)
T = TypeVar("T")

def _page_language(request: Request) -> dict[str, Any]:
    """`<html lang dir>` of every page, from the request's language (`RequestLanguage`)."""
    language = i18n.current()
    return {"lang": language.code, "dir": language.dir}


def _room_code(request: Request) -> dict[str, Any]:
    """A room code's form on every page's `<body>`, for the client's own check (static/js/rules.js)."""
    return {"code_digits": codes.DIGITS, "code_pattern": codes.PATTERN}


def _templates() -> Jinja2Templates:
    """Pages in the request's language: Jinja2's i18n extension asks `thaw.shared.i18n` at render time."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)), autoescape=True,
                             extensions=["jinja2.ext.i18n"])
    env.install_gettext_callables(  # type: ignore[attr-defined]
        lambda message: i18n.current().translations.gettext(message),
        lambda singular, plural, n: i18n.current().translations.ngettext(singular, plural, n),
        newstyle=True,
    )
    return Jinja2Templates(env=env, context_processors=[_page_language, _room_code])


TEMPLATES = _templates()
PAGE_HEADERS = {"Vary": "Accept-Language, Cookie"}  # a page's words follow both (web/translations.py, `choose`)

MAX_BODY_BYTES = 16 * 1024
BODY_TIMEOUT_S = 10.0

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]

STATUS_OF = {
    "deck_not_found": 404,
    "room_not_found": 404,
    "bad_option": 422,
    "bad_body": 422,
    "unauthorized": 401,
    "forbidden": 403,
    "rate_limited": 429,
    "unavailable": 503,
}


class SecurityHeaders:
    """Adds the security headers to every HTTP response (pages and API alike).

    It is also where a request that made the app fail gets its `500`: Starlette's
    own error page is built outside every middleware, so it would go out without
    the headers, and with a traceback logged per request.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(k, v) for k, v in SECURITY_HEADERS if k not in present]
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception as exc:
            _failures.error("%s %s failed", scope.get("method"), str(scope.get("path"))[:80], exc=exc)
            if started:
                raise
            await problem("internal_error", tr("the server could not answer that request"), status=500)(
                scope, receive, send_with_headers)


def problem(code: str, message: str, status: int | None = None, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": code, "message": message}, status_code=status or STATUS_OF.get(code, 400),
                        headers=headers)


# GameErrors are made in English, as the game's own are, and translated where they are answered.


def body_too_large() -> str:
    return english("the body is larger than %(limit)s bytes", limit=i18n.fmt_number(MAX_BODY_BYTES))


def body_too_slow(seconds: float) -> str:
    return english("the body did not arrive within %(seconds)s s", seconds=i18n.fmt_number(seconds))


def storage_unreachable() -> str:
    return tr("the game's storage is unreachable right now")


def could_not_create(exc: StoreUnavailable) -> str:
    return tr("could not create the game: %(reason)s", reason=exc)


def parse_json(raw: bytes) -> Any:
    """A request body's JSON, or `bad_body` saying what is wrong with it."""
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise GameError("bad_body", N_("the body is not valid JSON")) from None
    except RecursionError:  # `[[[[...]]]]` nested deeper than the parser goes
        raise GameError("bad_body", N_("the body is nested too deeply")) from None


def _rt(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


# -- pages -------------------------------------------------------------------------


async def play_page(request: Request) -> Response:
    code = request.path_params.get("code", "")
    if code and not codes.is_code(code):
        return RedirectResponse("/", status_code=303)
    return TEMPLATES.TemplateResponse(request, "play.html", {"code": code, "nick_max": NICKNAME_MAX},
                                      headers=PAGE_HEADERS)


async def host_page(request: Request) -> Response:
    return TEMPLATES.TemplateResponse(request, "host.html", {}, headers=PAGE_HEADERS)


async def create_page(request: Request) -> Response:
    """The quiz editor and the teacher's library (kept in their browser)."""
    return TEMPLATES.TemplateResponse(request, "create.html", {"form": form_json()}, headers=PAGE_HEADERS)


async def results_page(request: Request) -> Response:
    """The report page. A key it is given is checked here (404, then 403); without one
    the page looks for a key this browser keeps, and the report API decides."""
    code = request.path_params["code"]
    if not codes.is_code(code):
        return RedirectResponse("/host", status_code=303)
    status, problem_code = 200, ""
    try:
        if _guessing(request) is not None:
            raise GameError("rate_limited", GUESSING)
        if _report_key(request) is not None:
            await _rt(request).service.room_for_report(code, _report_key(request))
        elif not await _rt(request).service.exists(code):
            raise GameError("room_not_found", f"there is no game with code {code}")
    except GameError as exc:
        if exc.code == "room_not_found":
            await _miss(request)
        status, problem_code = STATUS_OF.get(exc.code, 400), exc.code
    except StoreUnavailable:
        status, problem_code = 503, "unavailable"
    return TEMPLATES.TemplateResponse(request, "results.html", {"code": code, "problem": problem_code},
                                      status_code=status, headers={**PAGE_HEADERS, "Cache-Control": "no-store"})


# -- API ---------------------------------------------------------------------------


async def healthz(request: Request) -> Response:
    rt = _rt(request)
    store_ok = await rt.store.ping()
    bus_ok = await rt.bus.ping()
    body: dict[str, Any] = {
        "status": "ok" if store_ok and bus_ok else "degraded",
        "store": rt.store.kind,
        "connections": rt.hub.count(),
        "rooms": len(rt.hub.rooms),
    }
    if rt.draining:
        body["status"] = "draining"
        return JSONResponse(body, status_code=503)
    if not store_ok:
        body["problem"] = "the store is unreachable"
    elif not bus_ok:
        body["problem"] = "the event subscription is down"
    return JSONResponse(body, status_code=200 if body["status"] == "ok" else 503)


async def list_decks(request: Request) -> Response:
    decks = _rt(request).decks
    return JSONResponse([decks[k].summary() for k in sorted(decks)])


def _guessing(request: Request) -> Response | None:
    """429 for an address past its budget of wrong room codes, whatever the code.

    Every route that tells whether a room exists asks this before looking, so a
    guessing script learns nothing more once refused (see `AddressLimits.guessing`).
    """
    rt = _rt(request)
    address = client_address(request.scope, rt.settings)
    return _too_many_guesses(rt, address) if rt.address_limits.guessing(address) else None


def _too_many_guesses(rt: Runtime, address: str) -> Response:
    retry = rt.address_limits.misses.retry_after(address)
    return problem("rate_limited", tr(GUESSING), headers={"Retry-After": str(retry)})


async def _miss(request: Request) -> Response | None:
    """A wrong room code: counted against the address, answered slowly when it keeps guessing;
    the refusal when this miss used up the address's budget."""
    rt = _rt(request)
    address = client_address(request.scope, rt.settings)
    delay = rt.address_limits.missed(address)
    if delay is None:  # the budget ran out while this request was looking
        return _too_many_guesses(rt, address)
    if delay:
        await asyncio.sleep(delay)
    return None


async def _not_found(request: Request, code: str) -> Response:
    refused = await _miss(request)
    if refused is not None:
        return refused
    return problem("room_not_found", tr("there is no game with code %(code)r", code=code[:codes.DIGITS]))


async def _room_lookup(request: Request, look: Callable[[str], Awaitable[T | None]]) -> T | Response:
    """What `look` finds for the path's room code, or the refusal: 429 once the address is
    out of guesses (asked before anything is looked up), 404 for a code of no room (a miss,
    counted), 503 when the store is unreachable, else the status of the GameError `look` raised."""
    refused = _guessing(request)
    if refused is not None:
        return refused
    code = request.path_params["code"]
    try:
        found = await look(code) if codes.is_code(code) else None
    except GameError as exc:
        if exc.code == "room_not_found":
            return await _not_found(request, code)
        return problem(exc.code, translate(exc.message))
    except StoreUnavailable:
        return problem("unavailable", storage_unreachable())
    if found is None:
        return await _not_found(request, code)
    return found


async def room_info(request: Request) -> Response:
    info = await _room_lookup(request, _rt(request).service.info)
    if isinstance(info, Response):
        return info
    return JSONResponse({
        "code": info["code"],
        "phase": info["phase"],
        "players": info["players"],
        "title": info["title"],
        "locked": info["locked"],
        "generated_nicknames": info["generated_nicknames"],
    })


async def qr_code(request: Request) -> Response:
    """The join link as an SVG QR code, drawn here so no third party is asked."""
    rt = _rt(request)

    async def existing(code: str) -> str | None:
        return code if await rt.service.exists(code) else None

    code = await _room_lookup(request, existing)
    if isinstance(code, Response):
        return code
    out = io.BytesIO()
    url = f"{public_base(request.scope, rt.settings)}/join/{code}"
    segno.make(url, error="m").save(out, kind="svg", scale=10, border=2, dark="#0b1020", light="#ffffff",
                                    xmldecl=False, title=tr("Join game %(code)s", code=code))
    return Response(out.getvalue(), media_type="image/svg+xml", headers={"Cache-Control": "no-store"})


def _report_key(request: Request) -> str | None:
    """The secret sent for a report: `Authorization: Bearer …`, else `?key=…`."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    key = request.query_params.get("key", "").strip()
    return key or None


async def _report_room(request: Request) -> Room | Response:
    """The room whose results are asked for, or the error response (404, then 401/403)."""
    key = _report_key(request)
    return await _room_lookup(request, lambda code: _rt(request).service.room_for_report(code, key))


def _download(room: Room, body: str | bytes, media_type: str, extension: str) -> Response:
    return Response(body, media_type=media_type, headers={
        "Content-Disposition": f'attachment; filename="thaw-{room.code}-results.{extension}"',
        "Cache-Control": "no-store",
    })


async def results_csv(request: Request) -> Response:
    room = await _report_room(request)
    if isinstance(room, Response):
        return room
    return _download(room, report.to_csv(room), "text/csv; charset=utf-8", "csv")


async def results_xlsx(request: Request) -> Response:
    room = await _report_room(request)
    if isinstance(room, Response):
        return room
    return _download(room, report.to_xlsx(room), XLSX_TYPE, "xlsx")


async def results_json(request: Request) -> Response:
    room = await _report_room(request)
    if isinstance(room, Response):
        return room
    return JSONResponse(report.build(room), headers={"Cache-Control": "no-store"})


async def not_found(request: Request, exc: Exception) -> Response:
    if request.url.path.startswith("/api/"):
        return problem("not_found", tr("no route %(path)s", path=request.url.path[:80]), status=404)
    return PlainTextResponse("Not found", status_code=404)


async def method_not_allowed(request: Request, exc: Exception) -> Response:
    return problem("method_not_allowed", tr("%(method)s is not allowed on %(path)s", method=request.method,
                                                   path=request.url.path[:80]), status=405)


from . import decks  # noqa: E402  (its handlers build on the helpers above)

socket_route = WebSocketRoute("/ws/{code}", ws.endpoint)
"""The game's socket. `ThawApp` (`server/app.py`) routes to it ahead of the HTTP stack."""

routes = [
    Route("/", play_page),
    Route("/join/{code}", play_page),
    Route("/host", host_page),
    Route("/create", create_page),
    Route("/results/{code}", results_page),
    Route("/healthz", healthz),
    Route("/api/decks", list_decks),
    Route("/api/rooms", decks.create_room, methods=["POST"]),
    Route("/api/decks/check", decks.check_deck, methods=["POST"]),
    Route("/api/import", decks.import_quiz, methods=["POST"]),
    Route("/media/{code}/{name}", decks.media),
    Route("/api/rooms/{code}", room_info),
    Route("/api/rooms/{code}/qr.svg", qr_code),
    Route("/api/rooms/{code}/results.csv", results_csv),
    Route("/api/rooms/{code}/results.xlsx", results_xlsx),
    Route("/api/rooms/{code}/results", results_json),
    Mount("/static", app=StaticFiles(directory=str(static_dir())), name="static"),
]
