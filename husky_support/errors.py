"""Error pages that never show a traceback: JSON with a code under /api/, a friendly page elsewhere."""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader

DATABASE_DOWN = {
    "code": "database_unavailable",
    "message": "The database is not answering; nothing was saved. Try again in a minute.",
}
SERVER_ERROR = {"code": "server_error", "message": "Something went wrong on our side; it has been logged."}


def database_is_down(exc: BaseException | None) -> bool:
    return isinstance(exc, OperationalError | InterfaceError)


NOT_FOUND = {"code": "not_found", "message": "Not found."}


def api_not_found(request):
    return JsonResponse(NOT_FOUND, status=404)


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
