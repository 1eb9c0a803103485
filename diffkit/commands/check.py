"""``diffkit check MODULE:LOSS MODULE:GRAD``: check a hand-derived gradient from the shell.

Convention for the point to check at: the module of LOSS provides its example
arguments either as a tuple ``EXAMPLE_ARGS`` or as a function ``example_args()``
returning one (use the function to build arrays from a seeded generator). It may set
``EXAMPLE_ARGNUMS`` (an int or a tuple; default 0) for the arguments to differentiate.
``GRAD(*args)`` must return the gradient shaped like those arguments. MODULE is an
importable module name or a path to a ``.py`` file. Exit status: 0 when the gradient
passes, 1 when it is wrong, 2 on a usage error.
"""

import importlib
import importlib.util
import pathlib
import sys

from ..check import check_grad
from ..errors import DiffkitError, InputError
from ..core.frames import call_user_code, import_failure, raised_in

COMMAND = "check"
HELP = "check a hand-derived gradient: diffkit check MODULE:LOSS MODULE:GRAD (exit 1 when wrong)"


def add_arguments(parser):
    parser.add_argument("loss", metavar="MODULE:LOSS", help="the function to differentiate, e.g. mynet:loss or mynet.py:loss")
    parser.add_argument("grad", metavar="MODULE:GRAD", help="your gradient function, e.g. mynet:loss_grad")
    parser.add_argument(
        "--argnums", type=int, nargs="+", default=None,
        help="arguments to differentiate (default: the module's EXAMPLE_ARGNUMS, else 0)",
    )
    parser.add_argument("--methods", nargs="+", default=["tape", "fd-central"], help="reference methods (first judges)")
    parser.add_argument("--mode", choices=["full", "random"], default="full", help="every entry, or random directions")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random directions")
    parser.add_argument("--rtol", type=float, default=None, help="relative error above which an entry is wrong")
    parser.add_argument("--atol", type=float, default=None, help="absolute error below which an entry is correct")
    parser.add_argument("--show", type=int, default=5, help="worst entries shown per argument")
    parser.add_argument("--decimals", type=int, default=None,
                        help="your gradient's values were rounded to this many decimals: judge them against rounding")
    parser.add_argument("--brief", action="store_true",
                        help="print only the verdict and one line per argument (its verdict and worst entry)")


def run(args):
    loss_module, loss = load(args.loss)
    _, grad = load(args.grad)
    example = example_arguments(loss_module, args.loss)
    argnums = args.argnums if args.argnums is not None else getattr(loss_module, "EXAMPLE_ARGNUMS", 0)
    if isinstance(argnums, list):
        argnums = argnums[0] if len(argnums) == 1 else tuple(argnums)
    try:
        report = check_grad(
            loss, grad, *example, argnums=argnums, methods=tuple(args.methods), rtol=args.rtol, atol=args.atol,
            mode=args.mode, seed=args.seed, shown=args.show, decimals=args.decimals,
        )
    except DiffkitError:
        raise
    except Exception as exc:  # raised in the loss's own code: the user's to fix (status 2), not a wrong gradient (1)
        if not raised_in(exc, getattr(loss_module, "__file__", None)):
            raise
        raise InputError(f"the loss {args.loss} raised {import_failure(exc, loss_module.__file__)}; fix the loss "
                         "and check again") from None
    print(report.brief() if args.brief else report.text())
    return 0 if report else 1


def load(spec):
    """``module:name`` or ``path/to/file.py:name`` -> (module, the named object)."""
    module_part, separator, name = spec.rpartition(":")
    if not separator or not module_part or not name:
        raise InputError(f"{spec!r} is not MODULE:NAME; write e.g. mynet:loss or mynet.py:loss")
    module = _import(module_part)
    try:
        target = getattr(module, name)
    except AttributeError:
        raise InputError(f"module {module_part!r} has no {name!r}") from None
    if not callable(target):
        raise InputError(f"{spec} is a {type(target).__name__}, not a function")
    return module, target


def _import(module_part):
    """The module, by file or by name; an exception while importing it is an InputError that
    names the line of the module that raised."""
    path = pathlib.Path(module_part)
    if module_part.endswith(".py"):
        if not path.is_file():
            raise InputError(f"no file {module_part}")
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        added = sys.modules.setdefault(path.stem, module) is module
        try:
            spec.loader.exec_module(module)
        except Exception as exc:
            if added:
                del sys.modules[path.stem]  # a later load must not find the half-run module
            raise _import_error(module_part, exc, path) from None
        return module
    if "" not in sys.path and str(pathlib.Path.cwd()) not in sys.path:
        sys.path.insert(0, str(pathlib.Path.cwd()))  # as `python -m` would: modules beside you import
    try:
        return importlib.import_module(module_part)
    except ModuleNotFoundError as exc:
        if exc.name and (module_part == exc.name or module_part.startswith(exc.name + ".")):
            raise InputError(f"cannot import {module_part!r}: {exc}; give a module name on sys.path or a .py "
                             "file") from None
        raise _import_error(module_part, exc) from None
    except Exception as exc:
        raise _import_error(module_part, exc) from None


def _import_error(module_part, exc, file=None):
    return InputError(f"importing {module_part} raised {import_failure(exc, file)}; fix the module and run again")


def example_arguments(module, spec):
    """The module's example arguments: ``example_args()`` or ``EXAMPLE_ARGS``."""
    if callable(getattr(module, "example_args", None)):
        example = call_user_code(module.example_args, f"example_args() of {spec.rpartition(':')[0]}", module,
                                 "fix it and run again")
    elif hasattr(module, "EXAMPLE_ARGS"):
        example = module.EXAMPLE_ARGS
    else:
        raise InputError(
            f"{spec.rpartition(':')[0]} provides no example arguments: define EXAMPLE_ARGS = (...) or a "
            "function example_args() returning a tuple of the arguments to check at"
        )
    return tuple(example) if isinstance(example, (tuple, list)) else (example,)
