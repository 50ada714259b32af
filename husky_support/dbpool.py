"""The health check of pooled PostgreSQL connections.

Django's pool (CONN_HEALTH_CHECKS on) has psycopg_pool check a connection before handing it out and discard
it when it is dead, but psycopg_pool then waits with a growing backoff (1 s, 2 s, ...) before trying the next
one: after a database restart every pooled connection is dead, a request goes through them one by one and
times out on the pool's wait (a 503 after the database is back). So the first dead connection found makes
the pool check all its idle connections at once (dead ones are replaced in the background), and the request
gets a fresh connection on its next try, about a second later. Installed on each pool when it makes its first
connection (the connection_created signal, connected in PartnersConfig.ready())."""

from __future__ import annotations

from typing import Any

from psycopg_pool import ConnectionPool


def check_connection(conn: Any) -> None:
    try:
        ConnectionPool.check_connection(conn)
    except Exception:
        _check_idle_connections()
        raise


def _check_idle_connections() -> None:
    from django.db.backends.postgresql.base import DatabaseWrapper

    pools: dict[str, ConnectionPool] = getattr(DatabaseWrapper, "_connection_pools", {})
    for pool in list(pools.values()):
        pool.check()  # the connection being checked is out of the pool: only its idle siblings are tested


def install_check(sender: Any, connection: Any, **kwargs: Any) -> None:
    """connection_created receiver: give the connection's pool the check above (once per pool)."""
    pool = getattr(connection, "pool", None) if connection.vendor == "postgresql" else None
    if pool is not None and pool._check is ConnectionPool.check_connection:
        pool._check = check_connection
