"""Whether a list page's query string narrows the list: an empty list then says "Nothing matches these filters"
(with a link to clear them), never "the queue is clear"."""

from collections.abc import Iterable, Iterator
from typing import Protocol


class _Params(Protocol):
    def getlist(self, key: str) -> list[str]: ...

    def __iter__(self) -> Iterator[str]: ...


# Parameters that order, page or pick a tab but never hide a row.
NOT_FILTERS = frozenset({"page", "sort", "view"})


def filters_applied(params: _Params, *, ignore: Iterable[str] = ()) -> bool:
    """True when any parameter outside `NOT_FILTERS` and `ignore` carries a non-blank value."""
    skip = NOT_FILTERS | set(ignore)
    return any(value.strip() for key in params if key not in skip for value in params.getlist(key))
