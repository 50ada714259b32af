"""The values of the reports (docs/rules.md "Reports"): the period in the viewer's zone, a figure's headline and its
comparison with the previous period, its breakdown tables, and the bars a chart draws.

Pure: no ORM, no clock, no settings. The views read the clock once and pass `today` (the viewer's date).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from husky_support.business_hours import BusinessTimeline, micros
from husky_support.domain import ErrorKind, Refused

__all__ = [
    "AGE_BUCKETS",
    "BusinessTimeline",
    "Median",
    "MAX_PERIOD_YEARS",
    "PALETTE",
    "PRESETS",
    "Bar",
    "Headline",
    "Period",
    "Ratio",
    "ReportInputError",
    "Table",
    "age_thresholds",
    "bar_keys",
    "bars",
    "columns",
    "first_business_day",
    "month_period",
    "month_to_report",
    "parse_period",
    "percentile",
    "quarter_period",
    "micros",
]

# The longest period: two calendar years (1 March 2024 to 28 February 2026), the bound of docs/rules.md "Reports".
MAX_PERIOD_YEARS = 2
PRESETS: dict[str, int] = {"7d": 7, "30d": 30, "90d": 90}
DEFAULT_PRESET = "30d"

# Okabe-Ito: told apart under the common colour-vision deficiencies (and ordered so neighbours differ in
# lightness too, for greyscale printing).
PALETTE: tuple[str, ...] = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")


class ReportInputError(Refused):
    """Bad report input. `code` is stable; `field` names the parameter; `hidden` marks a value that names
    something the viewer may not see (not found, so that its existence does not leak)."""

    def __init__(self, code: str, message: str, *, field: str = "", hidden: bool = False) -> None:
        super().__init__(code, message, kind=ErrorKind.NOT_FOUND if hidden else ErrorKind.INVALID)
        self.field = field
        self.hidden = hidden


@dataclass(frozen=True, slots=True)
class Period:
    """Dates `start_on`..`end_on` inclusive, in `zone` (the viewer's): days end at the viewer's midnight."""

    start_on: date
    end_on: date
    zone: str
    preset: str = ""  # "7d", "30d", "90d", "q" (a quarter) or "" (from-to)

    @property
    def days(self) -> int:
        return (self.end_on - self.start_on).days + 1

    @property
    def start_at(self) -> datetime:
        """The first instant of the period (aware, in the viewer's zone)."""
        return datetime.combine(self.start_on, time.min, tzinfo=ZoneInfo(self.zone))

    @property
    def end_at(self) -> datetime:
        """The instant after the period: the viewer's midnight ending `end_on` (exclusive bound)."""
        return datetime.combine(self.end_on + timedelta(days=1), time.min, tzinfo=ZoneInfo(self.zone))

    def previous(self) -> Period:
        """The period of the same length that ends the day before this one starts."""
        end = self.start_on - timedelta(days=1)
        return Period(start_on=end - timedelta(days=self.days - 1), end_on=end, zone=self.zone, preset=self.preset)

    def dates(self) -> list[date]:
        return [self.start_on + timedelta(days=n) for n in range(self.days)]

    @property
    def label(self) -> str:
        if self.preset in PRESETS:
            return f"Last {PRESETS[self.preset]} days ({self.start_on:%d %b %Y} – {self.end_on:%d %b %Y})"
        if self.preset == "q":
            return f"Q{(self.start_on.month - 1) // 3 + 1} {self.start_on.year}"
        return f"{self.start_on:%d %b %Y} – {self.end_on:%d %b %Y}"

    def as_params(self) -> dict[str, str]:
        """The query parameters that give this period back (for links and bookmarks)."""
        if self.preset in PRESETS:
            return {"period": self.preset}
        if self.preset == "q":
            return {"period": "quarter", "quarter": f"{self.start_on.year}Q{(self.start_on.month - 1) // 3 + 1}"}
        return {"period": "custom", "from": self.start_on.isoformat(), "to": self.end_on.isoformat()}


def _zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ReportInputError("unknown_timezone", f"{name!r} is not an IANA time zone.", field="tz") from exc
    return name


# The dates a report may cover: far beyond the portal's records, and far from the calendar's ends (year 1 and
# 9999), where the previous period or the next midnight would not exist.
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2199, 12, 31)


def _date(raw: str, name: str) -> date:
    try:
        day = date.fromisoformat(raw.strip())
    except ValueError as exc:
        raise ReportInputError("invalid_date", f"{name}: {raw[:40]!r} is not a date YYYY-MM-DD.", field=name) from exc
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ReportInputError(
            "date_out_of_range", f"{name}: reports cover {FIRST_DAY.year}-{LAST_DAY.year}.", field=name
        )
    return day


def quarter_period(raw: str, zone: str) -> Period:
    """ "2026Q1" (or "2026-Q1", any case) -> that calendar quarter. Raises ReportInputError invalid_quarter."""
    text = raw.strip().upper().replace("-", "")
    year_part, _, quarter_part = text.partition("Q")
    if not (len(year_part) == 4 and year_part.isdigit() and quarter_part in {"1", "2", "3", "4"}):
        raise ReportInputError("invalid_quarter", f"{raw[:20]!r} is not a quarter like 2026Q1.", field="quarter")
    year, quarter = int(year_part), int(quarter_part)
    if not FIRST_DAY.year <= year <= LAST_DAY.year:
        raise ReportInputError("date_out_of_range", f"Reports cover {FIRST_DAY.year}-{LAST_DAY.year}.", field="quarter")
    first_month = 3 * (quarter - 1) + 1
    start = date(year, first_month, 1)
    end = date(year + 1, 1, 1) if quarter == 4 else date(year, first_month + 3, 1)
    return Period(start_on=start, end_on=end - timedelta(days=1), zone=zone, preset="q")


def _two_years_after(day: date) -> date:
    """The same date MAX_PERIOD_YEARS later (29 February becomes 1 March)."""
    try:
        return day.replace(year=day.year + MAX_PERIOD_YEARS)
    except ValueError:
        return date(day.year + MAX_PERIOD_YEARS, 3, 1)


def parse_period(params: Mapping[str, str], *, zone: str, today: date) -> Period:
    """The report's period from query parameters, in the viewer's `zone` (`today` is the viewer's date).

    `period` is 7d / 30d / 90d (the last N days up to today, default 30d), `quarter` (with `quarter=2026Q1`)
    or `custom` (with `from` and `to`, inclusive dates). Raises ReportInputError: invalid_period,
    invalid_quarter, invalid_date, period_reversed, period_too_long, unknown_timezone.
    """
    _zone(zone)
    preset = (params.get("period") or "").strip() or (
        "custom" if params.get("from") or params.get("to") else DEFAULT_PRESET
    )
    if preset in PRESETS:
        days = PRESETS[preset]
        return Period(start_on=today - timedelta(days=days - 1), end_on=today, zone=zone, preset=preset)
    if preset == "quarter":
        return quarter_period(params.get("quarter") or "", zone)
    if preset != "custom":
        raise ReportInputError("invalid_period", "period is one of 7d, 30d, 90d, quarter or custom.", field="period")
    start = _date(params.get("from") or "", "from")
    end = _date(params.get("to") or "", "to")
    if end < start:
        raise ReportInputError("period_reversed", "The period ends before it starts.", field="to")
    if end >= _two_years_after(start):
        raise ReportInputError("period_too_long", "A period spans at most two years.", field="to")
    return Period(start_on=start, end_on=end, zone=zone, preset="")


@dataclass(frozen=True, slots=True)
class Ratio:
    """A share: `met` of `total` (e.g. first responses in time of those due). Empty when nothing was due."""

    met: int
    total: int

    @classmethod
    def summed(cls, counts: Iterable[tuple[int, int]]) -> Ratio:
        """The share over groups counted as (total, met) each (a figure's headline over its table's rows)."""
        pairs = list(counts)
        return cls(met=sum(met for _total, met in pairs), total=sum(total for total, _met in pairs))

    @property
    def percent(self) -> float | None:
        return round(100 * self.met / self.total, 1) if self.total else None

    def __str__(self) -> str:
        return "–" if self.percent is None else f"{self.percent:g} %"


def duration_words(minutes: float) -> str:
    """Business minutes in words: "45 min", "3 h 05 min"."""
    whole = round(abs(minutes))
    sign = "-" if minutes < 0 else ""
    hours, rest = divmod(whole, 60)
    return f"{sign}{hours} h {rest:02d} min" if hours else f"{sign}{rest} min"


@dataclass(frozen=True, slots=True)
class Median:
    """The median of `count` durations, in business minutes (None when there were none)."""

    minutes: int | None
    count: int

    def __str__(self) -> str:
        return "–" if self.minutes is None else duration_words(self.minutes)


def percentile(values: Sequence[float], share: float) -> float | None:
    """The nearest-rank percentile (`share` 0.5 is the median, 0.9 the 90th) of `values`; None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-round(share * len(ordered) * 1000) // 1000))  # ceil(share * n) without float drift
    return ordered[min(rank, len(ordered)) - 1]


@dataclass(frozen=True, slots=True)
class Headline:
    """A figure's number this period beside the previous period of the same length."""

    value: int | Ratio | Median
    previous: int | Ratio | Median
    unit: str  # what is counted: "cases", "units", "dispatches"; for a Ratio what the total counts
    higher_is_better: bool = False

    @property
    def count(self) -> int:
        """The count behind the figure (for a ratio, the records it is a share of; for a median, measured)."""
        if isinstance(self.value, Ratio):
            return self.value.total
        if isinstance(self.value, Median):
            return self.value.count
        return self.value

    @property
    def change(self) -> float | None:
        """The difference against the previous period: a count, or percentage points for a ratio."""
        if isinstance(self.value, Ratio) and isinstance(self.previous, Ratio):
            if self.value.percent is None or self.previous.percent is None:
                return None
            return round(self.value.percent - self.previous.percent, 1)
        if isinstance(self.value, Median) and isinstance(self.previous, Median):
            if self.value.minutes is None or self.previous.minutes is None:
                return None
            return self.value.minutes - self.previous.minutes
        if isinstance(self.value, int) and isinstance(self.previous, int):
            return self.value - self.previous
        return None

    @property
    def trend(self) -> str:
        """ "better", "worse" or "same", for the colour and the words beside the change."""
        change = self.change
        if not change:
            return "same"
        return "better" if (change > 0) == self.higher_is_better else "worse"

    @property
    def change_text(self) -> str:
        change = self.change
        if change is None:
            return "no comparison"
        if not change:
            return "no change"
        if isinstance(self.value, Median):
            return ("+" if change > 0 else "") + duration_words(change)
        suffix = " pts" if isinstance(self.value, Ratio) else ""
        return f"{change:+g}{suffix}"


@dataclass(frozen=True, slots=True)
class Table:
    """One breakdown of a figure: its rows (a label, then one number per column) and how to chart them.

    `links` holds, per row, the list of the records the row counts ("" when there is none); `chart` is
    "bar" (horizontal bars of the first column), "columns" (vertical grouped bars per row, e.g. per day)
    or "" (the table alone). `chart_columns` are the columns the chart draws when not those (a bar: the bar,
    then the part of it drawn inside; columns: the series), so that a chart never draws counts and shares on
    one scale nor a part larger than its whole; `chart_scale` is the value at full length (100 for a share),
    the largest charted value when None.
    """

    key: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, tuple[int, ...]], ...]
    links: tuple[str, ...] = ()
    chart: str = "bar"
    chart_columns: tuple[int, ...] = ()
    chart_scale: int | None = None

    def row_link(self, index: int) -> str:
        return self.links[index] if index < len(self.links) else ""

    def charted(self) -> tuple[int, ...]:
        """The columns the chart draws: by default the first two of a bar (the whole, then its part), every
        column of a column chart."""
        if self.chart_columns:
            return self.chart_columns
        if self.chart == "columns":
            return tuple(range(len(self.columns)))
        return tuple(range(min(2, len(self.columns))))

    def csv_rows(self) -> list[list[str]]:
        return [[self.title, label, *(str(v) for v in values)] for label, values in self.rows]


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    value: int
    share: float  # of the longest bar, 0..100 (the chart's width)
    colour: str
    link: str = ""
    # A table of two columns (e.g. due, met) draws the second inside the first, darker: how much of it.
    inner_share: float | None = None
    inner_colour: str = ""


