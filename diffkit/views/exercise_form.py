"""An exercise's blanks as an interactive form in Jupyter (ipywidgets, the ``widgets`` extra).

One text box per blank (a number, or a list such as ``[[1, 0], [2, 0]]`` for an array)
and a "check" button: each answer goes through :meth:`Exercise.answer`, exactly as a
call from Python would, and its feedback is written beside the box.
"""

from .. import errors


def exercise_form(exercise):
    """The form for ``exercise`` (an ipywidgets ``VBox``)."""
    try:
        import ipywidgets as widgets
    except ImportError:
        raise errors.InputError(
            "the interactive form needs ipywidgets: pip install 'diffkit[widgets]' (or answer in Python: "
            "ex.answer(step=2, input='x', downstream=-4))"
        ) from None
    rows, boxes = [], []
    for blank in exercise.blanks:
        box = widgets.Text(description="", placeholder="your answer", layout=widgets.Layout(width="14em"))
        verdict = widgets.HTML()
        boxes.append((blank, box, verdict))
        rows.append(widgets.HBox([widgets.Label(blank.name, layout=widgets.Layout(width="18em")), box, verdict]))
    score = widgets.HTML()
    button = widgets.Button(description="check", button_style="primary")

    def check(_):
        for blank, box, verdict in boxes:
            if not box.value.strip():
                verdict.value = ""
                continue
            try:
                feedback = exercise._answer_one(blank.key, box.value)
            except errors.DiffkitError as exc:
                verdict.value = f'<span style="color:#c00000">{exc}</span>'
                continue
            verdict.value = feedback._repr_html_()
        score.value = f"<b>{exercise.score():g} of {exercise.max_score:g} points</b>"

    button.on_click(check)
    return widgets.VBox([widgets.HTML(f"<b>{exercise._title()}</b>"), *rows, widgets.HBox([button, score])])
