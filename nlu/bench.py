"""`kavshiri nlu bench`: load time, parses per second on one process, latency and memory.

Figures come from one run on this machine and are printed, never asserted. Throughput is timed
over whole rounds (by the wall clock, and by this process's CPU clock, which leaves out the time
other processes on a busy machine took from it); latency percentiles come from a separate round
that times every parse. The first pass is reported apart: the word caches (folding, weights,
fuzzy agency search) start empty, as after a restart.
"""
from __future__ import annotations

import resource
import statistics
import time
from collections.abc import Callable

from nlu.understanding import Understander


def bench(build: Callable[[], Understander], texts: list[str], rounds: int = 20) -> dict[str, float]:
    started = time.perf_counter()
    understander = build()
    load_seconds = time.perf_counter() - started
    first_pass, _ = _round(understander, texts)
    wall = cpu = 0.0
    for _ in range(rounds):
        w, c = _round(understander, texts)
        wall, cpu = wall + w, cpu + c
    latencies = []
    for _ in range(max(1, rounds // 4)):
        latencies += _latencies(understander, texts)
    cuts = statistics.quantiles(latencies, n=100)
    parses = rounds * len(texts)
    return {
        "texts": len(texts),
        "parses": parses,
        "load_s": round(load_seconds, 3),
        "first_pass_parses_per_s": round(len(texts) / first_pass),
        "parses_per_s": round(parses / wall),
        "parses_per_cpu_s": round(parses / cpu),
        "p50_ms": round(cuts[49] * 1000, 3),
        "p99_ms": round(cuts[98] * 1000, 3),
        "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def _round(understander: Understander, texts: list[str]) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    for text in texts:
        understander.parse(text)
    return time.perf_counter() - wall, time.process_time() - cpu


def _latencies(understander: Understander, texts: list[str]) -> list[float]:
    clock, out = time.perf_counter, []
    for text in texts:
        start = clock()
        understander.parse(text)
        out.append(clock() - start)
    return out
