from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from husky_support import errors
from partners import views as partner_views
from partners.forms import LoginForm

api_v1 = [
    path("", include("partners.api.urls")),
    path("", include("servicetags.api.urls")),
    path("", include("cases.api.urls")),
    path("", include("dispatch.api.urls")),
    path("", include("partners.reports.api_urls")),
]

urlpatterns = [
    path("", partner_views.home, name="home"),
    path("healthz", partner_views.healthz, name="healthz"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(authentication_form=LoginForm, redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/password_change/", partner_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/2fa/", partner_views.two_factor_setup, name="two_factor_setup"),
    path("accounts/2fa/verify/", partner_views.two_factor_verify, name="two_factor_verify"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("team/", include("partners.urls")),
    path("units/", include("servicetags.urls")),
    path("cases/", include("cases.urls")),
    path("dispatch/", include("dispatch.urls")),
    path("reports/", include("partners.reports.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    # The schema and docs are public so integrators can read them before they hold a token;
    # every operation they describe still requires authentication.
    path("api/schema/", login_not_required(errors.api_read_only(SpectacularAPIView.as_view())), name="schema"),
    path(
        "api/docs/",
        login_not_required(errors.api_read_only(SpectacularSwaggerSplitView.as_view(url_name="schema"))),
        name="swagger-ui",
    ),
    # ReDoc loads fonts and a logo from outside and starts a blob: worker, which the CSP refuses; Swagger UI
    # (served from the sidecar, no inline script) is the one viewer, and the old address leads there.
    path(
        "api/redoc/",
        login_not_required(errors.api_read_only(RedirectView.as_view(pattern_name="swagger-ui", permanent=True))),
        name="redoc",
    ),
    # Last: any other /api/ path is a JSON 404 with a code, even with DEBUG on (which bypasses handler404).
    re_path(r"^api/", login_not_required(errors.api_not_found)),
]

handler404 = "husky_support.errors.page_not_found"
handler500 = "husky_support.errors.server_error"
