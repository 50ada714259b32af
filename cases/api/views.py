"""Case API: thin views over cases.selectors and cases.services; state changes are POST transitions/."""

import hashlib
import json

import django_filters
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from cases import followers, selectors, services, teams
from cases.api.serializers import (
    AttachmentInputSerializer,
    AttachmentSerializer,
    AvailableActionSerializer,
    CaseListSerializer,
    CaseSerializer,
    CaseWriteSerializer,
    CommentInputSerializer,
    CommentSerializer,
    EventSerializer,
    FollowersSerializer,
    MoveTeamInputSerializer,
    TransitionInputSerializer,
)
from cases.downloads import attachment_response
from cases.models import Case, EventKind
from cases.pagination import CappedCountPagination
from cases.sla import SlaState
from cases.views_common import available_actions_for, upload_too_large
from cases.workflow import State
from husky_support.api.filters import (
    CountryFilter,
    FilterBackend,
    IdFilter,
    IsoDateTimeFilter,
    NullsLastOrderingFilter,
    StaticFilterSet,
)
from husky_support.api.parsers import RequestTooLarge
from husky_support.api.validation import FieldErrors
from husky_support.domain import DomainError
from partners.models import Organisation
from partners.visibility import organisations_visible_to


class CaseFilter(StaticFilterSet):
    state = django_filters.MultipleChoiceFilter(choices=[(s.value, s.value) for s in State])
    open = django_filters.BooleanFilter(method="filter_open", label="Only open (true) or only finished (false)")
    priority = django_filters.MultipleChoiceFilter(choices=Case._meta.get_field("priority").choices)
    category = django_filters.ChoiceFilter(choices=Case._meta.get_field("category").choices)
    reseller = IdFilter(field_name="reseller_id")
    assignee = IdFilter(field_name="assignee_id")
    unassigned = django_filters.BooleanFilter(field_name="assignee", lookup_expr="isnull")
    site_country = CountryFilter(field_name="site_country")
    service_tag = django_filters.CharFilter(method="filter_service_tag")
    created_after = IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")
    updated_after = IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")
    search = django_filters.CharFilter(method="filter_search", label="Case number, title or service tag")
    team = IdFilter(field_name="team_id")
    sla_state = django_filters.MultipleChoiceFilter(
        choices=[(s.value, s.value) for s in SlaState], method="filter_sla_state"
    )
    first_response_due_before = IsoDateTimeFilter(field_name="first_response_due_at", lookup_expr="lt")
    next_update_due_before = IsoDateTimeFilter(field_name="next_update_due_at", lookup_expr="lt")

    class Meta:
        model = Case
        fields: list[str] = []

    def filter_open(self, qs, name, value):
        from cases.models import OPEN_STATE_VALUES

        return qs.filter(state__in=OPEN_STATE_VALUES) if value else qs.exclude(state__in=OPEN_STATE_VALUES)

    def filter_service_tag(self, qs, name, value):
        return qs.filter(unit__service_tag=value.strip().upper())

    def filter_search(self, qs, name, value):
        return selectors.search(qs, value)

    def filter_sla_state(self, qs, name, value):
        return selectors.with_sla_state(qs, value, timezone.now()) if value else qs


def _input_values(data: dict) -> dict:
    """The EDITABLE_FIELDS present in validated data (absent stays absent: PATCH changes only what is sent)."""
    return {name: data[name] for name in services.EDITABLE_FIELDS if name in data and name != "unit"}


class CaseViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Cases you may see. Create with an optional `Idempotency-Key` header; change state with transitions/."""

    lookup_value_regex = "[0-9]+"  # ids are numbers; anything else is a 404, not a query

    pagination_class = CappedCountPagination
    filter_backends = [FilterBackend, NullsLastOrderingFilter]
    filterset_class = CaseFilter
    ordering_fields = [
        "created_at",
        "updated_at",
        "sla_due_at",
        "first_response_due_at",
        "next_update_due_at",
        "priority",
        "number",
    ]
    nullable_ordering_fields = frozenset({"sla_due_at", "first_response_due_at", "next_update_due_at"})
    ordering = ["-created_at", "-id"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        if self.action == "list":
            return selectors.case_list(self.request.user)
        return selectors.case_detail_queryset(self.request.user)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "now": timezone.now()}  # one clock for every row's sla_state

    def list(self, request, *args, **kwargs):
        """The page's rows read as values: a row is a dict, not a case with its reseller, unit, assignee and
        team as model instances (some 150 a page, the largest Python cost of a list call);
        CaseListSerializer builds the same answer from either."""
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset.values("id", *selectors.LIST_COLUMNS))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def get_serializer_class(self):
        return CaseListSerializer if self.action == "list" else CaseSerializer

    def _checked_input(self, serializer: CaseWriteSerializer) -> tuple[dict, Organisation | None, dict]:
        """The checklist values, the unit and (distributors) the reseller of a create or edit, with every
        problem of the request raised at once: the serializer's, the unknown service tag or reseller, and
        the checklist rules (PPIDs, users impacted, a one-line title). Returns (values, reseller, data)."""
        errors = FieldErrors()
        data = errors.validated(serializer)
        user = self.request.user
        values = _input_values(data)
        if "service_tag" in data:
            tag = data["service_tag"]
            unit = selectors.unit_for_case(user, tag) if tag.strip() else None
            if tag.strip() and unit is None:
                errors.add("service_tag", "unknown_service_tag", "No unit with that service tag is registered to you.")
            values["unit"] = unit
        reseller = None
        if "reseller" in data:
            reseller = organisations_visible_to(user).filter(pk=data["reseller"], kind="reseller").first()
            if reseller is None:
                errors.add("reseller", "unknown_reseller", "Unknown reseller.")
        errors.attempt(lambda: services.clean_case_values(values))
        errors.raise_if_any()
        return values, reseller, data

    @extend_schema(
        request=CaseWriteSerializer,
        responses={201: CaseSerializer, 200: CaseSerializer},
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False)],
    )
    def create(self, request):
        values, reseller, data = self._checked_input(CaseWriteSerializer(data=request.data))
        case, created = services.case_create(
            actor=request.user,
            now=timezone.now(),
            values=values,
            reseller=reseller,
            idempotency_key=request.headers.get("Idempotency-Key", ""),
            request_hash=hashlib.sha256(
                json.dumps(request.data, sort_keys=True, separators=(",", ":")).encode()
            ).hexdigest(),
            escalate=data.get("escalate", False),
        )
        case = selectors.case_detail_queryset(request.user).get(pk=case.pk)
        return Response(CaseSerializer(case).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(request=CaseWriteSerializer, responses=CaseSerializer)
    def partial_update(self, request, pk=None):
        case = self.get_object()
        values, _reseller, data = self._checked_input(CaseWriteSerializer(data=request.data, partial=True))
        if "version" not in data:
            raise DomainError("Send the version you last saw.", code="version_required")
        services.case_update(actor=request.user, case=case, version=data["version"], values=values, now=timezone.now())
        return Response(CaseSerializer(self.get_queryset().get(pk=case.pk)).data)

    @extend_schema(request=MoveTeamInputSerializer, responses=CaseSerializer)
    @action(detail=True, methods=["post"], url_path="team")
    def move_team(self, request, pk=None):
        """MTS admins: move the case to another team; the business time left counts on in its hours."""
        case = self.get_object()
        teams.require_team_admin(request.user)  # a role that may not move cases hears so before its input is read
        serializer = MoveTeamInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        team = teams.teams_visible_to(request.user).filter(pk=serializer.validated_data["team"]).first()
        if team is None:
            raise DomainError("No such team.", code="unknown_team", extra={"fields": {"team": ["Unknown team."]}})
        teams.case_move_team(
            actor=request.user, case=case, team=team, version=serializer.validated_data["version"], now=timezone.now()
        )
        return Response(CaseSerializer(self.get_queryset().get(pk=case.pk)).data)

    @extend_schema(methods=["GET"], responses=AvailableActionSerializer(many=True))
    @extend_schema(methods=["POST"], request=TransitionInputSerializer, responses=CaseSerializer)
    # filter_backends=[] on a case's own rows: the case list's filters would only hide the case (a 404).
    @action(detail=True, methods=["get", "post"], filter_backends=[])
    def transitions(self, request, pk=None):
        """GET: the actions you may take now (the workflow's own answer). POST: take one."""
        case = self.get_object()
        if request.method == "GET":
            now = timezone.now()
            actions = available_actions_for(case, request.user, now=now)
            return Response([AvailableActionSerializer.build(a, case.state_enum) for a in actions])
        serializer = TransitionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        services.case_transition(
            actor=request.user,
            case=case,
            action=data["action"],
            note=data["note"],
            version=data["version"],
            now=timezone.now(),
            dispatch_request=data.get("dispatch"),
        )
        return Response(CaseSerializer(self.get_queryset().get(pk=case.pk)).data)

    @extend_schema(methods=["GET"], responses=CommentSerializer(many=True))
    @extend_schema(methods=["POST"], request=CommentInputSerializer, responses={201: CommentSerializer})
    @action(detail=True, methods=["get", "post"], filter_backends=[])
    def comments(self, request, pk=None):
        """Comments you may see (MTS-internal ones only for MTS); POST adds one."""
        case = self.get_object()
        if request.method == "GET":
            qs = selectors.events_visible(case, request.user).filter(kind=EventKind.COMMENT)
            page = self.paginate_queryset(qs)
            return self.get_paginated_response(CommentSerializer(page, many=True).data)
        serializer = CommentInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        event = services.comment_create(
            actor=request.user,
            case=case,
            body=serializer.validated_data["body"],
            internal=serializer.validated_data["internal"],
            now=timezone.now(),
        )
        return Response(CommentSerializer(event).data, status=status.HTTP_201_CREATED)

    @extend_schema(methods=["POST", "DELETE"], request=None, responses=FollowersSerializer)
    @action(detail=True, methods=["post", "delete"], filter_backends=[])
    def follow(self, request, pk=None):
        """POST: follow the case (hear of its public replies and steps); DELETE: stop. A case you may not see: 404."""
        case = self.get_object()
        if request.method == "DELETE":
            followers.unfollow(actor=request.user, case=case.pk)
        else:
            followers.follow(actor=request.user, case=case.pk, now=timezone.now())
        return Response(FollowersSerializer.build(case, request.user))

    @extend_schema(responses=FollowersSerializer)
    @action(detail=True, methods=["get"], filter_backends=[])
    def followers(self, request, pk=None):
        """Who follows the case, and whether you do."""
        return Response(FollowersSerializer.build(self.get_object(), request.user))

    @extend_schema(responses=EventSerializer(many=True))
    @action(detail=True, methods=["get"], filter_backends=[])
    def events(self, request, pk=None):
        """The timeline, oldest first (MTS-internal entries only for MTS)."""
        case = self.get_object()
        page = self.paginate_queryset(selectors.events_visible(case, request.user))
        return self.get_paginated_response(EventSerializer(page, many=True).data)

    @extend_schema(methods=["GET"], responses=AttachmentSerializer(many=True))
    @extend_schema(
        methods=["POST"],
        request={"multipart/form-data": AttachmentInputSerializer},
        responses={201: AttachmentSerializer},
    )
    @action(detail=True, methods=["get", "post"], parser_classes=[MultiPartParser, FormParser], filter_backends=[])
    def attachments(self, request, pk=None):
        """Files on the case; POST (multipart, field `file`) uploads a SupportAssist zip, screenshot or log."""
        case = self.get_object()
        if request.method == "GET":
            page = self.paginate_queryset(selectors.attachments_visible(case, request.user))
            return self.get_paginated_response(AttachmentSerializer(page, many=True).data)
        if (too_large := upload_too_large(request)) is not None:
            raise RequestTooLarge(too_large)
        serializer = AttachmentInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        attachment = services.attachment_upload(
            actor=request.user,
            case=case,
            upload=upload,
            internal=serializer.validated_data["internal"],
            now=timezone.now(),
        )
        return Response(AttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={(200, "application/octet-stream"): bytes})
    @action(
        detail=True,
        methods=["get"],
        url_path=r"attachments/(?P<attachment_id>\d+)/download",
        url_name="attachment-download",
        filter_backends=[],
    )
    def download(self, request, pk=None, attachment_id=None):
        case = self.get_object()
        attachment = get_object_or_404(selectors.attachments_visible(case, request.user), pk=attachment_id)
        return attachment_response(attachment)
