"""The zoo's registry: names, families, settings, tags, errors and user-registered programs."""

import numpy as np
import pytest

import diffkit as dk
from diffkit.programs import UnknownProgramError, program_settings, registry

REQUIRED_NAMES = ["mlp", "logistic-map", "tanh-rnn", "unrolled-gd", "halving-loop", "babylonian-sqrt", "piecewise"]


def test_the_required_programs_are_registered_with_their_families():
    names = dk.program_names()
    for name in REQUIRED_NAMES:
        assert name in names
    assert "mlp" in dk.program_names("network")
    assert set(dk.program_names("loop")) >= {"logistic-map", "tanh-rnn", "unrolled-gd", "halving-loop",
                                            "babylonian-sqrt", "piecewise"}


def test_lecture_programs_follow_the_readme_numbering():
    names = dk.program_names("lecture")
    numbers = [int(name.split("-")[1]) for name in names]
    assert numbers == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 16]
    assert all(name.startswith(f"lecture-{n:02d}-") and len(name) > len("lecture-00-") for name, n in zip(names, numbers))


def test_zoo_lists_every_program_once_with_its_tags():
    programs = dk.zoo()
    assert [p.name for p in programs] == dk.program_names()
    for program in programs:
        tags = program.tags
        assert set(tags) == {"family", "params", "depth", "control_flow", "on_kink"}
        assert tags["control_flow"] in ("none", "fixed-loop", "data-dependent")
        assert tags["params"] >= 1 and tags["depth"] >= 0
        assert program.description
    assert {p.family for p in dk.zoo("loop")} == {"loop"}
    assert [p.name for p in dk.zoo("lecture")] == dk.program_names("lecture")


def test_control_flow_tags_of_the_loop_programs():
    flow = {p.name: p.control_flow for p in dk.zoo("loop")}
    assert flow["logistic-map"] == flow["tanh-rnn"] == flow["unrolled-gd"] == "fixed-loop"
    assert flow["halving-loop"] == flow["babylonian-sqrt"] == flow["piecewise"] == "data-dependent"
    assert dk.get_program("lecture-16-while-halving").control_flow == "data-dependent"


def test_mlp_tags_count_weights_and_biases():
    # 2 inputs, 3 tanh units, 1 output: 2*3 + 3 + 3*1 + 1 = 13
    program = dk.get_program("mlp")
    assert program.tags == {"family": "network", "params": 13, "depth": 2, "control_flow": "none", "on_kink": False}
    # 2-4-4-2 for softmax over two classes: 8 + 4 + 16 + 4 + 8 + 2 = 42
    wide = dk.get_program("mlp", depth=3, width=4, dataset="spirals", loss="softmax-ce")
    assert wide.num_params == 42 and wide.depth == 3


def test_iterations_set_the_depth_of_loop_programs():
    assert dk.get_program("logistic-map", iterations=7).depth == 7
    assert dk.get_program("tanh-rnn", steps=5).depth == 5
    assert dk.get_program("unrolled-gd", steps=4).depth == 4
    assert dk.get_program("halving-loop", x=80.0).depth == 4  # 80 -> 40 -> 20 -> 10 -> 5


def test_settings_are_recorded_with_their_defaults():
    program = dk.get_program("mlp", depth=3, activation="relu")
    assert program.settings["depth"] == 3 and program.settings["activation"] == "relu"
    assert program.settings["width"] == program_settings("mlp")["width"]
    assert dk.get_program("logistic-map").settings == {"iterations": 4, "x": 0.3}


def test_same_seed_same_numbers_other_seed_other_numbers():
    a = dk.get_program("mlp", seed=3)
    b = dk.get_program("mlp", seed=3)
    c = dk.get_program("mlp", seed=4)
    for key in a.args[0]:
        np.testing.assert_array_equal(a.args[0][key], b.args[0][key])
    np.testing.assert_array_equal(a.args[1], b.args[1])
    assert not np.array_equal(a.args[0]["W1"], c.args[0]["W1"])
    assert a.gradient().value == b.gradient().value


