"""The report filters partners answers for: country, reseller, distributor."""

from __future__ import annotations

from husky_support.geo import countries_by_name, country_name
from husky_support.reports import ReportInputError
from husky_support.text import plain_number
from partners.kinds import OrgKind
from partners.models import User
from partners.reports.registry import ALL_KINDS, FilterSpec, register_filter
from partners.visibility import organisations_visible_to


def _clean_country(_user: User, raw: str) -> str:
    code = raw.strip().upper()
    if len(code) != 2 or country_name(code) is None:
        raise ReportInputError(
            "unknown_filter_value", f"Country: {raw[:20]!r} is not an ISO 3166-1 code.", field="country"
        )
    return code


def _organisation_filter(key: str, label: str, kind: OrgKind, kinds: frozenset[OrgKind], order: int) -> FilterSpec:
    def choices(user: User) -> list[tuple[str, str]]:
        orgs = organisations_visible_to(user).filter(kind=kind).order_by("name").values_list("pk", "name")
        return [(str(pk), name) for pk, name in orgs]

    def clean(user: User, raw: str) -> int:
        pk = plain_number(raw)
        if pk is None:
            raise ReportInputError("unknown_filter_value", f"{label}: {raw[:20]!r} is not an id.", field=key)
        # Another organisation's reseller and one that does not exist answer alike: not found.
        if not organisations_visible_to(user).filter(kind=kind, pk=pk).exists():
            raise ReportInputError("not_found", f"No such {label.lower()}.", field=key, hidden=True)
        return pk

    return FilterSpec(key=key, label=label, kinds=kinds, choices=choices, clean=clean, order=order)


def register() -> None:
    register_filter(
        FilterSpec(
            key="country",
            label="Country",
            kinds=ALL_KINDS,
            choices=lambda _user: list(countries_by_name()),
            clean=_clean_country,
            order=20,
        )
    )
    register_filter(
        _organisation_filter("distributor", "Distributor", OrgKind.DISTRIBUTOR, frozenset({OrgKind.MTS}), order=30)
    )
    register_filter(
        _organisation_filter(
            "reseller", "Reseller", OrgKind.RESELLER, frozenset({OrgKind.MTS, OrgKind.DISTRIBUTOR}), order=31
        )
    )
