"""Every hint of the exercises' visible checks is earned: a table of plausible wrong answers.

Each exercise source is run in-process (answer cells with their solutions, check cells
without their hidden tests). Then, for each catalogued mistake, the answer cell's code is
replaced by the mistake and the check cell must fail with the hint aimed at that mistake —
and, with the right answer, every visible check passes. Check cells must not show an
expected value: they hold salted digests, not numbers or letters.
"""

from __future__ import annotations

import ast
import contextlib
import io
import re
from pathlib import Path

import jupytext
import pytest

from modellab.checks import CheckFailed, NotAnswered

ROOT = Path(__file__).resolve().parents[1]
EXERCISES = ROOT / "course" / "exercises"
_HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS\n?", re.S)


def _cells(name: str) -> list[tuple[str | None, dict, str]]:
    nb = jupytext.read(EXERCISES / f"{name}.py", fmt="py:percent")
    out = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        meta = cell.metadata.get("nbgrader", {})
        out.append((meta.get("grade_id"), meta, _HIDDEN.sub("", cell.source)))
    return out


def _run(code: str, ns: dict) -> str:
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        exec(compile(code, "<cell>", "exec"), ns)  # noqa: S102 - the course's own sources
    return buffer.getvalue()


class Exercise:
    """An exercise run with its solutions; ``check(grade_id, ns)`` runs one visible check."""

    def __init__(self, name: str):
        self.name = name
        self.cells = _cells(name)
        self.ns: dict = {"__name__": f"exercise_{name}"}
        self.outputs: dict[str, str] = {}
        for grade_id, _meta, code in self.cells:
            self.outputs[grade_id] = _run(code, self.ns)

    def source(self, grade_id: str) -> str:
        return next(code for gid, _m, code in self.cells if gid == grade_id)

    def check_cells(self) -> list[str]:
        return [gid for gid, meta, _c in self.cells if meta.get("grade") and not meta.get("solution")]

    def answer_names(self) -> dict[str, object]:
        names = {}
        for _gid, meta, code in self.cells:
            if meta.get("solution"):
                for node in ast.parse(code).body:
                    if isinstance(node, ast.Assign):
                        names.update({t.id: self.ns[t.id] for t in node.targets if isinstance(t, ast.Name)})
        return names

    def fails_with(self, mistake: str, grade_id: str) -> str:
        ns = dict(self.ns)
        _run(mistake, ns)
        with pytest.raises(CheckFailed) as info:
            _run(self.source(grade_id), ns)
        assert not isinstance(info.value, NotAnswered), str(info.value)
        return str(info.value)


_CACHE: dict[str, Exercise] = {}


def exercise(name: str) -> Exercise:
    if name not in _CACHE:
        _CACHE[name] = Exercise(name)
    return _CACHE[name]


# --------------------------------------------------------------------------- the catalogue

