"""Gateway CPU per poll and p99 staleness vs number of controllers: Junction and snmp_exporter.

    pip install matplotlib                                # bench-only dependency
    python bench/plot.py --run                            # run the benches, then draw
    python bench/plot.py                                  # redraw from bench/results/*.jsonl

--run runs bench/poll_ntcip.py at each --controllers N and bench/vs_snmp_exporter.py at each
--exporter-controllers N (one child process at a time, each bounded by --timeout), adds the
machine's load average before/after to each JSON line and appends it to
bench/results/poll_ntcip.jsonl or bench/results/vs_snmp_exporter.jsonl (and prints it).
Drawing uses the last line per N of each file; the PNG is bench/results/cpu_staleness.png.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchlib import REPO, child, emit, load, note

Row = dict[str, Any]
Pick = Callable[[Row], float]
RESULTS = REPO / "bench" / "results"
POLL, VERSUS = RESULTS / "poll_ntcip.jsonl", RESULTS / "vs_snmp_exporter.jsonl"


def run_one(cmd: list[str], timeout: float, out: Path) -> None:
    note("running: " + " ".join(cmd))
    before = load()
    with child(cmd, stdout=subprocess.PIPE) as proc:
        try:
            stdout, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            note(f"timed out after {timeout} s: skipped")
            return
    lines = [ln for ln in stdout.decode().splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        note(f"failed (exit {proc.returncode}): skipped")
        return
    result = json.loads(lines[-1]) | {"load_before": before, "load_after": load()}
    with out.open("a") as f:
        f.write(json.dumps(result) + "\n")
    emit(result)


def last_per_n(path: Path, key: str) -> list[dict[str, Any]]:
    rows: dict[int, dict[str, Any]] = {}
    if path.exists():
        for line in path.read_text().splitlines():
            row = json.loads(line) if line.strip() else {}
            if key in row:  # skip notes kept beside the results
                rows[int(row[key])] = row
    return [rows[n] for n in sorted(rows)]


def draw(png: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    poll = last_per_n(POLL, "controllers")
    vs = last_per_n(VERSUS, "controllers")
    fig, (cpu_ax, st_ax) = plt.subplots(1, 2, figsize=(12, 5), constrained_layout=True)
    # (label, style, colour, rows, CPU ms per poll, p99 staleness, achieved polls per second)
    series: list[tuple[str, str, str, list[Row], Pick, Pick, Pick]] = [
        ("Junction (poll_ntcip.py)", "o-", "tab:blue", poll,
         lambda r: r["gateway_cpu_s_per_1000_polls"], lambda r: r["staleness_p99_s"],
         lambda r: r["polls_per_s"]),
        ("Junction (vs_snmp_exporter.py run)", "s--", "tab:cyan", vs,
         lambda r: r["junction"]["cpu_ms_per_poll"], lambda r: r["junction"]["staleness_p99_s"],
         lambda r: r["junction"]["polls_per_s"]),
        ("snmp_exporter 0.21 (per scrape)", "^-", "tab:red", vs,
         lambda r: r["snmp_exporter"]["cpu_ms_per_scrape"],
         lambda r: r["snmp_exporter"]["staleness_p99_s"],
         lambda r: r["snmp_exporter"]["scrapes_per_s"]),
    ]
    for label, style, colour, rows, cpu, stale, rate in series:
        if not rows:
            continue
        ns = [r["controllers"] for r in rows]
        cpu_ax.plot(ns, [cpu(r) for r in rows], style, color=colour, label=label)
        st_ax.plot(ns, [stale(r) for r in rows], style, color=colour, label=label)
        for r in rows:
            n = r["controllers"]
            short = rate(r) < 0.97 * n / r.get("interval_s", 1.0)
            for ax, value in ((cpu_ax, cpu(r)), (st_ax, stale(r))):
                text = f"{value:.2f}" + (f" ({rate(r):.0f}/s done)" if short else "")
                ax.annotate(text, (n, value), fontsize=7, textcoords="offset points",
                            xytext=(4, 4), color=colour)
    ticks = sorted({r["controllers"] for r in poll + vs})
    cpu_ax.axhline(0.2, color="green", ls=":", label="goal: 0.2 ms per poll")
    st_ax.axhline(1.5, color="green", ls=":", label="goal: p99 <= 1.5 s")
    for ax, title, ylabel in (
            (cpu_ax, "CPU per device poll (process CPU / polls)", "ms of CPU per poll"),
            (st_ax, "p99 state staleness at 1 Hz polling", "seconds")):
        ax.set_xscale("log")
        ax.set_xticks(ticks, [str(t) for t in ticks])
        ax.minorticks_off()
        ax.set_xlabel("controllers polled at 1 Hz")
        ax.set_ylabel(ylabel)
        ax.set_title(title)
        ax.set_ylim(bottom=0)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    loads = [r.get("load_before", [0])[0] for r in poll + vs]
    fig.suptitle("Junction vs snmp_exporter on 2 cores, simulators on the same machine "
                 f"(1-min load before runs: {min(loads, default=0):.1f}-"
                 f"{max(loads, default=0):.1f})", fontsize=10)
    fig.savefig(png, dpi=110)
    note(f"wrote {png}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run", action="store_true", help="run the benches first")
    parser.add_argument("--controllers", default="100,500,1000,2000,5000")
    parser.add_argument("--exporter-controllers", default="100,500,1000,2000")
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--timeout", type=float, default=600, help="per bench run, seconds")
    args = parser.parse_args()
    RESULTS.mkdir(exist_ok=True)
    if args.run:
        bench = REPO / "bench"
        for n in args.controllers.split(","):
            run_one([sys.executable, str(bench / "poll_ntcip.py"), "--controllers", n,
                     "--seconds", str(args.seconds)], args.timeout, POLL)
        for n in args.exporter_controllers.split(","):
            run_one([sys.executable, str(bench / "vs_snmp_exporter.py"), "--controllers", n,
                     "--seconds", str(args.seconds)], args.timeout, VERSUS)
    draw(RESULTS / "cpu_staleness.png")


if __name__ == "__main__":
    main()
