"""A third-party adapter, pip-installed into a venv, is listed by `junction adapters` and polled
by `junction serve` from that venv: the gateway names no adapter, it finds them through the
`junction.adapters` entry point (tests/thirdparty/junction_tinytsc/pyproject.toml)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml

PACKAGE = Path(__file__).resolve().parent / "junction_tinytsc"
PASSWORD = "tiny-Secret-pw7"


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A venv that sees the installed junction, with junction-tinytsc installed into it."""
    root = tmp_path_factory.mktemp("thirdparty")
    source = root / "junction_tinytsc"
    shutil.copytree(PACKAGE, source)  # pip builds in the source tree: keep the repo clean
    env_dir = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", "--without-pip",
                    str(env_dir)], check=True, timeout=60)
    python = env_dir / "bin" / "python"
    result = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
         "--no-index", "--disable-pip-version-check", str(source)],
        capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    return python


def run(python: Path, *args: str, timeout_s: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(python), *args], capture_output=True, text=True,
                          timeout=timeout_s, cwd=python.parent)


def test_the_package_is_only_in_the_venv(venv: Path) -> None:
    assert run(venv, "-c", "import junction_tinytsc").returncode == 0
    outside = subprocess.run([sys.executable, "-c", "import junction_tinytsc"],
                             capture_output=True, text=True, timeout=60, cwd=venv.parent)
    assert outside.returncode != 0


def test_junction_adapters_lists_it_with_its_capabilities(venv: Path) -> None:
    result = run(venv, "-m", "gateway.cli", "adapters")
    assert result.returncode == 0, result.stdout + result.stderr
    block = result.stdout[result.stdout.index("tinytsc"):]
    assert "TinyTSC signal controllers" in block.splitlines()[0]
    assert "package: junction-tinytsc 0.1.0" in block
    assert "kinds: signal_controller" in block and "read_state" in block
    assert "commands: release, set_mode" in block
    assert "ntcip" in result.stdout  # the built-in adapters are still there


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def _process(args: list[str], **kw: object) -> Iterator[subprocess.Popen[str]]:
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            **kw)  # type: ignore[call-overload]
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _get(url: str) -> tuple[int, dict[str, object]]:
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"{}")


def test_junction_serve_from_the_venv_polls_its_simulator(venv: Path, tmp_path: Path) -> None:
    with _process([str(venv), "-m", "junction_tinytsc.sim", "--port", "0", "--password",
                   PASSWORD], cwd=tmp_path) as sim:
        assert sim.stdout is not None
        line = sim.stdout.readline()
        assert line.startswith("listening "), line
        sim_port = int(line.rsplit(":", 1)[1])
        api_port = _free_port()
        config = tmp_path / "junction.yaml"
        config.write_text(yaml.safe_dump({
            "api": {"host": "127.0.0.1", "port": api_port},
            "auth": {"anonymous_read": True},
            "store": {"path": str(tmp_path / "junction.db")},
            "devices": [{"id": "tiny-1", "kind": "signal_controller", "adapter": "tinytsc",
                         "endpoint": {"host": "127.0.0.1", "port": sim_port},
                         "credentials": {"username": "admin", "password": PASSWORD},
                         "poll": {"interval_s": 0.2, "timeout_s": 0.5}}]}))
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        with _process([str(venv), "-m", "gateway.cli", "serve", "--config", str(config)],
                      cwd=tmp_path, env=env) as serve:
            base = f"http://127.0.0.1:{api_port}/api/v1/devices/tiny-1"
            deadline = time.monotonic() + 20
            state: dict[str, object] = {}
            while time.monotonic() < deadline and serve.poll() is None:
                try:
                    status, health = _get(base + "/health")
                    if status == 200 and health.get("status") == "up":
                        status, state = _get(base + "/state")
                        break
                except OSError:
                    pass
                time.sleep(0.2)
            assert serve.poll() is None, serve.stdout.read() if serve.stdout else ""
            assert state.get("kind") == "signal_controller", state
            phases = state["phases"]
            assert isinstance(phases, list) and len(phases) == 4, state
            _, device = _get(base)
            assert device["adapter"] == "tinytsc" and device["vendor"] == "TinyTSC", device
