"""Jinja2 templates of the report: index.md.j2 and index.html.j2."""
