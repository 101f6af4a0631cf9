"""Open-loop HTTP load at a fixed rate, cycling over a list of URLs (run as a child process).

    python bench/httpload.py --urls-file urls.txt --rate 500 --seconds 30 [--watch-pid PID]

Request i is due at start + i/rate and goes to URL i mod len(urls), so with `rate` = number of
URLs every URL is fetched once a second. At most `--concurrency` requests are in flight (aiohttp,
keep-alive); a request due while all are busy is skipped and counted. After `--warmup` s, a
window of `--seconds` s is measured: latency (send to whole body), dispatch lag, responses that
are not 200 or lack `--expect`, the CPU of `--watch-pid` (utime+stime from /proc) per good
response completed in the window, this client's own CPU, and (like poll_ntcip.py) staleness:
every 0.5 s, the age of each URL's last good response, timed from when it was sent.
Prints one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections import Counter
from pathlib import Path

import aiohttp
from benchlib import cpu_of, emit, load, percentile, run


class Load:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.urls = Path(args.urls_file).read_text().split()
        self.expect = args.expect.encode().decode("unicode_escape").encode() \
            if args.expect else b""
        self.last_ok = [0.0] * len(self.urls)  # wall time the last good request was sent
        self.latencies: list[float] = []
        self.lags: list[float] = []
        self.errors: Counter[str] = Counter()
        self.ok_in_window = self.sent = self.skipped = self.in_flight = 0
        self.window = (0.0, 0.0)  # loop-time bounds of the measured window

    def measuring(self, t: float) -> bool:
        return self.window[0] <= t < self.window[1]

    async def one(self, session: aiohttp.ClientSession, i: int, due: float) -> None:
        loop = asyncio.get_running_loop()
        sent, wall = loop.time(), time.time()
        try:
            async with session.get(self.urls[i]) as resp:
                body = await resp.read()
            error = None if resp.status == 200 else f"http_{resp.status}"
            if error is None and self.expect and self.expect not in body:
                error = "unexpected_body"
        except (aiohttp.ClientError, TimeoutError) as err:
            error = type(err).__name__
        finally:
            self.in_flight -= 1
        done = loop.time()
        if error is None:
            self.last_ok[i] = max(self.last_ok[i], wall)
        if self.measuring(due):
            self.latencies.append(done - sent)
            self.lags.append(sent - due)
            if error is not None:
                self.errors[error] += 1
        if error is None and self.measuring(done):
            self.ok_in_window += 1

    async def staleness(self, ages: list[float], never: list[int]) -> None:
        loop = asyncio.get_running_loop()
        await asyncio.sleep(max(0.0, self.window[0] - loop.time()))
        while loop.time() + 0.5 < self.window[1]:
            await asyncio.sleep(0.5)
            now = time.time()
            for sent in self.last_ok:
                if sent:
                    ages.append(now - sent)
                else:
                    never[0] += 1

    async def main(self) -> dict[str, object]:
        a = self.args
        loop = asyncio.get_running_loop()
        start = loop.time() + 0.1
        self.window = (start + a.warmup, start + a.warmup + a.seconds)
        ages: list[float] = []
        never = [0]
        timeout = aiohttp.ClientTimeout(total=a.timeout)
        connector = aiohttp.TCPConnector(limit=a.concurrency, force_close=False)
        tasks: set[asyncio.Task[None]] = set()
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
            sampler = asyncio.create_task(self.staleness(ages, never))
            marks: dict[str, float] = {}

            async def mark(at: float, name: str) -> None:
                await asyncio.sleep(max(0.0, at - loop.time()))
                marks[name + "_cpu"] = cpu_of(a.watch_pid) if a.watch_pid else 0.0
                marks[name + "_own"] = time.process_time()

            marking = [asyncio.create_task(mark(self.window[0], "t0")),
                       asyncio.create_task(mark(self.window[1], "t1"))]
            i = 0
            while (due := start + i / a.rate) < self.window[1]:
                delay = due - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
                if self.in_flight >= a.concurrency:
                    self.skipped += self.measuring(due)
                else:
                    self.in_flight += 1
                    self.sent += self.measuring(due)
                    task = asyncio.create_task(self.one(session, i % len(self.urls), due))
                    tasks.add(task)
                    task.add_done_callback(tasks.discard)
                i += 1
            await asyncio.gather(*marking)
            sampler.cancel()
            if tasks:
                await asyncio.wait(tasks, timeout=a.timeout + 1)
            for task in tasks:
                task.cancel()
        cpu = marks["t1_cpu"] - marks["t0_cpu"]
        ms = [x * 1000 for x in self.latencies]
        return {
            "bench": "httpload", "urls": len(self.urls), "rate_target": a.rate,
            "concurrency": a.concurrency, "seconds": a.seconds, "sent": self.sent,
            "ok_per_s": round(self.ok_in_window / a.seconds, 1),
            "errors": dict(self.errors), "skipped_busy": self.skipped,
            "latency_ms": {f"p{q}": round(percentile(ms, q / 100), 3)
                           for q in (50, 90, 99, 99.9)} | {"max": round(max(ms, default=-1), 3)},
            "dispatch_lag_ms_p99": round(percentile(self.lags, 0.99) * 1000, 3),
            "watched_pid": a.watch_pid, "watched_cpu_s": round(cpu, 3),
            "watched_cpu_ms_per_ok": round(cpu / max(self.ok_in_window, 1) * 1000, 4),
            "watched_cpu_cores": round(cpu / a.seconds, 3),
            "client_cpu_cores": round((marks["t1_own"] - marks["t0_own"]) / a.seconds, 3),
            "staleness_p50_s": round(percentile(ages, 0.5), 3),
            "staleness_p99_s": round(percentile(ages, 0.99), 3),
            "samples_without_ok": never[0], "load": load(),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--urls-file", required=True)
    parser.add_argument("--rate", type=float, required=True, help="requests per second")
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--warmup", type=float, default=5)
    parser.add_argument("--concurrency", type=int, default=100)
    parser.add_argument("--timeout", type=float, default=2.0, help="per request, seconds")
    parser.add_argument("--watch-pid", type=int, default=0)
    parser.add_argument("--expect", default="", help="substring every good body contains "
                        r"(backslash escapes allowed, e.g. '\nname 33\n')")
    args = parser.parse_args()
    emit(run(lambda: Load(args).main()))


if __name__ == "__main__":
    main()
