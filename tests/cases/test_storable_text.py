"""Text a page posts raw (a comment, a dispatch message) is refused with the field's problem when no column can
hold it: PostgreSQL refuses NUL in text, so without the check the page answered 500 there."""

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


@pytest.mark.parametrize(
    ("body", "refusal"),
    [
        pytest.param(
            "  \n ",
            ("comment_empty", "Write something first.", {"body": [{"code": "comment_empty", "message": "Required."}]}),
            id="empty",
        ),
        pytest.param("x" * 20_001, ("comment_too_long", "A comment is at most 20,000 characters.", None), id="long"),
    ],
)
def test_an_empty_or_overlong_comment_is_refused_with_its_own_code(reseller_user, unit, body, refusal):
    case = open_case(reseller_user, unit)
    with pytest.raises(DomainError) as refused:
        comment_create(actor=reseller_user, case=case, body=body, now=NOW)
    assert (refused.value.kind, (refused.value.code, refused.value.message, refused.value.fields)) == (
        ErrorKind.INVALID,
        refusal,
    )


@pytest.mark.parametrize(
    ("body", "refusal"),
    [
        pytest.param(
            "",
            ("note_empty", "Write something first.", {"body": [{"code": "required", "message": "Required."}]}),
            id="empty",
        ),
        pytest.param("x" * 10_001, ("note_too_long", "A message is at most 10,000 characters.", None), id="long"),
    ],
)
def test_an_empty_or_overlong_dispatch_message_is_refused_with_its_own_code(
    reseller_user, mts_user, unit, body, refusal
):
    dispatch = dispatch_for(reseller_user, mts_user, unit)
    with pytest.raises(DomainError) as refused:
        dispatch_note(actor=reseller_user, dispatch=dispatch, body=body, now=NOW)
    assert (refused.value.kind, (refused.value.code, refused.value.message, refused.value.fields)) == (
        ErrorKind.INVALID,
        refusal,
    )


def test_a_comment_and_a_dispatch_message_are_stored_stripped(reseller_user, mts_user, unit):
    case = open_case(reseller_user, unit)
    assert comment_create(actor=reseller_user, case=case, body="  Drive 3 failed \n", now=NOW).note == "Drive 3 failed"
    dispatch = dispatch_for(reseller_user, mts_user, unit)
    assert dispatch_note(actor=reseller_user, dispatch=dispatch, body=" Gate code 42 ", now=NOW).note == "Gate code 42"
