"""A model's stored choice read as its enum member, declared once per field (`state_enum = ChoiceOf("state",
State)`) instead of a hand-written property for each."""

from __future__ import annotations

from enum import Enum
from typing import Any, Generic, Self, TypeVar, overload

E = TypeVar("E", bound=Enum)


class ChoiceOf(Generic[E]):
    """The value of the model field `field` as a member of `enum`; with `optional`, None when the field is blank."""

    def __init__(self, field: str, enum: type[E]) -> None:
        self.field = field
        self.enum = enum

    @overload
    def __get__(self, obj: None, owner: type[Any]) -> Self: ...
    @overload
    def __get__(self, obj: object, owner: type[Any] | None = None) -> E: ...
    def __get__(self, obj: object | None, owner: type[Any] | None = None) -> E | Self:
        if obj is None:
            return self
        return self.enum(getattr(obj, self.field))


class OptionalChoiceOf(Generic[E]):
    """Like ChoiceOf, for a field that may be blank: None then."""

    def __init__(self, field: str, enum: type[E]) -> None:
        self.field = field
        self.enum = enum

    @overload
    def __get__(self, obj: None, owner: type[Any]) -> Self: ...
    @overload
    def __get__(self, obj: object, owner: type[Any] | None = None) -> E | None: ...
    def __get__(self, obj: object | None, owner: type[Any] | None = None) -> E | None | Self:
        if obj is None:
            return self
        value = getattr(obj, self.field)
        return self.enum(value) if value else None
