"""What every explorer shares: a VBox with named controls, Output widgets and a state dict.

Figures and tables are written into :class:`ipywidgets.Output` widgets as ready
``display_data`` outputs (a PNG plus a text description, or HTML plus plain text)
instead of through ``with output: display(...)``. The result looks the same in
JupyterLab, does not depend on the matplotlib backend (inline, widget or Agg), and
works without a kernel, so tests can read ``explorer.outputs[name].outputs``.
An explorer keeps one :class:`LiveFigure` for its lifetime: the figure is built once,
its artists are updated in place when a control moves, and it is rendered again to a
PNG. Building a figure, laying it out and placing its titles cost more than drawing it,
so this keeps a control's answer within the dashboards' 100 ms budget.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Iterator
from contextlib import contextmanager

import ipywidgets as widgets
import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from modellab import plots

#: Resolution of explorer figures: sharp enough on screen, quick to render.
DPI = 80


#: PNG compression level (0-9): 1 encodes several times faster than the default 6, and
#: an explorer's flat-coloured figure stays small (tens of kB).
PNG_COMPRESS_LEVEL = 1


class LiveFigure:
    """A figure an explorer keeps: built once, its artists updated in place, rendered as PNG.

    The figure is not registered with pyplot (nothing piles up, nothing to close) and has
    its own Agg canvas. Axes titles sit at a fixed height (``axes.titley = 1.0``) instead
    of being placed above the tick labels on every draw, which took a third of a redraw.
    Build and change artists inside :meth:`drawing`, so the modellab style applies.

    With ``blit=True`` the axes' frames, ticks, labels and titles are drawn once and kept
    as a background picture; each render pastes it back and draws only what is inside the
    axes (lines, markers, patches, texts, legends) over it. The background is drawn again
    whenever the view limits, titles, axis labels or tick labels change, so the picture is always the
    one a full draw gives. Blitting pays when the limits stay put while a control moves.

    Parameters
    ----------
    figsize : (float, float)
        Size in inches (rendered at :data:`DPI`).
    blit : bool, default False
        Keep the axes' decorations as a background picture (see above).
    **subplots
        Passed to :meth:`matplotlib.figure.Figure.subplots` (``nrows``, ``ncols``, ...).

    Examples
    --------
    >>> live = LiveFigure((4, 3))
    >>> with live.drawing():
    ...     line, = live.axes.plot([0, 1], [0, 1])
    >>> line.set_ydata([1, 0])
    >>> live.output("<Figure: a line>")["data"]["image/png"][:8]
    'iVBORw0K'
    """

    def __init__(self, figsize, *, blit: bool = False, **subplots):
        with self.drawing():
            self.figure = Figure(figsize=figsize, dpi=DPI)
            self.canvas = FigureCanvasAgg(self.figure)
            self.axes = self.figure.subplots(**subplots)
        self._blit = bool(blit)
        self._background = None  # (key, saved region) of the blitted background

    @property
    def blit(self) -> bool:
        """Whether renders paste the kept background and draw only the axes' content."""
        return self._blit

    @blit.setter
    def blit(self, value: bool) -> None:
        value = bool(value)
        if self._blit and not value:
            # A full draw skips animated artists: make the content part of it again.
            for artist in self._content():
                artist.set_animated(False)
            self._background = None
        self._blit = value

    @staticmethod
    @contextmanager
    def drawing() -> Iterator[None]:
        """The modellab style, with titles at a fixed height (restored afterwards)."""
        saved = mpl.rcParams["axes.titley"]
        with plots.style():
            mpl.rcParams["axes.titley"] = 1.0
            try:
                yield
            finally:
                mpl.rcParams["axes.titley"] = saved

    @staticmethod
    def clear(ax, keep_axes: bool = True) -> None:
        """Remove what was drawn on ``ax``; with ``keep_axes``, keep its axes and ticks.

        Ticks and their labels are the costliest part of a redraw to create; keep them
        while the same kind of data is drawn again (``keep_axes=False`` resets the axes
        entirely, e.g. when a numeric feature replaces a categorical one).
        """
        if not keep_axes:
            ax.clear()
            return
        for artist in [*ax.patches, *ax.lines, *ax.collections, *ax.texts, *ax.images]:
            artist.remove()
        # Bar containers outlive their removed bars and would each add a legend entry.
        ax.containers.clear()
        if ax.get_legend() is not None:
            ax.get_legend().remove()
        ax.relim()
        ax.set_autoscale_on(True)

    def output(self, description: str) -> dict:
        """The figure now, as a ``display_data`` output (PNG and ``description``)."""
        if not self.blit:
            return figure_output(self.figure, description)
        with self.drawing():
            content = self._content()
            for artist in content:
                artist.set_animated(True)  # left out of the full draw of the background
            key = self._background_key()
            if self._background is None or self._background[0] != key:
                self.canvas.draw()
                self._background = (key, self.canvas.copy_from_bbox(self.figure.bbox))
            self.canvas.restore_region(self._background[1])
            renderer = self.canvas.get_renderer()
            for artist in content:
                artist.draw(renderer)
        return png_output(self.canvas.buffer_rgba(), description)

    def _content(self) -> list:
        """What is drawn inside the axes, in the order a full draw would draw it."""
        content = []
        for ax in self.figure.axes:
            inside = [*ax.patches, *ax.lines, *ax.collections, *ax.texts, *ax.images]
            if ax.get_legend() is not None:
                inside.append(ax.get_legend())
            content.extend(sorted(inside, key=lambda a: a.get_zorder()))
        return content

    def _background_key(self) -> tuple:
        """What the background shows: each axes' limits, titles and labels, and the suptitle."""
        key = [self.figure._suptitle.get_text() if self.figure._suptitle else ""]
        for ax in self.figure.axes:
            key.append((ax.get_xlim(), ax.get_ylim(), ax.get_title(), ax.get_xlabel(),
                        ax.get_ylabel(), [t.get_text() for t in ax.get_xticklabels()],
                        [t.get_text() for t in ax.get_yticklabels()]))
        return tuple(key)


