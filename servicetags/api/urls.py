from rest_framework.routers import SimpleRouter

from servicetags.api import views

router = SimpleRouter()
router.register("units", views.UnitViewSet, basename="unit")
router.register("orders", views.OrderViewSet, basename="order")
router.register("transfers", views.TransferViewSet, basename="transfer")

urlpatterns = [*router.urls]
