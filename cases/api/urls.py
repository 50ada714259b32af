from django.urls import path
from rest_framework.routers import SimpleRouter

from cases.api import notifications, teams, views

router = SimpleRouter()
router.register("cases", views.CaseViewSet, basename="case")
router.register("teams", teams.TeamViewSet, basename="team")
router.register("sla-policies", teams.SlaPolicyViewSet, basename="sla-policy")
router.register("notifications", notifications.NotificationViewSet, basename="notification")

urlpatterns = [*router.urls, path("me/preferences/", notifications.MyPreferencesView.as_view(), name="my-preferences")]
