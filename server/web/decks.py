"""A teacher's own deck over HTTP: check it, import it, host it, serve its images.

The routes are the contract's (docs/protocol.md, "A teacher's own deck"). Each
upload is limited in size before it is parsed, counted per client address, and
checked by the one validator (server/content/); nothing of a refused upload is kept.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ..content import limits
from ..content.document import Checked, Finding, check_yaml
from ..content.kept import MEDIA_NAME, shipped_media
from ..content.problems import NOT_UTF8
from ..content.upload import TooLarge, prepare
from ..domain.codes import is_code
from ..domain.errors import GameError
from ..domain.model import Deck, RoomOptions
from ..domain.text import check_text
from ..shared.i18n import fmt_number, ntr, tr, translate
from ..shared.marks import N_, english
from ..store.base import StoreUnavailable
from ..transport.netaddr import client_address, public_base
from .routes import (
    BODY_TIMEOUT_S,
    MAX_BODY_BYTES,
    _rt,
    body_too_large,
    body_too_slow,
    could_not_create,
    parse_json,
    problem,
    storage_unreachable,
)

YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml")
MEDIA_TYPES = {"png": "image/png", "jpg": "image/jpeg"}


DRAIN_FACTOR = 4  # an oversized body is read (and dropped) up to this many times the limit


class BodyTooLarge(Exception):
    """The request body is over `UPLOAD_BODY_MAX_BYTES`."""


# Parsing megabytes of JSON, decoding images and reading workbooks is CPU work: it runs
# in a thread, so the games this process serves keep their clock, and two at a time,
# so a burst of uploads holds a bounded amount of memory.
HEAVY_AT_ONCE = 2
_heavy: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = weakref.WeakKeyDictionary()
T = TypeVar("T")


async def off_loop(work: Callable[..., T], *args: Any) -> T:
    loop = asyncio.get_running_loop()
    gate = _heavy.get(loop)
    if gate is None:  # one per loop: a semaphore belongs to the loop it first waited on
        gate = _heavy[loop] = asyncio.Semaphore(HEAVY_AT_ONCE)
    async with gate:
        return await asyncio.to_thread(work, *args)


def too_large(problems: list[Finding] | None = None) -> Response:
    limit = limits.UPLOAD_BODY_MAX_BYTES // limits.MIB
    found = problems or [Finding(None, None, english("the upload is larger than %(limit)s MiB", limit=limit))]
    return JSONResponse(
        {"error": "too_large", "message": translate(found[0].message), "problems": [p.to_dict() for p in found]},
        status_code=413,
    )


def invalid_deck(problems: list[Finding]) -> Response:
    message = ntr("the deck has %(count)s problem: %(first)s", "the deck has %(count)s problems: %(first)s",
                  len(problems), first=translate(problems[0].message))
    return JSONResponse(
        {"error": "invalid_deck", "message": message, "problems": [p.to_dict() for p in problems]},
        status_code=422,
    )


async def read_body(request: Request, limit: int = limits.UPLOAD_BODY_MAX_BYTES) -> bytes:
    """The whole body, refused (BodyTooLarge) once it passes `limit`.

    What is over the limit is read and dropped (up to a few times the limit), not
    left unread: a browser still sending when the connection closes reports a
    network error instead of the 413 and its message."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit * DRAIN_FACTOR:
        raise BodyTooLarge
    chunks: list[bytes] = []
    size = 0
    try:
        async with asyncio.timeout(BODY_TIMEOUT_S * 3):  # megabytes from a school uplink, not a byte a second
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit * DRAIN_FACTOR:
                    break
                if size <= limit:
                    chunks.append(chunk)
    except TimeoutError:
        raise GameError("bad_body", body_too_slow(BODY_TIMEOUT_S * 3)) from None
    if size > limit:
        raise BodyTooLarge
    return b"".join(chunks)


def _content_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


