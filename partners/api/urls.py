from django.urls import path
from rest_framework.routers import SimpleRouter

from partners.api import views

router = SimpleRouter()
router.register("organisations", views.OrganisationViewSet, basename="organisation")
router.register("users", views.UserViewSet, basename="user")
router.register("tokens", views.ApiTokenViewSet, basename="token")

urlpatterns = [
    path("auth/token/", views.TokenObtainView.as_view(), name="token-obtain"),
    path("me/", views.MeView.as_view(), name="me"),
    *router.urls,
]
