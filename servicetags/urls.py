from django.urls import path

from servicetags import views

app_name = "servicetags"

urlpatterns = [
    path("", views.unit_list, name="unit_list"),
    path("orders/", views.order_list, name="order_list"),
    path("orders/new/", views.order_new, name="order_new"),
    path("orders/<int:pk>/", views.order_detail, name="order_detail"),
    path("transfers/", views.transfer_queue, name="transfer_queue"),
    path("transfers/<int:pk>/", views.transfer_detail, name="transfer_detail"),
    path("transfers/<int:pk>/edit/", views.transfer_edit, name="transfer_edit"),
    path("transfers/<int:pk>/<str:action>/", views.transfer_action, name="transfer_action"),
    path("<str:service_tag>/", views.unit_detail, name="unit_detail"),
    path("<str:service_tag>/transfer/", views.transfer_new, name="transfer_new"),
]