def _limited(request: Request, counter_name: str, spend: bool = True) -> Response | None:
    """429 when this address is over the limit of `counter_name` (rooms or uploads).

    With `spend=False` the request is only checked; the caller counts it once it
    succeeded (a room: a refused request must not spend a school's shared budget).
    """
    rt = _rt(request)
    address = client_address(request.scope, rt.settings)
    counter = getattr(rt.address_limits, counter_name)
    if counter.hit(address) if spend else counter.allows(address):
        return None
    if counter_name == "rooms":
        message = tr("too many games created from your network; wait a minute")
    elif counter_name == "checks":
        message = tr("too many decks checked from your network; wait a minute")
    else:
        message = tr("too many decks sent from your network; wait a minute")
    return problem("rate_limited", message,
                   headers={"Retry-After": str(counter.retry_after(address))})


# -- the answer to a refused request ----------------------------------------------------


async def answered(work: Awaitable[Response]) -> Response:
    """`work`'s response, or the answer to what refused it: 413 for a body or a deck too
    large, the status of a GameError, 503 when the store could not make the room."""
    try:
        return await work
    except BodyTooLarge:
        return too_large()
    except TooLarge as exc:
        return too_large(exc.problems)
    except GameError as exc:
        return problem(exc.code, translate(exc.message))
    except StoreUnavailable as exc:
        return problem("unavailable", could_not_create(exc))


# -- POST /api/rooms -----------------------------------------------------------------


async def create_room(request: Request) -> Response:
    """A room for a shipped deck (`deck`) or for a deck sent along (`deck_data`)."""
    refused = _limited(request, "rooms", spend=False)  # counted once a room exists
    if refused is not None:
        return refused
    return await answered(_create_room(request))


async def _create_room(request: Request) -> Response:
    if _content_type(request) != "application/json":
        raise GameError("bad_body", N_("send the body as JSON (Content-Type: application/json)"))
    raw = await read_body(request)
    body = parse_json(raw) if len(raw) <= MAX_BODY_BYTES else await off_loop(parse_json, raw)
    if not isinstance(body, dict) or "deck_data" not in body:
        if len(raw) > MAX_BODY_BYTES:
            raise GameError("bad_body", body_too_large())
        check_text(body, "bad_body", "the body")
        return await _host_shipped(request, body)
    refused = _limited(request, "uploads")
    if refused is not None:
        return refused
    unknown = sorted(set(body) - {"deck_data", "options"})
    if unknown:
        field = str(unknown[0])[:40]
        if unknown == ["deck"]:
            raise GameError("bad_body", english("unknown field `%(field)s` (send either `deck` or `deck_data`)",
                                           field=field))
        raise GameError("bad_body", english("unknown field `%(field)s`", field=field))
    check_text(body.get("options"), "bad_option", "options")  # the deck's own text is a problem of the deck
    options = _rt(request).service.parse_options(body.get("options"))
    prepared = await off_loop(prepare, body["deck_data"])
    if prepared.deck is None:
        return invalid_deck(prepared.problems)
    return await _host(request, prepared.deck, options, prepared.media)


async def _host_shipped(request: Request, body: Any) -> Response:
    """A room for a deck this server ships, named by the body's `deck`."""
    rt = _rt(request)
    if not isinstance(body, dict):
        raise GameError("bad_body", N_("the body must be a JSON object"))
    unknown = sorted(set(body) - {"deck", "options"})
    if unknown:
        raise GameError("bad_body", english("unknown field `%(field)s`", field=str(unknown[0])[:40]))
    deck = body.get("deck")
    if not isinstance(deck, str) or not deck:
        raise GameError("bad_body", N_("`deck` must be a deck id (a string)"))
    options = rt.service.parse_options(body.get("options"))
    if deck not in rt.decks:
        raise GameError("deck_not_found", english("there is no deck %(deck)r", deck=deck[:60]))
    return await _host(request, rt.decks[deck], options, shipped_media(rt.decks[deck]))


async def _host(request: Request, deck: Deck, options: RoomOptions, media: dict[str, bytes]) -> Response:
    """The `201` of `POST /api/rooms`, whichever way the deck came; only a room made counts
    against the address's budget."""
    rt = _rt(request)
    created = await rt.service.host_deck(deck, options, media)
    rt.address_limits.rooms.hit(client_address(request.scope, rt.settings))
    join_url = f"{public_base(request.scope, rt.settings)}/join/{created.code}"
    return JSONResponse({"code": created.code, "host_token": created.host_token, "report_key": created.report_key,
                         "join_url": join_url}, status_code=201)


