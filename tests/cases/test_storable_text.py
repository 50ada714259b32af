"""Text a page posts raw (a comment, a dispatch message) is refused with the field's problem when no column can
hold it: PostgreSQL refuses NUL in text, so without the check the page answered 500 there."""

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from cases.models import CaseEvent
from cases.services import comment_create
from dispatch.services import dispatch_note
from husky_support.domain import DomainError, ErrorKind
from tests.cases.factories import NOW, open_case
from tests.dispatch.factories import dispatch_for

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("body", ["drive a\x00b", "rebuild \ud800 failed"])
def test_a_comment_that_no_column_can_hold_is_refused_and_nothing_is_written(reseller_user, unit, body):
    case = open_case(reseller_user, unit)
    before = CaseEvent.objects.count()
    with pytest.raises(DomainError) as refused:
        comment_create(actor=reseller_user, case=case, body=body, now=NOW)
    assert refused.value.kind is ErrorKind.INVALID
    assert refused.value.code in {"null_character", "invalid_text"}
    assert refused.value.fields["body"][0]["code"] == refused.value.code
    assert CaseEvent.objects.count() == before


def test_a_dispatch_message_with_nul_is_refused_and_nothing_is_written(reseller_user, mts_user, unit):
    dispatch = dispatch_for(reseller_user, mts_user, unit)
    before = CaseEvent.objects.count()
    with pytest.raises(DomainError) as refused:
        dispatch_note(actor=reseller_user, dispatch=dispatch, body="site a\x00b", now=NOW)
    assert refused.value.code == "null_character"
    assert CaseEvent.objects.count() == before


def _comment(reseller_user, mts_user, unit, body):
    return comment_create(actor=reseller_user, case=open_case(reseller_user, unit), body=body, now=NOW)


def _dispatch_message(reseller_user, mts_user, unit, body):
    dispatch = dispatch_for(reseller_user, mts_user, unit)
    return dispatch_note(actor=reseller_user, dispatch=dispatch, body=body, now=NOW)


@dataclass(frozen=True)
class FreeText:
    write: Callable
    empty_code: str
    field_code: str  # the code of the field's "Required." problem
    max_length: int
    too_long_code: str
    too_long_message: str


FREE_TEXTS = {
    "comment": FreeText(
        _comment,
        "comment_empty",
        "comment_empty",
        20_000,
        "comment_too_long",
        "A comment is at most 20,000 characters.",
    ),
    "dispatch-message": FreeText(
        _dispatch_message, "note_empty", "required", 10_000, "note_too_long", "A message is at most 10,000 characters."
    ),
}


@pytest.mark.parametrize("text", FREE_TEXTS.values(), ids=FREE_TEXTS.keys())
def test_an_empty_text_is_refused_as_its_field_problem(reseller_user, mts_user, unit, text):
    with pytest.raises(DomainError) as refused:
        text.write(reseller_user, mts_user, unit, "  \n ")
    assert (refused.value.kind, refused.value.code, refused.value.message, refused.value.fields) == (
        ErrorKind.INVALID,
        text.empty_code,
        "Write something first.",
        {"body": [{"code": text.field_code, "message": "Required."}]},
    )


@pytest.mark.parametrize("text", FREE_TEXTS.values(), ids=FREE_TEXTS.keys())
def test_an_overlong_text_is_refused_with_its_own_code(reseller_user, mts_user, unit, text):
    with pytest.raises(DomainError) as refused:
        text.write(reseller_user, mts_user, unit, "x" * (text.max_length + 1))
    assert (refused.value.kind, refused.value.code, refused.value.message, refused.value.fields) == (
        ErrorKind.INVALID,
        text.too_long_code,
        text.too_long_message,
        None,
    )
    assert text.write(reseller_user, mts_user, unit, "x" * text.max_length).note == "x" * text.max_length


@pytest.mark.parametrize(
    ("write", "body", "stored"),
    [
        pytest.param(_comment, "  Drive 3 failed \n", "Drive 3 failed", id="comment"),
        pytest.param(_dispatch_message, " Gate code 42 ", "Gate code 42", id="dispatch-message"),
    ],
)
def test_a_text_is_stored_stripped(reseller_user, mts_user, unit, write, body, stored):
    assert write(reseller_user, mts_user, unit, body).note == stored
