"""Interpreters that carry values through the op table: tape, dual numbers, SymPy tracing, complex step, perturbation."""
