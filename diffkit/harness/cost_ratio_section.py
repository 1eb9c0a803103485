"""The report's section for GradBench's problems: ADBench's derivative-over-objective time.

For each problem of the ``benchmark`` family, one row per size and one column per
method: the median time of one derivative over the median time of one evaluation of
the objective (the forward pass of the same case), beside the figure that plots it
against the number of parameters. Written once as a :class:`Section`, so the Markdown
and HTML pages show the same numbers.
"""

from ..report.section import Image, Paragraph, Section, Table

ANCHOR = "cost-ratios"
TITLE = "Derivative time over objective time (ADBench's figure)"
FIGURE = "cost_ratios.png"


def _ratio(value):
    return "—" if value is None else f"{value:.3g}×"


def cost_ratio_section(analysis, figures):
    """The section, or None when the run has no finished case of a benchmark problem."""
    problems = analysis.get("cost_ratios") or []
    if not problems:
        return None
    blocks = [Paragraph(
        "For each GradBench problem, the median time of one derivative divided by the median time of one "
        "evaluation of the objective (its forward pass alone), by method and size; the figure plots it "
        "against the number of parameters differentiated.")]
    if figures.get("cost_ratios"):
        blocks.append(Image(FIGURE, "derivative time over objective time against parameters"))
    for problem in problems:
        blocks.append(Paragraph(f"**{problem['program']}**"))
        rows = tuple((size["label"], str(size["params"]), *(_ratio(size["ratios"].get(m)) for m in problem["methods"]))
                     for size in problem["sizes"])
        blocks.append(Table(("size", "params", *problem["methods"]), rows, "lr" + "r" * len(problem["methods"])))
    return Section(ANCHOR, TITLE, blocks)
