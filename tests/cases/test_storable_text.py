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
