"""What the benchmark times, by name: the rows of its tables, and the internal tape's own call."""

from diffkit.engines.tape import Tape

FORWARD = "numpy forward"
HANDWRITTEN = "hand-written backward"
API = "dk.grad"
API_VALUE = "dk.value_and_grad"
API_RESULT = "dk.gradient"
COMPILED = "dk.compile_grad"
TAPE = "internal tape (not what users call)"
API_LIST = "dk.grad, parameters in one list"
API_POSITIONAL = "dk.grad, one positional argument per parameter"
PLAIN_PYTHON = "plain-Python forward"
MEMORY_CONFIG = "8x512"  # the configuration whose peak memory is measured


def tape_value_and_grad(f, values, *rest):
    """Record ``f(values, *rest)`` on a tape and run its backward pass: (value, grads, tape).

    The tape's own cost, without the public API's work (reading and checking the
    arguments, packing the gradient): the floor ``dk.grad`` is held to.
    """
    with Tape() as tape:
        leaves = tape.leaves(values)
        out = f(leaves, *rest)
    grads = tape.backward(out, 1.0, leaves)
    return out.value, grads, tape