# (exercise, check cell, code that replaces the right answer, words the hint must contain)
MISTAKES = [
    # ex01 · Part A
    ("ex01_metrics", "a1-check", """
def precision_recall_f1(tn, fp, fn, tp):
    return tp / (tp + fn), tp / (tp + fp), 2 * tp / (2 * tp + fp + fn)
""", "swapped precision and recall"),
    ("ex01_metrics", "a1-check", """
def precision_recall_f1(tn, fp, fn, tp):
    p, r = tp / (tp + fp), tp / (tp + fn)
    return p, r, (p + r) / 2
""", "harmonic mean"),
    ("ex01_metrics", "a1-check", """
def precision_recall_f1(tn, fp, fn, tp):
    p, r = tp / (tp + fp + fn), tp / (tp + fn)
    return p, r, 2 * p * r / (p + r)
""", "tp + fp only"),
    ("ex01_metrics", "a1-check", """
_week = (tn, fp, fn, tp)
def precision_recall_f1(a, b, c, d):
    tn, fp, fn, tp = _week
    p, r = tp / (tp + fp), tp / (tp + fn)
    return p, r, 2 * p * r / (p + r)
""", "ignores its arguments"),
    ("ex01_metrics", "a1-check", """
def precision_recall_f1(tn, fp, fn, tp):
    return tp / (tp + fp), tp / (tp + fn)
""", "three numbers"),
    ("ex01_metrics", "a2-check", "accuracy_model = tn / (tn + fp)", "specificity"),
    ("ex01_metrics", "a2-check", "accuracy_model = tp / (tp + fn)", "that is the recall"),
    ("ex01_metrics", "a2-check", "accuracy_model = (fp + fn) / (tn + fp + fn + tp)", "error rate"),
    ("ex01_metrics", "a2-check", "accuracy_never = (fn + tp) / (tn + fp + fn + tp)", "default rate"),
    ("ex01_metrics", "a2-check", "accuracy_never = accuracy_model", "model's accuracy"),
    ("ex01_metrics", "a2-check", "accuracy_model = (tp + tn) / (tn + fp + fn)", "over all four counts"),
    # ex01 · Part B
    ("ex01_metrics", "b1-check", """
_t = metrics.threshold_table(reference["default"], reference["score"], cost_fp=COST_FP, cost_fn=COST_FN)
chosen_threshold = float(_t.loc[_t["cost"].idxmin(), "threshold"])
""", "no target"),
    ("ex01_metrics", "b1-check", """
_t = metrics.threshold_table(reference["default"], reference["score"], cost_fp=COST_FP, cost_fn=COST_FN)
chosen_threshold = float(_t.loc[_t["recall"] >= 0.7, "threshold"].min())
""", "lowest threshold that meets the target"),
    ("ex01_metrics", "b1-check", """
_t = metrics.threshold_table(reference["default"], reference["score"], cost_fp=COST_FP, cost_fn=COST_FN)
chosen_threshold = int(_t.loc[_t["recall"] >= 0.7, "cost"].idxmin())
""", "row number"),
    ("ex01_metrics", "b1-check", """
def cheapest_threshold(y_true, y_score, min_recall):
    t = metrics.threshold_table(y_true, y_score, cost_fp=COST_FP, cost_fn=COST_FN)
    ok = t[t["recall"] >= 0.70]
    return float(ok.loc[ok["cost"].idxmin(), "threshold"])
""", "ignores min_recall"),
    ("ex01_metrics", "b1-check", """
def cheapest_threshold(y_true, y_score, min_recall):
    t = metrics.threshold_table(y_true, y_score, cost_fp=COST_FP, cost_fn=COST_FN)
    return float(t.loc[t["cost"].idxmin(), "threshold"])
""", "at least min_recall"),
    ("ex01_metrics", "b2-check", "price_of_target = -price_of_target", "other way round"),
    ("ex01_metrics", "b2-check", """
_t = metrics.threshold_table(reference["default"], reference["score"], cost_fp=COST_FP, cost_fn=COST_FN)
price_of_target = float(_t.loc[np.isclose(_t["threshold"], chosen_threshold), "cost"].iloc[0])
""", "total cost at your threshold"),
    # ex01 · Part C: a wrong letter is wrong (every wrong letter of every question)
    *[("ex01_metrics", f"{q}-check", f"{q} = {letter!r}", "not the best answer")
      for q, right in [("q1", "c"), ("q2", "a"), ("q3", "d")] for letter in "abcd" if letter != right],
    # ex03 · Part A
    ("ex03_concept_drift", "reference-auc-check",
     "reference_auc = metrics.classification_summary(reference['default'], reference['prediction'])"
     "['roc_auc']", "0/1 decisions"),
    ("ex03_concept_drift", "reference-auc-check",
     "from sklearn.metrics import roc_auc_score\n"
     "reference_auc = roc_auc_score(reference['default'], reference['score'] >= scenario.threshold)",
     "0/1 decisions"),
    ("ex03_concept_drift", "reference-auc-check",
     "reference_auc = metrics.classification_summary(production['default'], production['score'])"
     "['roc_auc']", "production"),
    ("ex03_concept_drift", "auc-by-batch-check", """
from sklearn.metrics import roc_auc_score
auc_by_batch = pd.DataFrame([{"batch": b, "roc_auc": roc_auc_score(g["default"], g["prediction"])}
                             for b, g in production.groupby("batch")])
""", "0/1 decisions: ROC"),
    ("ex03_concept_drift", "auc-by-batch-check",
     "auc_by_batch = metrics.by_batch(production, metrics=['recall']).rename(columns={'recall': 'roc_auc'})",
     "each batch's own rows"),
    ("ex03_concept_drift", "auc-by-batch-check",
     "auc_by_batch = metrics.by_batch(production, metrics=['roc_auc']).head(10)", "one row per batch"),
    # ex03 · Part B: each mistake gets its own hint; a wrong A1 answer blames A1, not onset_batch
    ("ex03_concept_drift", "onset-check", """
def onset_batch(history, reference_value, margin, metric="roc_auc"):
    below = history[history[metric] < reference_value - margin]
    return None if below.empty else int(below.index[0])
""", "row position"),
    ("ex03_concept_drift", "onset-check", """
def onset_batch(history, reference_value, margin, metric="roc_auc"):
    h = history.sort_values("batch")
    above = h[h[metric] > reference_value - margin]
    return None if above.empty else above["batch"].iloc[0]
""", "wrong way round"),
    ("ex03_concept_drift", "onset-check", """
def onset_batch(history, reference_value, margin, metric="roc_auc"):
    h = history.sort_values("batch")
    below = h[h[metric] < reference_value]
    return None if below.empty else below["batch"].iloc[0]
""", "subtract the margin"),
    ("ex03_concept_drift", "onset-check", """
def onset_batch(history, reference_value, margin, metric="roc_auc"):
    h = auc_by_batch.sort_values("batch")
    below = h[h[metric] < reference_auc - margin]
    return None if below.empty else below["batch"].iloc[0]
""", "ignores its `history` argument"),
    ("ex03_concept_drift", "onset-check",
     "reference_auc = metrics.classification_summary(reference['default'], reference['prediction'])"
     "['roc_auc']", "fix A1"),
    ("ex03_concept_drift", "onset-general-check", """
def onset_batch(history, reference_value, margin, metric="roc_auc"):
    h = history.sort_values("batch")
    return h[h[metric] < reference_value - margin]["batch"].iloc[0]
""", "return None"),
    ("ex03_concept_drift", "onset-general-check", """
def onset_batch(history, reference_value, margin, metric="roc_auc"):
    below = history[history[metric] < reference_value - margin]
    return None if below.empty else below["batch"].iloc[0]
""", "sort by 'batch'"),
    ("ex03_concept_drift", "onset-general-check", """
def onset_batch(history, reference_value, margin, metric="roc_auc"):
    h = history.sort_values("batch")
    below = h[h["roc_auc"] < reference_value - margin]
    return None if below.empty else below["batch"].iloc[0]
""", "`metric` argument"),
    # ex03 · Part C
    *[("ex03_concept_drift", check, f"""
def first_alarm(scenario):
    ref = scenario.reference.assign(batch=np.arange(len(scenario.reference)) // 500)
    ref_auc = metrics.by_batch(ref, metrics=["roc_auc"])["roc_auc"]
    stream = metrics.by_batch(scenario.production, metrics=["roc_auc"]).set_index("batch")["roc_auc"]
    {body}
    alarms = detector.run(stream.dropna())
    return None if alarms.empty else alarms["label"].iloc[0]
""", hint) for check, body, hint in [
        ("alarm-delay-check", 'detector = PageHinkley(threshold=5, direction="increase").fit(ref_auc)',
         "direction"),
        ("alarm-delay-check", 'detector = PageHinkley(threshold=0.5, direction="decrease").fit(ref_auc)',
         "before the change"),
        ("alarm-delay-check", 'detector = PageHinkley(threshold=40, direction="decrease").fit(ref_auc)',
         "no alarm at all"),
        # skipping fit: the scale is learned on the first production weeks
        ("alarm-delay-check", 'detector = PageHinkley(threshold=5, min_samples=3, direction="decrease")',
         "fit on the reference chunks"),
        # leaving the default threshold: too late on a change in week 3
        ("alarm-delay-check", 'detector = PageHinkley(direction="decrease").fit(ref_auc)',
         "within 3 batches"),
        ("alarm-quiet-check", 'detector = PageHinkley(threshold=1, direction="decrease").fit(ref_auc)',
         "raise the threshold"),
    ]],
    ("ex03_concept_drift", "alarm-delay-check", """
def first_alarm(scenario):
    stream = metrics.by_batch(scenario.production, metrics=["roc_auc"]).set_index("batch")["roc_auc"]
    stream.iloc[3] = float("nan")
    alarms = PageHinkley(threshold=5, direction="decrease", std=0.02).run(stream)
    return None if alarms.empty else alarms["label"].iloc[0]
""", "dropna"),
    ("ex03_concept_drift", "alarm-quiet-check", """
_global = scenario
def first_alarm(scenario):
    ref = _global.reference.assign(batch=np.arange(len(_global.reference)) // 500)
    ref_auc = metrics.by_batch(ref, metrics=["roc_auc"])["roc_auc"]
    stream = metrics.by_batch(_global.production, metrics=["roc_auc"]).set_index("batch")["roc_auc"]
    alarms = PageHinkley(threshold=5, direction="decrease").fit(ref_auc).run(stream.dropna())
    return None if alarms.empty else alarms["label"].iloc[0]
""", "ignores its argument"),
    *[("ex03_concept_drift", f"{q}-check", f"{q} = {letter!r}", "not the best answer")
      for q, right in [("d1", "b"), ("d2", "d"), ("d3", "a"), ("d4", "c")] for letter in "abcd"
      if letter != right],
]

