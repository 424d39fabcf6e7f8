"""A plain-language executive summary, written from the facts of a monitoring result.

The summary is for a manager who reads nothing else: what changed, since when, how much
performance moved (with numbers), what it costs, and what to do. Technical words come with
a short gloss in brackets.
"""

from __future__ import annotations

import math

from modellab.report.facts import (
    MONEY_DIGITS,
    CostAssumptions,
    ReportFacts,
    fmt_date,
    fmt_metric,
    fmt_money,
    gather_facts,
    metric_gloss,
    metric_name,
)

__all__ = ["executive_summary", "summary_paragraphs"]

_HEADLINES = {
    "ok": "No action needed.",
    "watch": "Keep watching.",
    "action": "Action needed.",
}


def _when(batch, start) -> str:
    date = fmt_date(start)
    return f"batch {batch} (starting {date})" if date else f"batch {batch}"


def _period(f: ReportFacts) -> str:
    span = f"{f.n_batches} batch{'es' if f.n_batches != 1 else ''}"
    if f.first_start is not None and f.last_start is not None:
        span += f" from {fmt_date(f.first_start)} to {fmt_date(f.last_start)}"
    return f"{span}, {scored_detail(f)}" if f.n_rows else span


def scored_detail(f: ReportFacts) -> str:
    """"1,000 loans scored", or "950 of 1,000 loans scored" when the service left some unscored."""
    if f.n_scored == f.n_rows:
        return f"{f.n_rows:,} loans scored"
    return f"{f.n_scored:,} of {f.n_rows:,} loans scored"


