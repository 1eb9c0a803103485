"""The Markdown and HTML table helpers every report writes through, and a section rendered both ways."""

import pytest

from diffkit.report import html, markdown
from diffkit.report.section import Bullets, Details, Heading, Image, Paragraph, Section, Table


def test_a_pipe_in_a_cell_is_escaped_so_the_row_keeps_its_columns():
    text = markdown.table(["program", "reason"], [["f", "a | b"]])
    assert text.splitlines() == ["| program | reason |", "|---|---|", "| f | a \\| b |"]
    # the row splits into exactly two cells at its unescaped pipes
    row = text.splitlines()[2].replace("\\|", "")
    assert row.count("|") == 3


def test_raw_html_in_a_cell_is_shown_as_text():
    assert markdown.escape("<script>alert(1)</script>") == "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert markdown.escape("R&D <lambda>") == "R&amp;D &lt;lambda&gt;"
    text = markdown.table(["reason"], [["ValueError in <lambda>"]])
    assert text.splitlines()[2] == "| ValueError in &lt;lambda&gt; |"


def test_code_spans_are_kept_literally_but_still_lose_their_pipes_in_a_table():
    # Markdown shows code as written: no entity inside a code span, but a table's | still splits it
    assert markdown.escape("the condition `x > 5` at x < 0") == "the condition `x > 5` at x &lt; 0"
    assert markdown.table(["c"], [["`a | b`"]]).splitlines()[2] == "| `a \\| b` |"
    # an unpaired backtick opens no span: what follows it is text
    assert markdown.escape("it`s <b>") == "it`s &lt;b&gt;"


def test_a_backslash_escapes_nothing_after_it_and_numbers_pass_as_they_are():
    assert markdown.table(["path"], [["C:\\temp\\"]]).splitlines()[2] == "| C:\\\\temp\\\\ |"
    assert markdown.escape(3) == 3 and markdown.escape(None) is None


def test_code_fences_a_text_with_backticks_in_it():
    assert markdown.code("x**2") == "`x**2`"
    assert markdown.code("a `b` c") == "``a `b` c``"
    assert markdown.code("`b`") == "`` `b` ``"
    assert markdown.escape(markdown.code("x < 1")) == "`x < 1`"  # already Markdown: left alone


def test_newlines_in_a_cell_do_not_end_the_row():
    assert markdown.table(["m"], [["line one\nline two"]]).splitlines()[2] == "| line one line two |"


def test_alignment_row():
    text = markdown.table(["method", "count", "middle", "status"], [["tape", 3, "x", "ok"]], align="lrcs")
    assert text.splitlines()[1] == "|---|---:|:---:|---|"
    assert text.splitlines()[2] == "| tape | 3 | x | ok |"


def test_a_wrong_alignment_or_a_ragged_row_is_refused():
    with pytest.raises(ValueError, match="one of l, r, c, s for each of the 2 columns, got 'l'"):
        markdown.table(["a", "b"], [], align="l")
    with pytest.raises(ValueError, match="one of l, r, c, s for each of the 2 columns, got 'lx'"):
        markdown.table(["a", "b"], [], align="lx")
    with pytest.raises(ValueError, match="a row of 1 cells in a table of 2 columns"):
        markdown.table(["a", "b"], [["only one"]])


def test_numbers():
    assert [markdown.sci(v) for v in (None, 0, 0.0, 1.234e-16, 12345.0)] == ["—", "0", "0", "1.2e-16", "1.2e+04"]
    assert markdown.sci(None, missing="-") == "-"
    assert markdown.sci(2.5e-3, digits=2) == "2.50e-03"
    assert [markdown.seconds(v) for v in (None, 3.456e-6, 0.0123, 1.234)] == ["—", "3.46 µs", "12.3 ms", "1.23 s"]


def test_html_escapes_text_and_turns_code_spans_into_code():
    assert html.inline("<script>x</script> & `a < b`") == (
        "&lt;script&gt;x&lt;/script&gt; &amp; <code>a &lt; b</code>")
    assert html.inline("it`s") == "it`s"
    page = html.table(["n", "status", "reason"], [[3, "timeout", "<lambda> ran out"]], align="rsl")
    assert page.splitlines() == [
        "<table>",
        "<tr><th>n</th><th>status</th><th>reason</th></tr>",
        '<tr><td>3</td><td class="text status-timeout">timeout</td><td class="text">&lt;lambda&gt; ran out</td></tr>',
        "</table>",
    ]


def test_a_status_cannot_inject_markup_into_its_class():
    page = html.table(["status"], [['ok" onclick="x']], align="s")
    assert 'class="text status-ok&#34; onclick=&#34;x"' in page


def test_a_section_is_written_the_same_way_in_markdown_and_html():
    section = Section("demo", "A demo", [
        Paragraph("**Bold** text with `code` and x < y."),
        Table(("a", "b"), ((1, "p | q"),), "rl"),
        Image("demo.png", "a demo figure"),
    ], summary="One line.")
    assert section.markdown() == (
        "**Bold** text with `code` and x &lt; y.\n\n"
        "| a | b |\n|---:|---|\n| 1 | p \\| q |\n\n"
        "![a demo figure](demo.png)"
    )
    assert section.html() == (
        "<p><b>Bold</b> text with <code>code</code> and x &lt; y.</p>\n"
        "<table>\n<tr><th>a</th><th>b</th></tr>\n<tr><td>1</td><td class=\"text\">p | q</td></tr>\n</table>\n"
        '<figure><a href="demo.png"><img src="demo.png" alt="a demo figure"></a>'
        '<figcaption>a demo figure (<a href="demo.png">full size</a>, <a href="demo.svg">SVG</a>)</figcaption>'
        "</figure>"
    )
    assert section.figures == ["demo.png"]


def test_headings_lists_and_folded_blocks_are_written_both_ways():
    section = Section("more", "More", [
        Heading("A <sub> heading"),
        Bullets(("one `a|b`", "**two**")),
        Details("Every row", (Paragraph("inside"),)),
    ])
    assert section.markdown() == (
        "### A &lt;sub&gt; heading\n\n- one `a\\|b`\n- **two**\n\n"
        "<details><summary>Every row</summary>\n\ninside\n\n</details>"
    )
    assert section.html() == (
        "<h3>A &lt;sub&gt; heading</h3>\n<ul><li>one <code>a|b</code></li><li><b>two</b></li></ul>\n"
        "<details><summary>Every row</summary>\n<p>inside</p>\n</details>"
    )


def test_text_tables_pad_each_column_to_its_widest_cell():
    from diffkit.report import text

    assert text.table(["name", "n"], [["tape", 3], ["fd-central", 12]], indent="  ") == [
        "  name        n",
        "  ----------  --",
        "  tape        3",
        "  fd-central  12",
    ]
    assert text.table(["a", "b"], [["xyz", ""]], rule=False) == ["a    b", "xyz"]


def test_escaping_keeps_the_spaces_that_join_printed_pieces():
    # the report template prints "; " between items: the space must survive the escaping
    assert markdown.escape("; ") == "; " and markdown.escape("a\n  b ") == "a b "
    assert markdown.table(["a"], [[" padded "]]).splitlines()[2] == "| padded |"
