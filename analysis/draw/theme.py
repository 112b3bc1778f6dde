"""The house style: which font draws the charts' Chinese, the colours, and `set_theme`.

Matplotlib's default font has no Chinese glyphs: a chart labelled in Chinese without a
CJK font shows empty boxes. So the charts ask this module for the effective language:
Chinese where a CJK font is installed, English (with one warning naming what to install)
where none is.

The library's charts change no global state: they set fonts, sizes and spines on the
artists they make (analysis.draw._style), never in matplotlib's rcParams, so interactive
mode, rcParams and pandas options are as the user left them. `set_theme()` is the one call
that does change them, on purpose: it gives the user's own matplotlib, pandas and seaborn
charts the house style and a CJK font, as seaborn's `set_theme` does for its own.
"""

from __future__ import annotations

import contextlib
import sys
import warnings
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from matplotlib import colormaps, font_manager

from analysis.words.labels import check_lang

# In order of preference: fonts made for Simplified Chinese first, then the other CJK
# cuts of the same families (they hold every simplified character too), then the
# system fonts of Windows and macOS, then older Linux fonts.
CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "Noto Sans SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Microsoft YaHei",
    "PingFang SC",
    "Hiragino Sans GB",
    "Heiti SC",
    "STHeiti",
    "SimHei",
    "Noto Sans CJK JP",
    "Noto Sans CJK TC",
    "Source Han Sans",
    "Source Han Sans JP",
    "Droid Sans Fallback",
    "AR PL UMing CN",
    "SimSun",
    "Arial Unicode MS",
)
# Matplotlib's bundled font: always present, and it has the Latin, digits and signs.
LATIN_FAMILY = "DejaVu Sans"

FONT_WARNING_START = "No Chinese (CJK) font found"
INSTALL_HINT = (
    f"{FONT_WARNING_START}, so charts are labelled in English. Install one to get "
    "Chinese labels: on Debian/Ubuntu `sudo apt-get install fonts-noto-cjk`, on Fedora "
    "`google-noto-sans-cjk-fonts`, on macOS and Windows a Chinese system font "
    "(PingFang SC, Microsoft YaHei) is normally present; then clear matplotlib's font "
    "cache (`rm -rf ~/.cache/matplotlib`)."
)

# Okabe & Ito's palette, made to be told apart with every common colour-vision deficiency.
SPECIAL_COLOR = "#0072B2"
SELF_RAISED_COLOR = "#E69F00"
FUNDING_COLORS = {"special": SPECIAL_COLOR, "self_raised": SELF_RAISED_COLOR}
# The rest of Okabe & Ito's colours, for the user's own charts after set_theme().
PALETTE = (SPECIAL_COLOR, SELF_RAISED_COLOR, "#009E73", "#CC79A7", "#D55E00", "#56B4E9",
           "#F0E442", "#000000")  # fmt: skip
# Shares from white (none) to dark blue (all): one hue, so order reads without colour vision;
# blank cells (no line in that category) stay white.
SHARE_CMAP = colormaps["Blues"].with_extremes(bad="white")
REFERENCE_COLOR = "#222222"

# The sizes and settings every chart shares, as rcParams: the library's charts apply them
# to their own artists, set_theme() to matplotlib's defaults. `axes.unicode_minus` is off
# because some CJK fonts (SimHei among them) lack U+2212 MINUS SIGN; the ASCII
# hyphen-minus is in every font. SVG text is written as paths so a reader's machine needs
# no CJK font to see it.
BASE_RC: dict[str, object] = {
    "axes.unicode_minus": False,
    "svg.fonttype": "path",
    "font.size": 9,
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
    "axes.labelsize": 9,
    "xtick.labelsize": 8.5,
    "ytick.labelsize": 8.5,
    "legend.fontsize": 8.5,
    "legend.frameon": False,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


class CJKFontMissingWarning(UserWarning):
    """No CJK font is installed, so charts asked for in Chinese are drawn in English."""


def installed_families() -> set[str]:
    """Return the names of the font families matplotlib can use on this machine."""
    return {entry.name for entry in font_manager.fontManager.ttflist}


def find_cjk_font() -> str | None:
    """Return the most preferred installed CJK font family, or None when there is none."""
    installed = installed_families()
    return next((name for name in CJK_FAMILIES if name in installed), None)


_warned = False


def chart_lang(lang: str = "zh") -> str:
    """Return the language charts can be drawn in: 'zh' needs a CJK font, else it is 'en'.

    The first fallback in a process warns with CJKFontMissingWarning; later ones are quiet,
    so a notebook of ten charts says it once.
    """
    global _warned
    check_lang(lang)
    if lang != "zh" or find_cjk_font() is not None:
        return lang
    if not _warned:
        _warned = True
        warnings.warn(INSTALL_HINT, CJKFontMissingWarning, stacklevel=_caller_level())
    return "en"


_INSIDE = (str(Path(__file__).resolve().parent), contextlib.__file__)


def _caller_level() -> int:
    """Return the stacklevel that names the first caller outside this package.

    A warning is more useful pointing at the notebook cell that drew the chart than at the
    library line that noticed the missing font.
    """
    frame, level = sys._getframe(1), 1
    while frame is not None and frame.f_code.co_filename.startswith(_INSIDE):
        frame, level = frame.f_back, level + 1
    return level


def font_family() -> tuple[str, ...]:
    """Return the font families charts use: the CJK font (if any), then DejaVu Sans."""
    cjk = find_cjk_font()
    return (LATIN_FAMILY,) if cjk is None else (cjk, LATIN_FAMILY)


@cache
def _coverage(family: tuple[str, ...]) -> frozenset[int]:
    """Return the code points the fonts of family have glyphs for."""
    covered: set[int] = set()
    for name in family:
        try:
            path = font_manager.findfont(
                font_manager.FontProperties(family=name), fallback_to_default=False
            )
        except ValueError:
            continue
        covered.update(font_manager.get_font(path).get_charmap())
    return frozenset(covered)


@dataclass(frozen=True)
class ChartStyle:
    """The language and fonts one chart is drawn with."""

    lang: str
    family: tuple[str, ...]

    def renders(self, text: str) -> bool:
        """Return whether every character of text has a glyph in the chart's fonts."""
        covered = _coverage(self.family)
        return all(ord(ch) in covered for ch in str(text) if not ch.isspace())

    def rc(self) -> dict[str, object]:
        """Return the rcParams for this style."""
        return {**BASE_RC, "font.family": list(self.family)}


def chart_style(lang: str = "zh") -> ChartStyle:
    """Return the language and fonts a chart asked for in lang is drawn with."""
    return ChartStyle(chart_lang(lang), font_family())


def set_theme(lang: str = "zh", *, context: str = "notebook", **seaborn_options) -> None:
    """Give the user's own matplotlib, pandas and seaborn charts the house style.

    Sets seaborn's theme (``seaborn.set_theme``: ``context`` and any of its options), the
    house palette (special fund blue, self-raised orange, then Okabe & Ito's colours), the
    sizes of the library's charts and a CJK font, so Chinese labels draw as text, not
    boxes. This changes matplotlib's global settings, as seaborn's own set_theme does;
    the library's charts never do. Where no CJK font is installed,
    CJKFontMissingWarning says what to install.
    """
    import seaborn as sns

    style = chart_style(lang)
    options = {"style": "ticks", "palette": list(PALETTE), **seaborn_options}
    rc = {**style.rc(), **options.pop("rc", {})}
    sns.set_theme(context=context, rc=rc, **options)
