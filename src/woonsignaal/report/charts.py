"""Charts as inline SVG (matplotlib, Agg backend, the machine's own fonts: nothing is downloaded).

Every chart is an ``<svg>`` string with ``class="grafiek"`` and ``data-grafiek="<name>"``; its element
ids are prefixed with the chart name so several charts can share one HTML page.
"""

from __future__ import annotations

import io
import re
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import FuncFormatter, MaxNLocator  # noqa: E402

from woonsignaal.report.formatting import MAANDEN_KORT, getal  # noqa: E402

TEKST = "#1f2933"
RASTER = "#d9dee4"
GRIJS = "#8a949e"
BREEDTE = 7.4  # inches: every chart is drawn at the width it is shown, so all text has one size

_RC = {
    "svg.fonttype": "none",  # text stays text: selectable, searchable in the PDF, no glyph paths
    "svg.hashsalt": "woonsignaal",  # deterministic ids
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans"],
    "font.size": 8,
    "axes.edgecolor": RASTER,
    "axes.labelcolor": TEKST,
    "xtick.color": TEKST,
    "ytick.color": TEKST,
    "axes.titlesize": 8.5,
    "axes.titleweight": "bold",
    "axes.titlecolor": TEKST,
}


@dataclass
class Paneel:
    titel: str
    maanden: list[date]
    waarden: list[float | None]
    formatter: Callable[[float], str]


def _maand_label(d: date, first: bool) -> str:
    label = MAANDEN_KORT[d.month - 1]
    return f"{label}\n{d.year}" if first or d.month == 1 else label


def _svg(fig: plt.Figure, naam: str, beschrijving: str) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    plt.close(fig)
    svg = buf.getvalue()
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.S)  # RDF boilerplate, no content
    prefix = re.sub(r"[^a-zA-Z0-9_-]", "-", naam)
    svg = re.sub(r'id="([^"]+)"', lambda m: f'id="{prefix}-{m.group(1)}"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{prefix}-{m.group(1)})", svg)
    svg = re.sub(r'((?:xlink:)?href)="#([^"]+)"', lambda m: f'{m.group(1)}="#{prefix}-{m.group(2)}"', svg)
    titel = beschrijving.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")
    svg = svg.replace("<svg ", f'<svg class="grafiek" data-grafiek="{prefix}" role="img" aria-label="{titel}" ', 1)
    return svg.strip()


def trendgrafiek(naam: str, panelen: list[Paneel], kleur: str, kolommen: int | None = None) -> str:
    """Small multiples: one 13-month line per KPI, the last month marked, the same month a year
    earlier marked hollow; a suppressed or missing month is a gap in the line."""
    n = len(panelen)
    if kolommen is None:
        kolommen = n if n <= 3 else 2 if n == 4 else 3
    kolommen = max(1, min(kolommen, n))
    rijen = (n + kolommen - 1) // kolommen
    with plt.rc_context(_RC):
        fig, axes = plt.subplots(rijen, kolommen, figsize=(BREEDTE, 1.75 * rijen), squeeze=False)
        for i, ax in enumerate(axes.flat):
            if i >= n:
                ax.set_visible(False)
                continue
            p = panelen[i]
            x = list(range(len(p.maanden)))
            y = [float("nan") if v is None else v for v in p.waarden]
            ax.plot(x, y, color=kleur, linewidth=1.8, marker="o", markersize=2.6, zorder=3)
            if p.waarden and p.waarden[-1] is not None:
                ax.plot([x[-1]], [p.waarden[-1]], marker="o", markersize=6, color=kleur, zorder=4)
            if len(p.waarden) >= 13 and p.waarden[-13] is not None:
                ax.plot(
                    [x[-13]],
                    [p.waarden[-13]],
                    marker="o",
                    markersize=6,
                    markerfacecolor="white",
                    markeredgecolor=kleur,
                    markeredgewidth=1.4,
                    zorder=4,
                )
            ax.set_title(
                textwrap.fill(p.titel, int(12 * (BREEDTE - 0.65 - 0.75 * (kolommen - 1)) / kolommen)), loc="left", pad=4
            )
            ticks = [j for j in x if j % 3 == 0 or j == x[-1]]
            if len(ticks) > 1 and ticks[-1] - ticks[-2] < 2:
                ticks.pop(-2)
            ax.set_xticks(ticks)
            ax.set_xticklabels([_maand_label(p.maanden[j], j == 0) for j in ticks])
            ax.yaxis.set_major_locator(MaxNLocator(nbins=4))
            ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos, f=p.formatter: f(v)))
            ax.grid(axis="y", color=RASTER, linewidth=0.6)
            ax.set_axisbelow(True)
            for side in ("top", "right", "left"):
                ax.spines[side].set_visible(False)
            ax.tick_params(axis="both", length=0, labelsize=7)
            ax.set_xlim(-0.5, len(x) - 0.5)
            finite = [v for v in y if v == v]
            if finite and min(finite) >= 0:
                ax.set_ylim(bottom=0, top=max(finite) * 1.15 if max(finite) > 0 else 1)
            if not finite:
                ax.set_yticks([])
                ax.text(0.5, 0.5, "geen gegevens", transform=ax.transAxes, ha="center", va="center", color=GRIJS)
        # fixed margins in inches (tight_layout would draw the figure once more, which is slow)
        rij = 1.9  # inches per row of panels: title (up to two lines), plot, two-line month labels
        fig.set_size_inches(BREEDTE, rij * rijen)
        hoogte = rij * rijen
        fig.subplots_adjust(
            left=0.55 / BREEDTE,
            right=1 - 0.1 / BREEDTE,
            top=1 - 0.42 / hoogte,
            bottom=0.42 / hoogte,
            wspace=0.75 / (BREEDTE / kolommen - 0.75),
            hspace=0.84 / (rij - 0.84),
        )
        titels = ", ".join(p.titel for p in panelen)
        return _svg(fig, naam, f"Verloop over 13 maanden: {titels}")


