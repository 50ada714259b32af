"""Refuses a NUL character in the URL (path or query) before any view runs: no text field can hold it,
and PostgreSQL raises on it deep inside a lookup. Bodies are checked by the JSON parser and the forms."""

from django.http import HttpResponseBadRequest, JsonResponse

MESSAGE = "The address may not contain NUL (%00) characters."


class RefuseNulInUrlMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or "%00" in request.META.get("QUERY_STRING", "") or "\x00" in str(request.GET):
            if request.path.startswith("/api/"):
                return JsonResponse({"code": "null_character", "message": MESSAGE}, status=400)
            return HttpResponseBadRequest(MESSAGE)
        return self.get_response(request)
