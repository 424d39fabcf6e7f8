"""``modellab scenarios``: list the named scenarios or export one to files.

``modellab scenarios list`` prints the catalogue.
``modellab scenarios export NAME --out DIR --format csv|parquet`` writes
``reference.<ext>``, one ``batch_NNN.<ext>`` per production batch (generated and
written one at a time, so long streams never sit in memory) and ``truth.csv``.
With ``--partitioned`` the production stream goes to ``production/part-NNNNN.parquet``
files of ``--rows-per-file`` rows each (plus ``_manifest.json``), for
:mod:`modellab.scale` to monitor chunk by chunk; use a large ``--batch-size`` for speed.

Top-level imports stay light: the scenario code loads only when a command runs.
"""

from __future__ import annotations

import argparse
import pathlib


def configure_parser(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="scenarios_command", metavar="ACTION")
    sub.add_parser(
        "list", help="print the named scenarios", description="Print the named scenarios."
    )
    exp = sub.add_parser(
        "export",
        help="write a scenario's reference, batches and truth to files",
        description="Write reference.<ext>, batch_000.<ext>, ... and truth.csv to a folder.",
    )
    exp.add_argument("name", help="scenario name (see 'modellab scenarios list')")
    exp.add_argument("--out", required=True, type=pathlib.Path, help="output folder (created)")
    exp.add_argument("--format", choices=["csv", "parquet"], default=None,
                     help="file format (default csv; parquet with --partitioned)")
    exp.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    exp.add_argument("--n-reference", type=int, default=5000, help="reference rows (default 5000)")
    exp.add_argument("--n-batches", type=int, default=20, help="production batches (default 20)")
    exp.add_argument("--batch-size", type=int, default=1000, help="rows per batch (default 1000)")
    exp.add_argument(
        "--partitioned", action="store_true",
        help="write production as a Parquet dataset: production/part-NNNNN.parquet",
    )
    exp.add_argument(
        "--rows-per-file", type=int, default=1_000_000,
        help="rows per production file with --partitioned (default 1000000)",
    )
    parser.set_defaults(_scenarios_parser=parser)


def run(args: argparse.Namespace) -> int:
    action = getattr(args, "scenarios_command", None)
    if action == "list":
        return _list()
    if action == "export":
        return _export(args)
    args._scenarios_parser.print_help()
    return 2


def _list() -> int:
    from .catalog import list_scenarios

    table = list_scenarios()
    width = int(table["name"].str.len().max())
    kind_width = int(table["kind"].str.len().max())
    print(f"{'name':<{width}}  {'kind':<{kind_width}}  description")
    for row in table.itertuples(index=False):
        print(f"{row.name:<{width}}  {row.kind:<{kind_width}}  {row.description}")
    return 0


def _export(args: argparse.Namespace) -> int:
    from .catalog import make

    scenario = make(
        args.name,
        seed=args.seed,
        n_reference=args.n_reference,
        n_batches=args.n_batches,
        batch_size=args.batch_size,
    )
    out: pathlib.Path = args.out
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out {out} is a file: pass a folder path (it is created if needed).")
    partitioned = getattr(args, "partitioned", False)
    if partitioned and args.format == "csv":
        raise ValueError("--partitioned writes Parquet: drop --format csv (or use --format parquet).")
    if partitioned and args.rows_per_file <= 0:
        raise ValueError(f"--rows-per-file must be positive, got {args.rows_per_file}.")
    out.mkdir(parents=True, exist_ok=True)
    ext = args.format or ("parquet" if partitioned else "csv")
    written = [_write(scenario.reference, out / f"reference.{ext}", ext)]
    if partitioned:
        from modellab.scale.parquet import write_scenario

        files = write_scenario(scenario, out / "production", rows_per_file=args.rows_per_file)
        written += [(f, _rows(f)) for f in files]
    else:
        digits = max(3, len(str(scenario.n_batches - 1)))
        for batch in scenario.iter_batches():
            index = int(batch["batch"].iloc[0])
            written.append(_write(batch, out / f"batch_{index:0{digits}d}.{ext}", ext))
    truth = scenario.truth.copy()
    # CSV has no tuples: write the features as "a;b" so the file reads back cleanly.
    truth["features"] = truth["features"].map(";".join)
    written.append(_write(truth, out / "truth.csv", "csv"))
    layout = (
        f"{len(written) - 2} production file(s) in production/ "
        f"({scenario.n_batches * scenario.batch_size:,} rows)" if partitioned
        else f"{scenario.n_batches} batch files of {scenario.batch_size:,} rows"
    )
    print(
        f"Wrote scenario {scenario.name!r} (seed {scenario.seed}) to {out}: "
        f"reference {len(scenario.reference):,} rows, {layout}, {len(truth)} truth row(s)."
    )
    for path, rows in written:
        print(f"  {path.relative_to(out)}  ({rows:,} rows)")
    return 0


def _rows(path: pathlib.Path) -> int:
    import pyarrow.parquet as pq

    return pq.ParquetFile(path).metadata.num_rows


def _write(frame, path: pathlib.Path, fmt: str) -> tuple[pathlib.Path, int]:
    if fmt == "parquet":
        frame.to_parquet(path, index=False)
    else:
        frame.to_csv(path, index=False)
    return path, len(frame)