# The bar of a single column, and the pair (outer, inner) of a two-column table: told apart by lightness too.
BAR_COLOUR = PALETTE[0]
PAIR_COLOURS = ("#56B4E9", "#0072B2")


def bars(table: Table) -> list[Bar]:
    """The bars of `table`'s charted column, scaled to its `chart_scale` or its largest value (all zero: no bar
    is drawn); with a second charted column, that one is drawn inside the first (met inside due)."""
    charted = table.charted()
    outer, inner = charted[0], (charted[1] if len(charted) > 1 else None)
    largest = table.chart_scale or max((row[outer] for _label, row in table.rows), default=0)

    def share(value: int) -> float:
        return round(100 * value / largest, 1) if largest else 0.0

    return [
        Bar(
            label=label,
            value=row[outer],
            share=share(row[outer]),
            colour=PAIR_COLOURS[0] if inner is not None else BAR_COLOUR,
            link=table.row_link(index),
            inner_share=share(row[inner]) if inner is not None else None,
            inner_colour=PAIR_COLOURS[1] if inner is not None else "",
        )
        for index, (label, row) in enumerate(table.rows)
    ]


def bar_keys(table: Table) -> tuple[str, ...]:
    """Per column of a bar chart's table, the colour its header shows as the chart's key ("" for a column the
    chart does not draw, and for every column of a single bar, whose meaning its header says alone)."""
    charted = table.charted()
    if len(charted) < 2:
        return ("",) * len(table.columns)
    colour_of = dict(zip(charted, PAIR_COLOURS, strict=False))
    return tuple(colour_of.get(i, "") for i in range(len(table.columns)))


