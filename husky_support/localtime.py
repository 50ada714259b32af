"""One moment read in two zones: the viewer's wall clock and the site's, each formatted once (pure).

Django's `date` filter converts an aware datetime to the active (viewer's) zone before formatting, so a value
converted to the site's zone earlier in a filter chain can come out as the viewer's time again. Here each
side is converted exactly once and formatted with `dateformat.format`, which never converts.
"""

from dataclasses import dataclass
from datetime import datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils import dateformat


@dataclass(frozen=True, kw_only=True)
class DualTime:
    iso: str  # the instant in UTC, for <time datetime>
    viewer: str  # the viewer's wall clock, in `fmt`
    site: str | None  # the site's wall clock (its date left out when it is the viewer's date); None: zone unknown
    site_zone: str | None
    same_zone: bool  # the site keeps the viewer's clock: one time says both


def site_zone_or_none(zone: str | None) -> ZoneInfo | None:
    """The IANA zone, or None when it is empty or unknown (a page then shows the viewer's time alone)."""
    if not zone:
        return None
    try:
        return ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def dual_time(moment: datetime, *, viewer_zone: tzinfo, site_zone: str | None, fmt: str, time_fmt: str) -> DualTime:
    """Format an aware `moment` on the viewer's clock and on the site's; raises ValueError for a naive one."""
    if moment.tzinfo is None:
        raise ValueError("dual_time needs an aware datetime")
    viewer_local = moment.astimezone(viewer_zone)
    zone = site_zone_or_none(site_zone)
    site: str | None = None
    same = False
    if zone is not None:
        site_local = moment.astimezone(zone)
        same = site_local.replace(tzinfo=None) == viewer_local.replace(tzinfo=None)
        short = site_local.date() == viewer_local.date()
        site = dateformat.format(site_local, time_fmt if short else fmt)
    return DualTime(
        iso=moment.astimezone(ZoneInfo("UTC")).isoformat(),
        viewer=dateformat.format(viewer_local, fmt),
        site=site,
        site_zone=site_zone if zone is not None else None,
        same_zone=same,
    )
