"""The backward pass one node at a time: an HTML page with back / next buttons, and slides.

:class:`Stepper` (``trace.step_through()``) writes the trace's graph as inline SVG and a
short script: "next" lights up the node whose turn it is (gold) and the edges it sends
its gradient down (orange), reveals the gradients computed so far, and writes the step
as the notes do, upstream x local = downstream, for each input. Everything is in the one
HTML fragment (no kernel, no network, no external script), so it works in Jupyter
(``_repr_html_``), in a notebook exported to HTML, and in a browser (:meth:`Stepper.save`).
Without JavaScript the page still shows the whole graph with every gradient.

:func:`frame_svgs` gives the same steps as still pictures, one SVG each, for slides.
"""

import itertools
import json
from html import escape

from .. import errors
from .emphasis import NONE, step_emphasis
from .files import given_path, writable_folder, write_file
from .labels import value_lines
from .svg import drawing_svg

_instances = itertools.count(1)


def _text(value, threshold):
    return " ".join(value_lines(value, threshold)) if value is not None else ""


def step_lines(trace, number, step):
    """The step as lines of text: which node, and upstream x local = downstream per input."""
    threshold = trace.threshold
    lines = [f"step {number} of {len(trace.backward_steps())}: {step.node.title}, upstream gradient "
             f"{_text(step.upstream, threshold)}"]
    for source, local, down in zip(step.inputs, step.local, step.downstream):
        if local is None:
            lines.append(f"to {source.name or source.label}: upstream through the Jacobian of {step.node.label} = {_text(down, threshold)}")
        else:
            lines.append(f"to {source.name or source.label}: upstream {_text(step.upstream, threshold)} x local "
                         f"{_text(local, threshold)} = downstream {_text(down, threshold)}")
    if not step.inputs:
        lines.append("(no input of this node is differentiated: nothing is sent down)")
    return lines


def _revealed(trace, steps_done):
    """Ids (without prefix) of the gradient texts known after ``steps_done`` steps."""
    done = {step.node.index for step in list(trace.backward_steps())[:steps_done]}
    consumers = {node.index: set() for node in trace.nodes}
    for edge in trace.edges:
        consumers[edge.source].add(edge.target)
    shown = set()
    for node in trace.nodes:
        if node.index in done or (consumers[node.index] and consumers[node.index] <= done):
            shown.add(f"grad-{node.index}")
    for edge in trace.edges:
        if edge.target in done:
            shown.add(f"edge-{edge.source}-{edge.target}-{edge.position}-label")
    return shown


def _all_gradient_texts(drawing):
    ids = {f"grad-{i}" for i, node in drawing.nodes.items() if node.grad_lines}
    ids |= {f"edge-{e.source}-{e.target}-{e.position}-label" for e in drawing.edges if e.label is not None}
    return ids


FORWARD_ONLY = ["forward pass: every node holds its value (green)",
                "press next to run the backward pass, from the output's gradient 1"]


class Stepper:
    """The backward pass of a trace as a self-contained page with back / next buttons."""

    def __init__(self, trace):
        self.trace = trace
        self.drawing = trace.drawing()
        steps = list(trace.backward_steps())
        self.steps = [{"lines": FORWARD_ONLY, "active": None, "edges": [], "shown": []}]
        gradient_texts = _all_gradient_texts(self.drawing)
        for number, step in enumerate(steps, start=1):
            emphasis = step_emphasis(trace, step)
            self.steps.append({
                "lines": step_lines(trace, number, step),
                "active": f"node-{step.node.index}",
                "edges": sorted(f"edge-{s}-{t}-{p}" for s, t, p in emphasis.active_edges),
                "shown": sorted(_revealed(trace, number) & gradient_texts),
            })

    def html(self, prefix=None):
        """The HTML fragment: controls, the step's text, the SVG and the script."""
        prefix = prefix or f"dk-stepper-{next(_instances)}"
        svg = drawing_svg(self.drawing, prefix=prefix)
        # "<" as its JSON escape: a node named "</script>" (or "<!--") must not end or change the script
        data = json.dumps(self.steps).replace("<", "\\u003c")
        count = len(self.steps) - 1
        return f"""<div id="{prefix}" class="dk-stepper" data-step="0" style="font-family: sans-serif">
<div class="dk-controls" style="margin: 4px 0">
<button type="button" class="dk-back">&#9664; back</button>
<span class="dk-count" style="margin: 0 8px">step 0 of {count}</span>
<button type="button" class="dk-next">next &#9654;</button>
</div>
<div class="dk-panel" style="min-height: 3.6em; margin: 4px 0; font-size: 14px">{_panel(self.steps[0]["lines"])}</div>
{svg}
<script>{_SCRIPT.replace("__PREFIX__", prefix).replace("__STEPS__", data)}</script>
</div>"""

    def _repr_html_(self):
        return self.html()

    def save(self, path):
        """Write a standalone HTML page to ``path`` (a name ending in .html); return the path."""
        path = given_path(path, "the stepper", "stepper.save('steps.html')")
        if path.suffix.lower() not in (".html", ".htm"):
            raise errors.InputError(
                f"cannot save the stepper as {path.name!r}: it is an HTML page, give a file name ending in .html "
                "(trace.save writes a drawing as .png or .svg)"
            )
        writable_folder(path, path.parent, "the stepper")
        title = escape(f"backward pass of {self.trace.name or 'a program'}")
        page = (f"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{title}</title></head>"
                f"<body>\n{self.html()}\n</body></html>\n")
        write_file(path, page, "the stepper")
        return path

    def __repr__(self):
        return f"<Stepper: {len(self.steps) - 1} backward steps of {self.trace.name or 'a program'}>"


