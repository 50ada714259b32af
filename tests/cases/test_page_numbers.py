"""Page numbers a person types into the address bar never break a list page."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("page", ["999999999999999999999999", "-4", "abc", "0", "2"])
@pytest.mark.parametrize("url", ["/cases/queue/", "/cases/"])
def test_any_page_number_answers_a_page(mts_user, reseller_user, url, page):
    client = Client()
    client.force_login(mts_user if "queue" in url else reseller_user)
    response = client.get(f"{url}?page={page}")
    assert response.status_code == 200
