"""The report as readers see it: rendered by headless Chromium (HTML) and by poppler (PDF).

Chromium and poppler-utils are Debian packages (``apt-get install -y chromium poppler-utils``; CI's
``.ci/run`` installs them). When they are missing these tests fail with that instruction: they never skip.
The PNG screenshot is kept under ``test-artifacts/report/`` in the repository (gitignored).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from PIL import Image

from .conftest import EXPECTED_TOP5, REPORT_MONTH, SENTINEL

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO_ROOT / "test-artifacts" / "report"

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--enable-logging=stderr",
    "--v=0",
]

# Records script errors, failed resource loads and console.error/warn, then measures every chart.
PROBE = """<script>
(function () {
  var fouten = [];
  window.addEventListener('error', function (e) {
    var t = e.target || {};
    fouten.push('error: ' + (e.message || t.src || t.href || t.tagName || 'onbekend'));
  }, true);
  window.addEventListener('unhandledrejection', function (e) { fouten.push('rejection: ' + e.reason); });
  ['error', 'warn'].forEach(function (level) {
    var orig = console[level];
    console[level] = function () {
      fouten.push(level + ': ' + Array.prototype.join.call(arguments, ' '));
      orig.apply(console, arguments);
    };
  });
  window.addEventListener('load', function () {
    var out = {fouten: fouten, grafieken: [], hoogte: document.documentElement.scrollHeight};
    document.querySelectorAll('svg.grafiek').forEach(function (svg) {
      var r = svg.getBoundingClientRect(), bb = svg.getBBox();
      var lijnen = 0;
      svg.querySelectorAll('path').forEach(function (p) { if (p.getTotalLength && p.getTotalLength() > 0) lijnen++; });
      out.grafieken.push({naam: svg.getAttribute('data-grafiek'), breedte: r.width, hoogte: r.height,
        inhoud_breedte: bb.width, inhoud_hoogte: bb.height, paden: lijnen,
        teksten: svg.querySelectorAll('text').length});
    });
    var pre = document.createElement('pre');
    pre.id = 'testresultaat'; pre.style.display = 'none'; pre.textContent = JSON.stringify(out);
    document.body.appendChild(pre);
  });
})();
</script>"""


def _tool(name: str, package: str) -> str:
    exe = shutil.which(name)
    if exe is None:
        pytest.fail(
            f"{name} is not installed: the report tests need it. Install it with "
            f"`apt-get update && apt-get install -y {package}` (.ci/run does this on CI)."
        )
    return exe


def _chromium(args: list[str], url: str) -> subprocess.CompletedProcess:
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        _tool("chromium", "chromium")
    with tempfile.TemporaryDirectory(prefix="chromium-") as profile:
        return subprocess.run(
            [exe, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args, url],
            capture_output=True,
            text=True,
            timeout=120,
        )


@pytest.fixture(scope="module")
def rendered(built_report, tmp_path_factory):
    """The report loaded in Chromium with the probe: (probe result, Chromium stderr, probed file)."""
    result, _, _ = built_report
    html = result.html.read_text(encoding="utf-8")
    probed = tmp_path_factory.mktemp("chromium") / "managementrapportage.html"
    probed.write_text(html.replace("<head>", "<head>\n" + PROBE, 1), encoding="utf-8")
    run = _chromium(["--virtual-time-budget=5000", "--window-size=1100,1400", "--dump-dom"], probed.as_uri())
    assert run.returncode == 0, run.stderr[-2000:]
    m = re.search(r'<pre id="testresultaat"[^>]*>(.*?)</pre>', run.stdout, re.S)
    assert m, f"the page did not finish loading in Chromium:\n{run.stderr[-2000:]}"
    probe = json.loads(
        m.group(1).replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
    )
    return probe, run.stderr, probed


def test_chromium_shows_no_errors(rendered):
    probe, stderr, _ = rendered
    assert probe["fouten"] == []
    console = [line for line in stderr.splitlines() if ":CONSOLE" in line]
    assert console == [], "console messages while loading the report:\n" + "\n".join(console)


def test_every_chart_rendered(rendered, built_report):
    probe, _, _ = rendered
    result, _, _ = built_report
    expected = re.findall(r'data-grafiek="([^"]+)"', result.html.read_text(encoding="utf-8"))
    assert sorted(c["naam"] for c in probe["grafieken"]) == sorted(expected)
    assert {"trend-verhuur", "trend-overlast", "trend-incasso", "leveringen"} <= set(expected)
    for chart in probe["grafieken"]:
        assert chart["breedte"] > 400 and chart["hoogte"] > 100, chart
        assert chart["inhoud_breedte"] > 0.4 * chart["breedte"] and chart["inhoud_hoogte"] > 0.4 * chart["hoogte"], (
            chart
        )
        assert chart["paden"] >= 5 and chart["teksten"] >= 5, chart


def test_screenshot_is_kept_as_artefact(rendered):
    probe, _, probed = rendered
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    target = ARTIFACTS / f"managementrapportage-{REPORT_MONTH}.png"
    target.unlink(missing_ok=True)
    height = min(int(probe["hoogte"]) + 20, 16000)
    run = _chromium(
        [f"--window-size=1100,{height}", f"--screenshot={target}", "--virtual-time-budget=5000"], probed.as_uri()
    )
    assert run.returncode == 0 and target.is_file(), run.stderr[-2000:]
    with Image.open(target) as img:
        assert img.size == (1100, height)
        colours = img.convert("RGB").resize((220, max(1, height // 5))).getcolors(maxcolors=1_000_000)
    assert len(colours) > 200, "the screenshot is (nearly) blank"


def _pdf_pages(pdf: Path) -> list[str]:
    info = subprocess.run([_tool("pdfinfo", "poppler-utils"), str(pdf)], capture_output=True, text=True, check=True)
    pages = int(re.search(r"^Pages:\s+(\d+)", info.stdout, re.M).group(1))
    pdftotext = _tool("pdftotext", "poppler-utils")
    return [
        subprocess.run(
            [pdftotext, "-f", str(i), "-l", str(i), "-layout", str(pdf), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for i in range(1, pages + 1)
    ]


def test_pdf_has_the_expected_pages_and_text(built_report):
    result, _, _ = built_report
    pages = _pdf_pages(result.pdf)
    assert 5 <= len(pages) <= 12

    first = pages[0]
    for text in (
        "Managementrapportage",
        "oktober 2026",
        "De vijf belangrijkste signalen",
        "Hoe betrouwbaar zijn de cijfers?",
        f"pagina 1 van {len(pages)}",
    ):
        assert text in first, text
    for sid in EXPECTED_TOP5:
        assert f"Signaal {sid}:" in first

    def first_line(page: str) -> str:
        return next(line.strip() for line in page.splitlines() if line.strip())

    starts = {first_line(p): i for i, p in enumerate(pages)}
    order = [starts.get(h) for h in ("Verhuur", "Overlast", "Incasso", "Datakwaliteit")]
    assert None not in order, f"each section starts a page; first lines: {list(starts)}"
    assert order == sorted(order) and order[0] == 1 and order[-1] == len(pages) - 1

    text = "\n".join(pages)
    assert "Verloop okt 2025 – okt 2026" in text
    assert "29 van 31 verwachte" in text
    assert "t.o.v. sep 2026" in text and "t.o.v. okt 2025" in text
    assert re.search(r"€ \d{1,3}(\.\d{3})+", text), "amounts in Dutch format (€ 45.031)"
    assert "minder dan 10: niet getoond" in text
    assert SENTINEL not in text and "s-inc-klein" not in text
    for i, page in enumerate(pages, start=1):
        assert f"pagina {i} van {len(pages)}" in page


def test_pdf_draws_each_process_in_its_own_colour(built_report, tmp_path):
    """The charts are drawn in the PDF (not only their labels), each process in its colour."""
    from woonsignaal.report.build import PROCES_KLEUR

    result, _, _ = built_report
    pages = _pdf_pages(result.pdf)
    starts = {next(line.strip() for line in p.splitlines() if line.strip()): i + 1 for i, p in enumerate(pages)}
    pdftoppm = _tool("pdftoppm", "poppler-utils")

    def pixels(page: int, colour: str) -> int:
        subprocess.run(
            [pdftoppm, "-r", "50", "-png", "-f", str(page), "-l", str(page), str(result.pdf), str(tmp_path / "p")],
            check=True,
        )
        png = next(tmp_path.glob("p-*.png"))
        target = tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))
        with Image.open(png) as img:
            counts = img.convert("RGB").getcolors(maxcolors=1_000_000)
        png.unlink()
        return sum(c for c, rgb in counts if all(abs(a - b) <= 16 for a, b in zip(rgb, target, strict=True)))

    for proces, titel in (("verhuur", "Verhuur"), ("overlast", "Overlast"), ("incasso", "Incasso")):
        page = starts[titel]
        own = pixels(page, PROCES_KLEUR[proces])
        others = [pixels(page, PROCES_KLEUR[p]) for p in PROCES_KLEUR if p != proces]
        assert own > 300, f"{titel}: the page barely shows its colour ({own} pixels)"
        assert all(own > 5 * o for o in others), (titel, own, others)
