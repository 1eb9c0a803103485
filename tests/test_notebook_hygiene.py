"""What a notebook user sees: errors name the cell, not IPython's temporary file; numbers print plainly."""

import json

import pytest
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_notebook

import diffkit as dk
from diffkit.core.frames import notebook_cell


def test_ipython_cell_files_are_recognised():
    assert notebook_cell("/tmp/ipykernel_4242/3157834162.py") == "a notebook cell"  # no IPython running here
    assert notebook_cell("<ipython-input-7-0123456789ab>") == "cell [7]"
    assert notebook_cell("/home/me/3157834162.py") == "" and notebook_cell("program.py") == ""


def test_in_a_kernel_an_error_names_the_cell_and_its_line(kernel_name, tmp_path):
    pytest.importorskip("ipykernel")
    notebook = new_notebook(cells=[
        new_code_cell("import math\nimport diffkit as dk"),
        new_code_cell("def f(x):\n    return math.exp(x)"),
        new_code_cell("try:\n    dk.grad(f)(1.0)\nexcept dk.DiffkitError as error:\n    print(error)"),
        new_code_cell("def g(x, y, z):\n    return (x + y) * z\n\nsteps = dk.trace(g, -2.0, 5.0, -4.0).backward_steps()\n"
                      "print([step.upstream for step in steps], [step.downstream for step in steps])"),
    ])
    NotebookClient(notebook, kernel_name=kernel_name, timeout=60, resources={"metadata": {"path": str(tmp_path)}}).execute()
    message = notebook.cells[2].outputs[0]["text"]
    assert "at cell [2], line 2 in f()" in message and "ipykernel_" not in message
    assert notebook.cells[3].outputs[0]["text"].strip() == "[1.0, -4.0] [[-4.0, 3.0], [-4.0, -4.0]]"


def test_numbers_in_diffkits_values_and_tables_are_plain_floats():
    graph = dk.trace(lambda w, x: dk.sigmoid(w * x), 2.0, -1.0)
    assert all(type(g) is float for g in graph.grad)
    step = graph.backward_steps()[0]
    assert type(step.upstream) is float and all(type(v) is float for v in step.local + step.downstream)
    assert "np.float64" not in repr(graph.nodes) + str(graph.backward_steps()) + repr(step.downstream)
    rows = dk.compare_with_notes("002")
    assert "np.float64" not in str(rows) and "np.float64" not in json.dumps(str(rows[0]))
