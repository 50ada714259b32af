"""A model's stored choice read as its enum member, declared once per field (`state_enum = ChoiceOf("state",
State)`) instead of a hand-written property for each."""

from __future__ import annotations

from enum import Enum
from typing import Any, Generic, Self, TypeVar, overload

E = TypeVar("E", bound=Enum)


class ChoiceOf(Generic[E]):
    """The value of the model field `field` as a member of `enum`."""

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
