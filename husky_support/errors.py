"""Error pages that never show a traceback: JSON with a code under /api/, a friendly page elsewhere."""

from django.http import JsonResponse
from django.shortcuts import render


def page_not_found(request, exception=None):
    if request.path.startswith("/api/"):
        return JsonResponse({"code": "not_found", "message": "Not found."}, status=404)
    return render(request, "404.html", status=404)


def server_error(request):
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"code": "server_error", "message": "Something went wrong on our side; it has been logged."}, status=500
        )
    return render(request, "500.html", status=500)
