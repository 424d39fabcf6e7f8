"""``modellab monitor``: monitor batch files from cron and keep the history in SQLite.

Actions
-------
``modellab monitor run --reference REF --batches DIR [--store monitor.db] [--rules rules.toml]``
    Monitor every batch file in ``DIR`` (``batch_000.csv``, ``batch_001.parquet``, ...;
    the batch id is the number at the end of the file name) that is not yet in the
    store, oldest first, and print the alerts they raise, one line each. Files already
    stored are skipped, so a scheduled job can simply run this again and again; with
    nothing new it only lists the folder and the store (the reference and rules files are
    read, and checked, when there is a batch to monitor). A file
    that cannot be read or monitored (bad format, missing columns) is reported on
    stderr and skipped; the others are processed and nothing already stored is lost.
``modellab monitor alerts --store monitor.db [--severity critical] [--batch 12] [--csv]``
    Print the stored alerts.
``modellab monitor history --store monitor.db``
    Print the stored history (batch, size, labels, main metrics, drift share).

Exit status of ``run``
----------------------
``0``
    every new batch file was processed (alerts, if any, are printed);
``1``
    with ``--fail-on-alert``: new alerts were raised;
``2``
    a usage or set-up error (missing reference, unreadable store, bad rules file);
``3``
    at least one batch file was skipped because it could not be read or monitored
    (takes precedence over ``1``).
"""

from __future__ import annotations

import argparse
import sys

EXIT_OK, EXIT_ALERTS, EXIT_ERROR, EXIT_SKIPPED = 0, 1, 2, 3


def configure_parser(parser: argparse.ArgumentParser) -> None:
    """Add the ``run``, ``alerts`` and ``history`` actions to ``parser``."""
    sub = parser.add_subparsers(dest="monitor_action", metavar="ACTION")

    run_p = sub.add_parser(
        "run", help="monitor new batch files and print their alerts",
        description="Monitor every batch file not yet in the store and print new alerts. "
        "Exit status: 0 done, 1 new alerts with --fail-on-alert, 2 set-up error, "
        "3 some batch files were skipped.",
    )
    run_p.add_argument("--reference", required=True, help="reference CSV/Parquet file (with labels)")
    run_p.add_argument("--batches", required=True, help="folder of batch files (batch_000.csv, ...)")
    run_p.add_argument("--store", default="monitor.db", help="SQLite history file (default monitor.db)")
    run_p.add_argument("--rules", help="TOML file of alert rules (default: the built-in rules)")
    run_p.add_argument("--target", default="default", help="label column (default 'default')")
    run_p.add_argument("--score", default="score", help="score column (default 'score')")
    run_p.add_argument("--prediction", default="prediction", help="0/1 decision column")
    run_p.add_argument("--features", help="comma-separated features to watch (default: all others)")
    run_p.add_argument("--threshold", type=float, help="decision threshold (default 0.5)")
    run_p.add_argument("--replace", action="store_true", help="recompute batches already stored")
    run_p.add_argument("--fail-on-alert", action="store_true", help="exit 1 when new alerts are raised")
    run_p.add_argument("--quiet", action="store_true", help="print alerts only, no summary line")

    alerts_p = sub.add_parser("alerts", help="print the alerts kept in a store")
    alerts_p.add_argument("--store", default="monitor.db", help="SQLite history file")
    alerts_p.add_argument("--severity", choices=["info", "warning", "critical"], help="only this severity")
    alerts_p.add_argument("--batch", help="only this batch")
    alerts_p.add_argument("--csv", action="store_true", help="print CSV instead of sentences")

    hist_p = sub.add_parser("history", help="print the history kept in a store")
    hist_p.add_argument("--store", default="monitor.db", help="SQLite history file")


def run(args: argparse.Namespace) -> int:
    action = getattr(args, "monitor_action", None)
    if action == "run":
        return _run(args)
    if action == "alerts":
        return _alerts(args)
    if action == "history":
        return _history(args)
    print("usage: modellab monitor {run,alerts,history} ... (see modellab monitor --help)", file=sys.stderr)
    return EXIT_ERROR


def _alert_line(alert) -> str:
    return f"[{alert['severity']}] {alert['message']}"


def _run(args) -> int:
    import pathlib

    from modellab.monitor.batches import list_batch_files, read_batch, read_table
    from modellab.monitor.store import MonitorStore, batch_key

    for option, path in (("--reference", args.reference), ("--rules", args.rules)):
        if path is not None and not pathlib.Path(path).is_file():
            raise FileNotFoundError(f"{option} {path}: no such file.")
    files = list_batch_files(args.batches)
    with MonitorStore(args.store) as store:
        stored = set(store.batches())
    todo = [(k, p) for k, p in files if args.replace or batch_key(k) not in stored]
    new_alerts, skipped, done = [], [], []
    if not todo:
        # Nothing new: a scheduled run ends here, before scikit-learn is even imported and
        # before the reference is read and the monitor fitted (the slow parts).
        _summary(args, done, files, todo, skipped, new_alerts)
        return EXIT_OK
    from modellab.monitor.monitor import Monitor
    from modellab.monitor.rules import rules_from_toml

    rules = rules_from_toml(args.rules) if args.rules else None
    features = [f.strip() for f in args.features.split(",") if f.strip()] if args.features else None
    reference = read_table(args.reference)
    monitor = Monitor(
        reference, target=args.target, score=args.score, prediction=args.prediction,
        features=features, rules=rules, store=args.store, threshold=args.threshold,
        on_existing="replace" if args.replace else "skip",
    )
    for key, path in todo:
        try:
            frame = read_batch(path)
            result = monitor.run(frame, by="batch", source=path.name)
        except (ValueError, TypeError, OSError, KeyError) as exc:
            skipped.append(path.name)
            print(f"modellab monitor: skipped {path.name}: {exc}", file=sys.stderr)
            continue
        done.append(key)
        fresh = result.alerts[result.alerts["batch"] == key]
        for _, alert in fresh.iterrows():
            print(_alert_line(alert))
            new_alerts.append(alert)
    _summary(args, done, files, todo, skipped, new_alerts)
    if skipped:
        return EXIT_SKIPPED
    if new_alerts and args.fail_on_alert:
        return EXIT_ALERTS
    return EXIT_OK


def _summary(args, done, files, todo, skipped, new_alerts) -> None:
    if not args.quiet:
        print(
            f"{len(done)} new batch(es) monitored, {len(files) - len(todo)} already in "
            f"{args.store}, {len(skipped)} skipped; {len(new_alerts)} new alert(s)."
        )


def _alerts(args) -> int:
    from modellab.monitor.result import MonitorResult

    alerts = MonitorResult.from_store(args.store).alerts
    if args.severity:
        alerts = alerts[alerts["severity"] == args.severity]
    if args.batch is not None:
        alerts = alerts[alerts["batch"].astype(str) == str(args.batch)]
    if args.csv:
        sys.stdout.write(alerts.to_csv(index=False))
    elif alerts.empty:
        print("No alerts.")
    else:
        for _, alert in alerts.iterrows():
            print(_alert_line(alert))
    return EXIT_OK


def _history(args) -> int:
    from modellab.monitor.result import MonitorResult

    history = MonitorResult.from_store(args.store).history
    cols = [c for c in ("batch", "start", "n", "n_labelled", "roc_auc", "base_rate",
                        "positive_rate", "mean_score", "drift_share") if c in history.columns]
    print(history[cols].to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    return EXIT_OK
