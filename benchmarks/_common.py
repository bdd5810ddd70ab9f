"""Helpers shared by the benchmark scripts: timing, load average, formatting."""

from __future__ import annotations

import gc
import os
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

# The clock of best_of: wall time (what a user waits), or the CPU time of the process,
# which other work on a shared machine disturbs much less (the code timed here runs in
# one thread; CPU time of any extra threads would be added, not hidden).
CLOCKS: dict[str, Callable[[], float]] = {"wall": time.perf_counter, "cpu": time.process_time}
_clock = ["wall"]


def set_clock(name: str) -> None:
    """Time with the wall clock ("wall") or the process's CPU time ("cpu")."""
    if name not in CLOCKS:
        raise ValueError(f"clock must be one of {sorted(CLOCKS)}; got {name!r}")
    _clock[0] = name


def clock_name() -> str:
    return _clock[0]


def now() -> float:
    """The current reading of the chosen clock, in seconds."""
    return CLOCKS[_clock[0]]()


def best_of(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    """Best time of ``repeats`` calls (after garbage collection), and the last result."""
    best = np.inf
    out: Any = None
    for _ in range(repeats):
        out = None
        gc.collect()
        start = now()
        out = fn()
        best = min(best, now() - start)
    return best, out


def load_average() -> str:
    """The 1-, 5- and 15-minute load averages: other work skews the timings."""
    try:
        return "load average " + ", ".join(f"{x:.2f}" for x in os.getloadavg())
    except (AttributeError, OSError):  # not available on this platform
        return "load average n/a"


def seconds(t: float) -> str:
    """A duration in h, s or ms, 9 characters wide ("-" when unknown)."""
    if not np.isfinite(t):
        return f"{'-':>9}"
    if t >= 3600.0:
        return f"{t / 3600:6.1f} h "
    return f"{t:7.2f} s" if t >= 1.0 else f"{t * 1e3:6.1f} ms"


def progress(message: str) -> None:
    """A progress line on stderr, so that the report on stdout stays clean."""
    print(f"  {message}", file=sys.stderr, flush=True)
