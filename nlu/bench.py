"""`kavshiri nlu bench`: load time, parses per second on one process, latency and memory.

Figures come from one run on this machine and are printed, never asserted. Each parse is timed
twice: by the wall clock, and by this thread's CPU clock, which leaves out the time other
processes on a busy machine took from it. The first pass over the texts is reported apart: the
word caches (folding, weights, fuzzy agency search) start empty, as after a restart.
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
    first_wall, _ = _timed(understander, texts)
    wall: list[float] = []
    cpu: list[float] = []
    for _ in range(rounds):
        w, c = _timed(understander, texts)
        wall += w
        cpu += c
    wall_cuts, cpu_cuts = statistics.quantiles(wall, n=100), statistics.quantiles(cpu, n=100)
    return {
        "texts": len(texts),
        "parses": len(wall),
        "load_s": round(load_seconds, 3),
        "first_pass_parses_per_s": round(len(texts) / sum(first_wall)),
        "parses_per_s": round(len(wall) / sum(wall)),
        "parses_per_cpu_s": round(len(cpu) / sum(cpu)),
        "p50_ms": round(wall_cuts[49] * 1000, 3),
        "p99_ms": round(wall_cuts[98] * 1000, 3),
        "cpu_p50_ms": round(cpu_cuts[49] * 1000, 3),
        "cpu_p99_ms": round(cpu_cuts[98] * 1000, 3),
        "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def _timed(understander: Understander, texts: list[str]) -> tuple[list[float], list[float]]:
    wall_clock, cpu_clock = time.perf_counter, time.thread_time
    wall, cpu = [], []
    for text in texts:
        w, c = wall_clock(), cpu_clock()
        understander.parse(text)
        cpu.append(cpu_clock() - c)
        wall.append(wall_clock() - w)
    return wall, cpu
