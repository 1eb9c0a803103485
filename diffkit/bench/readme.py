"""The README's benchmark section, generated from a report's ``results.json``.

The text between ``<!-- bench:start -->`` and ``<!-- bench:end -->`` is replaced, so the
figures a reader sees are the ones the committed report measured.
"""

from pathlib import Path

from .. import errors
from ..report.markdown import table
from . import targets
from .candidates import API, API_LIST, API_POSITIONAL, COMPILED, HANDWRITTEN, PLAIN_PYTHON, TAPE

START = "<!-- bench:start -->"
END = "<!-- bench:end -->"
ARRAY_COLUMNS = (HANDWRITTEN, API, COMPILED, "torch", "jax", "jax-jit", "autograd", TAPE)
SCALAR_COLUMNS = (API_LIST, API_POSITIONAL, COMPILED, "micrograd", "torch", "autograd", TAPE)


def section(results, report_link="reports/bench/index.md"):
    env = results["environment"]
    names = [n for n in ARRAY_COLUMNS if any(n in e["timings"] for e in results["arrays"])]
    lines = [
        f"Gradient time over one plain NumPy forward pass (MLP, tanh, MSE, batch 64, float64), "
        f"measured {env['date']} on {env['cpu']}, {env['threads']} thread(s) per library, "
        f"{'CPU time' if results.get('clock') == 'cpu' else 'wall-clock time'} "
        f"([full report]({report_link})):",
        "",
        table(["depth x width", "params", *names],
              [[e["config"], f"{e['params']:,}",
                *(f"{e['timings'][n]['ratio']:.1f}x" if n in e["timings"] else "-" for n in names)]
               for e in results["arrays"]]),
    ]
    scalar = results["scalar"]["timings"]
    parts = [f"{n} {scalar[n]['ratio']:.0f}x" for n in SCALAR_COLUMNS if n in scalar]
    lines += [
        "",
        f"Scalar program (2-16-16-1 relu, 337 parameters), ratio to a {PLAIN_PYTHON}: " + ", ".join(parts) + ".",
        "",
    ]
    goals = targets.evaluate(results)
    met = sum(1 for g in goals if g["met"])
    lines.append(f"Goals met: {met} of {len(goals)}:")
    lines.append("")
    lines += [f"- {g['goal']}: {g['measured']} ({targets.verdict(g['met'])})" for g in goals]
    return "\n".join(lines)


def update_readme(readme_path, results, report_link="reports/bench/index.md"):
    """Replace the text between the markers in ``readme_path``; raise if they are missing."""
    path = Path(readme_path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise errors.InputError(
            f"cannot read the README {path} ({getattr(exc, 'strerror', None) or exc}): give --readme the "
            "Markdown file that holds the benchmark section"
        ) from None
    start, end = text.find(START), text.find(END)
    if start < 0 or end < start:
        raise errors.InputError(
            f"{path} has no benchmark section: add a line {START} and, below it, a line {END} "
            "where the generated figures should go"
        )
    new = text[: start + len(START)] + "\n" + section(results, report_link) + "\n" + text[end:]
    try:
        path.write_text(new, encoding="utf-8")
    except OSError as exc:
        raise errors.InputError(f"cannot write the README {path} ({exc.strerror or exc}): check that it is "
                                "writable") from None
    return path
