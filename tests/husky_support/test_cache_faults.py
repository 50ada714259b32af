"""The Django cache's Redis goes away: sign-in sessions fall back to the database and API throttling counts
from zero, so pages, API reads and API writes still answer (never a 500), and each answers within the
cache's one-second timeouts (husky_support/cache.py)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.cases.factories import open_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def redis_cache(own_redis, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "husky_support.cache.DegradingRedisCache",
            "LOCATION": own_redis.url,
            "KEY_PREFIX": "husky-cache-fault",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    return own_redis


def test_with_the_cache_redis_down_pages_and_the_api_still_answer(redis_cache, reseller_user, unit, api_as):
    from django.core.cache import cache

    case = open_case(reseller_user, unit, now=timezone.now())
    browser = Client(raise_request_exception=False)
    browser.force_login(reseller_user)  # a session written through the cache
    api = api_as(reseller_user)
    assert cache.set("probe", 1) is None
    assert cache.get("probe") == 1  # the cache is really in use before the fault
    assert browser.get(reverse("cases:list")).status_code == 200

    redis_cache.stop()
    assert cache.get("probe") is None  # a miss, not an error
    page = browser.get(reverse("cases:list"))
    detail = browser.get(reverse("cases:detail", args=[case.number]))
    read = api.get(f"/api/v1/cases/{case.pk}/")
    write = api.post(f"/api/v1/cases/{case.pk}/transitions/", {"action": "escalate_to_mts", "version": case.version})
    assert [page.status_code, detail.status_code, read.status_code, write.status_code] == [200, 200, 200, 200]
    assert case.number in page.content.decode()  # still signed in: the session came from the database
    assert write.json()["state"] == "l2_mts_queue"

    redis_cache.start()  # back: used again at once
    cache.set("probe", 2)
    assert cache.get("probe") == 2