# the graded quizzes of the other exercises: every wrong letter is ❌ with the question's hint
_QUIZZES = {
    "ex02_data_drift": [("c1", "d"), ("q1", "a"), ("q2", "c"), ("q3", "b")],
    "ex04_monitoring": [("q1", "d"), ("q2", "b"), ("q3", "a")],
    "ex05_reporting": [("q1", "c"), ("q2", "a"), ("q3", "d")],
    "ex06_capstone": [("d1", "c"), ("d2", "b"), ("e2", "d")],
}
MISTAKES += [(name, f"{var}-check", f"{var} = {letter!r}", "not the best answer")
             for name, questions in _QUIZZES.items() for var, right in questions
             for letter in "abcd" if letter != right]
# ex02 · Part A: the right psi with one rule broken at a time
_PSI = """
def psi(reference, current, bins=10):
    ref = np.asarray(reference, dtype=float)
    cur = np.asarray(current, dtype=float)
    edges = np.unique(np.quantile(ref, np.arange(bins + 1) / bins))
    inner = edges[1:-1]
    n_bins = inner.size + 1
    p = np.bincount(np.searchsorted(inner, ref, side="right"), minlength=n_bins) / ref.size
    q = np.bincount(np.searchsorted(inner, cur, side="right"), minlength=n_bins) / cur.size
    p = np.where(p == 0, 1e-4, p)
    q = np.where(q == 0, 1e-4, q)
    return float(np.sum((q - p) * np.log(q / p)))
"""
_PSI_SHARES = (
    '    p = np.bincount(np.searchsorted(inner, ref, side="right"), minlength=n_bins) / ref.size\n'
    '    q = np.bincount(np.searchsorted(inner, cur, side="right"), minlength=n_bins) / cur.size\n')