def figure_output(fig: Figure, description: str) -> dict:
    """A ``display_data`` output holding ``fig`` as a PNG (the figure stays open)."""
    buf = io.BytesIO()
    with plots.style():  # restores savefig.bbox on the way out
        # The whole figure, laid out by its own margins: a "tight" box would draw it twice.
        mpl.rcParams["savefig.bbox"] = "standard"
        fig.savefig(buf, format="png", dpi=DPI,
                    pil_kwargs={"compress_level": PNG_COMPRESS_LEVEL})
    return _png(buf.getvalue(), description)


def png_output(rgba, description: str) -> dict:
    """A ``display_data`` output holding an RGBA pixel buffer (height x width x 4) as a PNG."""
    buf = io.BytesIO()
    Image.fromarray(np.asarray(rgba)).save(buf, format="png", compress_level=PNG_COMPRESS_LEVEL)
    return _png(buf.getvalue(), description)


def _png(data: bytes, description: str) -> dict:
    """The ``display_data`` output of PNG bytes, with ``description`` for plain-text front ends."""
    return {
        "output_type": "display_data",
        "data": {"image/png": base64.b64encode(data).decode("ascii"), "text/plain": description},
        "metadata": {},
    }


def html_output(markup: str, text: str) -> dict:
    """A ``display_data`` output holding HTML, with ``text`` for plain-text front ends."""
    return {
        "output_type": "display_data",
        "data": {"text/html": markup, "text/plain": text},
        "metadata": {},
    }


def show(output: widgets.Output, *items: dict) -> None:
    """Replace what ``output`` shows with ``items`` (one front-end update, no flicker)."""
    output.outputs = tuple(items)


def shown_text(output: widgets.Output) -> str:
    """The plain text of everything ``output`` shows (what a screen reader or test reads)."""
    return "\n".join(item.get("data", {}).get("text/plain", "") for item in output.outputs)


def fmt(value, spec: str = ".3f") -> str:
    """Format a number for a table cell; NaN and None read as an em dash."""
    if value is None:
        return "—"
    try:
        v = float(value)
    except (TypeError, ValueError):
        return html.escape(str(value))
    return "—" if np.isnan(v) else format(v, spec)


def table_html(frame: pd.DataFrame, formats: dict[str, str] | None = None) -> str:
    """A small HTML table of ``frame`` (columns formatted with ``formats``)."""
    formats = formats or {}
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    rows = []
    for _, row in frame.iterrows():
        cells = []
        for c in frame.columns:
            v = row[c]
            if isinstance(v, (bool, np.bool_)):
                text = "yes" if v else "no"
            elif c in formats:
                text = fmt(v, formats[c])
            else:
                text = html.escape(str(v))
            cells.append(f"<td>{text}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return (
        '<table class="modellab-table" style="border-collapse:collapse">'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


class Explorer(widgets.VBox):
    """Base of the explorers: a VBox that exposes its controls, outputs and state.

    Attributes
    ----------
    controls : dict of str -> ipywidgets widget
        The inputs; set ``controls[name].value`` to move one, as a learner would.
    outputs : dict of str -> ipywidgets.Output
        Where the explorer draws (``"summary"``: HTML text and tables; ``"plot"``: the figure).
    state : dict
        The numbers currently shown (a fresh copy on each access).
    """

    def __init__(self, controls: dict, header: list, **kwargs):
        self.controls = dict(controls)
        self.outputs = {"summary": widgets.Output(), "plot": widgets.Output()}
        self._state: dict = {}
        super().__init__(
            children=[*header, self.outputs["summary"], self.outputs["plot"]], **kwargs
        )

    @property
    def state(self) -> dict:
        return dict(self._state)

    @property
    def text(self) -> str:
        """Plain text of the summary output (the line and table a learner reads)."""
        return shown_text(self.outputs["summary"])

    def snapshot_html(self) -> str:
        """A static HTML picture of the explorer now: control values, summary and figure.

        Front ends without a live kernel (the course website, nbconvert) show this instead
        of the live widget; JupyterLab shows the live widget.
        """
        settings = ", ".join(
            f"{getattr(w, 'description', '') or name} = {html.escape(str(w.value))}"
            for name, w in self.controls.items() if hasattr(w, "value")
        )
        parts = [f"<p><em>Snapshot at {settings}.</em> To move the controls yourself, open the "
                 "no-code dashboards: <code>modellab dashboard</code>.</p>"]
        for key in ("summary", "plot"):
            for item in self.outputs[key].outputs:
                data = item.get("data", {})
                if "text/html" in data:
                    parts.append(data["text/html"])
                elif "image/png" in data:
                    alt = html.escape(data.get("text/plain", "figure"))
                    parts.append(f'<img src="data:image/png;base64,{data["image/png"]}" alt="{alt}"/>')
        return '<div class="modellab-snapshot">' + "\n".join(parts) + "</div>"

    def _repr_mimebundle_(self, **kwargs):
        bundle = super()._repr_mimebundle_(**kwargs)
        bundle["text/html"] = self.snapshot_html()
        return bundle

    def refresh(self) -> None:  # pragma: no cover - each explorer defines it
        """Recompute the state and redraw the outputs from the current control values."""
        raise NotImplementedError

    def _on_change(self, change) -> None:
        self.refresh()
