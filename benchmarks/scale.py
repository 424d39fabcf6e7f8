"""Benchmark of modellab.scale: monitoring N production rows from Parquet.

Data: the ``covariate_shift_sudden`` scenario (seed 0) with 1M-row batches, padded with
10 extra numeric columns to 25 columns (batch, timestamp, 10 features, default, score,
prediction, extra_00..extra_09), written once by :func:`modellab.scale.write_scenario`
into ``artifacts/scale_cache/rows_<N>/`` (git-ignored) and reused.

Each contender runs in a fresh subprocess so its peak memory (``resource.getrusage``
max RSS: of the process, and of its largest child for Dask worker processes) is its own:

- ``chunked``: :func:`monitor_parquet` in-process, all N rows;
- ``dask-proc``: the same on a 2-worker, 1-thread-each ``LocalCluster`` (processes);
- ``dask-thread``: the same with ``processes=False`` (2 threads in one process);
- ``in-memory``: pandas reads the first M rows (only the columns the monitor needs),
  then ``Monitor.run`` (drift + metrics per batch): the largest size that fits sensibly;
- ``chunked@M``: ``monitor_parquet`` on the same M rows, for a like-for-like ratio.

Ratios are against ``in-memory`` rows/s measured in the same run. Targets: peak memory
under 1 GB for the chunked paths. No asserts: it prints figures.

``--sweep`` runs ``chunked`` alone on growing prefixes of the same files (1M, 2M, 5M,
10M, 20M, 50M rows up to ``--rows``, or the sizes given) and prints its peak memory per
size: flat memory means the chunked path's memory does not grow with the data.

Usage::

    python benchmarks/scale.py                       # 50M rows, in-memory at 5M
    python benchmarks/scale.py --rows 10000000 --in-memory-rows 5000000
    python benchmarks/scale.py --sweep               # chunked peak memory, 1M .. 50M rows
    python benchmarks/scale.py --rows 400000 --rows-per-file 100000 --sweep 100000 400000
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import resource
import subprocess
import sys
import time

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[1]
SCENARIO = "covariate_shift_sudden"
BATCH = 1_000_000
ROWS_PER_FILE = 1_000_000  # --rows-per-file changes it (small checks)
SWEEP = (1_000_000, 2_000_000, 5_000_000, 10_000_000, 20_000_000, 50_000_000)
N_EXTRA = 10


def _scenario(rows: int):
    from modellab import scenarios as sc

    n_batches = max(10, rows // BATCH)
    return sc.make(SCENARIO, seed=0, n_reference=20_000, n_batches=n_batches,
                   batch_size=rows // n_batches)


def _pad(frame):
    rng = np.random.default_rng(int(frame["batch"].iloc[0]))
    extra = {f"extra_{i:02d}": rng.normal(size=len(frame)) for i in range(N_EXTRA)}
    return frame.assign(**extra)


def ensure_data(rows: int, cache: pathlib.Path) -> pathlib.Path:
    from modellab.scale import write_scenario

    folder = cache / (f"rows_{rows}" if ROWS_PER_FILE == 1_000_000
                      else f"rows_{rows}_per_{ROWS_PER_FILE}")
    manifest = folder / "_manifest.json"
    if manifest.is_file() and sum(json.loads(manifest.read_text())["rows"]) == rows:
        return folder
    t = time.perf_counter()
    s = _scenario(rows)
    files = write_scenario(s, folder, rows_per_file=ROWS_PER_FILE, transform=_pad)
    size = sum(f.stat().st_size for f in files) / 2**30
    print(f"wrote {rows:,} rows ({len(files)} files, {size:.2f} GiB) in "
          f"{time.perf_counter() - t:.0f}s to {folder}", flush=True)
    return folder


def _peak_mib(who) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # Linux: KiB


def contender(name: str, folder: pathlib.Path, rows: int) -> dict:
    """Run one contender in this (fresh) process and return its figures."""
    import pandas as pd

    from modellab.monitor import Monitor
    from modellab.scale import list_files, local_client, monitor_parquet

    reference = _scenario(rows).reference
    files = list_files(folder)
    n_files = -(-rows // ROWS_PER_FILE)
    monitor = Monitor(reference)
    startup = 0.0
    client = None
    if name.startswith("dask"):
        t = time.perf_counter()
        client = local_client(2, 1, processes=name == "dask-proc", memory_limit="2GiB")
        client.wait_for_workers(2)
        startup = time.perf_counter() - t
    t = time.perf_counter()
    if name == "in-memory":
        columns = [*monitor.features_, "batch", "timestamp", "default", "score", "prediction"]
        production = pd.concat([pd.read_parquet(f, columns=columns) for f in files[:n_files]],
                               ignore_index=True)
        history = monitor.run(production).history
        n = len(production)
    else:
        result = monitor_parquet(monitor, files[:n_files], client=client)
        history, n = result.history, result.n_rows
    seconds = time.perf_counter() - t
    if client is not None:
        client.close()
    return {"contender": name, "rows": n, "seconds": seconds, "startup_s": startup,
            "rows_per_s": n / seconds, "peak_MiB": _peak_mib(resource.RUSAGE_SELF),
            "peak_child_MiB": _peak_mib(resource.RUSAGE_CHILDREN),
            "drift_share_last": float(history["drift_share"].iloc[-1])}


def run_fresh(name: str, folder: pathlib.Path, rows: int) -> dict:
    cmd = [sys.executable, __file__, "--contender", name, "--folder", str(folder),
           "--rows", str(rows), "--rows-per-file", str(ROWS_PER_FILE)]
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if out.returncode:
        return {"contender": name, "rows": rows, "error": out.stderr.strip().splitlines()[-1]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000_000)
    parser.add_argument("--in-memory-rows", type=int, default=5_000_000)
    parser.add_argument("--cache", type=pathlib.Path, default=ROOT / "artifacts" / "scale_cache")
    parser.add_argument("--contender")
    parser.add_argument("--folder", type=pathlib.Path)
    parser.add_argument("--only", nargs="+", help="run only these contenders")
    parser.add_argument("--generate", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--rows-per-file", type=int, default=1_000_000)
    parser.add_argument("--sweep", nargs="*", type=int,
                        help="chunked peak memory at these row counts (default 1M..--rows)")
    args = parser.parse_args(argv)
    globals()["ROWS_PER_FILE"] = args.rows_per_file
    if args.generate:  # child process
        ensure_data(args.rows, args.cache)
        return
    if args.contender:  # child process
        print(json.dumps(contender(args.contender, args.folder, args.rows)))
        return
    print(f"modellab.scale benchmark on {os.cpu_count()} core(s), load average "
          f"{os.getloadavg()[0]:.1f} (other work inflates times; compare the ratios)", flush=True)
    # Generate in a child: Linux keeps a process's peak RSS across exec, so a parent that
    # had grown while writing would inflate every contender's getrusage figure.
    subprocess.run([sys.executable, __file__, "--generate", "--rows", str(args.rows),
                    "--cache", str(args.cache), "--rows-per-file", str(ROWS_PER_FILE)],
                   check=True, cwd=ROOT)
    folder = ensure_data(args.rows, args.cache)  # already written: just its path
    if args.sweep is not None:
        sweep(folder, args.rows, args.sweep or [n for n in SWEEP if n < args.rows])
        return
    m = min(args.in_memory_rows, args.rows)
    plan = [("in-memory", m), ("chunked@M", m), ("chunked", args.rows),
            ("dask-thread", args.rows), ("dask-proc", args.rows)]
    rows = []
    for name, n in plan:
        if args.only and name not in args.only:
            continue
        r = run_fresh(name.replace("@M", ""), folder, n)
        r["contender"] = name
        rows.append(r)
        print(json.dumps(r), flush=True)
    import pandas as pd

    table = pd.DataFrame(rows)
    if "rows_per_s" in table and (table["contender"] == "in-memory").any():
        base = table.loc[table["contender"] == "in-memory", "rows_per_s"].iloc[0]
        table["speed_vs_in_memory"] = table["rows_per_s"] / base
    print()
    with pd.option_context("display.width", 200, "display.float_format", "{:,.2f}".format):
        print(table.to_string(index=False))
    print(f"load average after: {os.getloadavg()[0]:.1f}")


def sweep(folder: pathlib.Path, rows: int, sizes) -> None:
    """``chunked`` on growing prefixes of the same files: peak memory per size."""
    import pandas as pd

    out = []
    for n in sorted({*[n for n in sizes if n <= rows], rows}):
        r = run_fresh("chunked", folder, n)
        out.append(r)
        print(json.dumps(r), flush=True)
    table = pd.DataFrame(out)
    if "peak_MiB" in table:
        table["peak_vs_smallest"] = table["peak_MiB"] / table["peak_MiB"].iloc[0]
    print()
    with pd.option_context("display.width", 200, "display.float_format", "{:,.2f}".format):
        print(table.to_string(index=False))
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
