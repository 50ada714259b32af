"""The browser tests' own rule (issue 18): the test body never writes to the database while the page is still
requesting. WriteGuard, in the `page` fixture, fails the test at the write; after settle(page) it lets it be."""

import pytest
from django.utils import timezone

from cases.models import Case
from tests.browser.support import settle
from tests.cases.factories import open_case
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_write_while_the_page_requests_fails_the_test_and_one_after_settle_passes(
    live_server, page, sign_in, reseller_user, unit
):
    case = open_case(reseller_user, unit, now=timezone.now())  # before any page: nothing in flight
    sign_in("reseller", PASSWORD)
    held = []
    page.route("**/cases/", lambda route: held.append(route))  # unanswered: the request stays in flight
    with page.expect_request("**/cases/"):
        page.evaluate("() => { fetch('/cases/'); }")
    page.evaluate("0")  # one more round trip, so the context's request event has been delivered

    with pytest.raises(pytest.fail.Exception, match=r"still requesting GET .*/cases/"):
        Case.objects.filter(pk=case.pk).update(title="Written beside a request")

    held[0].abort()
    settle(page)
    Case.objects.filter(pk=case.pk).update(title="Written after settle")
    assert Case.objects.get(pk=case.pk).title == "Written after settle"
