"""Fixtures of the fault tests: a Redis of the test's own and the Celery app pointed at it."""

from tests.faults import aof_broker, aof_redis, broker, own_redis, sink, workers  # noqa: F401 - fixtures
