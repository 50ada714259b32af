"""husky_support.text: which text every input refuses, one-line subjects, plain numbers. Pure: no database."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from husky_support.domain import ErrorKind, Invalid
from husky_support.text import (
    MAX_ID,
    TextProblem,
    has_line_break,
    one_line,
    plain_number,
    required_text,
    text_problem,
)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        pytest.param("Drive 3 failed", None, id="plain"),
        pytest.param("Åbenrå – 北京 😀", None, id="any-real-character"),
        pytest.param("a\x00b", "null_character", id="nul"),
        pytest.param("\ud800", "invalid_text", id="lone-high-surrogate"),
        pytest.param("x\udfffy", "invalid_text", id="lone-low-surrogate"),
    ],
)
def test_text_problem(value, code):
    problem = text_problem(value)
    assert (problem.code if problem else None) == code


@given(st.text(), st.integers(min_value=1, max_value=300))
def test_one_line_is_always_a_valid_email_subject(value, max_length):
    line = one_line(value, max_length=max_length)
    assert not has_line_break(line)
    assert len(line) <= max_length
    assert text_problem(line) is None
    assert not any(ord(c) < 32 for c in line)


def test_one_line_folds_breaks_and_marks_a_cut():
    assert one_line("Drive 3\r\nfailed", max_length=200) == "Drive 3 failed"
    assert one_line("abcdef", max_length=4) == "abc…"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("42", 42),
        ("0", 0),
        (str(MAX_ID), MAX_ID),
        (str(MAX_ID + 1), None),
        ("²", None),
        ("-1", None),
        ("1e3", None),
        ("", None),
        ("9" * 5000, None),
    ],
)
def test_plain_number(raw, expected):
    assert plain_number(raw) == expected


EMPTY = TextProblem("note_empty", "Write something first.")
TOO_LONG = (5, TextProblem("note_too_long", "At most 5."))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("  gate ", "gate", id="stripped"),
        pytest.param("12345", "12345", id="at-the-limit"),
        pytest.param(
            None,
            ("note_empty", "Write something first.", {"b": [{"code": "required", "message": "Required."}]}),
            id="none",
        ),
        pytest.param(
            " \n\t",
            ("note_empty", "Write something first.", {"b": [{"code": "required", "message": "Required."}]}),
            id="blank",
        ),
        pytest.param("123456", ("note_too_long", "At most 5.", None), id="too-long"),
        pytest.param(" 12345 ", "12345", id="length-after-stripping"),
        pytest.param(
            "a\x00b",
            (
                "null_character",
                "Text may not contain NUL (\\u0000) characters.",
                {"b": [{"code": "null_character", "message": "Text may not contain NUL (\\u0000) characters."}]},
            ),
            id="nul",
        ),
        pytest.param("a\x00b456", ("note_too_long", "At most 5.", None), id="length-before-storable"),
    ],
)
def test_required_text(value, expected):
    if isinstance(expected, str):
        assert required_text(value, field="b", empty=EMPTY, too_long=TOO_LONG) == expected
        return
    with pytest.raises(Invalid) as refused:
        required_text(value, field="b", empty=EMPTY, too_long=TOO_LONG)
    assert refused.value.kind is ErrorKind.INVALID
    assert (refused.value.code, refused.value.message, refused.value.fields) == expected


def test_required_text_names_the_field_problem_by_its_own_code_when_given():
    with pytest.raises(Invalid) as refused:
        required_text("", field="body", empty=EMPTY, field_code="comment_empty")
    assert refused.value.fields == {"body": [{"code": "comment_empty", "message": "Required."}]}
