"""Helpers for course tests under pytest.

``assert_grad_close(f, grad_fn, *args, argnums=...)`` runs :func:`diffkit.check_grad`
and raises ``AssertionError`` whose message is the report's text table, so a failing
test shows exactly which entry is wrong, by how much, and by what rule.
"""

from .check import check_backward, check_grad
from .core.keywords import keywords_taken, unknown_keywords_error

__all__ = ["assert_backward_close", "assert_grad_close"]


def assert_grad_close(f, grad_fn, *args, **options):
    """Assert that ``grad_fn`` is the gradient of ``f`` at ``args``; return the report.

    Takes the same keywords as :func:`diffkit.check_grad` (``argnums``, ``methods``,
    ``rtol``, ``atol``, ``mode``, ``seed``...). Suspicious entries pass; wrong ones fail.
    """
    __tracebackhide__ = True  # pytest: show the caller's line, not this helper
    _refuse_unknown_options("assert_grad_close", check_grad, options)
    report = check_grad(f, grad_fn, *args, **options)
    if not report:
        raise AssertionError("\n" + report.text())
    return report


def assert_backward_close(layer_or_op, *inputs, **options):
    """Assert that a module's ``backward`` is right at ``inputs`` (see :func:`diffkit.check_backward`)."""
    __tracebackhide__ = True
    _refuse_unknown_options("assert_backward_close", check_backward, options)
    report = check_backward(layer_or_op, *inputs, **options)
    if not report:
        raise AssertionError("\n" + report.text())
    return report


def _refuse_unknown_options(helper, check, options):
    """An InputError naming each keyword ``check`` does not take, with the closest it does take
    (``rtoll=`` gets "did you mean 'rtol'?"), in the helper's name rather than the check's."""
    _, check_options = keywords_taken(check)
    refused = unknown_keywords_error(helper, options, check_options, check_options, options_of=check.__name__)
    if refused is not None:
        raise refused