_PSI_EPS = "    p = np.where(p == 0, 1e-4, p)\n    q = np.where(q == 0, 1e-4, q)\n"
MISTAKES += [("ex02_data_drift", "a1-check", _PSI.replace(old, new), hint) for old, new, hint in [
    ('side="right"', 'side="left"', "side='right'"),
    ("np.quantile(ref,", "np.quantile(cur,", "not of the current week"),
    ("np.quantile(ref,", "np.quantile(np.concatenate([ref, cur]),", "not of both samples"),
    ("np.sum((q - p) * np.log(q / p))", "np.sum(q * np.log(q / p))", "not q · ln(q / p)"),
    ("np.arange(bins + 1) / bins", "np.linspace(0, 1, bins)", "bins + 1 edges"),
    ("np.unique(np.quantile(ref, np.arange(bins + 1) / bins))", "np.linspace(ref.min(), ref.max(), bins + 1)",
     "not equal-width bins"),
    # right on this week's ages (all inside the reference range); the made-up far sample shows it
    (_PSI_SHARES, "    p = np.histogram(ref, edges)[0] / ref.size\n    q = np.histogram(cur, edges)[0] / cur.size\n",
     "open outer bins keep them"),
    (_PSI_EPS, "", "replace shares that are 0"),  # ln(0): numpy warns and returns inf
    (_PSI_EPS, _PSI_EPS + "    p, q = p / p.sum(), q / q.sum()\n", "do not renormalise"),
]]
MISTAKES += [
    ("ex02_data_drift", "b1-check", "campaign_drift = {'age', 'channel'}", "pool batches 10 to 19"),
    ("ex02_data_drift", "b1-check", "campaign_drift = drifted_features(scenario, 0, 9)",
     "pool batches 10 to 19"),
]
MISTAKES += [
    ("ex04_monitoring", "b1-check", """
def first_alert_batch(result, severity):
    hits = result.alerts[result.alerts["severity"] == severity]
    return None if hits.empty else int(hits.index[0])
""", "row position"),
    ("ex04_monitoring", "b2-check", "def most_drifted(result):\n    return 'income'",
     "largest drift effect size"),
    ("ex04_monitoring", "b3-check", "def blind_batches(result):\n    return [8, 9, 10]",
     "fewer than MIN_LABELLED"),
]
_EX05_SWAP = """
_right_facts = incident_facts
def incident_facts(result):
    facts = dict(_right_facts(result))
    facts[{a!r}], facts[{b!r}] = facts[{b!r}], facts[{a!r}]
    return facts
"""
MISTAKES += [
    ("ex05_reporting", "a1-check", _EX05_SWAP.format(a="auc_reference", b="auc_after"),
     "ROC AUC since the change"),
    ("ex05_reporting", "a1-check", """
_right_facts = incident_facts
def incident_facts(result):
    facts = dict(_right_facts(result))
    facts["auc_after"] = facts["auc_reference"]
    return facts
""", "that is the reference ROC AUC"),
    ("ex05_reporting", "a1-check", """
_right_facts = incident_facts
def incident_facts(result):
    return {**_right_facts(result), "since_batch": 0}
""", "the batch from which the inputs changed"),
]
_EX08_TOTAL = """
total = {"tn": 0, "fp": 0, "fn": 0, "tp": 0}
for path in files:
    total = merge_counts(total, chunk_counts(pd.read_parquet(path), THRESHOLD))
"""
MISTAKES += [("ex08_scale", "b1-check", _EX08_TOTAL + "recall_all = " + wrong, hint) for wrong, hint in [
    ('total["tp"] / (total["tp"] + total["fp"])', "that is the precision"),
    ('(total["tp"] + total["tn"]) / sum(total.values())', "that is the accuracy"),
    ('(lambda c: c["tp"] / (c["tp"] + c["fn"]))(chunk_counts(pd.read_parquet(files[-1]), THRESHOLD))',
     "last file only"),
]]
MISTAKES += [("ex08_scale", "b1-check", "total = chunk_counts(pd.read_parquet(files[-1]), THRESHOLD)",
              "all 20,000 rows")]
MISTAKES += [("ex06_capstone", "affected-check", "affected = {'age', 'channel'}", "at least half")]
# ex06 · Part A2: a find_onset that compares with the previous batch, or keeps the last pair
_ONSET = """
def find_onset(history):
    ordered = history.sort_values("batch").reset_index(drop=True)
    drift_cols = [c for c in ordered.columns if c.startswith("drift_") and c != "drift_share"]
    missing_cols = [c for c in ordered.columns if c.startswith("missing_")]
    abnormal = ordered[drift_cols].astype(bool).any(axis=1) | (ordered[missing_cols] > 0.05).any(axis=1)
    sustained = abnormal & abnormal.shift({shift}, fill_value=False)
    return ordered.loc[sustained, "batch"].iloc[{pick}] if sustained.any() else None
onset = find_onset(history)
"""
MISTAKES += [("ex06_capstone", "onset-check", _ONSET.format(shift=1, pick=0), "shift(-1)"),
             ("ex06_capstone", "onset-check", _ONSET.format(shift=-1, pick=-1), "take the first one")]
MISTAKES += [("ex06_capstone", "first-signal-check", f"first_signal = {letter!r}", "not the best answer")
             for letter in "acde"]
MISTAKES += [("ex06_capstone", "kind-check", f"kind = {kind!r}", "how the affected features changed")
             for kind in ("data_quality", "prior_shift", "concept_drift")]
MISTAKES += [("ex06_capstone", "kind-check", "kind = 'drift'", "one of the four keys")]
MISTAKES += [("ex06_capstone", "segments-check", "hit_group = '[50, 81)'", "observed minus predicted"),
             ("ex06_capstone", "segments-check", "hit_group = 0.11", "a group name")]

