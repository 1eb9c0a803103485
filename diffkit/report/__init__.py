"""Report building shared by every report: figures in one style, Markdown tables, templates."""
