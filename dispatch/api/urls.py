from django.urls import path
from rest_framework.routers import SimpleRouter

from dispatch.api import views

router = SimpleRouter()
router.register("coverage", views.CoverageViewSet, basename="coverage")
router.register("dispatches", views.DispatchViewSet, basename="dispatch")

urlpatterns = [
    # Beside servicetags' units/ router: its detail route (units/{tag}/) does not match this longer path.
    path("units/<str:service_tag>/eligibility/", views.UnitEligibilityView.as_view(), name="unit-eligibility"),
    *router.urls,
]
