"""Pages: units, orders, service-tag transfers and their queues. Same selectors and services as the API."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpRequest
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from husky_support.domain import DomainError, FieldProblems, Invalid
from husky_support.filtering import filters_applied
from husky_support.localtime import dual_time
from partners.access import page_for
from partners.kinds import PARTNER_KINDS, OrgKind
from partners.visibility import organisations_visible_to, viewer_kind
from servicetags import hooks, selectors, services
from servicetags import transfers as flow
from servicetags.forms import (
    ConfirmForm,
    OrderForm,
    RejectForm,
    TransferForm,
    UnitFilterForm,
    apply_errors,
)
from servicetags.models import Location, ServiceTagTransfer, TransferStatus, Unit
from servicetags.validation import ADDRESS_FIELDS, InvalidInput, split_unit_text


def _site_today(zone: str, now: datetime) -> date:
    return now.astimezone(ZoneInfo(zone)).date()


def _flag_overdue(transfers, now: datetime):
    rows = list(transfers)
    for t in rows:
        t.overdue = t.status == TransferStatus.SUBMITTED and flow.is_overdue(
            t.expected_confirmation_on, _site_today(t.timezone, now)
        )
    return rows


def _unit_or_404(request: HttpRequest, service_tag: str) -> Unit:
    try:
        return selectors.unit_get(request.user, service_tag)
    except Unit.DoesNotExist as exc:
        raise Http404("No such unit.") from exc


def _transfer_or_404(request: HttpRequest, pk: int) -> ServiceTagTransfer:
    try:
        return selectors.transfers_visible_to(request.user).get(pk=pk)
    except ServiceTagTransfer.DoesNotExist as exc:
        raise Http404("No such transfer.") from exc


def _resellers_to_filter(user):
    if viewer_kind(user) in (OrgKind.DISTRIBUTOR, OrgKind.MTS):
        return organisations_visible_to(user).filter(kind=OrgKind.RESELLER).order_by("name")
    return None


# --- Units -----------------------------------------------------------------------------------------


@require_safe
def unit_list(request: HttpRequest):
    form = UnitFilterForm(request.GET or None, resellers=_resellers_to_filter(request.user))
    filters = selectors.UnitFilters()
    if form.is_valid():
        data = form.cleaned_data
        registered = {"yes": True, "no": False}.get(data.get("registered") or "")
        filters = selectors.UnitFilters(
            location_registered=registered,
            country=data.get("country") or "",
            reseller_id=data["reseller"].pk if data.get("reseller") else None,
            search=data.get("q") or "",
        )
    page = Paginator(selectors.unit_list(request.user, filters), 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "servicetags/unit_list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "today": timezone.now().date(),
            "filtered": filters_applied(request.GET),
        },
    )


@require_safe
def unit_detail(request: HttpRequest, service_tag: str):
    unit = _unit_or_404(request, service_tag)
    if unit.service_tag != service_tag:
        return redirect("servicetags:unit_detail", service_tag=unit.service_tag)
    now = timezone.now()
    kind = viewer_kind(request.user)
    transfers = _flag_overdue(selectors.transfers_visible_to(request.user).filter(unit=unit), now)
    open_transfer = next((t for t in transfers if t.status in (TransferStatus.DRAFT, TransferStatus.SUBMITTED)), None)
    locations = (
        Location.objects.filter(unit=unit).select_related("transfer", "recorded_by").order_by("-recorded_at", "-id")
    )
    return render(
        request,
        "servicetags/unit_detail.html",
        {
            "unit": unit,
            "transfers": transfers,
            "open_transfer": open_transfer,
            "locations": locations,
            "can_file": kind in PARTNER_KINDS and open_transfer is None,
            "warranty_active": unit.warranty_active(_site_today(unit.timezone, now)),
            # Converted once here: the `date` filter would read it in the viewer's zone again (issue 9).
            "site_clock": dual_time(
                now, viewer_zone=timezone.get_current_timezone(), site_zone=unit.timezone, fmt="D H:i", time_fmt="D H:i"
            ),
            "in_assistance": unit.transfer_assist_sent_at is not None and not unit.location_confirmed,
            "unit_cards": hooks.cards_for(unit),
        },
    )


# --- Transfers -------------------------------------------------------------------------------------


@page_for(*PARTNER_KINDS, whose="Transfers are filed by reseller and distributor partners.")
def transfer_new(request: HttpRequest, service_tag: str):
    unit = _unit_or_404(request, service_tag)
    initial = {**unit.address_values(), "end_customer_name": unit.end_customer_name}
    form = TransferForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            transfer = services.transfer_create(
                actor=request.user,
                unit=unit,
                address={name: data.get(name) or "" for name in ADDRESS_FIELDS},
                end_customer_name=data["end_customer_name"],
                contact_name=data["contact_name"],
                contact_email=data["contact_email"],
                note=data["note"],
                submit="submit_to_dell" in request.POST,
                now=timezone.now(),
            )
        except Invalid as exc:
            apply_errors(form, exc.fields or {})
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            verb = "submitted to Dell" if transfer.status == TransferStatus.SUBMITTED else "saved as a draft"
            messages.success(request, f"Transfer {transfer.number} for {unit.service_tag} was {verb}.")
            return redirect("servicetags:transfer_detail", pk=transfer.pk)
    return render(request, "servicetags/transfer_form.html", {"form": form, "unit": unit, "transfer": None})


def transfer_edit(request: HttpRequest, pk: int):
    transfer = _transfer_or_404(request, pk)
    if transfer.status != TransferStatus.DRAFT or viewer_kind(request.user) not in PARTNER_KINDS:
        return redirect("servicetags:transfer_detail", pk=pk)
    initial = {
        name: getattr(transfer, name)
        for name in (*ADDRESS_FIELDS, "end_customer_name", "contact_name", "contact_email", "note")
    }
    form = TransferForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        now = timezone.now()
        try:
            transfer = services.transfer_update(
                actor=request.user, transfer=transfer, changes=form.cleaned_data, now=now
            )
            if "submit_to_dell" in request.POST:
                transfer = services.transfer_submit(actor=request.user, transfer=transfer, now=now)
        except Invalid as exc:
            apply_errors(form, exc.fields or {})
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"Transfer {transfer.number} was saved.")
            return redirect("servicetags:transfer_detail", pk=transfer.pk)
    return render(
        request, "servicetags/transfer_form.html", {"form": form, "unit": transfer.unit, "transfer": transfer}
    )


@require_safe
def transfer_detail(request: HttpRequest, pk: int):
    transfer = _flag_overdue([_transfer_or_404(request, pk)], timezone.now())[0]
    kind = viewer_kind(request.user)
    actions = [a.value for a in flow.allowed_actions(flow.TransferStatus(transfer.status), kind)]
    unit_visible = selectors.units_visible_to(request.user).filter(pk=transfer.unit_id).exists()
    return render(
        request,
        "servicetags/transfer_detail.html",
        {
            "transfer": transfer,
            "unit": transfer.unit,
            "unit_visible": unit_visible,
            "actions": actions,
            "reject_form": RejectForm(),
            "confirm_form": ConfirmForm(),
        },
    )


@require_POST
def transfer_action(request: HttpRequest, pk: int, action: str):
    transfer = _transfer_or_404(request, pk)
    now = timezone.now()
    try:
        if action == "submit":
            services.transfer_submit(actor=request.user, transfer=transfer, now=now)
            messages.success(request, f"Transfer {transfer.number} was submitted to Dell.")
        elif action == "confirm":
            form = ConfirmForm(request.POST)
            ref = form.cleaned_data["dell_reference"] if form.is_valid() else ""
            services.transfer_confirm(actor=request.user, transfer=transfer, dell_reference=ref, now=now)
            messages.success(
                request,
                f"Transfer {transfer.number} was confirmed; {transfer.unit.service_tag}'s registered location changed.",
            )
        elif action == "reject":
            services.transfer_reject(
                actor=request.user, transfer=transfer, reason=request.POST.get("reason", ""), now=now
            )
            messages.success(request, f"Transfer {transfer.number} was rejected; the partner sees your reason.")
        else:
            raise Http404("Unknown action.")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("servicetags:transfer_detail", pk=pk)


@require_safe
def transfer_queue(request: HttpRequest):
    kind = viewer_kind(request.user)
    now = timezone.now()
    context: dict = {"kind": kind}
    if kind in (OrgKind.MTS, OrgKind.DELL):
        queue = _flag_overdue(selectors.confirmation_queue(request.user), now)
        context["awaiting"] = queue
        context["overdue_count"] = sum(1 for t in queue if t.overdue)
        context["decided"] = _flag_overdue(
            selectors.transfers_visible_to(request.user)
            .filter(status__in=[TransferStatus.CONFIRMED, TransferStatus.REJECTED])
            .order_by("-decided_at")[:20],
            now,
        )
    else:
        context["assistance"] = list(selectors.assistance_queue(request.user)) if kind == OrgKind.DISTRIBUTOR else []
        context["unregistered"] = list(
            selectors.unit_list(request.user, selectors.UnitFilters(location_registered=False)).order_by(
                "shipped_on", "service_tag"
            )[:100]
        )
        context["transfers"] = _flag_overdue(
            selectors.transfers_visible_to(request.user)
            .filter(status__in=[TransferStatus.DRAFT, TransferStatus.SUBMITTED, TransferStatus.REJECTED])
            .order_by("-created_at")[:100],
            now,
        )
    return render(request, "servicetags/transfer_queue.html", context)


# --- Orders ----------------------------------------------------------------------------------------


@require_safe
def order_list(request: HttpRequest):
    orders = selectors.orders_visible_to(request.user).prefetch_related(
        Prefetch(
            "units",
            queryset=Unit.objects.order_by("service_tag").only("pk", "order_id", "service_tag", "location_confirmed"),
        )
    )
    page = Paginator(orders, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "servicetags/order_list.html",
        {"page": page, "can_create": viewer_kind(request.user) == OrgKind.DISTRIBUTOR},
    )


def _unit_rows(text: str) -> list[dict[str, str]]:
    try:
        return split_unit_text(text)
    except InvalidInput as exc:
        p = exc.problems[0]
        raise FieldProblems.one("units_text", p.code, p.message).error() from None


@page_for(OrgKind.DISTRIBUTOR, whose="Orders are created by distributors.")
def order_new(request: HttpRequest):
    resellers = selectors.resellers_for_orders(request.user).order_by("name")
    form = OrderForm(request.POST or None, request.FILES or None, resellers=resellers)
    row_errors: list[dict] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            units = _unit_rows(data["units_text"])
            order = services.order_from_values(actor=request.user, values=data, units=units, now=timezone.now())
        except Invalid as exc:
            apply_errors(form, exc.fields or {})
            row_errors = (exc.fields or {}).get("units", [])
            if row_errors:
                form.add_error(
                    None,
                    exc.message if len(exc.fields or {}) == 1 else "Some unit rows need fixing; nothing was saved.",
                )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            count = order.units.count()
            messages.success(request, f"Order {order.number} with {count} unit(s) was created for {order.reseller}.")
            return redirect("servicetags:order_detail", pk=order.pk)
    return render(request, "servicetags/order_form.html", {"form": form, "row_errors": row_errors})


@require_safe
def order_detail(request: HttpRequest, pk: int):
    try:
        order = selectors.orders_visible_to(request.user).get(pk=pk)
    except Exception as exc:  # noqa: BLE001 - DoesNotExist or a bad pk: both are a 404
        raise Http404("No such order.") from exc
    units = selectors.unit_list(request.user).filter(order=order)
    return render(request, "servicetags/order_detail.html", {"order": order, "units": units})


# --- Dashboard panels ------------------------------------------------------------------------------


def panel_context(user) -> dict | None:
    kind = viewer_kind(user)
    now = timezone.now()
    if kind in (OrgKind.MTS, OrgKind.DELL):
        queue = _flag_overdue(selectors.confirmation_queue(user)[:200], now)
        return {
            "title": "Transfers awaiting confirmation",
            "count": len(queue),
            "overdue": sum(1 for t in queue if t.overdue),
            "transfers": queue[:5],
            "units": [],
            "empty": "No transfer is waiting for confirmation.",
        }
    if kind == OrgKind.DISTRIBUTOR:
        units = list(selectors.assistance_queue(user)[:50])
        return {
            "title": "Transfer assistance",
            "count": len(units),
            "units": units[:5],
            "transfers": [],
            "empty": "None of your resellers' units lags on its service-tag transfer.",
        }
    # Resellers (and distributors) already get "Units without a registered location" from the cases app.
    return None
