"""``diffkit demo``: the lecture's first example through every method."""

import diffkit as dk

COMMAND = "demo"
HELP = "differentiate f(x, y, z) = (x + y) * z at (-2, 5, -4) with every method"


def add_arguments(parser):
    parser.add_argument("--methods", nargs="+", default=None, help="methods to run (default: all)")


def lecture_example(x, y, z):
    return (x + y) * z


def run(args):
    names = args.methods or dk.methods()
    for name in names:
        dk.get_method(name)  # a misspelt name fails before the table starts
    print("f(x, y, z) = (x + y) * z at x=-2, y=5, z=-4; the notes give f=-12, grad=(-4, -4, 3)\n")
    print(f"{'method':<15} {'value':>8}  {'df/dx':>20} {'df/dy':>20} {'df/dz':>20}")
    for name in names:
        result = dk.gradient(lecture_example, -2.0, 5.0, -4.0, argnums=(0, 1, 2), method=name)
        dx, dy, dz = result.grad
        print(f"{name:<15} {result.value:>8.3f}  {dx:>20.15g} {dy:>20.15g} {dz:>20.15g}")
    return 0