# ex07 · Part A: weekly z-scores, one rule broken at a time
_WZ = """
def weekly_z(reference, production, column):
    weeks = production.groupby("batch")[column]
    return (weeks.mean() - reference[column].mean()) / (reference[column].std() / np.sqrt(weeks.count()))
"""
MISTAKES += [("ex07_data_analysis", "a1-check", _WZ.replace(old, new), hint) for old, new, hint in [
    ("/ np.sqrt(weeks.count())", "", "over the standard error"),
    ("np.sqrt(weeks.count())", "np.sqrt(len(reference))", "not by s_ref alone"),
    ("weeks.count()", "weeks.size()", "Series.count(), not size()"),
    (".std()", ".std(ddof=0)", "not ddof=0"),
    ("reference[column].std()", "weeks.std()", "not the week's"),
    ("np.sqrt(weeks.count())", "weeks.count()", "sqrt(n_week)"),
    ("return (", "return abs(", "keep the sign"),
    ("production.groupby", "scenario.production.groupby", "not the notebook's global data"),
    ("return (weeks.mean() - reference[column].mean()) / (reference[column].std() / np.sqrt(weeks.count()))",
     "return ((weeks.mean() - reference[column].mean()) / (reference[column].std() / np.sqrt(weeks.count())))"
     ".to_frame('z')", "one value per week"),
]]
# ex07 · Part B: Bonferroni flags
_BF = """
def bonferroni_flags(z, alpha=0.05):
    return pd.DataFrame(2 * stats.norm.sf(np.abs(z)) < alpha / z.size, index=z.index, columns=z.columns)
"""
MISTAKES += [("ex07_data_analysis", "b1-check", _BF.replace(old, new), hint) for old, new, hint in [
    ("alpha / z.size", "alpha", "with m = z.size"),
    ("2 * stats.norm.sf", "stats.norm.sf", "two-sided"),
    ("z.size", "len(z)", "not the number of rows"),
    ("z.size", "z.shape[1]", "not the number of columns"),
    ("alpha / z.size", "0.05 / z.size", "the alpha you are given"),
    ("np.abs(z)", "z", "take |z|"),
    ("stats.norm.sf", "stats.norm.cdf", "compare each p-value with alpha / m"),
    ("pd.DataFrame(2 * stats.norm.sf(np.abs(z)) < alpha / z.size, index=z.index, columns=z.columns)",
     "2 * stats.norm.sf(np.abs(z)) < alpha / z.size", "DataFrame shaped like z"),
]]
# ex07 · Part C: the back-test's ratio and interval
_OE = """
def observed_expected(rows):
    n, k, p = len(rows), int(rows["default"].sum()), rows["score"].mean()
    ci = stats.binomtest(k, n, p=p).proportion_ci()
    return {"o_e": k / (n * p), "low": ci.low / p, "high": ci.high / p}
"""
MISTAKES += [("ex07_data_analysis", "c1-check", _OE.replace(old, new), hint) for old, new, hint in [
    ('"o_e": k / (n * p), "low": ci.low / p, "high": ci.high / p',
     '"o_e": n * p / k, "low": p / ci.high, "high": p / ci.low', "the interval should lie above 1"),
    ('"low": ci.low / p, "high": ci.high / p', '"low": ci.low, "high": ci.high', "reference is calibrated"),
    ("proportion_ci()", "proportion_ci(method='wilson')", "not 'wilson'"),
    ("proportion_ci()", "proportion_ci(confidence_level=0.90)", "confidence_level=0.95"),
    ('"low": ci.low / p, "high": ci.high / p',  # a normal (Wald) interval around the observed rate
     '"low": (k / n - 1.96 * np.sqrt(p * (1 - p) / n)) / p, "high": (k / n + 1.96 * np.sqrt(p * (1 - p) / n)) / p',
     "not a normal approximation"),
    ('rows["score"].mean()', '(rows["score"] >= 0.5).mean()', "O/E = defaults / sum of scores"),
    ('return {"o_e": k / (n * p), "low": ci.low / p, "high": ci.high / p}',
     "return (k / (n * p), ci.low / p, ci.high / p)", "keys 'o_e', 'low' and 'high'"),
]]
# ex07 · Part D: unit changes
_US = """
def unit_suspects(reference, production, column):
    ratio = production.groupby("batch")[column].median() / reference[column].median()
    return sorted(int(b) for b in ratio.index[(ratio < 0.1) | (ratio > 10)])
"""
MISTAKES += [("ex07_data_analysis", "d1-check", _US.replace(old, new), hint) for old, new, hint in [
    ("(ratio < 0.1) | (ratio > 10)", "ratio < 0.1", "in either direction"),
    ("(ratio > 10)])", "(ratio > 10)])[:1]", "not the first one"),
    ("return sorted(int(b) for b in ratio.index[(ratio < 0.1) | (ratio > 10)])",
     "return ratio.index[(ratio < 0.1) | (ratio > 10)].to_numpy()", "Python ints"),
    ("(ratio < 0.1) | (ratio > 10)", "(ratio < 0.1) | (ratio > 0.9)", "income arrived in thousands"),
]]
MISTAKES += [("ex07_data_analysis", "q1-check", f"q1 = {letter!r}", "not the best answer") for letter in "acd"]

