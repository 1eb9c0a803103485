"""Drawings that show the numbers, the backward-pass stepper, slide frames and TikZ.

Numbers asserted are the notes' (example 1: q = 3, f = -12, df/dq = -4, df/dz = 3,
df/dx = df/dy = -4; example 7: x W = [[-1, -1, 2, 6], [5, 2, 11, 7]]).
"""

import html
import itertools
import json
import re
import shutil
import xml.etree.ElementTree as ElementTree

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

import diffkit as dk
from diffkit.views.draw_matplotlib import draw

from browser import open_page, require_browser


def add_multiply(x, y, z):
    q = dk.name(x + y, "q")
    return q * z


def lecture_trace(name, **settings):
    return dk.trace(dk.get_program(name, **settings))


# --- names ------------------------------------------------------------------------------------------------
def test_a_name_changes_no_value_and_no_gradient_in_any_method():
    def plain(x, y, z):
        return (x + y) * z

    for method in dk.methods():
        named = dk.gradient(add_multiply, -2.0, 5.0, -4.0, argnums=(0, 1, 2), method=method)
        unnamed = dk.gradient(plain, -2.0, 5.0, -4.0, argnums=(0, 1, 2), method=method)
        assert named.value == unnamed.value and named.grad == unnamed.grad, method
    value = np.arange(3.0)
    assert dk.name(value, "v") is value
    with pytest.raises(dk.InputError, match="non-empty string"):
        dk.name(value, "")


def test_nodes_carry_the_programs_names_and_the_notes_names():
    graph = dk.trace(add_multiply, -2.0, 5.0, -4.0)
    assert graph.node("q").label == "+" and graph.node("q").title == "q: +"
    lecture = lecture_trace("lecture-03-sigmoid-gates")  # names from the function's notes dict
    assert [n.name for n in lecture.operations] == ["a", "c", "d", "e", "g", "f"]
    assert lecture.node("e").value == pytest.approx(np.exp(-1.0))


# --- content: arrays in full, the same under matplotlib and Graphviz ------------------------------------------
def svg_texts(svg):
    texts = re.findall(r"<text[^>]*>(.*?)</text>", svg, flags=re.S)
    return sorted(html.unescape(re.sub(r"<[^>]+>", "", t)).strip() for t in texts if re.sub(r"<[^>]+>", "", t).strip())


def test_arrays_up_to_four_by_four_are_written_in_full():
    graph = lecture_trace("lecture-07-matmul")
    texts = svg_texts(graph.to_svg(backend="matplotlib"))
    assert "[[-1, -1, 2, 6]," in texts and "[5, 2, 11, 7]]" in texts  # y = x W, entry by entry
    assert "[[2, 3, -3, 9]," in texts  # the upstream dy on the edges and nodes
    small = svg_texts(graph.style(threshold=2).to_svg(backend="matplotlib"))
    assert not any(t.startswith("[[-1, -1") for t in small) and any(t.startswith("array 2x4") for t in small)
    with pytest.raises(dk.InputError, match="threshold must be"):
        graph.style(threshold=0)


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed (apt-get install graphviz)")
@pytest.mark.parametrize("name", ["lecture-01-add-multiply", "lecture-07-matmul", "lecture-08-fc-layer"])
def test_matplotlib_and_graphviz_write_the_same_texts(name):
    graph = lecture_trace(name)
    assert svg_texts(graph.to_svg(backend="matplotlib")) == svg_texts(graph.to_svg(backend="graphviz"))


# --- layout: labels clear of nodes and of each other, wide graphs wrapped -------------------------------------
def boxes(figure, prefix):
    renderer = figure.canvas.get_renderer()
    found = []
    for artist in itertools.chain(figure.axes[0].patches, figure.axes[0].texts):
        gid = artist.get_gid() or ""
        if gid.startswith(prefix):
            found.append((gid, artist.get_window_extent(renderer)))
    return found


def overlaps(a, b, slack=0.5):
    return a.x0 + slack < b.x1 and b.x0 + slack < a.x1 and a.y0 + slack < b.y1 and b.y0 + slack < a.y1


