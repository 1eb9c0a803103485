"""Figures for written reports: one style for all, made without pyplot.

Every plot of every report (the harness's, the studies', the bench's) is drawn inside
:func:`styled`, which applies the package's style sheet ``diffkit.mplstyle`` (text of
9 pt or more, colour, marker and line style changing together from series to series),
and saved by :func:`save_figure` as a 150 dpi PNG with an SVG beside it. The PNG
carries, as a text chunk, what a reader or a test checks: the smallest font used and
each axes' title and labels (:func:`figure_facts`).

Reports are written from the command line and from notebooks alike. Choosing a backend
at import (``matplotlib.use("Agg")``) would switch a notebook's inline backend off, so
report figures are plain :class:`matplotlib.figure.Figure` objects, which draw to a file
on their own and never touch pyplot's global state.
"""

import functools
import json
from pathlib import Path

import matplotlib
import matplotlib.style
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

STYLE = Path(__file__).resolve().with_name("diffkit.mplstyle")
FACTS_KEY = "diffkit"  # the PNG text chunk that holds figure_facts
ZERO_LABEL = "exactly 0"


def style_parameters():
    """The style sheet's settings, as matplotlib reads them."""
    return matplotlib.rc_params_from_file(STYLE, use_default_template=False)


def styled(draw):
    """Decorate a function that draws a report figure: it runs under the package's style sheet."""
    @functools.wraps(draw)
    def in_style(*args, **kwargs):
        with matplotlib.style.context(STYLE):
            return draw(*args, **kwargs)

    return in_style


def new_figure(rows=1, columns=1, **options):
    """A detached figure and its axes: ``Figure(figsize=...)`` then ``subplots(rows, columns)``.

    ``figsize`` goes to the figure; every other option (``squeeze``, ``sharey``...) to
    :meth:`Figure.subplots`. Call it inside a :func:`styled` function.
    """
    figure = Figure(figsize=options.pop("figsize", None))
    return figure, figure.subplots(rows, columns, **options)


def palette(name="tab10"):
    """The colours of a qualitative colormap, as a tuple."""
    return matplotlib.colormaps[name].colors


def integer_axis(axis):
    """Ticks at whole numbers only (an axis of depths, iterations or counts)."""
    axis.set_major_locator(MaxNLocator(integer=True))


def figure_facts(figure):
    """The smallest font size (points) of the figure's visible text, and each axes' title and labels."""
    sizes = [text.get_fontsize() for text in figure.findobj(matplotlib.text.Text)
             if text.get_visible() and text.get_text().strip()]
    axes = [{"title": ax.get_title() or ax.get_title("left"), "xlabel": ax.get_xlabel(), "ylabel": ax.get_ylabel()}
            for ax in figure.axes if ax.axison and ax.get_label() != "<colorbar>"]
    return {"min_font_pt": min(sizes) if sizes else None, "axes": axes}


def save_figure(figure, folder, name, dpi=None):
    """Write ``figure`` as ``folder/name`` (a PNG at the style's dpi, its facts in a text chunk)
    and as the SVG beside it; return ``name`` (the page links it)."""
    dpi = dpi or style_parameters()["savefig.dpi"]
    path = Path(folder) / name
    facts = json.dumps(figure_facts(figure))
    figure.savefig(path, dpi=dpi, metadata={FACTS_KEY: facts})
    figure.savefig(path.with_suffix(".svg"), metadata={"Date": None})  # a rebuilt report writes the same file
    return name


def zero_floor(values):
    """Where exact zeros go on a log axis: a decade below the smallest non-zero value, so a
    zero is drawn (and labelled, with :data:`ZERO_LABEL`) as such, not as a tiny error."""
    positive = [v for v in values if v and v > 0 and v == v and v != float("inf")]
    return min(positive) / 10 if positive else 1e-17
