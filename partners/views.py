"""Pages: the home dashboard per organisation kind, team members and API tokens, health check."""

from base64 import b32encode
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import PasswordResetForm
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST, require_safe

from husky_support.celery import app as celery_app
from husky_support.domain import DomainError
from partners import services, twofactor
from partners.access import page_for
from partners.dashboard import panels_for
from partners.forms import MemberCreateForm, SecondFactorCodeForm, TokenCreateForm
from partners.kinds import OrgKind, Role
from partners.models import ApiToken, SecurityEventKind
from partners.security import client_address, security_event_record, security_events_for
from partners.visibility import token_owners_for, users_manageable_by, viewer_kind

ROLE_SUMMARY = {
    OrgKind.RESELLER: "First-level support: open and work cases, report them to Milestone Technical Support, "
    "register each unit's final location with Dell and give the technician access to the unit.",
    OrgKind.DISTRIBUTOR: "Create your resellers' Husky IVO orders, help them register where each unit stands, "
    "and follow their cases.",
    OrgKind.MTS: "Second level: triage the queue, investigate, ask partners for information and start Dell "
    "onsite support for warranty-covered hardware faults.",
    OrgKind.DELL: "Third level for hardware: the dispatches sent to you, their visit schedules and parts.",
}


@require_safe
def home(request: HttpRequest):
    kind = viewer_kind(request.user)
    context = {
        "kind": kind,
        "role_summary": ROLE_SUMMARY.get(kind, "Your account is not attached to an organisation yet."),
        "panels": panels_for(request.user, kind),
    }
    return render(request, "partners/home.html", context)


@page_for(admins=True)
def members(request: HttpRequest):
    form = MemberCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            reset = PasswordResetForm({"email": user.email})
            if reset.is_valid():
                reset.save(request=request, use_https=request.is_secure())
            messages.success(request, f"{user.username} was added; we emailed them a link to choose a password.")
            return redirect("partners:members")
    team = users_manageable_by(request.user).order_by("username")
    return render(request, "partners/members.html", {"form": form, "team": team, "roles": Role})


@require_POST
@page_for(admins=True)
def monthly_report(request: HttpRequest):
    """The admin's choice: the organisation's people get the monthly report by email."""
    on = request.POST.get("monthly_report") == "1"
    services.organisation_monthly_report(actor=request.user, organisation=request.user.organisation, on=on)
    if on:
        messages.success(
            request, "Everyone here gets last month's report by email on the first business day of each month."
        )
    else:
        messages.success(request, "The monthly report email is off.")
    return redirect("partners:members")


@require_POST
@page_for(admins=True)
def follow_all_cases(request: HttpRequest):
    """The admin's choice: everyone of the organisation follows all its cases from their opening."""
    follow = request.POST.get("follow_all_cases") == "1"
    services.organisation_follow_all_cases(actor=request.user, follow=follow)
    if follow:
        messages.success(request, "Everyone here now follows each new case of the organisation.")
    else:
        messages.success(request, "New cases are followed by their opener, assignee and commenters only.")
    return redirect("partners:members")