# -- POST /api/decks/check -------------------------------------------------------------


async def check_deck(request: Request) -> Response:
    """The one validator for the editor: problems (422) or the authoring lints (200)."""
    refused = _limited(request, "checks")
    if refused is not None:
        return refused
    content_type = _content_type(request)
    if content_type not in (*YAML_TYPES, "application/json"):
        return problem("unsupported_type", tr("send the deck as application/json or application/yaml"), status=415)
    return await answered(_check(request, content_type in YAML_TYPES))


async def _check(request: Request, is_yaml: bool) -> Response:
    checked = await off_loop(_check_bytes, await read_body(request), is_yaml)
    if checked.deck is None:
        return invalid_deck(checked.problems)
    return JSONResponse({"ok": True, "warnings": [w.to_dict() for w in lint_warnings(checked)]})


def _check_bytes(raw: bytes, is_yaml: bool) -> Checked:
    """A deck sent to be checked, as YAML text or JSON; its images decoded (and kept nowhere)."""
    if is_yaml:
        return _check_yaml_bytes(raw)
    data = parse_json(raw)
    prepared = prepare(data)
    if prepared.problems or prepared.checked is None:
        return Checked(None, prepared.problems)
    return prepared.checked


def _check_yaml_bytes(raw: bytes) -> Checked:
    if len(raw) > limits.FILE_MAX_BYTES:
        raise TooLarge([Finding(None, None, english("the deck is larger than %(limit)s bytes",
                                               limit=fmt_number(limits.FILE_MAX_BYTES)))])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return Checked(None, [Finding(None, None, tr(NOT_UTF8))])
    return check_yaml(text)


def lint_warnings(checked: Checked) -> list[Finding]:
    """The authoring lints of a valid deck (server/content/lints.py)."""
    from ..content.lints import lint_checked

    return lint_checked(checked)


# -- GET /media/{code}/{name} -----------------------------------------------------------


async def media(request: Request) -> Response:
    """A room's re-encoded image: fixed type, cached for good (its name is its hash), never sniffed."""
    code = request.path_params["code"]
    name = request.path_params["name"]
    ext = name.rsplit(".", 1)[-1]
    if not is_code(code) or ext not in MEDIA_TYPES or not _is_media_name(name):
        return problem("not_found", tr("no such image"), status=404)
    try:
        data = await _rt(request).store.media.get(code, name)
    except StoreUnavailable:
        return problem("unavailable", storage_unreachable())
    if data is None:
        return problem("not_found", tr("no such image"), status=404)
    return Response(
        data,
        media_type=MEDIA_TYPES[ext],
        headers={
            "Cache-Control": "private, max-age=86400, immutable",
            "Content-Disposition": f'inline; filename="{name}"',
            "Cross-Origin-Resource-Policy": "same-origin",
        },
    )


def _is_media_name(name: str) -> bool:
    return MEDIA_NAME.fullmatch(name) is not None


# -- POST /api/import --------------------------------------------------------------------


async def import_quiz(request: Request) -> Response:
    """A quiz file read into a deck for the editor: every row or line not taken is a problem."""
    from ..content.imports import FORMATS, IMPORT_MAX_BYTES, UnknownFormat, import_bytes

    refused = _limited(request, "uploads")
    if refused is not None:
        return refused
    fmt = request.query_params.get("format", "")
    if fmt not in FORMATS:
        return problem("unsupported_format", tr("format must be one of %(formats)s", formats=", ".join(FORMATS)),
                       status=415)
    try:
        raw = await read_body(request, IMPORT_MAX_BYTES)
        imported = await off_loop(import_bytes, fmt, raw, request.query_params.get("name", "imported")[:120])
    except BodyTooLarge:
        return too_large([Finding(None, None, english("the file is larger than %(limit)s kB",
                                                 limit=fmt_number(IMPORT_MAX_BYTES // 1000)))])
    except UnknownFormat:
        return problem("unsupported_format", tr("format must be one of %(formats)s", formats=", ".join(FORMATS)),
                       status=415)
    except GameError as exc:  # a body that stalls
        return problem(exc.code, translate(exc.message))
    return JSONResponse(imported.to_dict())
