"""The layout's promises: the layering contracts hold, the import is light, the root is small."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("matplotlib", "jinja2", "tqdm", "dask", "sympy")


def test_import_linter_contracts_hold():
    command = shutil.which("lint-imports")
    if command is None:
        pytest.fail("lint-imports is missing: install the dev extra (pip install -e '.[dev]')")
    done = subprocess.run([command], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "0 broken" in done.stdout


def _modules_loaded_after(code):
    probe = f"import sys\n{code}\nprint('LOADED:' + ','.join(m for m in {HEAVY!r} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    last = done.stdout.strip().splitlines()[-1]
    assert last.startswith("LOADED:"), done.stdout[-500:]
    return [m for m in last[len("LOADED:"):].split(",") if m]


def test_import_diffkit_loads_no_heavy_library():
    assert _modules_loaded_after("import diffkit") == []


def test_a_tape_gradient_and_the_cli_help_never_import_sympy():
    loaded = _modules_loaded_after(
        "import numpy as np, diffkit as dk\n"
        "assert abs(dk.grad(lambda x: dk.sum(dk.tanh(x)), method='tape')(np.zeros(3))[0] - 1.0) < 1e-15"
    )
    assert "sympy" not in loaded
    loaded = _modules_loaded_after(
        "from diffkit.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass"
    )
    assert "sympy" not in loaded


def test_heavy_re_exports_load_on_first_use():
    import diffkit as dk

    for name in ("check_grad", "check_backward", "check_value", "compare", "trace", "Trace", "zoo", "Program"):
        assert callable(getattr(dk, name)), name
    assert "matplotlib" in _modules_loaded_after("import diffkit as dk\ndk.compare")


def test_the_package_root_holds_only_public_entry_points():
    root_modules = sorted(p.name for p in (ROOT / "diffkit").glob("*.py"))
    assert len(root_modules) <= 8, root_modules
