"""``modellab report``: write a stakeholder report from a monitoring store.

Examples::

    modellab report --store monitor.db --out report.html
    modellab report --store monitor.db --out report.md --audience technical
    modellab report --store monitor.db --out card.md --model-card --owner "Risk team"

Top-level imports stay light: matplotlib, pandas and Jinja2 load only when the command runs.
"""

from __future__ import annotations

import argparse
import pathlib


def configure_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--store",
        required=True,
        type=pathlib.Path,
        help="monitoring store written by `modellab monitor` (SQLite file)",
    )
    parser.add_argument(
        "--out", required=True, type=pathlib.Path, help="output file, e.g. report.html or report.md"
    )
    parser.add_argument(
        "--audience",
        choices=("executive", "technical"),
        default="executive",
        help="executive (default) or technical (adds drift tables and methods)",
    )
    parser.add_argument(
        "--format",
        choices=("html", "md"),
        default=None,
        help="html or md (default: from the --out suffix, else html)",
    )
    parser.add_argument("--title", default=None, help="report title")
    parser.add_argument("--model-name", default=None, help="how the report names the model")
    parser.add_argument("--metric", default="roc_auc", help="headline metric (default roc_auc)")
    parser.add_argument(
        "--cost-missed-default",
        type=float,
        default=None,
        help="average loss per missed default (default 5000, illustrative)",
    )
    parser.add_argument(
        "--cost-false-alarm",
        type=float,
        default=None,
        help="average margin lost per declined good loan (default 500, illustrative)",
    )
    parser.add_argument("--currency", default=None, help="currency code for amounts (default EUR)")
    parser.add_argument(
        "--model-card",
        action="store_true",
        help="write a model card (monitoring plan and open incidents) instead of a report",
    )
    parser.add_argument(
        "--owner",
        action="append",
        default=None,
        help="model owner for --model-card (repeat for several)",
    )
    parser.add_argument(
        "--intended-use",
        default="Rank loan applications by their risk of default.",
        help="intended use for --model-card",
    )
    parser.add_argument("--quiet", action="store_true", help="do not print the output path")


def run(args: argparse.Namespace) -> int:
    from modellab.report.facts import CostAssumptions

    if not args.store.exists():
        raise FileNotFoundError(
            f"No monitoring store at {args.store}: run `modellab monitor ... --store {args.store}` first."
        )
    defaults = CostAssumptions()
    costs = CostAssumptions(
        missed_default=defaults.missed_default
        if args.cost_missed_default is None
        else args.cost_missed_default,
        false_alarm=defaults.false_alarm
        if args.cost_false_alarm is None
        else args.cost_false_alarm,
        currency=args.currency or defaults.currency,
    )
    if args.model_card:
        from modellab.report.model_card import write_model_card

        kwargs = {} if args.format is None else {"format": args.format}
        out = write_model_card(
            args.out,
            args.model_name or "monitored model",
            intended_use=args.intended_use,
            owners=args.owner or ["(owner not set: pass --owner)"],
            result=args.store,
            **kwargs,
        )
    else:
        from modellab.report.render import render

        out = render(
            args.store,
            args.out,
            audience=args.audience,
            title=args.title,
            model_name=args.model_name,
            format=args.format,
            costs=costs,
            primary_metric=args.metric,
        )
    if not args.quiet:
        print(out)
    return 0
