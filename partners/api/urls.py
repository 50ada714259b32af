from django.urls import path
from rest_framework.routers import SimpleRouter

from partners.api import views, webhooks

router = SimpleRouter()
router.register("organisations", views.OrganisationViewSet, basename="organisation")
router.register("users", views.UserViewSet, basename="user")
router.register("tokens", views.ApiTokenViewSet, basename="token")
router.register("webhooks", webhooks.WebhookViewSet, basename="webhook")

urlpatterns = [
    path("auth/token/", views.TokenObtainView.as_view(), name="token-obtain"),
    path("me/", views.MeView.as_view(), name="me"),
    path("events/", webhooks.EventFeedView.as_view(), name="event-feed"),
    *router.urls,
]
