"""How pages show a domain refusal: on the form's fields where it names them, else above the form, or as
a flash message where the page has no form. The API's twin is husky_support/api/exceptions.py."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from husky_support.domain import DomainError, ErrorKind
from husky_support.text import plain_number

__all__ = ["STATUS_FOR_KIND", "VersionField", "PostedForm", "show_on_form", "flash_refusal", "errors_in_words"]

# The status a page answers when it re-renders a refused form (the API maps kinds the same way).
STATUS_FOR_KIND: Mapping[ErrorKind, int] = {
    ErrorKind.INVALID: 400,
    ErrorKind.NOT_ALLOWED: 403,
    ErrorKind.NOT_FOUND: 404,
    ErrorKind.CONFLICT: 409,
    ErrorKind.UNPROCESSABLE: 422,
}


def _problems(exc: DomainError) -> list[tuple[str, dict[str, Any]]]:
    out: list[tuple[str, dict[str, Any]]] = []
    for name, errors in (exc.fields or {}).items():
        for error in errors if isinstance(errors, list) else []:
            out.append((name, error if isinstance(error, dict) else {"code": exc.code, "message": str(error)}))
    return out


def show_on_form(
    form: forms.BaseForm, exc: DomainError, *, field_for: Callable[[str], str | None] | None = None
) -> None:
    """Each field problem on its field (`field_for` renames a service's field to the form's; a field the
    form lacks goes above it), or the message above the form when the refusal names no field."""
    problems = _problems(exc)
    for name, problem in problems:
        target = field_for(name) if field_for else name
        target = target if target in form.fields else None
        form.add_error(target, ValidationError(problem.get("message", exc.message), code=problem.get("code")))
    if not problems:
        form.add_error(None, ValidationError(exc.message, code=exc.code))


def flash_refusal(request: HttpRequest, exc: DomainError) -> None:
    """The refusal as one flash message: the message, then each field problem by name."""
    details = [f"{name.replace('_', ' ')}: {problem.get('message', '')}" for name, problem in _problems(exc)]
    messages.error(request, " ".join([exc.message, *details]))


def errors_in_words(form: forms.BaseForm) -> str:
    """A refused form's problems in one line, field by field, for a flash message on a page with no form."""
    return " ".join(
        (f"{name.replace('_', ' ')}: " if name != "__all__" else "") + " ".join(errors)
        for name, errors in form.errors.items()
    )


class VersionField(forms.CharField):
    """The version the page was loaded at. Anything but a plain number counts as stale (-1), so the service
    answers it as the conflict it is ("reload the page"), never as a form error."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=False, **kwargs)

    def clean(self, value: Any) -> int:  # type: ignore[override]
        number = plain_number(value if isinstance(value, str) else "")
        return -1 if number is None else number


class PostedForm(forms.Form):
    """A page form whose absent fields mean "leave as it is": `posted()` holds only the fields it sent."""

    def posted(self) -> dict[str, Any]:
        return {name: value for name, value in self.cleaned_data.items() if name in self.data}
