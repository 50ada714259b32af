"""The project's own middleware: a NUL in the URL refused before any view runs, and the sign-in requirement
that also serves htmx requests."""

from collections.abc import Callable
from urllib.parse import urlencode, urlsplit

from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import resolve_url
from django_htmx.http import HttpResponseClientRedirect

MESSAGE = "The address may not contain NUL (%00) characters."


class RefuseNulInUrlMiddleware:
    """No text field can hold a NUL, and PostgreSQL raises on it deep inside a lookup; bodies are checked by the
    JSON parser and the forms."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or "%00" in request.META.get("QUERY_STRING", "") or "\x00" in str(request.GET):
            if request.path.startswith("/api/"):
                return JsonResponse({"code": "null_character", "message": MESSAGE}, status=400)
            return HttpResponseBadRequest(MESSAGE)
        return self.get_response(request)


class SignInRequiredMiddleware(LoginRequiredMiddleware):
    """Django's sign-in requirement for every page, and for an htmx request whose session has ended (the bell's
    poll on a page left open, a filter): the whole window goes to the sign-in page and comes back to the page
    afterwards, instead of the sign-in page being swapped into a fragment of the old one."""

    def handle_no_permission(self, request: HttpRequest, view_func: Callable[..., HttpResponse]) -> HttpResponse:
        if request.headers.get("HX-Request") != "true":
            return super().handle_no_permission(request, view_func)
        current = urlsplit(request.headers.get("HX-Current-URL", ""))
        same_site = current.netloc in ("", request.get_host())
        back_to = (current.path + (f"?{current.query}" if current.query else "")) if same_site else ""
        login_url = resolve_url(self.get_login_url(view_func))
        target = (
            f"{login_url}?{urlencode({self.get_redirect_field_name(view_func): back_to})}" if back_to else login_url
        )
        return HttpResponseClientRedirect(target)