@dataclass(frozen=True, slots=True)
class Rect:
    x: float
    y: float
    width: float
    height: float
    colour: str
    title: str  # what a pointer shows: "03 Mar: Opened 4"


@dataclass(frozen=True, slots=True)
class ColumnChart:
    """Vertical grouped bars drawn in a `width` x 100 SVG box: one group per row, one bar per column."""

    width: float
    series: tuple[tuple[str, str], ...]  # (name, colour) for the legend
    rects: tuple[Rect, ...]
    ticks: tuple[tuple[float, str], ...]  # (x of a group's middle, its label), thinned to stay readable
    largest: int


def columns(table: Table, *, max_ticks: int = 8) -> ColumnChart:
    """Vertical grouped bars of `table`'s charted columns on one scale (its `chart_scale`, or the largest value
    reaches the top)."""
    charted = table.charted()
    series = len(charted)
    bar, gap = 2.0, 1.0
    group_width = series * bar + gap
    largest = table.chart_scale or max((values[c] for _label, values in table.rows for c in charted), default=0)
    colours = [PALETTE[i % len(PALETTE)] for i in range(series)]
    rects = []
    for g, (label, values) in enumerate(table.rows):
        for i, column in enumerate(charted):
            height = round(100 * values[column] / largest, 2) if largest else 0.0
            rects.append(
                Rect(
                    x=g * group_width + gap / 2 + i * bar,
                    y=round(100 - height, 2),
                    width=bar,
                    height=height,
                    colour=colours[i],
                    title=f"{label}: {table.columns[column]} {values[column]}",
                )
            )
    step = max(1, -(-len(table.rows) // max_ticks))
    ticks = tuple(
        (round(g * group_width + group_width / 2, 2), label)
        for g, (label, _v) in enumerate(table.rows)
        if g % step == 0
    )
    return ColumnChart(
        width=max(len(table.rows) * group_width, 1.0),
        series=tuple(zip((table.columns[c] for c in charted), colours, strict=True)),
        rects=tuple(rects),
        ticks=ticks,
        largest=largest,
    )


# Business-day age buckets of the backlog: (label, the fewest business days a case in it has waited).
AGE_BUCKETS: tuple[tuple[str, int], ...] = (
    ("0–1 business days", 0),
    ("2–3 business days", 2),
    ("4–7 business days", 4),
    ("8–15 business days", 8),
    ("16+ business days", 16),
)


def age_thresholds(as_of_on: date, is_business_day: Callable[[date], bool], ages: Sequence[int]) -> dict[int, date]:
    """For each age N > 0 the date D_N such that a case opened on a local date before D_N has waited at least
    N business days at `as_of_on`, counting the business days after the day it was opened up to `as_of_on`
    (a case opened on Friday has waited 1 business day on Monday, 2 on Tuesday)."""
    wanted = sorted({n for n in ages if n > 0})
    out: dict[int, date] = {}
    day, seen = as_of_on, 0
    # Bounded: even a calendar closing most days finds 16 business days within a few months.
    for _ in range(10 * (wanted[-1] if wanted else 0) + 30):
        if len(out) == len(wanted):
            break
        if is_business_day(day):
            seen += 1
            if seen in wanted:
                out[seen] = day
        day -= timedelta(days=1)
    return out


# --- The monthly report ------------------------------------------------------------------------------


def first_business_day(month_start: date, is_business_day: Callable[[date], bool]) -> date:
    """The first business day of the month that starts on `month_start` (a calendar closed the whole month: the
    1st, so that a report is never held back for ever)."""
    day = month_start
    while day.month == month_start.month:
        if is_business_day(day):
            return day
        day += timedelta(days=1)
    return month_start


def month_to_report(today: date, is_business_day: Callable[[date], bool]) -> date | None:
    """The first day of the month whose report is due on `today` (the organisation's local date): the month
    before `today`'s, from the first business day of `today`'s month on (so a run on any later day of the month
    catches up a send the downtime missed); None before that day (docs/rules.md "Reports")."""
    this_month = today.replace(day=1)
    if today < first_business_day(this_month, is_business_day):
        return None
    return (this_month - timedelta(days=1)).replace(day=1)


def month_period(month_start: date, zone: str) -> Period:
    """The calendar month that starts on `month_start`, in `zone` (days end at that zone's midnight)."""
    following = (month_start.replace(day=28) + timedelta(days=4)).replace(day=1)
    return Period(start_on=month_start, end_on=following - timedelta(days=1), zone=zone)
