"""One JSON shape for every API error: {"code": ..., "message": ..., "fields"?: {...}}.

Domain exceptions (husky_support/domain.py) carry a kind and a stable `code`; this handler maps the kind to
an HTTP status so neither the domain nor the views build error bodies by hand. A 5xx never leaks a
traceback or an internal message.
"""

import logging

from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.fields import get_error_detail
from rest_framework.response import Response
from rest_framework.views import exception_handler

from husky_support.domain import DomainError
from husky_support.errors import DATABASE_DOWN, database_is_down
from husky_support.pages import STATUS_FOR_KIND

logger = logging.getLogger(__name__)


def _first_code(detail) -> str:
    if isinstance(detail, list) and detail:
        return _first_code(detail[0])
    if isinstance(detail, dict) and detail:
        return _first_code(next(iter(detail.values())))
    return getattr(detail, "code", None) or "invalid"


def _first_message(detail) -> str:
    if isinstance(detail, list) and detail:
        return _first_message(detail[0])
    if isinstance(detail, dict) and detail:
        return _first_message(next(iter(detail.values())))
    return str(detail)


def _field_errors(detail) -> dict:
    out: dict = {}
    for field, errors in detail.items():
        if isinstance(errors, dict):
            out[field] = _field_errors(errors)
        elif isinstance(errors, list) and errors and isinstance(errors[0], dict):
            out[field] = [_field_errors(e) for e in errors]
        else:
            items = errors if isinstance(errors, list) else [errors]
            out[field] = [{"code": getattr(e, "code", "invalid"), "message": str(e)} for e in items]
    return out


def _validation_body(detail) -> dict:
    if isinstance(detail, dict):
        non_field = detail.get("non_field_errors")
        message = (
            str(non_field[0])
            if non_field
            else "; ".join(f"{field}: {_first_message(errors)}" for field, errors in detail.items())
        )
        code = _first_code(non_field) if non_field else _first_code(detail)
        return {"code": code, "message": message, "fields": _field_errors(detail)}
    items = detail if isinstance(detail, list) else [detail]
    return {"code": _first_code(items), "message": " ".join(str(i) for i in items)}


def _domain_fields(fields: dict, code: str) -> dict:
    """A service's field problems in the one shape: every field a list of {code, message}; rows the same."""
    out: dict = {}
    for name, errors in fields.items():
        if isinstance(errors, dict):
            out[name] = _domain_fields(errors, code)
            continue
        items = errors if isinstance(errors, list) else [errors]
        out[name] = [
            {"code": e.get("code", code), "message": e.get("message", ""), **e}
            if isinstance(e, dict)
            else {"code": code, "message": str(e)}
            for e in items
        ]
    return out


def api_exception_handler(exc, context):
    if isinstance(exc, DomainError):
        body = {"code": exc.code, "message": exc.message, **exc.extra}
        if isinstance(body.get("fields"), dict):
            body["fields"] = _domain_fields(body["fields"], exc.code)
        return Response(body, status=STATUS_FOR_KIND[exc.kind])
    if isinstance(exc, DjangoValidationError):
        # get_error_detail keeps each error's code (full_clean's "unique", a validator's "unknown_country").
        detail = get_error_detail(exc)
        exc = exceptions.ValidationError(detail if isinstance(detail, dict) else {"non_field_errors": detail})
    if isinstance(exc, RequestDataTooBig):
        # Django refuses it from Content-Length before reading the body; outside DRF this is its own 400.
        return Response(
            {"code": "request_too_large", "message": "The request body is larger than this API accepts."},
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    if isinstance(exc, SuspiciousOperation):
        return Response({"code": "bad_request", "message": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Http404):
        return Response({"code": "not_found", "message": "Not found."}, status=status.HTTP_404_NOT_FOUND)
    if isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    if database_is_down(exc):
        logger.error("Database unavailable during an API call", exc_info=exc)
        return Response(DATABASE_DOWN, status=status.HTTP_503_SERVICE_UNAVAILABLE)
    response = exception_handler(exc, context)
    if response is None:
        logger.exception("Unhandled API error", exc_info=exc)
        return Response(
            {"code": "server_error", "message": "Something went wrong on our side; it has been logged."},
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )
    if isinstance(exc, exceptions.ValidationError):
        response.data = _validation_body(exc.detail)
    elif isinstance(exc, exceptions.APIException):
        detail = exc.detail
        code = _first_code(detail) if not isinstance(detail, str) else getattr(detail, "code", exc.default_code)
        response.data = {"code": code, "message": str(detail) if isinstance(detail, str) else str(exc)}
        if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
            response.data["retry_after_seconds"] = int(exc.wait)
    return response