@pytest.mark.parametrize("name, settings", [
    ("lecture-01-add-multiply", {}), ("lecture-07-matmul", {}), ("lecture-08-fc-layer", {}),
    ("lecture-14-cs231n-network", {}), ("tanh-rnn", {}), ("babylonian-sqrt", {}), ("lecture-05-gate-patterns", {}),
])
def test_edge_labels_never_overlap_nodes_or_each_other(name, settings):
    figure = draw(lecture_trace(name, **settings).drawing())
    FigureCanvasAgg(figure)
    figure.canvas.draw()
    labels = boxes(figure, "dk-edge-label-")
    nodes = boxes(figure, "dk-node-")
    assert labels and nodes
    for (gid, label), (other, node) in itertools.product(labels, nodes):
        assert not overlaps(label, node), f"{gid} overlaps {other}"
    for (gid, a), (other, b) in itertools.combinations(labels, 2):
        assert not overlaps(a, b), f"{gid} overlaps {other}"


def test_node_texts_do_not_overlap_other_nodes():
    figure = draw(lecture_trace("lecture-07-matmul").drawing())
    FigureCanvasAgg(figure)
    figure.canvas.draw()
    nodes = boxes(figure, "dk-node-")
    for (gid, a), (other, b) in itertools.combinations(nodes, 2):
        if gid.split("-")[2] != other.split("-")[2]:  # texts of one node sit on its own box's edge
            assert not overlaps(a, b), f"{gid} overlaps {other}"


@pytest.mark.parametrize("name", ["tanh-rnn", "babylonian-sqrt"])
def test_a_graph_wider_than_a_notebook_wraps(name, tmp_path):
    graph = lecture_trace(name)
    drawing = graph.drawing()
    assert drawing.bands > 1 and drawing.width <= 11.0
    assert graph.style(direction="LR").drawing().width > 11.0  # unwrapped, it would be a long strip
    from PIL import Image

    width, _ = Image.open(graph.save(tmp_path / "wide.png", backend="matplotlib")).size
    assert width <= 11.0 * 110 + 1


def test_top_to_bottom_puts_layers_under_each_other():
    graph = dk.trace(add_multiply, -2.0, 5.0, -4.0).style(direction="TB")
    centres = graph.layout()
    by_title = {node.title: centres[node.index] for node in graph.nodes}
    assert by_title["x"][1] > by_title["q: +"][1] > by_title["*"][1]
    with pytest.raises(dk.InputError, match="unknown direction"):
        graph.style(direction="RL")


# --- highlight -----------------------------------------------------------------------------------------------
def test_highlight_marks_every_path_from_a_node_to_the_output():
    graph = lecture_trace("lecture-12-cs540-network").highlight("w2")
    lit = {graph.nodes[i].name or graph.nodes[i].label for i in graph.emphasis.nodes}
    assert {"w2", "h2", "y_hat", "loss"} <= lit and not {"w1", "h1", "w3"} & lit
    assert all(s in graph.emphasis.nodes and t in graph.emphasis.nodes for s, t, _ in graph.emphasis.edges)
    assert "#e67e00" in graph.to_svg(backend="matplotlib")
    with pytest.raises(dk.InputError, match="no node named 'w9'"):
        graph.highlight("w9")


def test_highlighting_a_node_the_output_does_not_use_is_refused():
    graph = dk.trace(lambda x, y: x * 2.0, 1.0, 2.0)  # y is an input the output never reads
    with pytest.raises(dk.InputError, match=r"'y' does not reach the output \(the output is not computed from it\), "
                                            "so there is no path to highlight; name a node the output depends on"):
        graph.highlight("y")
    assert graph.highlight("x").emphasis.nodes == {0, 2}


# --- the stepper, frames and TikZ -----------------------------------------------------------------------------
def test_the_stepper_is_one_self_contained_fragment():
    page = dk.trace(add_multiply, -2.0, 5.0, -4.0).step_through()
    text = page._repr_html_()
    assert "<svg" in text and "<script>" in text and "dk-next" in text and "dk-back" in text
    assert not re.search(r"(src|href)=\"(https?:)?//", text)  # nothing loaded from anywhere
    steps = page.steps
    assert steps[1]["lines"][1:] == ["to q: upstream 1 x local -4 = downstream -4",
                                     "to z: upstream 1 x local 3 = downstream 3"]
    assert steps[2]["lines"][1:] == ["to x: upstream -4 x local 1 = downstream -4",
                                     "to y: upstream -4 x local 1 = downstream -4"]


def test_a_node_named_like_markup_cannot_end_the_steppers_script():
    name = "</script><!--"
    text = dk.trace(lambda x: dk.name(x * 2.0, name), 1.0).step_through()._repr_html_()
    assert text.count("</script") == 1 and "<!--" not in text
    steps = json.loads(re.search(r"var steps = (.*);\n", text).group(1))
    assert steps[1]["lines"][0] == f"step 1 of 1: {name}: * 2, upstream gradient 1"