# ex08 · Part A: confusion counts of one chunk, one rule broken at a time
_CC = """
def chunk_counts(chunk, threshold):
    known = chunk[chunk["default"].notna()]
    actual = known["default"].astype(int).to_numpy() == 1
    flagged = known["score"].to_numpy() >= threshold
    return {"tn": int((~actual & ~flagged).sum()), "fp": int((~actual & flagged).sum()),
            "fn": int((actual & ~flagged).sum()), "tp": int((actual & flagged).sum())}
"""
MISTAKES += [("ex08_scale", "a1-check", _CC.replace(old, new), hint) for old, new, hint in [
    (">= threshold", "> threshold", "use >=, not >"),
    (">= threshold", ">= THRESHOLD", "not the notebook's THRESHOLD"),
    ('"fp": int((~actual & flagged).sum()),\n            "fn": int((actual & ~flagged).sum())',
     '"fp": int((actual & ~flagged).sum()),\n            "fn": int((~actual & flagged).sum())', "swapped"),
    ('chunk[chunk["default"].notna()]', 'chunk.fillna({"default": 0})', "not known outcomes yet"),
    ('chunk[chunk["default"].notna()]', "chunk.dropna()", "dropna(subset=['default'])"),
    ('known["score"].to_numpy() >= threshold', 'known["prediction"].to_numpy() == 1', "`default` and `score`"),
    ('known["score"].to_numpy() >= threshold', 'known["score"].to_numpy() >= 0.5', "score >= threshold"),
    ('return {"tn"', 'return {"tn": 0, "fp": 0, "fn": 0, "tp": 0} or {"tn"', "add up to the labelled rows"),
]]
MISTAKES += [("ex08_scale", "a1-check", "def merge_counts(a, b):\n    return {**a, **b}", "double every count")]
# ex08 · Part C: bin counts and PSI from counts
MISTAKES += [("ex08_scale", "c1-check", "def bin_counts(values, edges):\n    return " + body, hint)
             for body, hint in [
    ("[int(c) for c in pd.cut(pd.Series(values), edges, right=True).value_counts(sort=False)]", "its left edge"),
    ("[int(c) for c in pd.cut(pd.Series(values), edges, right=False).value_counts(sort=False)]",
     "the last bin also holds its right edge"),
    ("[int(c) for c in pd.cut(pd.Series(values), edges, right=False).value_counts()]", "in bin order"),
    ("[int(c) for c in np.bincount(np.searchsorted(edges, values), minlength=len(edges))[1:]]", "outside not counted"),
]]
_PSI_C = """
def psi_from_counts(ref_counts, cur_counts):
    p = np.clip(np.asarray(ref_counts, dtype=float) / np.sum(ref_counts), 1e-4, None)
    q = np.clip(np.asarray(cur_counts, dtype=float) / np.sum(cur_counts), 1e-4, None)
    return float(np.sum((q - p) * np.log(q / p)))
"""
MISTAKES += [("ex08_scale", "c1-check", _PSI_C.replace(old, new), hint) for old, new, hint in [
    (") / np.sum(", ") * 0 + (", "not the counts"),
    ("np.sum((q - p) * np.log(q / p))", "np.sum(q * np.log(q / p))", "not q * ln(q / p)"),
    ("np.log(", "np.log10(", "not log10"),
    ("1e-4", "1e-2", "at 1e-4 (0.0001)"),
    ("np.sum((q - p) * np.log(q / p))", "np.sum(np.abs(q - p))", "PSI = sum((q - p) * ln(q / p))"),
    ("1e-4", "0.0", "an empty bin gives inf"),
    ("np.sum((q - p) * np.log(q / p))", "np.sum((q - p) * np.log(q / p)) + 0.01", "PSI is 0 for identical counts"),
]]
MISTAKES += [("ex08_scale", "q1-check", f"q1 = {letter!r}", "not the best answer") for letter in "abd"]

# ex09 · Part A: expected counts without labels
_EC = """
def expected_confusion(p, flagged):
    p = np.asarray(p, dtype=float)
    flagged = np.asarray(flagged, dtype=bool)
    tn = float((1 - p)[~flagged].sum())
    fp = float((1 - p)[flagged].sum())
    fn = float(p[~flagged].sum())
    tp = float(p[flagged].sum())
    return tn, fp, fn, tp
"""
MISTAKES += [("ex09_performance_estimation", "a1-check", _EC.replace(old, new), hint) for old, new, hint in [
    ("fp = float((1 - p)[flagged].sum())\n    fn = float(p[~flagged].sum())",
     "fp = float(p[~flagged].sum())\n    fn = float((1 - p)[flagged].sum())", "swapped fp and fn"),
    ("return tn, fp, fn, tp", "return tp, fp, fn, tn", "in the order"),
    ("return tn, fp, fn, tp", "return {'tn': tn, 'fp': fp, 'fn': fn, 'tp': tp}", "as a tuple"),
    ("flagged = np.asarray(flagged, dtype=bool)", "flagged = ~np.asarray(flagged, dtype=bool)",
     "flagged loans give tp"),
    ("p = np.asarray(p, dtype=float)", "p = (np.asarray(p, dtype=float) >= 0.5).astype(float)",
     "flagged loans give tp"),
    ("p = np.asarray(p, dtype=float)\n    flagged = np.asarray(flagged, dtype=bool)",
     "p = estimator.calibrate(week['score'])\n    flagged = (week['score'] >= THRESHOLD).to_numpy()",
     "the p and flagged passed in"),
    ("p = np.asarray(p, dtype=float)", "p = week['score'].to_numpy()", "not the notebook's week"),
]]
_PR = """
def expected_precision_recall(p, flagged):
    tn, fp, fn, tp = expected_confusion(p, flagged)
    return tp / (tp + fp), tp / (tp + fn)
"""
MISTAKES += [("ex09_performance_estimation", "a2-check", _PR.replace(old, new), hint) for old, new, hint in [
    ("return tp / (tp + fp), tp / (tp + fn)", "return tp / (tp + fn), tp / (tp + fp)", "swapped precision and recall"),
    ("return tp / (tp + fp), tp / (tp + fn)", "return (tp + tn) / (tn + fp + fn + tp), tp / (tp + fn)",
     "divides tp by the flagged loans"),
    ("return tp / (tp + fp), tp / (tp + fn)", "return 100 * tp / (tp + fp), 100 * tp / (tp + fn)",
     "between 0 and 1"),
    ("tn, fp, fn, tp = expected_confusion(p, flagged)", "tn, fp, fn, tp = week_counts",
     "call expected_confusion(p, flagged)"),
]]
_A3 = """
estimates = estimator.estimate(scenario.production)
row = estimates[estimates["batch"] == 14].set_index("metric")["estimate"]
package_pr = (row["precision"], row["recall"])
"""
MISTAKES += [("ex09_performance_estimation", "a3-check", _A3.replace(old, new), hint) for old, new, hint in [
    ("== 14", "== 13", "filter estimates on batch == 14"),
    ('(row["precision"], row["recall"])', '(row["recall"], row["precision"])', "filter estimates on batch == 14"),
    ('["estimate"]', '["realized"]', "contains NaN"),
    ('["estimate"]', '["lower"]', "read the 'estimate'"),
]]
_EW = """
def escalation_week(estimates):
    auc = estimates[estimates["metric"] == "roc_auc"].sort_values("batch")
    below = (auc["estimate"] < auc["band_lower"]).to_numpy()
    weeks = auc["batch"].to_numpy()
    for i in range(1, len(below)):
        if below[i] and below[i - 1]:
            return int(weeks[i])
    return None
"""
MISTAKES += [("ex09_performance_estimation", "b1-check", _EW.replace(old, new), hint) for old, new, hint in [
    ("return int(weeks[i])", "return int(weeks[i - 1])", "return the second of the two weeks"),
    ('auc["estimate"] < auc["band_lower"]', 'auc["estimate"] <= auc["band_lower"]', "use <, not <="),
    ('auc["estimate"] < auc["band_lower"]', 'auc["lower"] < auc["band_lower"]', "band_lower"),
    ("if below[i] and below[i - 1]:", "if below[i]:", "two weeks in a row"),
    ("return int(weeks[i])", "return int(i)", "not the row position"),
    ('estimates[estimates["metric"] == "roc_auc"]', "estimates", "use the roc_auc rows"),
    ("return None\n", "return -1\n", "return None when the estimate never leaves the band"),
]]
MISTAKES += [("ex09_performance_estimation", f"{q}-check", f"{q} = {letter!r}", "not the best answer")
             for q in ("b2", "q1") for letter in "acd"]