def test_unknown_program_name_lists_the_programs():
    with pytest.raises(UnknownProgramError, match="no program named 'mpl'.*mlp.*logistic-map") as info:
        dk.get_program("mpl")
    assert isinstance(info.value, dk.DiffkitError)


def test_unknown_setting_lists_the_accepted_settings():
    with pytest.raises(dk.InputError, match=r"program 'mlp' has no setting 'layers'.*depth=2.*width=3"):
        dk.get_program("mlp", layers=3)
    with pytest.raises(dk.InputError, match=r"has no setting 'steps'.*iterations=4"):
        dk.get_program("logistic-map", steps=3)


@pytest.mark.parametrize(
    "settings, message",
    [
        ({"activation": "swish"}, "no activation named 'swish'.*relu, leaky_relu, elu, sigmoid, tanh"),
        ({"loss": "l1"}, "no loss named 'l1'.*squared, bce, softmax-ce, hinge"),
        ({"dataset": "mnist"}, "no dataset named 'mnist'.*xor, ring, spirals, regression"),
        ({"dataset": "regression", "loss": "bce"}, "needs class labels.*regression.*loss='squared'"),
        ({"depth": 0}, "depth must be an integer >= 1"),
        ({"width": 2.5}, "width must be an integer >= 1"),
        ({"depth": -2}, r"^depth must be an integer >= 1; got -2$"),
        ({"width": 0}, r"^width must be an integer >= 1; got 0$"),
        ({"activation": None}, r"^no activation named None; the activations are: relu, leaky_relu, elu, sigmoid, tanh$"),
        ({"seed": -1}, r"^seed must be a non-negative integer \(it seeds NumPy's random generator, e\.g\. seed=0\); got -1$"),
        ({"seed": "abc"}, r"^seed must be a non-negative integer .*; got 'abc'$"),
        ({"seed": 1.5}, r"^seed must be a non-negative integer .*; got 1\.5$"),
        ({"reg": -0.1}, r"^reg \(the L2 penalty's weight\) must be a finite number >= 0; got -0\.1$"),
        ({"reg": "a"}, r"^reg \(the L2 penalty's weight\) must be a finite number >= 0; got 'a'$"),
    ],
)
def test_bad_mlp_settings_name_the_cause(settings, message):
    with pytest.raises(dk.InputError, match=message):
        dk.get_program("mlp", **settings)


@pytest.mark.parametrize(
    "name, settings, message",
    [
        ("linear-svm", {"seed": -1}, r"^seed must be a non-negative integer .*; got -1$"),
        ("linear-svm", {"reg": float("nan")}, r"^reg \(the L2 penalty's weight\) must be a finite number >= 0; got nan$"),
        ("tanh-rnn", {"seed": -3}, r"^seed must be a non-negative integer .*; got -3$"),
        ("unrolled-gd", {"seed": "0"}, r"^seed must be a non-negative integer .*; got '0'$"),
        ("lecture-14-cs231n-network", {"seed": -1}, r"^seed must be a non-negative integer .*; got -1$"),
        ("lecture-14-cs231n-network", {"n": True}, r"^n \(the number of examples\) must be a positive integer; got True$"),
        ("logistic-map", {"x": "a"}, r"^x must be a finite number; got 'a'$"),
        ("halving-loop", {"x": float("inf")}, r"^x must be a finite number; got inf$"),
        ("lecture-16-while-halving", {"x": float("nan")}, r"^x must be a finite number; got nan$"),
        ("babylonian-sqrt", {"a": "two"}, r"^a must be a finite number; got 'two'$"),
        ("babylonian-sqrt", {"tol": None}, r"^tol must be a finite number; got None$"),
        ("piecewise", {"x": None}, r"^x must be a finite number; got None$"),
        ("lecture-11-softmax", {"shift": "a"}, r"^shift must be a finite number; got 'a'$"),
    ],
)
def test_bad_seeds_and_numbers_in_every_builder_name_the_setting(name, settings, message):
    with pytest.raises(dk.InputError, match=message):
        dk.get_program(name, **settings)


