"""Figures for written reports, made without pyplot.

Reports are written from the command line and from notebooks alike. Choosing a backend
at import (``matplotlib.use("Agg")``) would switch a notebook's inline backend off, so
report figures are plain :class:`matplotlib.figure.Figure` objects, which draw to a file
on their own and never touch pyplot's global state.
"""

from pathlib import Path

import matplotlib
from matplotlib.figure import Figure


def new_figure(rows=1, columns=1, **options):
    """A detached figure and its axes: ``Figure(figsize=...)`` then ``subplots(rows, columns)``.

    ``figsize`` goes to the figure; every other option (``squeeze``, ``sharey``...) to
    :meth:`Figure.subplots`.
    """
    figure = Figure(figsize=options.pop("figsize", None))
    return figure, figure.subplots(rows, columns, **options)


def palette(name="tab10"):
    """The colours of a qualitative colormap, as a tuple."""
    return matplotlib.colormaps[name].colors


def save_figure(figure, folder, name, dpi=80):
    """Lay ``figure`` out tightly and write it as ``folder/name``; return ``name`` (the page links it)."""
    figure.tight_layout()
    figure.savefig(Path(folder) / name, dpi=dpi)
    return name
