"""`junction new-adapter`: the scaffold's folders, its tests failing by method name until the
adapter is written, and the same tests passing once it is (the TinyTSC adapter filled in)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from gateway.scaffold import ScaffoldError, scaffold

REPO = Path(__file__).resolve().parents[2]
TINY_ADAPTER = REPO / "tests/thirdparty/junction_tinytsc/junction_tinytsc/adapter.py"


def junction(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "gateway.cli", *args], capture_output=True,
                          text=True, timeout=60, cwd=cwd)


def run_generated_tests(root: Path, name: str) -> subprocess.CompletedProcess[str]:
    """pytest on the generated tests, from the scaffold's root, as an engineer would run it."""
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "-p", "no:randomly", f"tests/adapters/{name}"],
                          capture_output=True, text=True, timeout=90, cwd=root, env=env)


def test_new_adapter_writes_the_three_folders_and_never_overwrites(tmp_path: Path) -> None:
    result = junction("new-adapter", "acme_tsc", "--kind", "signal_controller",
                      "--root", str(tmp_path))
    assert result.returncode == 0, result.stderr
    for path in ("adapters/acme_tsc/adapter.py", "adapters/acme_tsc/README.md",
                 "adapters/acme_tsc/sample.yaml", "profiles/acme_tsc/generic.yaml",
                 "simulators/acme_tsc/device.py", "simulators/acme_tsc/handle.py",
                 "tests/adapters/acme_tsc/test_acme_tsc_conformance.py"):
        assert (tmp_path / path).is_file(), path
        assert f"created {path}" in result.stdout
    assert 'acme_tsc = "adapters.acme_tsc.adapter:AcmeTscAdapter"' in result.stdout
    adapter = (tmp_path / "adapters/acme_tsc/adapter.py").read_text()
    for method in ("async def open", "async def read", "async def execute", "async def close"):
        assert method in adapter
    assert "stream_events" not in adapter  # a signal controller's capabilities only
    readme = (tmp_path / "adapters/acme_tsc/README.md").read_text()
    assert "adapter: acme_tsc" in readme and "profile: acme_tsc/generic" in readme
    again = junction("new-adapter", "acme_tsc", "--kind", "camera", "--root", str(tmp_path))
    assert again.returncode == 2 and "already exists, nothing written" in again.stderr
    bad = junction("new-adapter", "Acme-TSC", "--kind", "camera", "--root", str(tmp_path))
    assert bad.returncode == 2 and "adapter name" in bad.stderr
    with pytest.raises(ScaffoldError, match="kind 'lamp'"):
        scaffold("lamps", "lamp", tmp_path)


def test_cameras_get_events_and_enforcement_cameras_no_commands(tmp_path: Path) -> None:
    scaffold("acme_cam", "camera", tmp_path)
    scaffold("acme_itc", "enforcement_camera", tmp_path)
    cam = (tmp_path / "adapters/acme_cam/adapter.py").read_text()
    itc = (tmp_path / "adapters/acme_itc/adapter.py").read_text()
    assert "async def stream_events" in cam and "CommandName.PTZ_MOVE" in cam
    assert "async def stream_events" in itc and "async def execute" not in itc


@pytest.mark.skipif(shutil.which("ruff") is None, reason="ruff is not installed")
def test_generated_code_passes_the_repository_lint(tmp_path: Path) -> None:
    for name, kind in (("acme_tsc", "signal_controller"), ("acme_cam", "camera"),
                       ("acme_itc", "enforcement_camera")):
        scaffold(name, kind, tmp_path)
    result = subprocess.run(
        ["ruff", "check", "--config", str(REPO / "pyproject.toml"), "--config",
         "lint.isort.known-first-party=['gateway', 'adapters', 'simulators']", "."],
        capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_generated_tests_fail_naming_the_method_to_write(tmp_path: Path) -> None:
    scaffold("acme_tsc", "signal_controller", tmp_path)
    result = run_generated_tests(tmp_path, "acme_tsc")
    out = result.stdout
    assert result.returncode == 1, out + result.stderr
    assert "AcmeTscAdapter.open() is not implemented yet" in out, out
    assert "adapters/acme_tsc/adapter.py" in out
    assert "Junction adapter conformance" in out
    assert "acme_tsc (acme_tsc/generic): 1 passed, 11 failed" in out


def test_the_scaffold_filled_in_passes_every_check(tmp_path: Path) -> None:
    """TinyTSC was started with `junction new-adapter tinytsc`; its adapter, dropped into a
    fresh scaffold, passes the generated tests against the generated simulator."""
    scaffold("tinytsc", "signal_controller", tmp_path)
    filled = TINY_ADAPTER.read_text().replace("TinyTscAdapter", "TinytscAdapter")
    (tmp_path / "adapters/tinytsc/adapter.py").write_text(filled)
    result = run_generated_tests(tmp_path, "tinytsc")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "12 passed" in result.stdout, result.stdout
