"""The `junction` command as users run it: check-config, adapters, and the demo end to end."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

JUNCTION = [sys.executable, "-m", "gateway.cli"]
REPO = Path(__file__).resolve().parent.parent


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*JUNCTION, *args], capture_output=True, text=True, timeout=60,
                          cwd=REPO)


def test_check_config_reports_every_error_with_its_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("devices:\n  - id: a\n    kind: signal_controller\n    adapter: ntcip\n"
                   "    endpoint: {host: 127.0.0.1, port: 70000}\n  - id: b\n    kind: lamp\n"
                   "    adapter: ntcip\n    endpoint: {host: 127.0.0.1}\n")
    result = run("check-config", str(bad))
    assert result.returncode == 1
    assert f"{bad}:5:" in result.stdout and f"{bad}:7:" in result.stdout
    assert "2 error(s)" in result.stdout
    good = tmp_path / "good.yaml"
    good.write_text((REPO / "adapters/ntcip/sample.yaml").read_text())
    env_ok = run("check-config", str(good))
    assert env_ok.returncode == 1 and "JUNCTION_CTL_MAIN_1ST_COMMUNITY" in env_ok.stdout


def test_adapters_lists_ntcip() -> None:
    result = run("adapters")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ntcip" in result.stdout and "set_pattern" in result.stdout


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize("loop", ["asyncio", "uvloop"])
def test_demo_serves_devices_and_stops_on_sigterm(tmp_path: Path, loop: str) -> None:
    port = free_port()
    ntcip_port = free_udp_port()
    proc = subprocess.Popen([*JUNCTION, "--loop", loop, "demo", "--port", str(port),
                             "--operator-token", "demo-token-0123456789",
                             "--store", str(tmp_path / "d.db"),
                             "--ntcip-port", str(ntcip_port), "--gat1049-port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        banner = ""
        deadline = time.monotonic() + 30
        while "Ctrl-C" not in banner and time.monotonic() < deadline:
            line = proc.stdout.readline()  # type: ignore[union-attr]
            if not line:
                break
            banner += line
        assert f"http://127.0.0.1:{port}" in banner and "demo-token-0123456789" in banner
        items: list[dict[str, object]] = []
        while time.monotonic() < deadline:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/devices") as resp:
                items = json.load(resp)["items"]
            if items and all(i["health"]["status"] == "up" for i in items):  # type: ignore[index]
                break
            time.sleep(0.3)
        assert len(items) >= 4
        assert all(i["health"]["status"] == "up" for i in items)  # type: ignore[index]
        assert "GA/T 1049 tcp://127.0.0.1:" in banner
        if shutil.which("snmpget"):  # the contract: any controller is an NTCIP device
            first = next(i["id"] for i in items if i["kind"] == "signal_controller")
            out = subprocess.run(["snmpget", "-v2c", "-c", f"public@{first}", "-Oqv",
                                  f"127.0.0.1:{ntcip_port}", "1.3.6.1.4.1.1206.4.2.1.3.5.0"],
                                 capture_output=True, text=True, timeout=20, check=False)
            assert out.returncode == 0 and out.stdout.strip().isdigit(), out
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=15) == 0
        assert "Traceback" not in proc.stderr.read()  # type: ignore[union-attr]
    finally:
        if proc.poll() is None:
            proc.kill()


def test_serve_polls_a_config_of_devices(tmp_path: Path) -> None:
    sims = subprocess.Popen([sys.executable, "-m", "simulators.ntcip", "--count", "2",
                             "--community", "field-community-1", "--watch-stdin"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=REPO)
    port = free_port()
    serve = None
    try:
        fleet = json.loads(sims.stdout.readline())  # type: ignore[union-attr]
        lines = [f"api: {{host: 127.0.0.1, port: {port}}}", "auth: {anonymous_read: true}",
                 f"store: {{path: {tmp_path / 'serve.db'}}}", "devices:"]
        for d in fleet["devices"]:
            lines += [f"  - id: {d['id']}", "    kind: signal_controller",
                      "    adapter: ntcip", "    profile: ntcip/standard",
                      f"    endpoint: {{host: 127.0.0.1, port: {d['port']}}}",
                      "    credentials: {password_env: FIELD_COMMUNITY}"]
        config = tmp_path / "junction.yaml"
        config.write_text("\n".join(lines) + "\n")
        env = {**os.environ, "FIELD_COMMUNITY": "field-community-1"}
        serve = subprocess.Popen([*JUNCTION, "serve", "--config", str(config)],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                 cwd=REPO, env=env)
        deadline = time.monotonic() + 20
        statuses: list[object] = []
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/devices") as resp:
                    statuses = [i["health"]["status"] for i in json.load(resp)["items"]]
            except OSError:
                pass
            if statuses and all(s == "up" for s in statuses):
                break
            time.sleep(0.3)
        assert statuses == ["up", "up"]
        serve.send_signal(signal.SIGTERM)
        assert serve.wait(timeout=15) == 0
        _, err = serve.communicate()
        assert "field-community-1" not in err and "Traceback" not in err
    finally:
        if serve is not None and serve.poll() is None:
            serve.kill()
        sims.stdin.close()  # type: ignore[union-attr]
        sims.wait(timeout=15)
