"""Write a chart as PNG and SVG files, byte for byte the same for the same data."""

from __future__ import annotations

import contextlib
import struct
from pathlib import Path

import matplotlib
from matplotlib.axes import Axes
from matplotlib.figure import Figure

PNG_DPI = 200
# A fixed salt makes the SVG's generated ids (clip paths, hatches) the same on every run.
SVG_SALT = "fund-analysis"


# --- files --------------------------------------------------------------------------------


def save(fig: Figure | Axes, stem: str | Path) -> list[Path]:
    """Return the paths of stem.png (200 dpi) and stem.svg, written from fig.

    The files carry no date or random id, so the same data gives byte-identical files.
    """
    figure = fig.figure if isinstance(fig, Axes) else fig
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    png, svg = stem.parent / f"{stem.name}.png", stem.parent / f"{stem.name}.svg"
    # Constrained layout already fits every artist inside the figure (a test holds each
    # chart to that), so the whole figure is saved: no tight box to measure per file.
    settings = {"svg.hashsalt": SVG_SALT, "svg.fonttype": "path", "savefig.bbox": "standard"}
    with _only(**settings):
        figure.savefig(png, dpi=PNG_DPI, metadata={"Software": None})
        # The layout is final now; the SVG need not run the layout engine again.
        figure.set_layout_engine("none")
        figure.savefig(svg, metadata={"Date": None})
    return [png, svg]


@contextlib.contextmanager
def _only(**settings):
    """Set a few of matplotlib's settings, and only those, for the time of the block.

    The SVG writer reads its id salt and font handling from rcParams alone, and savefig its
    bounding box where none is given. Unlike
    plt.rc_context, which puts every setting back as it found it (undoing, for one, the
    interactive mode a kernel turns on as pyplot is first imported), only these change.
    """
    before = {key: matplotlib.rcParams[key] for key in settings}
    matplotlib.rcParams.update(settings)
    try:
        yield
    finally:
        matplotlib.rcParams.update(before)


def png_size(png: bytes) -> tuple[int, int] | None:
    """Return a PNG's width and height in pixels, from its IHDR chunk (None: not a PNG)."""
    if len(png) < 24 or png[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    width, height = struct.unpack(">II", png[16:24])
    return (width, height) if width and height else None
