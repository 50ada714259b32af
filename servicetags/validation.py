"""Pure checks of what people type about units: service tags, places, and the bulk unit list of an order.

No ORM, no clock, no settings. Problems are reported as `FieldProblem(field, code, message)` so the
page and the API can show them beside the right field with a stable `code`.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any
from zoneinfo import available_timezones

import holidays

from husky_support.domain import ErrorKind, FieldProblems, Refused
from husky_support.geo import country_name, single_timezone_for_country, timezone_fits_country, timezones_for_country

__all__ = [
    "UNIT_MODELS",
    "FieldProblem",
    "InvalidInput",
    "Place",
    "RegisteredLocation",
    "RowProblem",
    "UnitDefaults",
    "UnitRow",
    "normalise_model",
    "split_unit_text",
    "check_place",
    "normalise_service_tag",
    "parse_unit_rows",
]

_SERVICE_TAG = re.compile(r"^[A-Z0-9]{5,7}$")
_SUBDIVISION = re.compile(r"^[A-Z]{2}-[A-Z0-9]{1,3}$")

# Model codes and the names people type ("Husky IVO 350R", "350R", "IVO350R" all mean IVO350R).
UNIT_MODELS: dict[str, str] = {
    "IVO150D": "Husky IVO 150D",
    "IVO350T": "Husky IVO 350T",
    "IVO350R": "Husky IVO 350R",
    "IVO700R": "Husky IVO 700R",
    "IVO1000R": "Husky IVO 1000R",
    "IVO1800R": "Husky IVO 1800R",
}


@dataclass(frozen=True, slots=True)
class FieldProblem:
    field: str
    code: str
    message: str


class InvalidInput(Refused):
    """One or more field problems; nothing should be written."""

    kind = ErrorKind.INVALID

    def __init__(self, problems: list[FieldProblem]) -> None:
        fields = FieldProblems()
        for p in problems:
            fields.add(p.field, p.code, p.message)
        first = fields.first()
        super().__init__(first["code"], "; ".join(p.message for p in problems), fields=fields.fields)
        self.problems = tuple(problems)

    def as_dict(self) -> dict[str, list[tuple[str, str]]]:
        out: dict[str, list[tuple[str, str]]] = {}
        for p in self.problems:
            out.setdefault(p.field, []).append((p.code, p.message))
        return out


def normalise_service_tag(raw: str, *, field_name: str = "service_tag") -> str:
    """Trim and upper-case a Dell service tag; raise InvalidInput(code invalid_service_tag) unless 5–7 A–Z/0–9."""
    tag = (raw or "").strip().upper() if isinstance(raw, str) else ""
    if not _SERVICE_TAG.match(tag):
        shown = (raw or "").strip() if isinstance(raw, str) else repr(raw)
        raise InvalidInput(
            [
                FieldProblem(
                    field_name,
                    "invalid_service_tag",
                    f"“{shown}” is not a service tag: use 5 to 7 letters A–Z or digits 0–9 (for example 7XK2M93).",
                )
            ]
        )
    return tag


def normalise_model(raw: str) -> str | None:
    """The model code for "Husky IVO 350R", "ivo 350r", "350R" or "IVO350R"; None if unknown."""
    key = re.sub(r"[\s_-]+", "", (raw or "")).upper().removeprefix("HUSKY")
    if not key.startswith("IVO"):
        key = "IVO" + key
    return key if key in UNIT_MODELS else None


@dataclass(frozen=True, slots=True)
class Place:
    """A validated country (alpha-2), subdivision (ISO 3166-2 or "") and IANA zone."""

    country: str
    subdivision: str
    timezone: str


# A postal address, as every address of a unit, an order, a transfer and a location names its parts.
ADDRESS_FIELDS = ("address_line1", "address_line2", "city", "postal_code", "country", "subdivision", "timezone")


@dataclass(frozen=True, slots=True)
class RegisteredLocation:
    """A unit's registered location as a value; `confirmed` when a confirmed transfer registered it with Dell."""

    address_line1: str
    address_line2: str
    city: str
    postal_code: str
    country: str
    subdivision: str
    timezone: str
    confirmed: bool

    @property
    def subdivision_or_none(self) -> str | None:
        return self.subdivision or None

    def one_line(self) -> str:
        parts = [self.address_line1, self.address_line2, f"{self.postal_code} {self.city}".strip(), self.country]
        return ", ".join(p for p in parts if p)


def _known_subdivisions(country: str) -> frozenset[str]:
    supported: Mapping[str, list[str]] = holidays.list_supported_countries()
    return frozenset(s.upper() for s in supported.get(country, []))


