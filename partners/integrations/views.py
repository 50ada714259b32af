"""The Integrations page for organisation admins: endpoints, secrets, event types, the delivery log."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from husky_support.domain import DomainError
from husky_support.pages import show_on_form
from partners.access import page_for
from partners.integrations import endpoints, selectors
from partners.integrations.forms import DeliveryFilterForm, EndpointForm, RedeliverForm
from partners.integrations.models import WebhookEndpoint

LOG_PAGE_SIZE = 25


@page_for(admins=True)
def integrations(request: HttpRequest) -> HttpResponse:
    form = EndpointForm(request.POST or None)
    new_secret = None
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            created, new_secret = endpoints.endpoint_create(
                actor=request.user, values=form.cleaned_data, now=timezone.now()
            )
        except DomainError as exc:
            show_on_form(form, exc)
        else:
            form = EndpointForm()
    managed = selectors.endpoints_managed_by(request.user)
    context = {"form": form, "endpoints": managed, "new_secret": new_secret, "created": created}
    return render(request, "partners/integrations/list.html", context)


def _endpoint(request: HttpRequest, endpoint_id: int) -> WebhookEndpoint:
    return get_object_or_404(selectors.endpoints_managed_by(request.user), pk=endpoint_id)


@page_for(admins=True)
def endpoint_detail(
    request: HttpRequest, endpoint_id: int, *, new_secret: str | None = None, forms=None
) -> HttpResponse:
    endpoint = _endpoint(request, endpoint_id)
    forms = forms or {}
    edit = forms.get("edit") or EndpointForm(
        initial={"url": endpoint.url, "description": endpoint.description, "event_types": endpoint.event_types},
        standalone=False,
    )
    redeliver = forms.get("redeliver") or RedeliverForm()
    filters = DeliveryFilterForm(request.GET or None)
    log = selectors.deliveries_for(endpoint)
    if filters.is_valid():
        f = filters.cleaned_data
        if f["status"]:
            log = log.filter(status=f["status"])
        if f["event_type"]:
            log = log.filter(event__type=f["event_type"])
        if f["event_id"]:
            log = log.filter(event__public_id=f["event_id"].strip())
    page = Paginator(log, LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "endpoint": endpoint,
        "edit_form": edit,
        "redeliver_form": redeliver,
        "filters": filters,
        "page": page,
        "querystring": query.urlencode(),
        "new_secret": new_secret,
        "rotation_active": endpoint.previous_secret_expires_at is not None
        and endpoint.previous_secret_expires_at > timezone.now(),
    }
    return render(request, "partners/integrations/detail.html", context)


@require_POST
@page_for(admins=True)
def endpoint_action(request: HttpRequest, endpoint_id: int, action: str) -> HttpResponse:
    """One button of the endpoint page: edit, rotate, ping, enable, disable, redeliver, delete."""
    endpoint = _endpoint(request, endpoint_id)
    now = timezone.now()
    user = request.user
    try:
        if action == "edit":
            form = EndpointForm(request.POST, standalone=False)
            if not form.is_valid():
                return endpoint_detail(request, endpoint_id, forms={"edit": form})
            try:
                endpoints.endpoint_update(
                    actor=user, endpoint=endpoint, values=form.cleaned_data, version=_version(request), now=now
                )
            except DomainError as exc:
                if exc.code == "conflict":
                    raise
                show_on_form(form, exc)
                return endpoint_detail(request, endpoint_id, forms={"edit": form})
            messages.success(request, "The endpoint was saved.")
        elif action == "rotate":
            _endpoint_after, secret = endpoints.endpoint_rotate_secret(actor=user, endpoint=endpoint, now=now)
            return endpoint_detail(request, endpoint_id, new_secret=secret)
        elif action == "ping":
            endpoints.endpoint_ping(actor=user, endpoint=endpoint, now=now)
            messages.success(request, "A webhook.ping event is on its way; its delivery appears below.")
        elif action in {"enable", "disable"}:
            endpoints.endpoint_update(
                actor=user,
                endpoint=endpoint,
                values={"is_enabled": action == "enable"},
                version=_version(request),
                now=now,
            )
            messages.success(request, f"The endpoint was {action}d.")
        elif action == "redeliver":
            form = RedeliverForm(request.POST)
            if not form.is_valid():
                return endpoint_detail(request, endpoint_id, forms={"redeliver": form})
            since = form.cleaned_data["since"]  # aware: forms read it in the viewer's active zone
            result = endpoints.redeliver(
                actor=user, endpoint=endpoint, now=now, event_id=form.cleaned_data["event_id"].strip(), since=since
            )
            more = " (the oldest ones; ask again for the rest)" if result.truncated else ""
            messages.success(request, f"{result.queued} event{'s' if result.queued != 1 else ''} queued again{more}.")
        elif action == "delete":
            endpoints.endpoint_delete(actor=user, endpoint=endpoint)
            messages.success(request, f"The endpoint {endpoint.url} was deleted.")
            return redirect("partners:integrations")
        else:
            return render(request, "404.html", status=404)
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("partners:integration_detail", endpoint_id=endpoint.pk)


def _version(request: HttpRequest) -> int | None:
    raw = request.POST.get("version", "")
    return int(raw) if raw.isdigit() and len(raw) < 10 else None
