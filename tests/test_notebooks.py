"""The coursework notebooks: committed without outputs, and each runs clean on a real kernel."""

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
EXPECTED = [
    "01_backprop_by_hand",
    "02_three_ways_to_differentiate",
    "03_expression_swell",
    "04_loops_and_control_flow",
    "05_check_your_gradient",
    "06_finite_difference_step_size",
]
KERNEL = "python3"
CELL_TIMEOUT_SECONDS = 120  # a guard against a hung kernel, not a speed test


def notebook_paths():
    return sorted(NOTEBOOKS.glob("*.ipynb"))


@pytest.fixture(scope="session")
def kernel_name():
    """The python3 kernel, installed for this interpreter when the machine has none."""
    if KERNEL not in KernelSpecManager().find_kernel_specs():
        subprocess.run([sys.executable, "-m", "ipykernel", "install", "--user", "--name", KERNEL],
                       check=True, capture_output=True)
    return KERNEL


def test_every_lesson_is_there():
    assert [path.stem for path in notebook_paths()] == EXPECTED


@pytest.mark.parametrize("path", notebook_paths(), ids=lambda path: path.stem)
def test_committed_without_outputs_and_with_public_api_only(path):
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code and any(cell.cell_type == "markdown" for cell in notebook.cells)
    for cell in code:
        assert cell.outputs == [] and cell.execution_count is None, f"{path.name} has outputs saved"
        assert "from diffkit." not in cell.source and "import diffkit." not in cell.source, (
            f"{path.name} reaches into diffkit's modules; notebooks use the public dk namespace"
        )


@pytest.mark.parametrize("path", notebook_paths(), ids=lambda path: path.stem)
def test_notebook_executes_without_error(path, kernel_name, tmp_path):
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        kernel_name=kernel_name,
        timeout=CELL_TIMEOUT_SECONDS,
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute()  # raises CellExecutionError, naming the cell, on any exception
    errors = [output for cell in notebook.cells if cell.cell_type == "code"
              for output in cell.outputs if output.output_type == "error"]
    assert not errors
    figures = [output for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs
               if {"image/png", "image/svg+xml"} & set(output.get("data", {}))]
    assert figures, f"{path.name} draws no figure"