def check_place(country: str, subdivision: str, timezone: str) -> Place:
    """Validate and normalise a place; the zone is derived when the country has only one.

    Raises InvalidInput with codes unknown_country, invalid_subdivision, timezone_required,
    unknown_timezone, timezone_country_mismatch.
    """
    problems: list[FieldProblem] = []
    code = (country or "").strip().upper()
    zone = (timezone or "").strip()
    sub = (subdivision or "").strip().upper()
    if not code:
        raise InvalidInput([FieldProblem("country", "required", "Choose the country.")])
    if len(code) != 2 or country_name(code) is None:
        problems.append(
            FieldProblem(
                "country",
                "unknown_country",
                f"“{(country or '').strip()}” is not an ISO 3166-1 alpha-2 country code (for example DK, US, AE).",
            )
        )
        raise InvalidInput(problems)
    if sub:
        if "-" not in sub:
            sub = f"{code}-{sub}"
        known = _known_subdivisions(code)
        local = sub[3:]
        if not _SUBDIVISION.match(sub) or sub[:2] != code or (known and local not in known):
            hint = f" Known: {', '.join(sorted(known)[:10])}{'…' if len(known) > 10 else ''}." if known else ""
            problems.append(
                FieldProblem(
                    "subdivision",
                    "invalid_subdivision",
                    f"“{subdivision.strip()}” is not an ISO 3166-2 subdivision of {code} (for example US-CA).{hint}",
                )
            )
    zones = timezones_for_country(code)
    if not zone:
        derived = single_timezone_for_country(code)
        if derived is None and len(zones) > 1:
            problems.append(
                FieldProblem(
                    "timezone",
                    "timezone_required",
                    f"{country_name(code)} spans several time zones; choose one ({', '.join(zones[:4])}…).",
                )
            )
        zone = derived or ""
        if derived is None and not zones:
            problems.append(FieldProblem("timezone", "timezone_required", "Choose the unit's time zone."))
    elif not _zone_exists(zone):
        problems.append(
            FieldProblem("timezone", "unknown_timezone", f"“{zone}” is not an IANA time zone (e.g. Europe/Copenhagen).")
        )
    elif not timezone_fits_country(zone, code):
        problems.append(
            FieldProblem(
                "timezone",
                "timezone_country_mismatch",
                f"{zone} is not a time zone of {country_name(code)} ({code}).",
            )
        )
    if problems:
        raise InvalidInput(problems)
    return Place(country=code, subdivision=sub, timezone=zone)


@cache
def _all_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def _zone_exists(name: str) -> bool:
    return name in _all_zones()


# --- Bulk unit rows (order paste / CSV) ----------------------------------------------------------

COLUMNS = ("service_tag", "model", "warranty_start_on", "warranty_end_on", "nbd_onsite", "kyhd", "extended_years")
_TRUE = {"1", "y", "yes", "true", "x"}
_FALSE = {"0", "n", "no", "false", ""}


@dataclass(frozen=True, slots=True)
class UnitRow:
    """One unit of an order after parsing: values are normalised; `row` is 1-based as the person sees it."""

    row: int
    service_tag: str
    model: str
    warranty_start_on: date
    warranty_end_on: date
    nbd_onsite: bool
    kyhd: bool
    extended_years: int

    def unit_values(self) -> dict[str, object]:
        """The unit's own fields, by the unit's names (all but the row number)."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "row"}


@dataclass(frozen=True, slots=True)
class RowProblem:
    row: int
    service_tag: str
    field: str
    code: str
    message: str


@dataclass
class UnitDefaults:
    """Order-level values a row inherits when it leaves a column out."""

    model: str = ""
    warranty_start_on: date | None = None
    warranty_end_on: date | None = None
    nbd_onsite: bool = False
    kyhd: bool = False
    extended_years: int = 0

    @classmethod
    def of(cls, values: Mapping[str, Any]) -> UnitDefaults:
        """The defaults among an order's submitted values; one left out or empty is the default."""
        return dataclasses.replace(
            cls(), **{f.name: values[f.name] for f in dataclasses.fields(cls) if values.get(f.name)}
        )


def _parse_bool(value: str) -> bool | None:
    v = value.strip().lower()
    if v in _TRUE:
        return True
    if v in _FALSE:
        return False
    return None