# ex10 · Part A: metrics per segment, segments behind, the four-fifths rule
_MS = """
def metric_by_segment(frame, segment, metric, bins=None):
    table = metrics.by_segment(frame, segment, [metric], bins=bins, n_boot=10)
    return {str(s): float(v) for s, v in zip(table["segment"], table["value"], strict=True)}
"""
MISTAKES += [("ex10_segments_fairness", "a1-check", _MS.replace(old, new), hint) for old, new, hint in [
    ("metrics.by_segment(frame,", "metrics.by_segment(production,", "whose metric is the one asked for"),
    ("bins=bins, n_boot", "bins=BANDS, n_boot", "not BANDS"),
    ("[metric]", "['recall']", "not 'recall'"),
    ('table["value"]', 'table["lower"]', "the value is in 'value'"),
    ('return {str(s): float(v) for s, v in zip(table["segment"], table["value"], strict=True)}', "return table",
     "return a dict"),
]]
_BH = """
def behind(frame, segment, metric, bins=None):
    gaps = metrics.segment_gaps(frame, segment, metric, by=None, bins=bins)
    alerts = SegmentBehind(metric).evaluate(gaps)
    return sorted(str(s) for s in alerts["subject"])
"""
MISTAKES += [("ex10_segments_fairness", "a2-check", _BH.replace(old, new), hint) for old, new, hint in [
    ("by=None", "by='batch'", "by=None, bins=bins"),
    ('alerts["subject"]', 'gaps["segment"]', "SegmentBehind(metric).evaluate(gaps)"),
    ("SegmentBehind(metric)", "SegmentBehind('recall')", "SegmentBehind(metric)"),
    ("metrics.segment_gaps(frame,", "metrics.segment_gaps(recent,", "pass your arguments"),
    ("bins=bins)", "bins=None)", "pass your arguments"),
    ('for s in alerts["subject"])', 'for s in alerts["subject"]) or None', "not None"),
]]
_FF = """
def four_fifths(frame, group, bins=None):
    result = metrics.approval_rate_ratio(frame, group, bins=bins, n_boot=20)
    return float(result.value), bool(result.value < 0.8)
"""
MISTAKES += [("ex10_segments_fairness", "a3-check", _FF.replace(old, new), hint) for old, new, hint in [
    ("result.value < 0.8", "result.value > 0.8", "below 0.8"),
    ("bool(result.value < 0.8)", "'yes' if result.value < 0.8 else 'no'", "below 0.8"),
    ("float(result.value)", "float(1 / result.value)", "approval_rate_ratio(frame, group, bins=bins).value"),
    ("float(result.value)", "float(100 * result.value)", "approval_rate_ratio(frame, group, bins=bins).value"),
    ("float(result.value), bool(result.value < 0.8)", "result", "a tuple (ratio, adverse)"),
    ("float(result.value), bool(result.value < 0.8)", "float(result.value)", "a tuple (ratio, adverse)"),
    ("bins=bins, n_boot", "bins=None, n_boot", "pass your arguments"),
]]
MISTAKES += [("ex10_segments_fairness", f"{q}-check", f"{q} = {letter!r}", "not the best answer")
             for q, right in [("b1", "b"), ("b2", "c")] for letter in "abcd" if letter != right]

# ex11 · the plan, the Art. 73 deadline and the lifecycle decision table
_PLAN = re.search(r"### BEGIN SOLUTION\n(plan = monitoring_plan.*?)### END SOLUTION",
                  (EXERCISES / "ex11_monitoring_plan.py").read_text(), re.S).group(1)