def _join(names: list[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def _what_changed(f: ReportFacts, max_features: int) -> str:
    if f.drifted_features:
        shown = f.drifted_features[:max_features]
        names = _join([x.name for x in shown])
        more = len(f.drifted_features) - len(shown)
        extra = f" (and {more} more)" if more > 0 else ""
        s = "s" if len(shown) + max(more, 0) > 1 else ""
        text = (
            f"From {_when(f.onset_batch, f.onset_start)}, the loans we score no longer look like the "
            f"loans the model was built on (data drift): the feature{s} {names}{extra} changed"
        )
        still = [x.name for x in shown if x.drifted_now]
        text += (
            ", and the change is still present in the latest batch."
            if still
            else ", though the latest batch looks normal again."
        )
        if f.emerging_features:
            text += (
                f" In the latest batch {_join(list(f.emerging_features))} also moved; one batch is not "
                f"enough to tell a real change from chance, so the next batch will confirm it."
            )
    elif f.onset_batch is not None:
        text = f"From {_when(f.onset_batch, f.onset_start)}, the monitor raised alerts while the input data itself did not shift."
    else:
        text = (
            f"Across {_period(f)}, the incoming loans look like the loans the model was built on "
            f"(no sustained data drift) and the monitor raised "
            f"{'no alerts' if not f.n_alerts else 'only isolated alerts'}."
        )
        if f.emerging_features:
            text += (
                f" In the latest batch {_join(list(f.emerging_features))} moved; a single batch like "
                f"this happens by chance about once in twenty checks, and the next batch will tell."
            )
        return text
    counts = []
    if f.n_critical:
        counts.append(f"{f.n_critical} critical")
    if f.n_warning:
        counts.append(f"{f.n_warning} warning")
    alerts = (
        f" The monitor raised {_join(counts)} alert{'s' if f.n_alerts != 1 else ''}."
        if counts
        else ""
    )
    return f"{text}{alerts} Period covered: {_period(f)}."


def _performance(f: ReportFacts) -> str:
    head = f.metric_changes.get(f.primary_metric)
    since = (
        f"since {_when(f.onset_batch, f.onset_start)}"
        if f.onset_batch is not None
        else "over the period"
    )
    if head is None:
        return (
            "Performance cannot be measured yet: the outcomes (repaid or defaulted) of these loans are "
            "not known yet. Until they are, the drift above is our early warning."
        )
    ref_txt, after_txt = (
        fmt_metric(head.metric, head.reference),
        fmt_metric(head.metric, head.after),
    )
    if abs(head.change) < 0.015:
        text = (
            f"The model's {metric_gloss(head.metric)} held steady: {after_txt} on average {since}, "
            f"against {ref_txt} in the reference period"
        )
    else:
        move = "fell" if head.change < 0 else "rose"
        text = (
            f"The model's {metric_gloss(head.metric)} {move} from {ref_txt} in the reference "
            f"period to {after_txt} on average {since}"
        )
    text += f", measured on {head.n_labelled_after:,} loans whose outcome is known."
    recall = f.metric_changes.get("recall")
    if recall is not None and head.metric != "recall":
        before, after = fmt_metric("recall", recall.reference), fmt_metric("recall", recall.after)
        if before == after:  # a move smaller than the printed precision is no move to report
            text += f" Its {metric_gloss('recall')} held at {after}."
        else:
            verb = "fell" if recall.change < 0 else "rose"
            text += f" Its {metric_gloss('recall')} {verb} from {before} to {after}."
    rate = f.metric_changes.get("base_rate")
    if rate is not None and abs(rate.change) >= 0.02:
        verb = "rose" if rate.change > 0 else "fell"
        text += (
            f" The {metric_gloss('base_rate')} {verb} from {fmt_metric('base_rate', rate.reference)} "
            f"to {fmt_metric('base_rate', rate.after)}."
        )
    if f.unlabelled_batches:
        waiting = f.unlabelled_batches
        text += (
            f" Outcomes for {len(waiting)} recent batch{'es' if len(waiting) != 1 else ''} "
            f"(batch {waiting[0]}{' onwards' if len(waiting) > 1 else ''}) are not known yet, so those batches are not included."
        )
    return text


def _count(value: float, more: str, fewer: str) -> str:
    """``12.4`` -> ``'about 12 more <more>'``; negative values say ``fewer``."""
    word = "more" if value >= 0 else "fewer"
    return f"about {abs(value):,.0f} {word} {more if value >= 0 else fewer}"


def _impact(f: ReportFacts) -> str:
    imp = f.impact
    if imp is None:
        return ""
    c = imp.costs

    def money(amount: float) -> str:  # estimates are rounded like the lesson teaches
        return fmt_money(amount, c.currency, significant=MONEY_DIGITS)

    if abs(imp.extra_missed_defaults) < 0.5 and abs(imp.extra_false_alarms) < 0.5:
        return (
            f"Business impact: no change in errors compared with the reference period "
            f"(among {imp.loans_labelled_after:,} loans with a known outcome)."
        )
    def more_or_less(amount: float) -> str:
        return f"{money(abs(amount))} {'more' if amount >= 0 else 'less'}"

    interval = (
        f" (95% range: {more_or_less(imp.cost_low)} to {more_or_less(imp.cost_high)})"
        if math.isfinite(imp.cost_low) and math.isfinite(imp.cost_high)
        else ""
    )
    return (
        f"Business impact, {imp.counterfactual}: "
        f"{_count(imp.extra_missed_defaults, 'defaults went unflagged', 'defaults went unflagged')} "
        f"and {_count(imp.extra_false_alarms, 'good customers were declined', 'good customers were declined')}, "
        f"among {imp.loans_labelled_after:,} loans with a known outcome. "
        f"Net change in the cost of errors: roughly {more_or_less(imp.cost)}{interval}, "
        f"at an assumed {fmt_money(c.missed_default, c.currency)} per missed default and "
        f"{fmt_money(c.false_alarm, c.currency)} per good customer declined. It assumes we know how "
        f"declined applicants would have fared (in a real loan book, only from a randomised "
        f"approval band or reject inference)."
    )


def _action(f: ReportFacts) -> str:
    names = _join([x.name for x in f.drifted_features[:3]])
    if f.status == "ok":
        return (
            "Recommended action: none now; keep the monitor running and review this report at the next "
            "scheduled check. The checks cover the model's inputs, scores and known outcomes; they cannot "
            "see problems in outcomes that have not been reported yet."
        )
    if f.status == "action":
        steps = []
        if names:
            steps.append(
                f"ask the data owners whether the change in {names} is real (new customers, product or policy) or a data error"
            )
        if _performance_fell(f):
            steps.append(
                "retrain the model on recent loans once their outcomes are known, and validate it before release"
            )
        else:
            steps.append("confirm the effect on performance as outcomes arrive")
        steps.append(
            "until then, review borderline decisions by hand or tighten the approval threshold"
        )
        return "Recommended action: " + "; ".join(steps) + "."
    if f.drifted_features:
        return (
            f"Recommended action: no change to the model yet. Check with the data owners why {names} changed, "
            f"and watch performance closely as outcomes arrive."
        )
    return (
        "Recommended action: no change to the model yet. The alerts are isolated; review them with the "
        "model owner and keep watching the next batches."
    )


def _performance_fell(f: ReportFacts, min_change: float = 0.02) -> bool:
    """The headline metric or recall fell by at least ``min_change`` since the onset."""
    for metric in (f.primary_metric, "recall"):
        change = f.metric_changes.get(metric)
        if change is not None and change.worse and change.deterioration >= min_change:
            return True
    return False


def summary_paragraphs(facts: ReportFacts, *, max_features: int = 3) -> list[str]:
    """The summary as a list of paragraphs (headline first), for templates."""
    head = f"{_HEADLINES[facts.status]} {_headline_detail(facts)}"
    parts = [
        head,
        _what_changed(facts, max_features),
        _performance(facts),
        _impact(facts),
        _action(facts),
    ]
    return [p for p in parts if p]


def _headline_detail(f: ReportFacts) -> str:
    name = f.model_name[:1].upper() + f.model_name[1:]
    head = f.metric_changes.get(f.primary_metric)
    if f.status == "ok":
        level = (
            f" with {metric_name(f.primary_metric)} at {fmt_metric(f.primary_metric, head.after)}"
            if head
            else ""
        )
        return f"{name} is working as expected{level}."
    if f.onset_batch is None:  # no drift, no alert: only the headline metric moved
        what = f"{name}'s performance moved over the period"
    else:
        when = f"batch {f.onset_batch}"
        if f.onset_start is not None:
            when += f" ({fmt_date(f.onset_start)})"
        what = (
            f"The data reaching {f.model_name} changed from {when}"
            if f.drifted_features
            else f"Alerts about {f.model_name} started in {when}"
        )
    if (
        head is not None
        and abs(head.change) >= 0.005
        and fmt_metric(head.metric, head.reference) != fmt_metric(head.metric, head.after)
    ):
        direction = "down" if head.change < 0 else "up"
        verdict = " (worse)" if head.worse else " (better)" if head.deterioration < 0 else ""
        return (
            f"{what}; its {metric_name(head.metric)} is {direction} from "
            f"{fmt_metric(head.metric, head.reference)} to {fmt_metric(head.metric, head.after)}"
            f"{verdict}."
        )
    return f"{what}."


def executive_summary(
    result,
    *,
    model_name: str | None = None,
    costs: CostAssumptions | None = None,
    primary_metric: str = "roc_auc",
    max_features: int = 3,
) -> str:
    """Plain-language summary of a monitoring result for a manager who reads nothing else.

    Parameters
    ----------
    result : MonitorResult, path to a monitoring store, or ReportFacts
        What to summarise.
    model_name : str, optional
        How to call the model, e.g. ``"The credit-risk model"``.
    costs : CostAssumptions, optional
        Prices used for the business impact (illustrative defaults otherwise; the text states them).
    primary_metric : str
        Headline performance metric.
    max_features : int
        Most drifted features named.

    Returns
    -------
    str
        Paragraphs separated by blank lines; the first one starts with "No action needed.",
        "Keep watching." or "Action needed.".

    Examples
    --------
    >>> import pandas as pd
    >>> from types import SimpleNamespace
    >>> h = pd.DataFrame({"batch": [0, 1], "n": [500, 500], "n_labelled": [500, 500],
    ...                   "roc_auc": [0.80, 0.81]})
    >>> ok = SimpleNamespace(history=h, alerts=pd.DataFrame(), reference={"roc_auc": 0.80})
    >>> print(executive_summary(ok).split("\\n\\n")[0])
    No action needed. The model is working as expected with ROC-AUC at 0.81.
    """
    facts = (
        result
        if isinstance(result, ReportFacts)
        else gather_facts(result, model_name=model_name, costs=costs, primary_metric=primary_metric)
    )
    return "\n\n".join(summary_paragraphs(facts, max_features=max_features))
