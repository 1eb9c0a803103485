"""User-defined primitives: declared here, next to their functions, and every method takes them.

Each expected derivative below is written by hand from calculus, not by diffkit:
softplus' = sigmoid, d/dx exp(-x^2/s) = -2x/s exp(-x^2/s), d/ds = x^2/s^2 exp(-x^2/s),
and the gradient of log-sum-exp is the softmax.
"""

import numpy as np
import pytest
import sympy

import diffkit as dk
from diffkit.harness import load_suite
from diffkit.harness.worker import execute

HESSIAN_METHODS = ("forward-over-reverse", "reverse-over-reverse", "symbolic", "fd-central")
TOLERANCE = {"fd-forward": 1e-6, "fd-central": 1e-8, "fd-richardson": 1e-10}  # relative; exact methods 1e-12


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


# --- three user primitives: elementwise, two arguments with broadcasting, and a reduction ---------
softplus = dk.primitive(lambda x: np.log1p(np.exp(x)), name="my_softplus",
                        sympy=lambda x: sympy.log(1 + sympy.exp(x)))
softplus.defvjp(lambda g, out, x: g * dk.sigmoid(x))
softplus.defjvp(lambda t, out, x: t * dk.sigmoid(x))


@dk.primitive(name="gauss", sympy=lambda x, s: sympy.exp(-x**2 / s))
def gauss(x, s):
    """exp(-x^2 / s), elementwise, with s broadcast against x."""
    return np.exp(-x**2 / s)


gauss.defvjp(lambda g, out, x, s: g * out * (-2.0 * x / s), lambda g, out, x, s: g * out * x**2 / s**2)
gauss.defjvp(lambda t, out, x, s: t * out * (-2.0 * x / s), lambda t, out, x, s: t * out * x**2 / s**2)


def _lse_sympy(x):
    return sympy.log(sympy.Add(*[sympy.exp(entry) for entry in x.reshape(-1)]))


lse = dk.primitive(lambda x: np.log(np.sum(np.exp(x))), name="lse", sympy=_lse_sympy, broadcasting=False)


@lse.defvjp
def lse_vjp(g, out, x):
    return g * dk.exp(x - out)


@lse.defjvp
def lse_jvp(t, out, x):
    return dk.sum(t * dk.exp(x - out))


def program(x, s):
    return dk.sum(softplus(x) ** 2) + dk.sum(gauss(x, s)) + lse(x)


def program_gradient(x, s):
    e = np.exp(-x**2 / s)
    softmax = np.exp(x) / np.sum(np.exp(x))
    dx = 2.0 * np.log1p(np.exp(x)) * sigmoid(x) + e * (-2.0 * x / s) + softmax
    ds = np.sum(e * x**2 / s**2)  # s is broadcast over x: the copies' gradients add up
    return dx, ds


X = np.array([0.5, -1.0, 2.0])
S = 1.5


def test_decorators_return_what_they_decorate():
    assert gauss.name == "gauss" and "exp(-x^2 / s)" in gauss.doc
    assert lse_vjp.__name__ == "lse_vjp" and callable(lse_jvp)
    assert repr(softplus) == "<diffkit primitive my_softplus>"
    assert "my_softplus" not in dk.primitives()  # the table stays diffkit's own


@pytest.mark.parametrize("method", dk.methods())
def test_every_method_differentiates_the_user_primitives(method):
    dx, ds = dk.grad(program, argnums=(0, 1), method=method)(X, S)
    want_dx, want_ds = program_gradient(X, S)
    rtol = TOLERANCE.get(method, 1e-12)
    np.testing.assert_allclose(dx, want_dx, rtol=rtol)
    assert ds == pytest.approx(want_ds, rel=rtol)