MISTAKES += [("ex11_monitoring_plan", "a1-check", _PLAN.replace(old, new), hint) for old, new, hint in [
    ('Escalation("critical", "model_owner", 4,', 'Escalation("critical", "monitoring_operator", 4,',
     "go to the model_owner"),
    ('Escalation("critical", "model_owner", 4,', 'Escalation("critical", "model_owner", 96,', "not 4 days"),
    ('"age band (protected)", "region"', '"age", "region"', "segments exactly as listed"),
    ('version="3.0"', 'version="3"', 'version="3.0"'),
    ("known 12 weeks after", "known 3 months after", "label delay (12 weeks)"),
    ('rule_cadence={"segment": "monthly"},', "", "rule_cadence={'segment': 'monthly'}"),
    ('retraining_policy="Recalibrate', 'retraining_policy="" and "Recalibrate', "still misses"),
]]
_RD = """
def report_deadline(aware, kind):
    days = {"general": 15, "death": 10, "widespread": 2}
    if kind not in days:
        raise ValueError(f"kind must be one of {list(days)}, got {kind!r}")
    return aware + dt.timedelta(days=days[kind])
"""
MISTAKES += [("ex11_monitoring_plan", "b1-check", _RD.replace(old, new), hint) for old, new, hint in [
    ('"general": 15', '"general": 14', "add 15 calendar days"),
    ('"general": 15', '"general": 16', "not a day later"),
    ("return aware + dt.timedelta(days=days[kind])",
     "import numpy as np\n    return np.busday_offset(aware, days[kind], roll='forward').item()",
     "calendar days, not working days"),
    ("return aware + dt.timedelta(days=days[kind])",
     "import pandas as pd\n    return (pd.Timestamp(aware) + pd.offsets.BDay(days[kind])).date()",
     "calendar days, not working days"),
    ('"death": 10, "widespread": 2', '"death": 2, "widespread": 10', "swapped"),
    ('"death": 10', '"death": 15', "10 if a person died"),
    ("if kind not in days:", "if False:", "raise ValueError"),
    ("raise ValueError(", "raise KeyError(", "raise ValueError"),
    ("return aware + dt.timedelta(days=days[kind])", "return str(aware + dt.timedelta(days=days[kind]))",
     "not text or a datetime"),
    ("return aware + dt.timedelta(days=days[kind])",
     "return dt.datetime.combine(aware, dt.time()) + dt.timedelta(days=days[kind])", "not text or a datetime"),
]]
_LA = """
def lifecycle_action(auc_drop, calibration_gap, contract_violations):
    if contract_violations > 0:
        return "roll back"
    if auc_drop >= 0.10:
        return "retrain"
    if abs(calibration_gap) >= 0.03:
        return "recalibrate"
    return "none"
"""
MISTAKES += [("ex11_monitoring_plan", "b2-check", _LA.replace(old, new), hint) for old, new, hint in [
    (">= 0.10", "> 0.10", "an AUC drop >= 0.10"),
    (">= 0.", "> 0.", "include the limit: use >="),
    ("abs(calibration_gap)", "calibration_gap", "compare abs(gap) with 0.03"),
    ('    if contract_violations > 0:\n        return "roll back"\n    if auc_drop >= 0.10:\n        return "retrain"',
     '    if auc_drop >= 0.10:\n        return "retrain"\n    if contract_violations > 0:\n        return "roll back"',
     "a contract violation comes first"),
    ('"roll back"', '"rollback"', 'return exactly "roll back"'),
    ("abs(calibration_gap) >= 0.03", "abs(calibration_gap) >= 0.05", "|gap| >= 0.03"),
    ('return "retrain"', 'return "Retrain"', 'return exactly "roll back"'),
    ('    if abs(calibration_gap) >= 0.03:\n        return "recalibrate"\n', "", "defaults outran the scores"),
    ("if contract_violations > 0:", "if contract_violations > 1:", "a contract violation comes first"),
]]
MISTAKES += [("ex11_monitoring_plan", "b3-check", f"b3 = {letter!r}", "not the best answer") for letter in "abd"]

CATALOGUED = sorted({m[0] for m in MISTAKES})


@pytest.mark.parametrize(
    ("name", "check", "mistake", "hint"), MISTAKES,
    ids=[f"{m[0][:4]}-{m[1]}-{m[3][:28]}" for m in MISTAKES],
)
def test_a_plausible_mistake_gets_its_own_hint(name, check, mistake, hint):
    message = exercise(name).fails_with(mistake, check)
    assert hint in message, message
    assert message.count("\n") <= 1  # one or two lines, hint included


@pytest.mark.parametrize("name", CATALOGUED)
def test_the_right_answers_pass_every_visible_check(name):
    ex = exercise(name)
    for grade_id in ex.check_cells():
        assert "✅" in ex.outputs[grade_id] and "❌" not in ex.outputs[grade_id], grade_id


@pytest.mark.parametrize("name", CATALOGUED)
def test_check_cells_do_not_show_the_expected_values(name):
    ex = exercise(name)
    shown = "\n".join(ex.source(gid) for gid in ex.check_cells())
    for answer, value in ex.answer_names().items():
        if isinstance(value, str) and len(value) == 1:  # a quiz letter
            assert not re.search(rf"""["']{value}["']""", shown), answer
        elif isinstance(value, float):
            for text in {f"{value:.2f}", f"{value:.3f}", f"{value:.4f}", repr(value)}:
                assert text.rstrip("0").rstrip(".") not in shown or abs(value) < 0.01, (answer, text)


@pytest.mark.parametrize("name", CATALOGUED)
def test_every_hint_in_a_check_cell_is_exercised(name):
    """Every `mistakes=` hint written in a visible check is reached by some catalogued mistake."""
    ex = exercise(name)
    expected = {m[3] for m in MISTAKES if m[0] == name}
    for grade_id in ex.check_cells():
        tree = ast.parse(ex.source(grade_id))
        for node in ast.walk(tree):
            if isinstance(node, ast.keyword) and node.arg == "mistakes" and isinstance(node.value, ast.Dict):
                for value in node.value.values:
                    hint = ast.literal_eval(value)
                    assert any(words in hint for words in expected), f"{grade_id}: untested hint {hint!r}"