def test_frames_are_one_svg_per_step(tmp_path):
    graph = dk.trace(add_multiply, -2.0, 5.0, -4.0)
    paths = graph.save_frames(tmp_path)
    assert [p.name for p in paths] == ["step-00.svg", "step-01.svg", "step-02.svg"]
    frames = [p.read_text(encoding="utf-8") for p in paths]
    for frame in frames:
        ElementTree.fromstring(frame)  # well-formed SVG
    assert "upstream 1 x local -4 = downstream -4" in frames[1] and "#ffd54f" in frames[1]
    assert 'id="frame-grad-0" visibility="hidden"' in frames[1]  # x's gradient is not known yet
    assert 'id="frame-grad-0" visibility="hidden"' not in frames[2]
    with pytest.raises(dk.InputError, match="does not exist"):
        graph.save_frames(tmp_path / "missing")


def test_frames_of_an_earlier_longer_trace_are_removed_and_other_files_kept(tmp_path):
    dk.trace(add_multiply, -2.0, 5.0, -4.0).save_frames(tmp_path)  # 3 frames
    (tmp_path / "notes.svg").write_text("<svg/>", encoding="utf-8")
    (tmp_path / "step-final.svg").write_text("<svg/>", encoding="utf-8")
    paths = dk.trace(lambda x: x * 2.0, 1.0).save_frames(tmp_path)  # one step: 2 frames
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.svg", "step-00.svg", "step-01.svg", "step-final.svg"]
    assert [p.name for p in paths] == ["step-00.svg", "step-01.svg"]


def test_frames_saved_to_a_file_say_it_is_a_file(tmp_path):
    taken = tmp_path / "frames.txt"
    taken.write_text("", encoding="utf-8")
    with pytest.raises(dk.InputError, match=f"cannot save the frames to {re.escape(str(taken))}: "
                                            f"{re.escape(str(taken))} is a file, not a folder; give the name of a folder"):
        dk.trace(add_multiply, -2.0, 5.0, -4.0).save_frames(taken)


def test_to_latex_is_a_tikz_picture_with_every_number():
    tikz = dk.trace(add_multiply, -2.0, 5.0, -4.0).to_latex()
    assert tikz.startswith(r"\begin{tikzpicture}") and tikz.rstrip().endswith(r"\end{tikzpicture}")
    for text in ("{q: +}", r"{$\ast$}", "{-12}", "{-4}", "{3}", "{x}"):
        assert text in tikz
    assert tikz.count(r"\draw[") == 4


def test_the_stepper_steps_forward_and_back_in_a_headless_browser(tmp_path):
    require_browser()
    path = dk.trace(add_multiply, -2.0, 5.0, -4.0).step_through().save(tmp_path / "steps.html")
    with open_page() as (page, found):
        page.goto(path.as_uri())
        stepper = page.locator(".dk-stepper")
        assert stepper.get_attribute("data-step") == "0" and page.locator(".dk-back").is_disabled()
        assert "forward pass" in page.inner_text(".dk-panel")
        grad_x = page.locator("[id$='-grad-0']")
        assert grad_x.get_attribute("visibility") == "hidden"
        page.click(".dk-next")
        panel = page.inner_text(".dk-panel")
        assert "step 1 of 2" in panel and "upstream 1 x local -4 = downstream -4" in panel
        assert "upstream 1 x local 3 = downstream 3" in panel
        active = page.locator(".dk-node.dk-active")
        assert active.count() == 1 and active.locator("text").first.text_content() == "*"
        assert page.locator(".dk-edge.dk-active").count() == 2
        assert grad_x.get_attribute("visibility") == "hidden"
        page.click(".dk-next")
        panel = page.inner_text(".dk-panel")
        assert "step 2 of 2" in panel and "to x: upstream -4 x local 1 = downstream -4" in panel
        assert page.locator(".dk-node.dk-active text").first.text_content() == "q: +"
        assert grad_x.get_attribute("visibility") == "visible" and page.locator(".dk-next").is_disabled()
        page.click(".dk-back")
        assert stepper.get_attribute("data-step") == "1" and "step 1 of 2" in page.inner_text(".dk-panel")
        assert page.locator(".dk-node.dk-active text").first.text_content() == "*"
    assert all(url.startswith("file://") for url in found.requests)  # no network: one local file
    assert found.problems == []  # no console error, no script error
