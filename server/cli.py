"""The `thaw` command: serve, check, import, bots, bench."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

from .transport.config import ConfigError, from_env


def _serve(args: argparse.Namespace) -> int:
    from . import logs
    from .app import app_from_env, load_content
    from .content import DeckError
    from .transport.netaddr import lan_address
    from .transport.serving import serve

    env = os.environ
    if args.redis_url is not None:
        env["REDIS_URL"] = args.redis_url
    if args.content is not None:
        env["THAW_CONTENT"] = args.content
    if args.workers is not None:
        env["WEB_CONCURRENCY"] = str(args.workers)
    if args.proxy_headers:
        env["THAW_TRUST_PROXY"] = "true"
    env["PORT"] = str(args.port)
    try:
        settings = from_env(env)
        decks = load_content(settings)  # fail before listening, with every problem named
    except ConfigError as exc:
        print(f"thaw: {exc}", file=sys.stderr)
        return 2
    except DeckError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(f"thaw: {len(exc.problems)} problem(s) in the decks; fix them or run `thaw check`", file=sys.stderr)
        return 1
    files = raise_open_files()
    logs.configure(settings.log_format, args.log_level.upper())
    local = "localhost" if args.host in ("0.0.0.0", "::", "127.0.0.1") else args.host
    lan = lan_address() if args.host in ("0.0.0.0", "::") else None
    join_host = settings.public_url or (f"http://{lan}:{args.port}" if lan else f"http://{local}:{args.port}")
    banner = [f"Thaw {len(decks)} decks, {settings.store_kind} store",
              f"  Teacher (projector): http://{local}:{args.port}/host",
              f"  Students join at:    {join_host}/"]
    if settings.store_kind == "memory":
        banner.append("  Rooms live in this process: stopping the server ends its games.")
    if files is not None and files < 4096:
        banner.append(f"  Only {files} open files allowed: fewer sockets than a large game needs (ulimit -n).")
    if settings.log_format == "json":  # every line of output is one JSON object
        logging.getLogger("thaw.cli").info("; ".join(line.strip() for line in banner))
    else:
        print("\n".join(banner), flush=True)
    serve(settings, factory="thaw.app:app_from_env", build=app_from_env, host=args.host, port=args.port,
          compression=args.compression, log_level=args.log_level, access_log=args.access_log,
          log_config=logs.uvicorn_log_config(settings.log_format))
    return 0


def raise_open_files() -> int | None:
    """Raise this process's open-file limit to its hard limit; the limit now in force.

    Every socket is a file descriptor: a soft limit of 1,024 (a common default)
    stops a server of a few hundred players long before memory or CPU does, and
    then it can accept nobody, not even a health check.
    """
    try:
        import resource
    except ImportError:  # pragma: no cover - not on POSIX
        return None
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else max(soft, 1 << 20)
    if soft == resource.RLIM_INFINITY or soft >= target:
        return None if soft == resource.RLIM_INFINITY else soft
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    except (ValueError, OSError):
        return soft
    return target


def _check(args: argparse.Namespace) -> int:
    from .content.check import main

    return main(args.paths, lint=args.lint)


def _import(args: argparse.Namespace) -> int:
    from .content.importer import main

    return main(args.rest)


def _bots(args: argparse.Namespace) -> int:
    from .tools.bots import main

    return main(args.rest)


def _bench(args: argparse.Namespace) -> int:
    from .tools.bench import main
    from .transport import yardstick

    return main(args.rest, yardstick=yardstick.measure)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="thaw", description="Thaw: a live classroom quiz server.")
    sub = p.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the server (in-memory store unless REDIS_URL is set)")
    serve.add_argument("--host", default=os.environ.get("HOST", "0.0.0.0"),
                       help="address to listen on (default 0.0.0.0: students on the same network can join)")
    serve.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000") or 8000))
    serve.add_argument("--workers", type=int, default=None, help="worker processes (more than 1 needs REDIS_URL)")
    serve.add_argument("--redis-url", default=None, help="redis:// or rediss:// URL (default: $REDIS_URL)")
    serve.add_argument("--content", default=None, help="folder of decks (default: $THAW_CONTENT or content/)")
    serve.add_argument("--proxy-headers", action="store_true",
                       help="trust X-Forwarded-* headers (behind a PaaS router or reverse proxy)")
    serve.add_argument("--compression", action="store_true",
                       help="per-message deflate (costs ~50 KiB per connection; off by default)")
    serve.add_argument("--log-level", default="info")
    serve.add_argument("--access-log", action="store_true")
    serve.set_defaults(run=_serve)

    check = sub.add_parser("check", help="validate decks; print problems as file:line: message")
    check.add_argument("paths", nargs="*")
    check.add_argument("--lint", action="store_true",
                       help="also print authoring warnings (long options, give-aways, lucky guesses...)")
    check.set_defaults(run=_check)

    for name, run, text in (
        ("import", _import, "convert a quiz spreadsheet (CSV) into a YAML deck"),
        ("bots", _bots, "simulated students over real WebSockets"),
        ("bench", _bench, "reproducible benchmarks against a server started for the run"),
    ):
        sp = sub.add_parser(name, help=text, add_help=False)
        sp.add_argument("rest", nargs=argparse.REMAINDER)
        sp.set_defaults(run=run)
    return p


PASSTHROUGH = {"import": _import, "bots": _bots, "bench": _bench}


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in PASSTHROUGH:
        # These parse their own options (argparse.REMAINDER would drop a leading --flag).
        return PASSTHROUGH[argv[0]](argparse.Namespace(rest=argv[1:]))
    args = parser().parse_args(argv)
    code: int = args.run(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
