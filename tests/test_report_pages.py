"""Every report page, as a reader gets it: plots in the package's style, HTML that renders.

Three pages are written here: the harness report of a small suite (a lecture program, a
width sweep, a loop sweep, Table 1 and the step-size study), the bench page and the
Jacobian page (both rewritten from the results committed under reports/). Each PNG is
read back from its file (dpi, the facts the figure wrote into it); each HTML page is
opened in a headless Chromium (tests/browser.py), screenshotted, and must log no
console error and load every image.
"""

import json
import re
from pathlib import Path

import pytest
from PIL import Image

from diffkit.bench import report as bench_report
from diffkit.cli import main
from diffkit.report.figures import FACTS_KEY, style_parameters
from diffkit.studies import jacobian_report

from browser import require_browser, visit

ROOT = Path(__file__).resolve().parents[1]
SUITE = '''
"""A small suite for the page tests."""
from diffkit.harness.studies import get_study
from diffkit.harness.suites import Suite, program_cases, sweep_cases


def suite():
    cases = program_cases("lecture-01-add-multiply", methods=["reference", "tape", "fd-central", "symbolic"])
    cases += sweep_cases("mlp", "width", (1, 2, 4, 8), {"depth": 2}, methods=["reference", "tape", "fd-central"])
    cases += sweep_cases("logistic-map", "iterations", (1, 2, 3), methods=["reference", "tape", "symbolic"])
    cases += get_study("table1").cases(up_to=3) + get_study("fd-steps").cases()
    return Suite("pages", "a small suite for the page tests", cases, timeout=60.0)
'''


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    """{page name: its folder}, each written by the code under test."""
    root = tmp_path_factory.mktemp("pages")
    (root / "pages_suite.py").write_text(SUITE)
    harness = root / "harness"
    assert main(["report", "--suite", str(root / "pages_suite.py"), "--out", str(harness), "--jobs", "2",
                 "--quiet", "--min-time", "0"]) == 0
    bench = root / "bench"
    bench_report.write_report(bench_report.load_results(ROOT / "reports" / "bench"), bench)
    jacobian = root / "jacobian"
    jacobian_report.write_report(jacobian_report.read_data(ROOT / "reports" / "jacobian"), jacobian)
    return {"harness": harness, "bench": bench, "jacobian": jacobian}


def _pngs(folder):
    found = sorted(folder.glob("*.png"))
    assert found, f"no plot in {folder}"
    return found


def test_the_style_sheet_sets_readable_sizes():
    style = style_parameters()
    assert style["savefig.dpi"] == 150
    for key in ("font.size", "axes.labelsize", "xtick.labelsize", "ytick.labelsize", "legend.fontsize"):
        assert float(style[key]) >= 9, key


@pytest.mark.parametrize("name", ["harness", "bench", "jacobian"])
def test_every_png_has_the_style_dpi_and_font_size_and_every_plot_is_labelled(pages, name):
    dpi = style_parameters()["savefig.dpi"]
    for png in _pngs(pages[name]):
        with Image.open(png) as image:
            assert image.info["dpi"] == pytest.approx((dpi, dpi), abs=0.1), png.name
            facts = json.loads(image.info[FACTS_KEY])
        assert facts["min_font_pt"] >= 9, (png.name, facts["min_font_pt"])
        assert facts["axes"], png.name
        for axes in facts["axes"]:
            assert axes["title"].strip() and axes["xlabel"].strip() and axes["ylabel"].strip(), (png.name, axes)
        assert png.with_suffix(".svg").stat().st_size > 1000, f"no SVG beside {png.name}"


def test_the_harness_page_has_every_figure_with_a_fit_and_a_stop_in_its_legends(pages):
    names = {p.name for p in _pngs(pages["harness"])}
    assert {"accuracy.png", "expression_size.png", "gradient_time.png", "table1_sizes.png", "fd_steps.png"} <= names
    svg = (pages["harness"] / "expression_size.svg").read_text()
    assert "fit: " in svg  # each growth fit is named in the legend (the SVG keeps text as text)


@pytest.mark.parametrize("name", ["harness", "bench", "jacobian"])
def test_html_links_every_image_to_its_full_size_and_has_a_table_of_contents(pages, name):
    html = (pages[name] / "index.html").read_text()
    assert '<nav class="toc"' in html
    images = re.findall(r'<img src="([^"]+)"', html)
    assert images
    for src in images:
        assert f'<a href="{src}"><img src="{src}"' in html and (pages[name] / src).exists()
    markdown = (pages[name] / "index.md").read_text()
    for src in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", markdown):
        assert (pages[name] / src).exists(), src


@pytest.mark.parametrize("name", ["harness", "bench", "jacobian"])
def test_each_page_renders_in_chromium_without_errors(pages, name, tmp_path):
    require_browser()
    shot = tmp_path / f"{name}.png"
    seen = visit(pages[name] / "index.html", screenshot=shot)
    assert seen.problems == []
    assert seen.images >= 1 and seen.title
    with Image.open(shot) as image:
        assert image.width == 1280 and image.height > 900  # the whole page, taller than one screen
