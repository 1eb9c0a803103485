"""The core types under the op table: primitives, boxed values, containers of arguments, program frames."""
