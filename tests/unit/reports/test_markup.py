from catalogue_app.reports.markup import escape

HOSTILE = '<font color="red">A&B</font> <img src="/etc/passwd"/>'


def test_escape_makes_markup_literal():
    assert escape(HOSTILE) == (
        "&lt;font color=&quot;red&quot;&gt;A&amp;B&lt;/font&gt; "
        "&lt;img src=&quot;/etc/passwd&quot;/&gt;"
    )
    assert escape("a\x00b") == "a b"
