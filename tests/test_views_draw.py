"""Drawing traces: PNG and SVG with matplotlib alone, Graphviz only when dot is installed."""

import html
import shutil

import numpy as np
import pytest

import diffkit as dk
from diffkit.views.draw_graphviz import dot_source
from diffkit.views.layout import layers_of


def cs231n_network(w1, w2, b, x, y):
    """CS 231N's exercise: f(x) = sigmoid(relu(x w1) w2 + b), mean binary cross-entropy."""
    h = dk.relu(x @ w1)
    p = dk.sigmoid(h @ w2 + b)
    return -dk.mean(y * dk.log(p) + (1.0 - y) * dk.log(1.0 - p))


@pytest.fixture
def network_point():
    rng = np.random.default_rng(231)
    x = rng.normal(size=(4, 2))
    y = np.array([[1.0], [0.0], [1.0], [0.0]])
    return rng.normal(size=(2, 3)), rng.normal(size=(3, 1)), np.array([0.1]), x, y


def closed_form(w1, w2, b, x, y):
    """The notes' node-by-node backward pass, written out with NumPy."""
    z1 = x @ w1
    h = np.maximum(z1, 0.0)
    p = 1.0 / (1.0 + np.exp(-(h @ w2 + b)))
    dz2 = (p - y) / len(x)
    dh = dz2 @ w2.T
    dz1 = dh * (z1 > 0)
    return x.T @ dz1, h.T @ dz2, dz2.sum(axis=0)


def test_cs231n_network_gradients_match_the_closed_form(network_point):
    trace = dk.trace(cs231n_network, *network_point, argnums=(0, 1, 2))
    for got, want in zip(trace.grad, closed_form(*network_point)):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)


def test_cs231n_network_png_and_svg_with_every_label(network_point, tmp_path):
    trace = dk.trace(cs231n_network, *network_point, argnums=(0, 1, 2))
    png = trace.save(tmp_path / "network.png")
    assert png.stat().st_size > 1000
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg_path = trace.save(tmp_path / "network.svg")
    svg = html.unescape(svg_path.read_text(encoding="utf-8"))
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    labels = {node.label for node in trace.nodes}
    assert {"w1", "w2", "b", "x", "y", "@", "relu", "sigmoid", "log", "mean"} <= labels
    for label in labels:
        assert label in svg, label


def test_matplotlib_is_used_when_dot_is_missing(monkeypatch, network_point):
    monkeypatch.setenv("PATH", "")
    assert shutil.which("dot") is None
    trace = dk.trace(cs231n_network, *network_point, argnums=(0, 1, 2))
    svg = trace._repr_svg_()
    assert "Matplotlib" in svg  # drawn quietly without Graphviz
    with pytest.raises(dk.UnsupportedError, match="Graphviz"):
        trace.to_svg(backend="graphviz")


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
def test_graphviz_draws_every_label_when_installed(network_point):
    trace = dk.trace(cs231n_network, *network_point, argnums=(0, 1, 2))
    svg = html.unescape(trace.to_svg(backend="graphviz"))
    for node in trace.nodes:
        assert node.label in svg


def test_dot_source_has_values_gradients_and_left_to_right_layout():
    def add_multiply(x, y, z):
        return (x + y) * z

    source = dot_source(dk.trace(add_multiply, -2.0, 5.0, -4.0))
    assert "rankdir=LR" in source
    assert source.count("->") == 4
    assert '<FONT COLOR="#c00000">-4</FONT>' in source and ">-12<" in source


def test_layers_run_left_to_right_and_inputs_sit_next_to_their_use():
    def late_bias(x, w, b):
        return dk.tanh(dk.tanh(x * w)) + b

    trace = dk.trace(late_bias, 1.0, 2.0, 3.0)
    layer = layers_of(trace)
    by_label = {node.label: layer[node.index] for node in trace.nodes}
    assert by_label["x"] == by_label["w"] == 0
    assert by_label["*"] == 1
    assert by_label["+"] == 4 and by_label["b"] == 3  # b drawn just before its gate
    positions = trace.layout()
    for edge in trace.edges:
        assert positions[edge.source][0] < positions[edge.target][0]


def test_unknown_file_type_and_backend_are_refused(tmp_path):
    trace = dk.trace(dk.exp, 1.0)
    with pytest.raises(dk.InputError, match=r"\.png or \.svg"):
        trace.save(tmp_path / "graph.pdf")
    with pytest.raises(dk.InputError, match="backend"):
        trace.to_svg(backend="tikz")


def test_a_failing_dot_falls_back_to_matplotlib_with_a_warning(monkeypatch, tmp_path):
    fake = tmp_path / "dot"
    fake.write_text("#!/bin/sh\necho 'dot: broken install' >&2\nexit 3\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    trace = dk.trace(dk.exp, 1.0)
    with pytest.warns(RuntimeWarning, match="Graphviz failed"):
        svg = trace.to_svg()
    assert "Matplotlib" in svg and "exp" in svg
    with pytest.raises(dk.UnsupportedError, match=r"dot .*failed: .*dot: broken install.*backend='matplotlib'"):
        trace.to_svg(backend="graphviz")  # asked for by name: an error that says what broke, not a fallback


def test_importing_diffkit_and_its_reports_leaves_the_matplotlib_backend_alone(tmp_path):
    """A notebook's inline backend survives ``import diffkit`` and every report module."""
    import subprocess
    import sys

    script = (
        "import matplotlib; matplotlib.use('svg'); "
        "import diffkit, diffkit.harness.plots, diffkit.studies.jacobian_report, diffkit.bench.report; "
        "print(matplotlib.get_backend())"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "svg"


def test_a_long_chain_is_folded_into_bands_that_stay_legible(tmp_path):
    def chain(x):
        for _ in range(100):
            x = dk.tanh(x)
        return x

    trace = dk.trace(chain, 0.5)
    drawing = trace.drawing()
    assert drawing.width <= 11.0 and drawing.bands > 5  # 101 layers, wrapped to a notebook's width
    positions = trace.layout()
    rows = sorted({round(y, 6) for _, y in positions.values()})
    assert len(rows) == drawing.bands
    from PIL import Image

    path = trace.save(tmp_path / "chain.png", backend="matplotlib")
    width, height = Image.open(path).size
    assert width <= 11.0 * 110 + 1 and height < 6000
