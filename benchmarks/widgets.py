"""How fast the explorers answer a control: the update path a dashboard user waits for.

For each explorer of the no-code dashboards, each control is moved through a range of values
(as a slider drag or a typed cost would), and the time from setting the value to the outputs
being redrawn (summary and figure, as PNG) is recorded. Prints p50/p95 per control against
the 100 ms target; nothing is asserted. Kernel-to-browser transport (a few ms on loopback) is
not included.

Run: .venv/bin/python benchmarks/widgets.py [--moves 40]
"""

from __future__ import annotations

import argparse
import os
import time

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402

from modellab import scenarios  # noqa: E402
from modellab.dashboard import DASHBOARDS  # noqa: E402

TARGET_MS = 100


def _explorers():
    """The dashboards' explorers, built by the code the dashboards run."""
    for name, board in DASHBOARDS.items():
        namespace: dict = {}
        *setup, last = board.code.strip().split("\n")
        exec("\n".join(setup), namespace)  # noqa: S102 - our own dashboard code
        yield name, eval(last, namespace)  # noqa: S307


def _values(widget, moves: int) -> list:
    if hasattr(widget, "options") and widget.options:
        options = [o[1] if isinstance(o, tuple) else o for o in widget.options]
        return [options[i % len(options)] for i in range(moves)]
    if hasattr(widget, "min") and hasattr(widget, "max"):
        lo, hi = float(widget.min), float(widget.max)
        step = float(getattr(widget, "step", 0) or (hi - lo) / 100)
        grid = np.arange(lo, hi + step / 2, step)
        rng = np.random.default_rng(0)
        return [type(widget.value)(v) for v in rng.choice(grid, size=moves)]
    if isinstance(getattr(widget, "value", None), (int, float)):
        base = widget.value or 1.0
        return [type(base)(base * f) for f in np.linspace(0.5, 2.0, moves)]
    return []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=40, help="moves per control")
    args = parser.parse_args()
    print(f"explorer update latency, {args.moves} moves per control, {os.cpu_count()} CPUs, "
          f"load {os.getloadavg()[0]:.1f}; target p95 <= {TARGET_MS} ms")
    print(f"{'dashboard':<20} {'control':<14} {'p50 ms':>8} {'p95 ms':>8}  meets target")
    _ = scenarios.make("stable", seed=1)  # warm the scenario cache outside the timings
    for name, explorer in _explorers():
        for control, widget in explorer.controls.items():
            values = [v for v in _values(widget, args.moves) if v != widget.value] or []
            if not values:
                continue
            times = []
            for value in values:
                start = time.perf_counter()
                try:
                    widget.value = value
                except Exception as exc:  # a value the control refuses: report, go on
                    print(f"  {control}: {value!r} refused ({exc})")
                    continue
                times.append((time.perf_counter() - start) * 1000)
            if times:
                p50, p95 = np.percentile(times, [50, 95])
                print(f"{name:<20} {control:<14} {p50:8.1f} {p95:8.1f}  "
                      f"{'yes' if p95 <= TARGET_MS else 'NO'}")


if __name__ == "__main__":
    main()