@pytest.mark.parametrize("method", dk.methods())
def test_every_method_builds_the_jacobian(method):
    def layer(x):
        return softplus(x) * gauss(x, 2.0)

    # d/dx_i softplus(x_i) gauss(x_i): diagonal, product rule.
    e = np.exp(-X**2 / 2.0)
    expected = np.diag(sigmoid(X) * e + np.log1p(np.exp(X)) * e * (-X))
    np.testing.assert_allclose(dk.jacobian(layer, method=method)(X), expected, rtol=TOLERANCE.get(method, 1e-12),
                               atol=1e-12)


@pytest.mark.parametrize("method", HESSIAN_METHODS)
def test_every_hessian_method_differentiates_the_rules_again(method):
    def objective(x):
        return dk.sum(softplus(x) ** 2) + lse(x)

    # d2/dx2 softplus^2 = 2 sigmoid^2 + 2 softplus sigmoid (1 - sigmoid); log-sum-exp: diag(p) - p p^T.
    p = np.exp(X) / np.sum(np.exp(X))
    expected = np.diag(2 * sigmoid(X) ** 2 + 2 * np.log1p(np.exp(X)) * sigmoid(X) * (1 - sigmoid(X)))
    expected += np.diag(p) - np.outer(p, p)
    hessian = dk.hessian(objective, method=method)(X)
    if method == "fd-central":  # second differences: truncation and rounding near 1e-8
        np.testing.assert_allclose(hessian, expected, rtol=1e-6, atol=1e-7)
    else:
        np.testing.assert_allclose(hessian, expected, rtol=1e-12, atol=1e-15)


def test_trace_draws_the_user_primitives_and_gets_the_tapes_gradient():
    trace = dk.trace(program, X, S)
    assert {"my_softplus", "gauss", "lse"} <= {node.op for node in trace.operations}
    assert "my_softplus" in [node.label for node in trace.operations]
    tape = dk.grad(program, argnums=(0, 1))(X, S)
    assert trace.grad[0].tobytes() == tape[0].tobytes() and trace.grad[1] == tape[1]
    np.testing.assert_allclose(trace.grad[0], program_gradient(X, S)[0], rtol=1e-12)
    softplus_step = next(step for step in trace.backward_steps() if step.node.op == "my_softplus")
    np.testing.assert_allclose(softplus_step.local[0], sigmoid(X), rtol=1e-15)  # the local gradient, elementwise


def test_check_grad_uses_the_user_primitives():
    report = dk.check_grad(program, program_gradient, X, S, argnums=(0, 1))
    assert report.passed

    def forgot_the_softmax(x, s):
        dx, ds = program_gradient(x, s)
        return dx - np.exp(x) / np.sum(np.exp(x)), ds

    report = dk.check_grad(program, forgot_the_softmax, X, S, argnums=(0, 1))
    assert not report.passed and report.argument("x").verdict == "wrong" and report.argument("s").verdict == "correct"


SUITE = '''
"""A layer with a primitive of its own."""
import numpy as np
import sympy
import diffkit as dk
from diffkit import Program

softplus = dk.primitive(lambda x: np.log1p(np.exp(x)), name="my_softplus",
                        sympy=lambda x: sympy.log(1 + sympy.exp(x)))
softplus.defvjp(lambda g, out, x: g * dk.sigmoid(x))
softplus.defjvp(lambda t, out, x: t * dk.sigmoid(x))

def layer(x):
    return dk.sum(softplus(x) ** 2)

PROGRAMS = [Program("softplus-layer", layer, (np.array([0.5, -1.0, 2.0]),))]
'''


def test_the_harness_runs_every_method_and_both_references_on_a_suite_with_a_user_primitive(tmp_path):
    path = tmp_path / "softplus_suite.py"
    path.write_text(SUITE)
    suite = load_suite(str(path))
    assert {case.method for case in suite.cases} == {"reference", "reference-check", *dk.methods()}
    expected = 2.0 * np.log1p(np.exp(X)) * sigmoid(X)
    for case in suite.cases:  # as a worker runs each case, here in this process
        row = execute(case)
        assert row["status"] == "ok", (case.method, row.get("reason"))
        np.testing.assert_allclose(np.asarray(row["grad"], dtype=float), expected, rtol=TOLERANCE.get(case.method, 1e-12))


