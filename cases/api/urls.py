from rest_framework.routers import SimpleRouter

from cases.api import teams, views

router = SimpleRouter()
router.register("cases", views.CaseViewSet, basename="case")
router.register("teams", teams.TeamViewSet, basename="team")
router.register("sla-policies", teams.SlaPolicyViewSet, basename="sla-policy")

urlpatterns = [*router.urls]