def staafgrafiek_leveringen(
    naam: str, dagen: list[date], geladen: list[int | None], quarantaine: list[int | None], kleur: str
) -> str:
    """Per day of the month: rows loaded (bars) and rows quarantined (dark bars on top); a missing
    delivery is marked with a cross on the axis."""
    with plt.rc_context(_RC):
        fig, ax = plt.subplots(figsize=(BREEDTE, 1.9))
        x = list(range(len(dagen)))
        g = [v or 0 for v in geladen]
        q = [v or 0 for v in quarantaine]
        ax.bar(x, g, color=kleur, alpha=0.55, width=0.75, label="rijen geladen")
        ax.bar(x, q, bottom=g, color="#b42318", width=0.75, label="rijen in quarantaine")
        missing = [i for i, v in enumerate(geladen) if v is None]
        if missing:
            ax.plot(
                missing,
                [0] * len(missing),
                linestyle="none",
                marker="x",
                color="#b42318",
                markersize=6,
                label="geen levering",
                clip_on=False,
                zorder=5,
            )
        ticks = x[::2] if len(x) > 16 else x
        ax.set_xticks(ticks)
        ax.set_xticklabels(
            [
                f"{dagen[i].day} {MAANDEN_KORT[dagen[i].month - 1]}"
                if i == 0 or dagen[i].day == 1
                else str(dagen[i].day)
                for i in ticks
            ]
        )
        ax.set_xlabel("leveringsdatum")
        ax.set_xlim(-0.6, max(len(x), 28) - 0.4)  # a few deliveries keep the width of a month's bars
        ax.yaxis.set_major_locator(MaxNLocator(nbins=4))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: getal(v)))
        ax.grid(axis="y", color=RASTER, linewidth=0.6)
        ax.set_axisbelow(True)
        for side in ("top", "right", "left"):
            ax.spines[side].set_visible(False)
        ax.tick_params(axis="both", length=0, labelsize=7)
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, fontsize=7)
        fig.subplots_adjust(left=0.6 / BREEDTE, right=1 - 1.45 / BREEDTE, top=1 - 0.1 / 1.9, bottom=0.5 / 1.9)
        return _svg(fig, naam, "Rijen geladen en in quarantaine per leveringsdag")
