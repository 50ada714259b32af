"""Error pages that never show a traceback: JSON with a code under /api/, a friendly page elsewhere."""

import functools
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.views import csrf
from django.views.decorators.csrf import csrf_exempt

DATABASE_DOWN = {
    "code": "database_unavailable",
    "message": "The database is not answering; nothing was saved. Try again in a minute.",
}
SERVER_ERROR = {"code": "server_error", "message": "Something went wrong on our side; it has been logged."}


def database_is_down(exc: BaseException | None) -> bool:
    return isinstance(exc, OperationalError | InterfaceError)


NOT_FOUND = {"code": "not_found", "message": "Not found."}


CSRF_MESSAGE = (
    "A signed-in browser session must send the CSRF token (the csrftoken cookie in an X-CSRFToken header); "
    "a system sends `Authorization: Token <key>` instead."
)
NOT_AUTHENTICATED = {"code": "not_authenticated", "message": "Authentication credentials were not provided."}
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@csrf_exempt  # it writes nothing: a POST to an unknown path is the same 404 as a GET
def api_not_found(request):
    return JsonResponse(NOT_FOUND, status=404)


def api_read_only(view):
    """For the public, read-only /api/ views (schema, docs): a write is a JSON 405 whoever sends it, rather
    than a CSRF refusal or the viewer's own HTML 405. CSRF guards writes, and these refuse them all."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method not in SAFE_METHODS:
            body = {"code": "method_not_allowed", "message": f'Method "{request.method}" not allowed.'}
            response = JsonResponse(body, status=405)
            response["Allow"] = ", ".join(sorted(SAFE_METHODS))
            return response
        return view(request, *args, **kwargs)

    return csrf_exempt(wrapped)


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW. Under /api/ a client gets JSON with a code: 401 without a signed-in session (what
    the API answers to any anonymous call), 403 `csrf_failed` with one. The API's own views check CSRF in
    their session authentication; this answers for any other view under /api/. Pages keep Django's page."""
    if not request.path.startswith("/api/"):
        return csrf.csrf_failure(request, reason=reason)
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        response = JsonResponse(NOT_AUTHENTICATED, status=401)
        response["WWW-Authenticate"] = "Token"
        return response
    return JsonResponse({"code": "csrf_failed", "message": f"{CSRF_MESSAGE} ({reason})"}, status=403)


def page_not_found(request, exception=None):
    if request.path.startswith("/api/"):
        return JsonResponse(NOT_FOUND, status=404)
    return render(request, "404.html", status=404)


def server_error(request):
    # Django calls this inside its `except` block, so the exception is still at hand.
    down = database_is_down(sys.exc_info()[1])
    status = 503 if down else 500
    if request.path.startswith("/api/"):
        return JsonResponse(DATABASE_DOWN if down else SERVER_ERROR, status=status)
    # Rendered without the request: context processors may need the database that just failed.
    body = DATABASE_DOWN["message"] if down else SERVER_ERROR["message"]
    return HttpResponse(loader.render_to_string("500.html", {"message": body}), status=status)