def split_unit_text(text: str) -> list[dict[str, str]]:
    """Rows of a pasted list or CSV. One tag per line, or CSV with a header naming COLUMNS (any order).

    Separators may be commas, semicolons or tabs; blank lines and `#` comments are skipped. Raises
    InvalidInput (field `units`, code `invalid_csv`) for text the csv module cannot read, e.g. a huge cell.
    """
    lines = [ln for ln in (text or "").replace("\r\n", "\n").split("\n")]
    content = [ln for ln in lines if ln.strip() and not ln.strip().startswith("#")]
    if not content:
        return []
    sample = content[0]
    delimiter = "\t" if "\t" in sample else (";" if ";" in sample and "," not in sample else ",")
    reader = csv.reader(io.StringIO("\n".join(content)), delimiter=delimiter)
    try:
        raw_rows = [[cell.strip() for cell in r] for r in reader]
    except csv.Error as exc:
        message = f"Line {reader.line_num} cannot be read as CSV ({exc})."
        raise InvalidInput([FieldProblem("units", "invalid_csv", message)]) from None
    header = [h.lower().replace(" ", "_") for h in raw_rows[0]]
    if "service_tag" in header:
        return [dict(zip(header, r, strict=False)) for r in raw_rows[1:]]
    # No header: first column is the tag, an optional second the model.
    return [{"service_tag": r[0] if r else "", **({"model": r[1]} if len(r) > 1 else {})} for r in raw_rows]


def parse_unit_rows(rows: list[Mapping[str, object]], defaults: UnitDefaults) -> tuple[list[UnitRow], list[RowProblem]]:
    """Check every row (tag shape, duplicates within the list, model, dates, services); never stops at the first.

    Returns the parsed rows and the problems; callers write nothing when there is any problem.
    """
    parsed: list[UnitRow] = []
    problems: list[RowProblem] = []
    seen: dict[str, int] = {}
    if not rows:
        problems.append(RowProblem(0, "", "units", "no_units", "Add at least one service tag."))
    for index, raw in enumerate(rows, start=1):
        raw_tag = str(raw.get("service_tag") or "")
        row_problems: list[RowProblem] = []

        def bad(
            field_name: str,
            code: str,
            message: str,
            *,
            row: int = index,
            tag: str = raw_tag,
            sink: list[RowProblem] = row_problems,
        ) -> None:
            sink.append(RowProblem(row, tag.strip(), field_name, code, message))

        tag = ""
        try:
            tag = normalise_service_tag(raw_tag)
        except InvalidInput as exc:
            bad("service_tag", exc.problems[0].code, exc.problems[0].message)
        if tag:
            if tag in seen:
                bad("service_tag", "duplicate_service_tag", f"{tag} is listed twice (rows {seen[tag]} and {index}).")
            else:
                seen[tag] = index
        model_raw = str(raw.get("model") or defaults.model or "")
        model = normalise_model(model_raw) if model_raw else None
        if model is None:
            if model_raw:
                bad(
                    "model",
                    "unknown_model",
                    f"“{model_raw}” is not a Husky IVO model ({', '.join(UNIT_MODELS.values())}).",
                )
            else:
                bad("model", "required", "Choose the unit's model.")
        start = _date_value(raw.get("warranty_start_on"), defaults.warranty_start_on)
        end = _date_value(raw.get("warranty_end_on"), defaults.warranty_end_on)
        for name, value in (("warranty_start_on", start), ("warranty_end_on", end)):
            if value is None:
                bad(name, "required", "Give the warranty start and end dates (YYYY-MM-DD).")
            elif value == "invalid":
                bad(name, "invalid_date", f"“{raw.get(name)}” is not a date (YYYY-MM-DD).")
        if isinstance(start, date) and isinstance(end, date) and end < start:
            bad("warranty_end_on", "warranty_end_before_start", "The warranty must end on or after its start.")
        flags: dict[str, bool] = {}
        for name in ("nbd_onsite", "kyhd"):
            flag = raw.get(name)
            if flag is None or flag == "":
                flags[name] = getattr(defaults, name)
            elif isinstance(flag, bool):
                flags[name] = flag
            else:
                parsed_bool = _parse_bool(str(flag))
                if parsed_bool is None:
                    bad(name, "invalid_boolean", f"“{flag}” is not yes/no.")
                flags[name] = bool(parsed_bool)
        years_raw = raw.get("extended_years")
        years = defaults.extended_years
        if years_raw not in (None, ""):
            try:
                years = int(str(years_raw))
            except ValueError:
                years = -1
            if not 0 <= years <= 5:
                bad("extended_years", "invalid_extended_years", "Extended warranty years must be a whole number 0–5.")
        problems.extend(row_problems)
        if not row_problems and model and isinstance(start, date) and isinstance(end, date):
            parsed.append(UnitRow(index, tag, model, start, end, flags["nbd_onsite"], flags["kyhd"], years))
    return parsed, problems


def _date_value(value: object, default: date | None) -> date | str | None:
    if value is None or value == "":
        return default
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        return "invalid"
