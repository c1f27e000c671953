"""Thaw as a user installs it: the wheel and sdist built from this checkout, the wheel
installed into a fresh virtualenv outside it, `thaw serve` started from an empty folder."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import tarfile
import time
import urllib.request
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.game import play_short_game
from tests.support.servers import ROOT, free_port

SHIPPED_DECKS = sorted(p.name for p in (ROOT / "content").glob("*.yaml"))
SERVER = ROOT / "server"
LUA = sorted(p.name for p in (ROOT / "server" / "store" / "redis").glob("*.lua"))
CATALOGS = sorted(str(p.relative_to(SERVER)) for p in (SERVER / "locale").rglob("*.po"))
TEMPLATES = sorted(p.name for p in (ROOT / "server" / "web" / "templates").glob("*.html"))
STATIC = sorted(str(p.relative_to(ROOT / "static")) for p in (ROOT / "static").rglob("*") if p.is_file())


@dataclass
class Built:
    wheel: Path
    sdist: Path


def _uv(*args: str | Path, cwd: Path | None = None) -> str:
    done = subprocess.run([sys.executable, "-m", "uv", *map(str, args)], cwd=cwd, capture_output=True, text=True,
                          timeout=600, check=False)
    assert done.returncode == 0, f"uv {' '.join(map(str, args))} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    out = tmp_path_factory.mktemp("dist")
    _uv("build", "--quiet", "--out-dir", out, ROOT)  # the sdist, then the wheel built from it
    (wheel,) = out.glob("thaw-*.whl")
    (sdist,) = out.glob("thaw-*.tar.gz")
    return Built(wheel, sdist)


@pytest.fixture(scope="module")
def venv(built: Built, tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = tmp_path_factory.mktemp("venv") / "venv"
    _uv("venv", "--quiet", "--python", sys.executable, where)
    _uv("pip", "install", "--quiet", "--python", where / "bin" / "python", built.wheel)
    return where


def test_the_wheel_carries_the_package_and_its_files(built: Built) -> None:
    names = set(zipfile.ZipFile(built.wheel).namelist())
    assert {n.split("/")[0] for n in names} == {"thaw", built.wheel.name.split("-py3")[0] + ".dist-info"}
    assert {f"thaw/decks/{d}" for d in SHIPPED_DECKS} <= names
    assert {f"thaw/store/redis/{f}" for f in LUA} <= names and LUA
    assert {f"thaw/web/templates/{t}" for t in TEMPLATES} <= names and TEMPLATES
    assert {f"thaw/{c}" for c in CATALOGS} <= names and len(CATALOGS) == 5
    assert {f"thaw/static/{s}" for s in STATIC} <= names and STATIC
    assert {"thaw/py.typed", "thaw/__main__.py", "thaw/transport/internals.py"} <= names
    entry = zipfile.ZipFile(built.wheel).read(built.wheel.name.split("-py3")[0] + ".dist-info/entry_points.txt")
    assert b"thaw = thaw.cli:main" in entry


def test_the_sdist_carries_the_sources_the_files_and_the_docs(built: Built) -> None:
    with tarfile.open(built.sdist) as tar:
        top = tar.getnames()[0].split("/")[0]
        names = {n.removeprefix(top + "/") for n in tar.getnames()}
    assert {"pyproject.toml", "README.md", "LICENSE", "Procfile", "MANIFEST.in", "docs/deploying.md"} <= names
    assert {f"content/{d}" for d in SHIPPED_DECKS} <= names
    assert {f"server/store/redis/{f}" for f in LUA} <= names
    assert {f"server/web/templates/{t}" for t in TEMPLATES} <= names
    assert {f"static/{s}" for s in STATIC} <= names
    assert not any(n.startswith("tests/") for n in names)


def _env() -> dict[str, str]:
    keep = ("PATH", "HOME", "LANG", "TMPDIR", "THAW_FAST_PATH")
    return {k: v for k, v in os.environ.items() if k in keep}


@pytest.fixture
def served(venv: Path, tmp_path: Path) -> Iterator[str]:
    empty = tmp_path / "empty"
    empty.mkdir()
    port = free_port()
    log = tmp_path / "thaw.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([venv / "bin" / "thaw", "serve", "--host", "127.0.0.1", "--port", str(port)],
                                cwd=empty, env=_env(), stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None, log.read_text()
            try:
                with urllib.request.urlopen(f"{url}/healthz", timeout=1):
                    break
            except OSError:
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(20)
    assert list(empty.iterdir()) == [], "serving wrote into the working directory"


def _get(url: str) -> tuple[int, str, str]:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, response.headers.get("Content-Type", ""), response.read().decode()


def test_the_installed_command_runs_outside_the_checkout(venv: Path, tmp_path: Path) -> None:
    where = subprocess.run([venv / "bin" / "python", "-c", "import thaw; print(thaw.__file__)"], cwd=tmp_path,
                           env=_env(), capture_output=True, text=True, check=True).stdout.strip()
    assert Path(where).is_relative_to(venv), where
    for command in ([venv / "bin" / "thaw", "--help"], [venv / "bin" / "python", "-m", "thaw", "--help"]):
        done = subprocess.run(command, cwd=tmp_path, env=_env(), capture_output=True, text=True, check=False)
        assert done.returncode == 0 and "serve" in done.stdout, done.stderr
    checked = subprocess.run([venv / "bin" / "thaw", "check"], cwd=tmp_path, env=_env(), capture_output=True,
                             text=True, check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    for tool in ("bench", "bots"):  # the tools' own packages came along too
        done = subprocess.run([venv / "bin" / "thaw", tool, "--help"], cwd=tmp_path, env=_env(),
                              capture_output=True, text=True, check=False)
        assert done.returncode == 0 and "usage" in done.stdout, done.stderr
    installed = Path(where).parent
    missing = sorted(str(f.relative_to(SERVER)) for f in SERVER.rglob("*.py")
                     if "__pycache__" not in f.parts and not (installed / f.relative_to(SERVER)).is_file())
    assert missing == [], f"modules of server/ missing from the wheel (pyproject.toml packages): {missing}"


def test_thaw_serve_from_an_empty_folder_serves_pages_files_decks_and_a_game(served: str) -> None:
    status, kind, page = _get(f"{served}/")
    assert status == 200 and kind.startswith("text/html")
    status, kind, host = _get(f"{served}/host")
    assert status == 200 and kind.startswith("text/html")
    assets = sorted(set(re.findall(r'(?:src|href)="(?:https?://[^/"]+)?(/static/[^"]+)"', page + host)))
    assert any(a.endswith(".css") for a in assets) and any(a.endswith(".js") for a in assets), assets
    for asset in assets:
        status, kind, body = _get(served + asset)
        assert status == 200 and body, asset
    status, _kind, decks = _get(f"{served}/api/decks")
    assert status == 200 and len(re.findall(r'"id":', decks)) == len(SHIPPED_DECKS)
    board = asyncio.run(play_short_game(served))
    assert len(board["top"]) == 2
