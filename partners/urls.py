from django.urls import path

from partners import views

app_name = "partners"

urlpatterns = [
    path("team/", views.members, name="members"),
    path("team/<int:user_id>/", views.member_update, name="member_update"),
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/<str:token_key>/revoke/", views.token_revoke, name="token_revoke"),
]