@require_POST
@page_for(admins=True)
def member_update(request: HttpRequest, user_id: int):
    member = get_object_or_404(users_manageable_by(request.user), pk=user_id)
    role = request.POST.get("role")
    active = request.POST.get("is_active")
    try:
        services.user_update(
            actor=request.user,
            user=member,
            role=role if role in {r.value for r in Role} else None,
            is_active=None if active is None else active == "1",
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{member.username} was updated.")
    return redirect("partners:members")


def tokens(request: HttpRequest):
    user = request.user
    owners = token_owners_for(user)
    form = TokenCreateForm(request.POST or None, users=owners, initial={"user": user.pk})
    new_key = None
    if request.method == "POST" and form.is_valid():
        _token, new_key = services.token_create(
            actor=user,
            user=form.cleaned_data["user"],
            name=form.cleaned_data["name"],
            expires_in=timedelta(days=form.cleaned_data["expires_in_days"]),
        )
        form = TokenCreateForm(users=owners, initial={"user": user.pk})
    rows = ApiToken.objects.filter(user__in=owners).select_related("user", "created_by").order_by("-created")
    return render(request, "partners/tokens.html", {"form": form, "tokens": rows, "new_key": new_key})


@require_POST
def token_revoke(request: HttpRequest, token_key: str):
    user = request.user
    owners = token_owners_for(user)
    token = get_object_or_404(ApiToken.objects.filter(user__in=owners), token_key=token_key)
    services.token_revoke(actor=user, token=token)
    messages.success(request, f"Token “{token.name}” was revoked; calls with it now answer 401.")
    return redirect("partners:tokens")


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and readiness for load balancers: the database and the Celery broker answer."""
    checks: dict[str, dict] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        checks["database"] = {"ok": True, "vendor": connection.vendor}
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready"; the type is reported
        checks["database"] = {"ok": False, "error": type(exc).__name__}
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=2)
            checks["broker"] = {"ok": True, "transport": conn.transport_cls}
    except Exception as exc:  # noqa: BLE001 - same as above
        checks["broker"] = {"ok": False, "error": type(exc).__name__}
    healthy = all(check["ok"] for check in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "checks": checks}, status=200 if healthy else 503
    )


# --- Two-factor sign-in --------------------------------------------------------------------------------


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse("home")


@never_cache
def two_factor_verify(request: HttpRequest):
    """After the password: the authenticator's code or a recovery code."""
    if not twofactor.has_second_factor(request.user):
        return redirect("two_factor_setup")
    form = SecondFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            twofactor.verify(request, form.cleaned_data["code"])
        except DomainError as exc:
            form.add_error("code", exc.message)
        else:
            return redirect(_next_url(request))
    return render(request, "registration/two_factor_verify.html", {"form": form, "next": _next_url(request)})


@never_cache
def two_factor_setup(request: HttpRequest):
    """Set up, confirm, renew recovery codes for or turn off two-factor sign-in."""
    user = request.user
    action = request.POST.get("action", "")
    form = SecondFactorCodeForm(request.POST if action == "confirm" else None)
    form.fields["code"].help_text = "The 6-digit code your authenticator app shows now."
    recovery_codes: list[str] = []
    if request.method == "POST":
        try:
            if action == "start":
                twofactor.totp_start(user)
            elif action == "confirm":
                device = twofactor.pending_totp(user)
                if device is not None and form.is_valid():
                    recovery_codes = twofactor.totp_confirm(request, device=device, code=form.cleaned_data["code"])
                    messages.success(request, "Two-factor sign-in is on. Keep the recovery codes somewhere safe.")
            elif action == "recovery_codes" and twofactor.has_second_factor(user):
                recovery_codes = twofactor.recovery_codes_regenerate(user, ip_address=client_address(request))
            elif action == "disable":
                twofactor.second_factor_disable(request)
                messages.success(request, "Two-factor sign-in is off.")
                return redirect("two_factor_setup")
        except DomainError as exc:
            if action == "confirm":
                form.add_error("code", exc.message)
            else:
                messages.error(request, exc.message)
    enabled = twofactor.has_second_factor(user)
    pending = None if enabled else twofactor.pending_totp(user)
    context = {
        "enabled": enabled,
        "required": twofactor.must_use_second_factor(user),
        "pending": pending,
        "qr_svg": twofactor.qr_svg(pending) if pending else "",
        "secret": b32encode(pending.bin_key).decode() if pending else "",
        "form": form,
        "recovery_codes": recovery_codes,
        "next": _next_url(request) if recovery_codes else "",
    }
    return render(request, "registration/two_factor_setup.html", context)


@require_safe
@page_for(admins=True)
def security_log(request: HttpRequest):
    """The organisation's security log for its admins: sign-ins, failures, lockouts, 2FA, tokens, passwords."""
    return render(request, "partners/security_log.html", {"events": security_events_for(request.user)})


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's password change, with a row in the security log."""

    def form_valid(self, form):
        response = super().form_valid(form)
        security_event_record(
            kind=SecurityEventKind.PASSWORD_CHANGED, user=self.request.user, ip_address=client_address(self.request)
        )
        return response