def test_keyword_parameters_reach_every_face_and_rule():
    power = dk.primitive(lambda x, p=2.0: x**p, name="power_of", sympy=lambda x, p=2.0: x**p)
    power.defvjp(lambda g, out, x, p=2.0: g * p * x ** (p - 1))
    power.defjvp(lambda t, out, x, p=2.0: t * p * x ** (p - 1))
    for method in ("tape", "forward-mode", "symbolic", "fd-central"):
        grad = dk.grad(lambda x: dk.sum(power(x, p=3.0)), method=method)(X)
        np.testing.assert_allclose(grad, 3.0 * X**2, rtol=TOLERANCE.get(method, 1e-12))


def test_new_rules_replace_the_old_ones_also_after_a_use():
    twice = dk.primitive(lambda x: 2.0 * x, name="twice", sympy=lambda x: 2 * x)
    twice.defvjp(lambda g, out, x: 3.0 * g)  # a mistake, used once ...
    assert dk.grad(lambda x: twice(x))(1.0) == 3.0
    twice.defvjp(lambda g, out, x: 2.0 * g)  # ... then corrected: the tape must not keep the old rule
    assert dk.grad(lambda x: twice(x))(1.0) == 2.0


# --- missing faces -------------------------------------------------------------------------------
def bare_softplus():
    return dk.primitive(lambda x: np.log1p(np.exp(x)), name="bare_softplus")


def layer_of(op):
    return lambda x: dk.sum(op(x) ** 2)


@pytest.mark.parametrize("method", ("symbolic", "symbolic-cse", "symbolic-tape"))
def test_a_symbolic_method_without_a_sympy_face_names_the_op_and_how_to_add_it(method):
    op = bare_softplus()
    op.defvjp(lambda g, out, x: g * dk.sigmoid(x))
    with pytest.raises(dk.UnsupportedError, match=r"'bare_softplus' has no SymPy face.*sympy=lambda x:"):
        dk.grad(layer_of(op), method=method)(X)
    with pytest.raises(dk.UnsupportedError, match="no SymPy face"):
        dk.hessian(layer_of(op), method="symbolic")(X)


def test_forward_mode_without_a_jvp_rule_names_the_op_the_argument_and_defjvp():
    op = bare_softplus()
    op.defvjp(lambda g, out, x: g * dk.sigmoid(x))
    message = r"'bare_softplus' has no JVP rule for argument 0 \(x\).*bare_softplus\.defjvp\(lambda t, out, x: \.\.\.\)"
    with pytest.raises(dk.UnsupportedError, match=message):
        dk.grad(layer_of(op), method="forward-mode")(X)
    with pytest.raises(dk.UnsupportedError, match="no JVP rule"):
        dk.hessian(layer_of(op), method="forward-over-reverse")(X)
    np.testing.assert_allclose(dk.grad(layer_of(op))(X), 2.0 * np.log1p(np.exp(X)) * sigmoid(X), rtol=1e-12)


def test_reverse_mode_without_a_vjp_rule_names_the_op_the_argument_and_defvjp():
    op = bare_softplus()
    op.defjvp(lambda t, out, x: t * dk.sigmoid(x))
    message = r"'bare_softplus' has no VJP rule for argument 0 \(x\).*bare_softplus\.defvjp\(lambda g, out, x: \.\.\.\)"
    for attempt in (lambda: dk.grad(layer_of(op), method="tape")(X), lambda: dk.trace(layer_of(op), X),
                    lambda: dk.hessian(layer_of(op), method="reverse-over-reverse")(X)):
        with pytest.raises(dk.UnsupportedError, match=message):
            attempt()
    np.testing.assert_allclose(dk.grad(layer_of(op), method="forward-mode")(X), 2.0 * np.log1p(np.exp(X)) * sigmoid(X),
                               rtol=1e-12)


