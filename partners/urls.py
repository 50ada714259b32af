from django.urls import path

from partners import views
from partners.integrations import views as integration_views

app_name = "partners"

urlpatterns = [
    path("team/", views.members, name="members"),
    path("team/<int:user_id>/", views.member_update, name="member_update"),
    path("team/follow-all-cases/", views.follow_all_cases, name="follow_all_cases"),
    path("team/monthly-report/", views.monthly_report, name="monthly_report"),
    path("tokens/", views.tokens, name="tokens"),
    path("security/", views.security_log, name="security_log"),
    path("tokens/<str:token_key>/revoke/", views.token_revoke, name="token_revoke"),
    path("integrations/", integration_views.integrations, name="integrations"),
    path("integrations/<int:endpoint_id>/", integration_views.endpoint_detail, name="integration_detail"),
    path(
        "integrations/<int:endpoint_id>/<slug:action>/",
        integration_views.endpoint_action,
        name="integration_action",
    ),
]
