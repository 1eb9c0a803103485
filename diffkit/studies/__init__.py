"""Registered studies: Table 1, the step-size study and the Jacobian/Hessian study."""