def test_finite_differences_need_only_the_numpy_face():
    for method in ("fd-forward", "fd-central", "fd-richardson", "fd-complex"):
        grad = dk.grad(layer_of(bare_softplus()), method=method)(X)
        np.testing.assert_allclose(grad, 2.0 * np.log1p(np.exp(X)) * sigmoid(X), rtol=TOLERANCE.get(method, 1e-12))


def test_a_rule_for_one_argument_only_serves_that_argument():
    shifted = dk.primitive(lambda x, c: x + c, name="shifted", sympy=lambda x, c: x + c)
    shifted.defvjp(lambda g, out, x, c: g)  # no rule for c
    assert dk.grad(lambda x, c: shifted(x, c) ** 2)(1.0, 2.0) == 6.0  # c is a constant here: fine
    with pytest.raises(dk.UnsupportedError, match=r"no VJP rule for argument 1 \(c\)"):
        dk.grad(lambda x, c: shifted(x, c) ** 2, argnums=1)(1.0, 2.0)
    shifted.defvjp(lambda g, out, x, c: g, argnums=1)
    assert dk.grad(lambda x, c: shifted(x, c) ** 2, argnums=1)(1.0, 2.0) == 6.0


def test_complex_step_needs_an_analytic_numpy_face_that_takes_complex_numbers():
    logaddexp = dk.primitive(lambda x: np.logaddexp(0.0, x), name="logaddexp_softplus")
    with pytest.raises(dk.UnsupportedError, match=r"'logaddexp_softplus' does not accept complex numbers.*fd-complex"):
        dk.grad(layer_of(logaddexp), method="fd-complex")(X)
    kink = dk.primitive(lambda x: np.maximum(x, 0.0), name="my_relu", analytic=False)
    with pytest.raises(dk.NonAnalyticError, match="my_relu"):
        dk.grad(layer_of(kink), method="fd-complex")(X)


def test_names_and_rules_are_checked_when_declared():
    with pytest.raises(dk.InputError, match=r"'exp' is the name of an op of diffkit's table \(dk\.exp\)"):
        dk.primitive(np.exp, name="exp")
    with pytest.raises(dk.InputError, match="'square' is the name of an op"):
        dk.primitive(np.square)
    with pytest.raises(dk.InputError, match="got a lambda"):
        dk.primitive(lambda x: x)
    with pytest.raises(dk.InputError, match="dk.exp is an op of diffkit's table"):
        dk.exp.defvjp(lambda g, out, x: g)
    with pytest.raises(dk.InputError, match="not a function"):
        softplus.defvjp(3.0)
    with pytest.raises(dk.InputError, match="2 rule"):
        gauss.defvjp(lambda g, out, x, s: g, lambda g, out, x, s: g, argnums=0)
    again = dk.primitive(lambda x: x, name="my_softplus")  # a notebook cell run twice: a new op, no clash
    assert again is not softplus


# --- dk.check_primitive ---------------------------------------------------------------------------
def test_check_primitive_passes_correct_rules_and_faces():
    for op, args in ((softplus, (X,)), (gauss, (X, np.array([1.5, 2.0, 0.7]))), (lse, (X,))):
        report = dk.check_primitive(op, *args)
        assert report.passed, report.text()
        names = [argument.name for argument in report.arguments]
        assert names[-1] == "SymPy face" and "x (VJP)" in names and "x (JVP)" in names


def test_check_primitive_names_the_argument_of_a_planted_vjp_mistake():
    wrong = dk.primitive(gauss.numpy, name="gauss_wrong", sympy=lambda x, s: sympy.exp(-x**2 / s))
    wrong.defvjp(gauss.vjp[0], lambda g, out, x, s: g * out * x**2 / s)  # s**2 written as s
    report = dk.check_primitive(wrong, X, np.array([1.5, 2.0, 0.7]))
    assert not report.passed
    assert report.argument("x (VJP)").verdict == "correct" and report.argument("s (VJP)").verdict == "wrong"
    assert report.wrong_entries == ["s[0] (VJP)", "s[1] (VJP)", "s[2] (VJP)"]
    assert "no JVP rule declared for x, s" in " ".join(report.notes)


