"""diffkit bench: diffkit against hand-written NumPy and peer libraries, timed side by side."""
