"""How fast the explorers answer a control: the update path a dashboard user waits for.

For each explorer of the no-code dashboards, each control is moved through a range of values
(as a slider drag or a typed cost would), and the time from setting the value to the outputs
being redrawn (summary and figure, as PNG) is recorded. Prints p50/p95 per control against
the 100 ms target; nothing is asserted. Kernel-to-browser transport (a few ms on loopback) is
not included.

Each control is moved once before timing (warm-up: first-use imports and caches). Besides the
wall-clock time a user waits, the process CPU time per move is printed: on a busy machine
(load above the number of cores) the wall time mostly measures waiting for a core, while the
CPU time is close to what the move takes on a quiet machine. The target is judged on the wall
time; measure on a quiet machine (load < 1.5 on 2 cores) for a verdict.

Run: .venv/bin/python benchmarks/widgets.py [--moves 40] [--only drift_explorer]
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
#: Load average (1 min) above which the wall times are not a quiet-machine measurement.
QUIET_LOAD = 1.5


def _explorers():
    """The dashboards' explorers, built by the code the dashboards run.

    The drift explorer comes a second time with a categorical feature chosen, where its
    ``level`` control is shown and its slider moves applicants between levels.
    """
    for name, board in DASHBOARDS.items():
        namespace: dict = {}
        *setup, last = board.code.strip().split("\n")
        exec("\n".join(setup), namespace)  # noqa: S102 - our own dashboard code
        explorer = eval(last, namespace)  # noqa: S307
        yield name, explorer
        if name == "drift_explorer":
            categorical = [f for f in explorer.scenario.features
                           if f not in explorer.scenario.numeric_features]
            explorer.controls["feature"].value = categorical[0]
            yield f"{name} ({categorical[0]})", explorer


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
    parser.add_argument("--only", default="", metavar="NAME",
                        help="time only the dashboards whose name starts with NAME")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    print(f"explorer update latency, {args.moves} moves per control, {os.cpu_count()} CPUs, "
          f"load {load:.1f}; target p95 <= {TARGET_MS} ms (wall)")
    if load > QUIET_LOAD:
        print(f"note: load {load:.1f} > {QUIET_LOAD}: the machine is busy, wall times include "
              f"waiting for a core; the CPU columns estimate a quiet machine.")
    print(f"{'dashboard':<32} {'control':<14} {'p50 ms':>8} {'p95 ms':>8} "
          f"{'cpu p50':>8} {'cpu p95':>8}  meets target")
    _ = scenarios.make("stable", seed=1)  # warm the scenario cache outside the timings
    for name, explorer in _explorers():
        if not name.startswith(args.only):
            continue
        for control, widget in explorer.controls.items():
            if name.startswith("drift_explorer (") and control == "feature":
                continue  # timed above
            if getattr(getattr(widget, "layout", None), "display", None) == "none":
                continue  # hidden for this choice (the level slider of a numeric feature)
            values = [v for v in _values(widget, args.moves + 1) if v != widget.value] or []
            if len(values) < 2:
                continue
            times, cpu = [], []
            for i, value in enumerate(values):
                start, start_cpu = time.perf_counter(), time.process_time()
                try:
                    widget.value = value
                except Exception as exc:  # a value the control refuses: report, go on
                    print(f"  {control}: {value!r} refused ({type(exc).__name__}: {exc})")
                    continue
                if i > 0:  # the first move is the warm-up
                    times.append((time.perf_counter() - start) * 1000)
                    cpu.append((time.process_time() - start_cpu) * 1000)
            if times:
                p50, p95 = np.percentile(times, [50, 95])
                c50, c95 = np.percentile(cpu, [50, 95])
                print(f"{name:<32} {control:<14} {p50:8.1f} {p95:8.1f} {c50:8.1f} {c95:8.1f}  "
                      f"{'yes' if p95 <= TARGET_MS else 'NO'}")


if __name__ == "__main__":
    main()
