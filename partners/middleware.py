from zoneinfo import ZoneInfo

from django.utils import timezone


class ViewerTimezoneMiddleware:
    """Shows times in the viewer's organisation's zone; storage stays UTC."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.organisation_id:
            timezone.activate(ZoneInfo(user.organisation.timezone))
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
