"""`{% dual_time moment site_zone %}`: a moment on the viewer's clock with the site's wall clock beside it.

The one piece every page uses to show a date a partner reads about a unit or a case ("16:05 your time ·
10:05 at the site"), as the case header first did. It lives in partners, the lowest app, so servicetags,
cases and dispatch templates all load it (`{% load husky_time %}`).
"""

from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.html import format_html

from husky_support.localtime import dual_time as _dual_time

register = template.Library()


@register.simple_tag
def dual_time(
    moment: datetime | None,
    site_zone: str | None,
    fmt: str = "D j M Y, H:i",
    time_fmt: str = "H:i",
    *,
    quiet_same: bool = False,
):
    """A dash for no moment; the viewer's time alone when the site's zone is unknown or is the viewer's (said in
    words, or only in a tooltip with `quiet_same`, for lists where every row would repeat it)."""
    if moment is None or moment == "":
        return format_html('<span class="text-body-secondary">{}</span>', "—")
    d = _dual_time(moment, viewer_zone=timezone.get_current_timezone(), site_zone=site_zone, fmt=fmt, time_fmt=time_fmt)
    viewer = format_html('<time datetime="{}" data-viewer-time>{}</time>', d.iso, d.viewer)
    if d.site is None:
        return viewer
    if d.same_zone and quiet_same:
        return format_html(
            '<time datetime="{}" data-viewer-time title="Your and the site\'s time ({})">{}</time>',
            d.iso,
            d.site_zone,
            d.viewer,
        )
    if d.same_zone:
        return format_html(
            '{} <span class="text-body-secondary" data-site-time title="{}">your and the site\'s time</span>',
            viewer,
            d.site_zone,
        )
    return format_html(
        '<span class="dual-time">{} your time · <span data-site-time title="{}">{} at the site</span></span>',
        viewer,
        d.site_zone,
        d.site,
    )


@register.simple_tag
def site_time(moment: datetime | None, site_zone: str | None, fmt: str = "D j M, H:i") -> str:
    """The moment on the site's wall clock alone ("" when the zone is unknown); `|timezone|date` can read it in the
    viewer's zone again, this cannot."""
    if moment is None or moment == "":
        return ""
    return (
        _dual_time(moment, viewer_zone=timezone.get_current_timezone(), site_zone=site_zone, fmt=fmt, time_fmt=fmt).site
        or ""
    )