def _panel(lines):
    return "<br>".join(escape(line) for line in lines)


_SCRIPT = r"""
(function () {
  var root = document.getElementById("__PREFIX__");
  if (!root) { return; }
  var prefix = "__PREFIX__";
  var steps = __STEPS__;
  var current = 0;
  function byId(name) { return document.getElementById(prefix + "-" + name); }
  function escapeText(text) {
    var div = document.createElement("div");
    div.textContent = text;
    return div.innerHTML;
  }
  function restore() {
    root.querySelectorAll(".dk-node").forEach(function (g) {
      g.classList.remove("dk-active");
      var box = g.querySelector("rect");
      box.setAttribute("fill", box.getAttribute("data-fill"));
      box.setAttribute("stroke", box.getAttribute("data-stroke"));
      box.setAttribute("stroke-width", box.getAttribute("data-width"));
    });
    root.querySelectorAll(".dk-edge").forEach(function (g) {
      g.classList.remove("dk-active");
      var line = g.querySelector("polyline");
      line.setAttribute("stroke", line.getAttribute("data-stroke"));
      line.setAttribute("stroke-width", line.getAttribute("data-width"));
      line.setAttribute("marker-end", line.getAttribute("data-marker"));
    });
  }
  function show(k) {
    current = Math.max(0, Math.min(steps.length - 1, k));
    var step = steps[current];
    restore();
    var known = {};
    step.shown.forEach(function (name) { known[name] = true; });
    root.querySelectorAll("[id^='" + prefix + "-grad-'], [id$='-label']").forEach(function (el) {
      var name = el.id.slice(prefix.length + 1);
      el.setAttribute("visibility", known[name] ? "visible" : "hidden");
    });
    if (step.active) {
      var node = byId(step.active);
      node.classList.add("dk-active");
      var box = node.querySelector("rect");
      box.setAttribute("fill", "#ffd54f");
      box.setAttribute("stroke", "#e67e00");
      box.setAttribute("stroke-width", "2.6");
    }
    step.edges.forEach(function (name) {
      var edge = byId(name);
      edge.classList.add("dk-active");
      var line = edge.querySelector("polyline");
      line.setAttribute("stroke", "#e67e00");
      line.setAttribute("stroke-width", "2.4");
      line.setAttribute("marker-end", "url(#" + prefix + "-arrow-lit)");
    });
    root.querySelector(".dk-panel").innerHTML = step.lines.map(escapeText).join("<br>");
    root.querySelector(".dk-count").textContent = "step " + current + " of " + (steps.length - 1);
    root.querySelector(".dk-back").disabled = current === 0;
    root.querySelector(".dk-next").disabled = current === steps.length - 1;
    root.setAttribute("data-step", String(current));
  }
  root.querySelector(".dk-back").addEventListener("click", function () { show(current - 1); });
  root.querySelector(".dk-next").addEventListener("click", function () { show(current + 1); });
  show(0);
})();
"""


def frame_svgs(trace):
    """One SVG per step, step 0 being the forward pass alone: the stepper as still pictures."""
    steps = list(trace.backward_steps())
    captions = [FORWARD_ONLY] + [step_lines(trace, n, s) for n, s in enumerate(steps, start=1)]
    widest = max((line for caption in captions for line in caption), key=len)
    drawing = trace.drawing(caption=[widest] * max(len(caption) for caption in captions))
    gradient_texts = _all_gradient_texts(drawing)
    frames = []
    for number, caption in enumerate(captions):
        emphasis = step_emphasis(trace, steps[number - 1]) if number else None
        shown = _revealed(trace, number) & gradient_texts
        hidden = {f"frame-{name}" for name in gradient_texts - shown}
        frames.append(drawing_svg(drawing, emphasis=emphasis or NONE, prefix="frame", hidden=hidden,
                                  caption_lines=caption))
    return frames

