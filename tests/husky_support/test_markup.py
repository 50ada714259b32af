"""husky_support.markup.fill is format_html, byte for byte (the queue's rows are built with it)."""

from datetime import date

import pytest
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from husky_support.markup import esc, fill

VALUES = [
    "plain",
    '"><script>alert(1)</script>',
    "Tom & Jerry's <b>",
    mark_safe("<b>kept</b>"),
    format_html("<i>{}</i>", "a&b"),
    gettext_lazy("Open"),
    42,
    None,
    date(2026, 3, 10),
    "",
]


@pytest.mark.parametrize("value", VALUES)
def test_fill_escapes_as_format_html_does(value):
    assert fill("<td>{}</td>", value) == format_html("<td>{}</td>", value)
    assert fill('<a href="{url}">{v}</a>', url=value, v=value) == format_html(
        '<a href="{url}">{v}</a>', url=value, v=value
    )
    assert esc(value) == str(format_html("{}", value))


def test_fill_is_markup_that_is_not_escaped_again():
    inner = fill("<b>{}</b>", "<x>")
    assert fill("<p>{}</p>", inner) == "<p><b>&lt;x&gt;</b></p>"
    assert hasattr(inner, "__html__")