def test_check_primitive_fails_a_planted_jvp_mistake_and_a_wrong_sympy_face():
    wrong = dk.primitive(softplus.numpy, name="softplus_wrong", sympy=lambda x: sympy.log(2 + sympy.exp(x)))
    wrong.defvjp(softplus.vjp[0])
    wrong.defjvp(lambda t, out, x: t * dk.sigmoid(-x))  # the sign of x flipped
    report = dk.check_primitive(wrong, X, seed=3)
    assert report.argument("x (VJP)").verdict == "correct"
    assert report.argument("x (JVP)").verdict == "wrong" and report.argument("SymPy face").verdict == "wrong"
    # log(2 + e^x) against log(1 + e^x) at x = 2: the entry of the face, by hand.
    entry = report.entry("softplus_wrong[2] (SymPy)")
    assert entry.yours == pytest.approx(np.log(2 + np.exp(2.0)), rel=1e-15)
    assert entry.reference == pytest.approx(np.log1p(np.exp(2.0)), rel=1e-15)
    again = dk.check_primitive(wrong, X, seed=3)
    assert [e.yours for e in again.entries()] == [e.yours for e in report.entries()]  # seeded: reproducible


def test_check_primitive_reports_a_rule_that_raises_or_returns_the_wrong_shape():
    bad = dk.primitive(lambda x: x**2, name="bad_square", sympy=lambda x: x**2)

    @bad.defvjp
    def broken_vjp(g, out, x):
        return g * undefined_name  # noqa: F821  (the planted mistake)

    bad.defjvp(lambda t, out, x: np.ones(7))
    report = dk.check_primitive(bad, np.array([0.5, -1.0]))
    assert not report.passed
    assert report.argument("x (VJP)").findings == ["the VJP rule of x raised NameError: name 'undefined_name' is not defined"]
    assert "returned shape (7,)" in report.argument("x (JVP)").findings[0]
    assert report.argument("SymPy face").verdict == "correct"


def test_check_primitive_refuses_what_it_cannot_check():
    with pytest.raises(dk.InputError, match="checks a primitive"):
        dk.check_primitive(np.exp, X)
    with pytest.raises(dk.InputError, match="nothing to check"):
        dk.check_primitive(bare_softplus(), X)
    with pytest.raises(dk.InputError, match="needs the arguments"):
        dk.check_primitive(softplus)


# --- a user's rule is checked where it is declared and where it runs --------------------------------
def test_a_rule_that_cannot_be_called_with_the_cotangent_the_output_and_the_arguments_is_refused_when_declared():
    op = bare_softplus()
    with pytest.raises(dk.InputError, match=r"the VJP rule for argument 0 of 'bare_softplus' has the parameters "
                                            r"\(g, x\), which diffkit cannot call as rule\(g, out, x\) \(too many "
                                            r"positional arguments\): a rule takes the cotangent g, the op's output "
                                            r"out, then the op's arguments"):
        op.defvjp(lambda g, x: g * dk.sigmoid(x))  # `out` forgotten
    with pytest.raises(dk.InputError, match=r"the JVP rule for argument 1 of 'gauss' has the parameters \(t, out, "
                                            r"x\), which diffkit cannot call as rule\(t, out, x, s\)"):
        gauss.defjvp(lambda t, out, x: t, argnums=1)
    op.defvjp(lambda g, out, *args, **options: g * dk.sigmoid(args[0]))  # *args takes what it is given
    np.testing.assert_allclose(dk.grad(lambda x: dk.sum(op(x)))(X), sigmoid(X), rtol=1e-15)


def _with_vjp(rule):
    op = bare_softplus()
    op.defvjp(rule)
    return op


