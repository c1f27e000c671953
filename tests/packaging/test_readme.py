"""The README's "Run it" command, exactly as written, in a fresh copy of the checkout."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

from tests.support.servers import ROOT, free_port

SHIPPED = ("server", "static", "content", "docs", "pyproject.toml", "README.md", "LICENSE", "MANIFEST.in", "Procfile")


def _run_it_command() -> str:
    readme = (ROOT / "README.md").read_text()
    found = re.search(r"\*\*Run it\*\*.*?```sh\n(.+?)\n```", readme, re.DOTALL)
    assert found, "README.md has no 'Run it' command"
    command = found.group(1).strip()
    assert "\n" not in command and command.endswith("thaw serve"), command
    return command


def test_the_readme_run_command_serves_from_a_fresh_checkout(tmp_path: Path) -> None:
    checkout = tmp_path / "thaw"
    checkout.mkdir()
    for name in SHIPPED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, checkout / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, checkout / name)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "TMPDIR") or k.startswith("PIP_")}
    env.update(HOST="127.0.0.1", PORT=str(port))
    log = tmp_path / "run-it.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(["bash", "-c", _run_it_command()], cwd=checkout, env=env, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 300  # the install fetches the dependencies
        while True:
            assert proc.poll() is None, log.read_text()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1) as response:
                    assert response.status == 200
                    break
            except OSError:
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.3)
        assert f"http://localhost:{port}/host" in log.read_text()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(30)
