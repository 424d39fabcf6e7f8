"""Stakeholder reports: standalone HTML and Markdown, a plain-language summary, a model card.

Public names
------------
- :func:`render`, :func:`render_markdown`, :func:`to_html`, :func:`to_markdown`
- :func:`figures`: the report's figures as matplotlib Figures
- :func:`executive_summary`
- :func:`gather_facts`, :class:`ReportFacts`, :class:`CostAssumptions`
- :func:`model_card`, :func:`write_model_card`
"""

from modellab.report.facts import CostAssumptions, ReportFacts, gather_facts
from modellab.report.model_card import model_card, write_model_card
from modellab.report.render import figures, render, render_markdown, to_html, to_markdown
from modellab.report.summary import executive_summary

__all__ = [
    "CostAssumptions",
    "ReportFacts",
    "executive_summary",
    "figures",
    "gather_facts",
    "model_card",
    "render",
    "render_markdown",
    "to_html",
    "to_markdown",
    "write_model_card",
]
