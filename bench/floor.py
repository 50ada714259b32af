"""The floor of bench/bench_load.py: the same first page of the same table served as cheaply as Django can.

F1 is a bare Django view returning the page as JSON from `.values()` (no authentication, no serializer).
F3 is a DRF list with token authentication, a model serializer and a page-number pagination that counts.
Every endpoint's requests/s is printed as a ratio to both, measured in the same run, so a noisy machine still
gives comparable figures. Only bench/load_settings.py routes here; the product's URLconf is included as is.
"""

from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.urls import include, path
from rest_framework import generics, pagination, permissions, serializers

from cases.models import Case
from partners.auth import TokenAuthentication

PAGE_SIZE = 50  # the API's page size
COLUMNS = (
    "id",
    "number",
    "title",
    "state",
    "priority",
    "site_country",
    "sla_due_at",
    "created_at",
    "updated_at",
    "reseller_id",
    "unit_id",
    "assignee_id",
)


@login_not_required
def values_floor(request):
    """F1: the first page of cases, newest first, as JSON straight from `.values()`."""
    rows = list(Case.objects.order_by("-created_at", "-id").values(*COLUMNS)[:PAGE_SIZE])
    return JsonResponse({"results": rows})


class FloorCaseSerializer(serializers.ModelSerializer):
    class Meta:
        model = Case
        fields = [c.removesuffix("_id") for c in COLUMNS]


class FloorPagination(pagination.PageNumberPagination):
    page_size = PAGE_SIZE


class DrfFloor(generics.ListAPIView):
    """F3: the same page through DRF with token authentication and a counted page-number pagination."""

    authentication_classes = [TokenAuthentication]
    permission_classes = [permissions.IsAuthenticated]
    serializer_class = FloorCaseSerializer
    pagination_class = FloorPagination
    queryset = Case.objects.order_by("-created_at", "-id")


urlpatterns = [
    path("bench-floor/values/", values_floor),
    path("bench-floor/drf/", login_not_required(DrfFloor.as_view())),
    path("", include("husky_support.urls")),
]

handler404 = "husky_support.errors.page_not_found"
handler500 = "husky_support.errors.server_error"
