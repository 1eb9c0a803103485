"""``diffkit check MODULE:LOSS MODULE:GRAD``: exit 0 when right, 1 when wrong, 2 on misuse."""

import subprocess
import sys
import textwrap

from diffkit.cli import main

MODULE = textwrap.dedent(
    '''
    import numpy as np
    import diffkit as dk

    EXAMPLE_ARGNUMS = (0, 1)

    def example_args():
        rng = np.random.default_rng(0)
        return rng.standard_normal((2, 3)), rng.standard_normal(3), rng.standard_normal((4, 2))

    def loss(W, b, X):
        return dk.sum(dk.tanh(X @ W + b))

    def loss_grad(W, b, X):
        s = 1 - np.tanh(X @ W + b) ** 2
        return X.T @ s, s.sum(axis=0)

    def loss_grad_unsummed(W, b, X):
        s = 1 - np.tanh(X @ W + b) ** 2
        return X.T @ s, s
    '''
)


def write_module(tmp_path, name="course_net", text=MODULE):
    path = tmp_path / f"{name}.py"
    path.write_text(text)
    return path


def test_right_gradient_exits_0(tmp_path, capsys):
    path = write_module(tmp_path)
    assert main(["check", f"{path}:loss", f"{path}:loss_grad"]) == 0
    assert "gradient check of loss: CORRECT" in capsys.readouterr().out


def test_wrong_gradient_exits_1_and_names_the_mistake(tmp_path, capsys):
    path = write_module(tmp_path)
    assert main(["check", f"{path}:loss", f"{path}:loss_grad_unsummed"]) == 1
    out = capsys.readouterr().out
    assert "grad for b has shape (4, 3); b has shape (3,)" in out


def test_example_args_constant_and_argnums_option(tmp_path, capsys):
    text = "import diffkit as dk\nEXAMPLE_ARGS = (1.5, 2.0)\n\ndef f(x, y):\n    return x * x * y\n\ndef g(x, y):\n    return 2 * x * y\n"
    path = write_module(tmp_path, "plain", text)
    assert main(["check", f"{path}:f", f"{path}:g", "--argnums", "0"]) == 0
    assert main(["check", f"{path}:f", f"{path}:g", "--argnums", "1"]) == 1
    capsys.readouterr()


def test_missing_example_arguments_is_a_usage_error(tmp_path, capsys):
    path = write_module(tmp_path, "bare", "def f(x):\n    return x\n")
    assert main(["check", f"{path}:f", f"{path}:f"]) == 2
    assert "define EXAMPLE_ARGS = (...) or a function example_args()" in capsys.readouterr().err


def test_command_line_by_module_name(tmp_path):
    write_module(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "diffkit", "check", "course_net:loss", "course_net:loss_grad_unsummed", "--mode", "random"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 1, done.stderr
    assert "gradient check of loss: WRONG" in done.stdout


def _usage_error(capsys, *parts):
    error = capsys.readouterr().err
    assert error.startswith("diffkit: error: ") and "Traceback" not in error, error
    assert len(error.strip().splitlines()) == 1, error
    for part in parts:
        assert part in error, error


BROKEN = textwrap.dedent(
    '''
    import numpy as np
    import diffkit as dk

    EXAMPLE_ARGS = (np.array([1.0, 2.0]),)

    def loss(x):
        return dk.sum(x * x)

    def grad_divides_by_zero(x):
        return 1 / 0
    '''
)


def test_a_module_that_raises_on_import_is_a_usage_error_naming_the_line(tmp_path, capsys):
    path = write_module(tmp_path, "raises_on_import", BROKEN + 'raise RuntimeError("no data file")\n')
    assert main(["check", f"{path}:loss", f"{path}:loss"]) == 2
    _usage_error(capsys, f"importing {path} raised RuntimeError: no data file at line 12 of {path}",
                 "fix the module and run again")


def test_a_module_by_name_that_raises_on_import_is_a_usage_error(tmp_path, capsys, monkeypatch):
    write_module(tmp_path, "raises_by_name", "import missing_dependency_of_the_course\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    assert main(["check", "raises_by_name:loss", "raises_by_name:loss"]) == 2
    _usage_error(capsys, "importing raises_by_name raised ModuleNotFoundError: No module named "
                         "'missing_dependency_of_the_course'")


def test_example_args_that_raise_are_a_usage_error_naming_the_line(tmp_path, capsys):
    text = BROKEN + "\ndef example_args():\n    return {}['points']\n"
    path = write_module(tmp_path, "raising_example", text)
    assert main(["check", f"{path}:loss", f"{path}:loss"]) == 2
    _usage_error(capsys, f"example_args() of {path} raised KeyError: 'points' at line 14 of {path}",
                 "fix it and run again")


def test_a_gradient_function_that_raises_is_a_usage_error_naming_the_line(tmp_path, capsys):
    path = write_module(tmp_path, "raising_grad", BROKEN)
    assert main(["check", f"{path}:loss", f"{path}:grad_divides_by_zero"]) == 2
    _usage_error(capsys, "your gradient function grad_divides_by_zero raised ZeroDivisionError: division by zero "
                         "at raising_grad.py:11 in grad_divides_by_zero(): `return 1 / 0`",
                 "fix grad_divides_by_zero so that it returns the gradient at the given arguments")


def test_a_loss_that_raises_is_a_usage_error_naming_its_line(tmp_path, capsys):
    # Before: a raw traceback and exit status 1, which means "gradient wrong"
    path = write_module(tmp_path, text=MODULE + "\ndef typo_loss(W, b, X):\n    return missing_name * W\n")
    assert main(["check", f"{path}:typo_loss", f"{path}:loss_grad"]) == 2
    error = capsys.readouterr().err
    assert f"the loss {path}:typo_loss raised NameError: name 'missing_name' is not defined at line" in error
    assert "fix the loss and check again" in error


def test_the_gradient_is_checked_at_the_example_as_given_when_the_loss_writes_into_it(tmp_path, capsys):
    # The loss writes x[0] = 5 into its argument; the check runs on copies, so the user's gradient is
    # judged at x = [1, 2, 3]: 2 * x[0] = 2
    text = ("import numpy as np\nEXAMPLE_ARGS = (np.array([1.0, 2.0, 3.0]),)\n"
            "def loss(x):\n    x[0] = 5.0\n    return (x**2).sum()\n\ndef grad(x):\n    return 2 * x\n")
    path = write_module(tmp_path, name="writes", text=text)
    main(["check", f"{path}:loss", f"{path}:grad"])
    row = next(line for line in capsys.readouterr().out.splitlines() if line.strip().startswith("x[0]"))
    assert row.split()[1] == "2"


def test_a_list_where_an_array_was_meant_is_named_as_a_list(tmp_path, capsys):
    text = "EXAMPLE_ARGS = ([1.0, 2.0, 3.0],)\ndef loss(x):\n    return (x * x).sum()\n\ndef grad(x):\n    return x\n"
    path = write_module(tmp_path, name="listed", text=text)
    assert main(["check", f"{path}:loss", f"{path}:grad"]) == 2
    assert "argument 'x' is a Python list of 3 numbers" in capsys.readouterr().err