def _with_jvp(rule):
    op = bare_softplus()
    op.defjvp(rule)
    return op


def _forgets_to_return(g, out, x):
    g * dk.sigmoid(x)  # noqa: B018  (the planted mistake)


RULE_MISTAKES = {
    "a cotangent summed to a number": (_with_vjp(lambda g, out, x: dk.sum(g * dk.sigmoid(x))), "tape",
                                       dk.ShapeError, r"the VJP rule for argument 0 \(x\) of 'bare_softplus' returned "
                                                      r"shape \(\), but the argument has shape \(3,\)"),
    "a cotangent too short": (_with_vjp(lambda g, out, x: (g * dk.sigmoid(x))[:2]), "tape",
                              dk.ShapeError, r"returned shape \(2,\), but the argument has shape \(3,\)"),
    "a def without return": (_with_vjp(_forgets_to_return), "tape",
                             dk.InputError, r"the VJP rule for argument 0 \(x\) of 'bare_softplus' returned None: .*"
                                            r"a `def` without `return`\?.*declare None in place of the rule"),
    "a string": (_with_vjp(lambda g, out, x: "g"), "tape",
                 dk.InputError, r"returned a str, not numbers: a rule returns the cotangent of its argument"),
    "a rule that raises": (_with_vjp(lambda g, out, x: 1 // 0), "tape",
                           dk.InputError, r"the VJP rule for argument 0 \(x\) of 'bare_softplus' raised "
                                          r"ZeroDivisionError: integer division or modulo by zero"),
    "a tangent summed to a number": (_with_jvp(lambda t, out, x: dk.sum(t * dk.sigmoid(x))), "forward-mode",
                                     dk.ShapeError, r"the JVP rule for argument 0 \(x\) of 'bare_softplus' returned "
                                                    r"shape \(\), but the output has shape \(3,\): a rule returns the "
                                                    r"output's tangent"),
}


@pytest.mark.parametrize("mistake", RULE_MISTAKES)
def test_a_mistake_in_a_users_rule_is_named_where_it_runs(mistake):
    # Before, a cotangent summed to a number was broadcast into the gradient ([1.77, 1.77, 1.77]),
    # a def without return gave zeros, and the others raised from inside the backward pass.
    op, method, error, message = RULE_MISTAKES[mistake]
    with pytest.raises(error, match=message):
        dk.gradient(lambda x: dk.sum(op(x)), X, method=method)


def test_the_rule_a_user_raises_from_stays_in_the_traceback():
    op = _with_vjp(lambda g, out, x: 1 // 0)
    with pytest.raises(dk.InputError) as info:
        dk.grad(lambda x: dk.sum(op(x)))(X)
    assert isinstance(info.value.__cause__, ZeroDivisionError)


def test_a_broadcasting_rule_may_return_the_outputs_shape_for_a_smaller_argument():
    # d/ds sum(exp(-x^2 / s)) for one s against three x: the rule returns three entries, summed back
    s = 1.5
    expected = np.sum(X**2 / s**2 * np.exp(-X**2 / s))
    for method in ("tape", "forward-mode"):
        result = dk.gradient(lambda s: dk.sum(gauss(X, s)), s, method=method)
        assert result.grad == pytest.approx(expected, rel=1e-14)


def test_a_face_that_returns_no_numbers_is_named_under_every_method():
    forgets = dk.primitive(lambda x: None, name="forgets_to_return")
    forgets.defvjp(lambda g, out, x: g)
    forgets.defjvp(lambda t, out, x: t)
    for method in ("tape", "forward-mode", "fd-central", "fd-complex"):
        with pytest.raises(dk.InputError, match=r"the NumPy face of 'forgets_to_return' returned None \(a `def` "
                                                r"without `return`\?\): a face returns the op's value"):
            dk.gradient(lambda x: dk.sum(forgets(x)), X, method=method)


def test_a_call_that_does_not_fit_the_face_is_named_with_the_faces_parameters():
    with pytest.raises(dk.InputError, match=r"my_softplus was called with 2 positional arguments at .*, which its "
                                            r"NumPy face \(x\) does not take \(too many positional arguments\)"):
        dk.grad(lambda x: dk.sum(softplus(x, 2.0)))(X)
    with pytest.raises(dk.InputError, match=r"my_softplus was called with 1 positional argument and the keywords "
                                            r"alpha at .*, which its NumPy face \(x\) does not take \(got an "
                                            r"unexpected keyword argument 'alpha'\)"):
        dk.gradient(lambda x: dk.sum(softplus(x, alpha=1.0)), X, method="fd-central")


def test_settings_and_rule_positions_are_checked_when_declared():
    with pytest.raises(dk.InputError, match=r"analytic= is True or False, got 'no'"):
        dk.primitive(np.abs, name="my_abs", analytic="no")  # a truthy string would have made fd-complex use it
    op = bare_softplus()
    with pytest.raises(dk.InputError, match=r"a VJP rule for argument 5 of 'bare_softplus', whose NumPy face takes 1 "
                                            r"argument \(arguments are counted from 0\)"):
        op.defvjp(lambda g, out, x: g, argnums=5)
    with pytest.raises(dk.InputError, match=r"a JVP rule for argument 1 of 'bare_softplus'"):
        op.defjvp(lambda t, out, x: t, lambda t, out, x: t)


def test_check_primitive_names_params_that_are_not_a_dict_or_not_the_faces():
    with pytest.raises(dk.InputError, match=r"params holds the op's keyword parameters as a dict .*got 3"):
        dk.check_primitive(softplus, X, params=3)
    with pytest.raises(dk.InputError, match=r"which its NumPy face \(x\) does not take"):
        dk.check_primitive(softplus, X, params={"alpha": 1.0})


def test_check_primitive_judges_a_rule_as_the_engines_run_it():
    # A def without return, and a JVP summed to one number, were judged CORRECT or broadcast
    bad = dk.primitive(lambda x: x**2, name="bad_cube", sympy=lambda x: x**2)

    @bad.defvjp
    def forgets_to_return(g, out, x):
        g * 2.0 * x  # noqa: B018  (the planted mistake)

    bad.defjvp(lambda t, out, x: dk.sum(t * 2.0 * x))
    report = dk.check_primitive(bad, np.array([0.5, -1.0]))
    assert not report.passed
    assert report.argument("x (VJP)").findings == [
        "the VJP rule of x returned None (a `def` without `return`?); declare None in place of the rule for an "
        "argument that is not differentiable"]
    assert report.argument("x (JVP)").findings == [
        "the JVP rule of x returned shape (), but the output has shape (2,): a JVP rule returns the output's "
        "tangent, shaped like the output"]


def test_a_rule_may_return_its_cotangent_as_a_list_of_numbers():
    op = _with_vjp(lambda g, out, x: [float(v) for v in g * dk.sigmoid(x)])
    np.testing.assert_allclose(dk.grad(lambda x: dk.sum(op(x)))(X), sigmoid(X), rtol=1e-15)


def test_a_rule_returning_a_list_is_differentiated_again_by_the_hessian_methods():
    square = dk.primitive(lambda x: x**2, name="list_square", sympy=lambda x: x**2)
    square.defvjp(lambda g, out, x: [2.0 * gi * xi for gi, xi in zip(g, x)])
    square.defjvp(lambda t, out, x: 2.0 * x * t)
    for method in ("forward-over-reverse", "reverse-over-reverse"):
        np.testing.assert_allclose(dk.hessian(lambda x: dk.sum(square(x)), method=method)(X), 2.0 * np.eye(3))
    assert dk.gradient(lambda x: dk.sum(square(x)), X, method="symbolic-tape").grad == pytest.approx(2.0 * X)


def test_a_face_may_return_a_list_and_a_ufunc_face_counts_only_its_inputs():
    listed = dk.primitive(lambda x: [v**2 for v in x], name="listed_square", broadcasting=False)
    listed.defvjp(lambda g, out, x: 2.0 * x * g)
    np.testing.assert_allclose(dk.grad(lambda x: dk.sum(listed(x)))(X), 2.0 * X)
    hypot = dk.primitive(np.hypot, name="my_hypot")
    with pytest.raises(dk.InputError, match=r"a VJP rule for argument 2 of 'my_hypot', whose NumPy face takes 2"):
        hypot.defvjp(lambda g, out, a, b: g, argnums=2)  # np.hypot's signature lists out= as a third


SYMPY_FACE_MISTAKES = {
    "raises": (lambda x: 1 / 0, True, r"the SymPy face of 'sympy_mistake' raised ZeroDivisionError: division by zero"),
    "returns None": (lambda x: None, True, r"the SymPy face of 'sympy_mistake' returned None \(a `def` without `return`\?\)"),
    "returns a Matrix": (lambda x: sympy.Matrix([x**2]), False,
                         r"the SymPy face of 'sympy_mistake' returned a MutableDenseMatrix: a SymPy face returns a SymPy "
                         r"expression \(with broadcasting=False, an expression or an object array of them"),
}


@pytest.mark.parametrize("mistake", SYMPY_FACE_MISTAKES)
def test_a_mistake_in_a_users_sympy_face_is_named(mistake):
    # Before: the face's own ZeroDivisionError, "SympifyError: None" as a shape mismatch, NumPy's reshape error
    face, broadcasting, message = SYMPY_FACE_MISTAKES[mistake]
    op = dk.primitive(lambda x: x**2, name="sympy_mistake", sympy=face, broadcasting=broadcasting)
    with pytest.raises(dk.InputError, match=message):
        dk.gradient(lambda x: dk.sum(op(x)), X, method="symbolic")


def test_a_sympy_face_refusing_shapes_is_the_shape_error_every_method_gives():
    product = dk.primitive(lambda a, b: a @ b, name="my_product", sympy=lambda a, b: a.dot(b), broadcasting=False)
    product.defvjp(lambda g, out, a, b: g @ b.T, lambda g, out, a, b: a.T @ g)
    a, b = np.ones((2, 3)), np.ones((2, 2))
    for method in ("tape", "symbolic"):
        with pytest.raises(dk.ShapeError):
            dk.gradient(lambda a: dk.sum(product(a, b)), a, method=method)


def test_check_primitive_names_a_jvp_rule_returning_a_ragged_list():
    ragged = dk.primitive(lambda x: x**2, name="ragged_square", sympy=lambda x: x**2)
    ragged.defvjp(lambda g, out, x: g * 2.0 * x)
    ragged.defjvp(lambda t, out, x: [[1.0], [2.0, 3.0]])
    report = dk.check_primitive(ragged, np.array([0.5, -1.0]))
    assert not report.passed
    assert report.argument("x (VJP)").verdict == "correct"
    [finding] = report.argument("x (JVP)").findings
    assert finding.startswith("the JVP rule of x returned something that is not numbers: setting an array element "
                              "with a sequence")


def test_a_numpy_face_returning_a_list_gives_an_array():
    # d/dx sum(twice(x) * 2 * x) with twice(x) = [2 x0, 2 x1]: 8 x. A list value would be repeated
    # by `* 2` under finite differences (four entries, which then do not fit x).
    twice = dk.primitive(lambda x: [2.0 * v for v in x], name="twice_as_list")
    twice.defvjp(lambda g, out, x: 2.0 * g)
    for method in ("tape", "fd-central", "forward-mode"):
        if method == "forward-mode":
            twice.defjvp(lambda t, out, x: 2.0 * t)
        np.testing.assert_allclose(dk.grad(lambda x: dk.sum(twice(x) * 2 * x), method=method)(np.array([1.0, 2.0])),
                                   [8.0, 16.0], rtol=1e-7)