def test_valid_seeds_and_numbers_of_any_numeric_type_still_build():
    assert dk.get_program("mlp", seed=np.int64(2), reg=0).settings["seed"] == 2
    assert dk.get_program("logistic-map", x=np.float32(0.25)).args == (0.25,)
    assert dk.get_program("halving-loop", x=40).gradient("tape").grad == 0.125  # 40 -> 20 -> 10 -> 5


def test_bad_loop_settings_name_the_cause():
    with pytest.raises(dk.InputError, match="iterations must be an integer >= 0"):
        dk.get_program("logistic-map", iterations=-1)
    with pytest.raises(dk.InputError, match="a must be positive"):
        dk.get_program("babylonian-sqrt", a=-4.0)
    with pytest.raises(dk.InputError, match="no program family 'loops'"):
        dk.zoo("loops")


def test_loss_aliases_used_by_suites():
    assert dk.get_program("mlp", loss="softmax", dataset="spirals").settings["loss"] == "softmax"
    assert dk.get_program("mlp", loss="softmax", dataset="spirals").model.loss_name == "softmax-ce"


def test_a_user_registers_a_program_and_builds_it_by_name():
    @dk.register_program("user-cube", family="user")
    def build_cube(x=2.0):
        return dk.Program(name="ignored", function=lambda x: x**3, args=(x,), description="x cubed")

    try:
        assert "user-cube" in dk.program_names("user")
        program = dk.get_program("user-cube", x=3.0)
        assert program.name == "user-cube" and program.family == "user"
        assert program.settings == {"x": 3.0}
        assert program.gradient("tape").grad == pytest.approx(27.0)
        assert "user-cube" in [p.name for p in dk.zoo("user")]
    finally:
        registry._BUILDERS.pop("user-cube", None)


def test_bare_decorator_names_the_program_after_the_function():
    @dk.register_program
    def my_square(x=1.5):
        return dk.Program(name="my-square", function=lambda x: x * x, args=(x,))

    try:
        assert dk.get_program("my-square").gradient().grad == pytest.approx(3.0)
    finally:
        registry._BUILDERS.pop("my-square", None)


def test_a_builder_setting_without_default_is_refused():
    with pytest.raises(dk.InputError, match="needs a default"):

        @dk.register_program("no-default")
        def build(x):
            return None

    with pytest.raises(dk.InputError, match="family must be one of"):
        dk.register_program("x", family="zoo")


def test_builder_and_program_mistakes_are_input_errors_naming_them():
    with pytest.raises(dk.InputError, match=r"@register_program decorates a function that builds a Program, got int"):
        dk.register_program("not-a-builder")(5)

    from diffkit.programs.registry import _BUILDERS

    @dk.register_program("forgets-its-program")
    def build():
        return None

    try:
        with pytest.raises(dk.InputError, match=r"the builder of program 'forgets-its-program' returned None: a "
                                                r"builder returns a diffkit Program"):
            dk.get_program("forgets-its-program")
    finally:
        del _BUILDERS["forgets-its-program"]  # the zoo stays as the other tests find it
    with pytest.raises(dk.InputError, match=r"Program 'p': args is the tuple of example arguments, got float: write "
                                            r"args=\(3\.0,\) for one argument"):
        dk.Program("p", lambda x: x * x, 3.0)
    with pytest.raises(dk.InputError, match=r"Program 'p': argnums=3 is out of range: <lambda> was called with 1 "
                                            r"positional argument\(s\), so argnums must lie in 0\.\.0"):
        dk.Program("p", lambda x: x * x, (3.0,), argnums=3)
    # the methods' own checks, made when the program is declared (before, these passed it)
    with pytest.raises(dk.InputError, match=r"Program 'p': argnums must be an int or a tuple of ints, got '0'"):
        dk.Program("p", lambda x: x * x, (3.0,), argnums="0")
    with pytest.raises(dk.InputError, match=r"Program 'p': argnums=\(0, 0\) names an argument twice"):
        dk.Program("p", lambda x, y: x * y, (3.0, 2.0), argnums=(0, 0))
    with pytest.raises(dk.InputError, match=r"control_flow must be one of 'none', 'fixed-loop', 'data-dependent', got "
                                            r"'loop'"):
        dk.Program("p", lambda x: x * x, (3.0,), control_flow="loop")
