"""Text every input must be: encodable as UTF-8, without NUL; and one-line text for titles and subjects.

Pure: no Django, no database. The API's JSON parser and the page forms both ask `text_problem`, so one
rule decides what text is refused, wherever it arrives.
"""

import re
from dataclasses import dataclass

from husky_support.domain import Invalid, field_problem

_LINE_BREAKS = re.compile(r"[\r\n\u0085\u2028\u2029\v\f]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class TextProblem:
    code: str
    message: str


def text_problem(value: str) -> TextProblem | None:
    """Why `value` cannot be stored or echoed (a lone surrogate, a NUL character), or None."""
    if "\x00" in value:
        return TextProblem("null_character", "Text may not contain NUL (\\u0000) characters.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return TextProblem("invalid_text", "Text contains a lone surrogate (such as \\ud800) that is not a character.")
    return None


def has_line_break(value: str) -> bool:
    return _LINE_BREAKS.search(value) is not None


def one_line(value: str, *, max_length: int) -> str:
    """`value` folded onto one line (breaks and control characters become spaces), cut at `max_length`.

    Email headers refuse line breaks, so a subject built from this can never fail to send."""
    folded = _CONTROL.sub(" ", _LINE_BREAKS.sub(" ", value))
    folded = folded.encode("utf-8", "replace").decode("utf-8")
    folded = " ".join(folded.split())
    if len(folded) <= max_length:
        return folded
    return folded[: max_length - 1].rstrip() + "…"


# The largest value a BIGINT primary key holds; SQLite raises OverflowError beyond it.
MAX_ID = 2**63 - 1


def plain_number(raw: str, *, maximum: int = MAX_ID) -> int | None:
    """`raw` as a whole number 0..maximum when it is plain ASCII digits (not "²", "1e3" or 5,000 digits)."""
    if not (raw.isascii() and raw.isdigit()) or len(raw) > len(str(maximum)):
        return None
    value = int(raw)
    return value if value <= maximum else None


def require_storable(value: str, *, field: str) -> None:
    """Refuse text no column can hold (NUL, a lone surrogate), as the field's problem: for the services whose
    pages post raw text (a comment, a dispatch message), so the bytes never reach the database."""
    problem = text_problem(value)
    if problem is not None:
        raise Invalid(
            problem.message,
            code=problem.code,
            extra={"fields": {field: [field_problem(problem.code, problem.message)]}},
        )


def required_text(
    value: str | None,
    *,
    field: str,
    empty: TextProblem,
    field_code: str = "required",
    too_long: tuple[int, TextProblem] | None = None,
) -> str:
    """`value` stripped, for a service that takes free text a person must write (a comment, a message, a reason).

    Raises Invalid: `empty` when nothing is left (the field's problem coded `field_code`, "Required."); past
    `too_long`'s length, its refusal; then `require_storable`'s."""
    text = (value or "").strip()
    if not text:
        raise Invalid(
            empty.message, code=empty.code, extra={"fields": {field: [field_problem(field_code, "Required.")]}}
        )
    if too_long is not None and len(text) > too_long[0]:
        raise Invalid(too_long[1].message, code=too_long[1].code)
    require_storable(text, field=field)
    return text
