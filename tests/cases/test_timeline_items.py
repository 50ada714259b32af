"""The case page's timeline entries are built in Python (cases_tags.timeline_items); they must be the markup the
template loop wrote, byte for byte, over every kind of entry and every branch of it."""

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from django.template import Context, Template

from cases.models import Case, CaseEvent
from partners.models import Organisation, User

# The loop as templates/cases/_timeline.html had it before timeline_items.
OLD_LOOP = (
    "{% load cases_tags husky_time %}<ol>\n"
    "  {% for e in events %}\n"
    "  {% is_new e seen_before user as fresh %}\n"
    '  <li class="{% if e.internal %}internal{% endif %}{% if fresh %} new-since-seen{% endif %}">\n'
    '    <div class="small text-body-secondary">\n'
    '      {% if fresh %}<span class="badge text-bg-primary me-1">New</span>{% endif %}\n'
    '      {% dual_time e.at case.site_timezone "D j M, H:i" quiet_same=True %} ·\n'
    '      {% if e.actor %}<strong class="text-body">{{ e.actor.get_full_name|default:e.actor.username }}'
    '</strong> <span class="org-{{ e.actor.organisation.kind }}">{{ e.actor.organisation.name }}</span>{%'
    ' else %}<strong class="text-body">Husky Support</strong> (automatic){% endif %}\n'
    '      {% if e.internal %}<span class="badge text-bg-warning ms-1">MTS internal</span>{% endif %}\n'
    "    </div>\n"
    '    {% if e.kind == "transition" %}\n'
    '      <div><strong>{{ e.action|action_label }}</strong>: {% state_badge e.from_state %} <i class="bi'
    ' bi-arrow-right" aria-hidden="true"></i> {% state_badge e.to_state %}</div>\n'
    '    {% elif e.kind == "created" %}<div><strong>Opened the case</strong></div>\n'
    '    {% elif e.kind == "attachment" %}<div><i class="bi bi-paperclip" aria-hidden="true"></i> Attache'
    "d <strong>{{ e.data.filename }}</strong></div>\n"
    '    {% elif e.kind == "dispatch" %}<div><i class="bi bi-truck" aria-hidden="true"></i> <strong>Dell '
    "dispatch</strong>: {{ e.data.label|default:e.action }}</div>\n"
    '    {% elif e.kind == "field_change" %}<div>Changed {% for field in e.data.changes %}{{ field|field_'
    "label }}{% if not forloop.last %}, {% endif %}{% endfor %}</div>\n"
    "    {% endif %}\n"
    "    {% if e.note %}<div class=\"event-note mt-1{% if e.kind == 'comment' %} p-2 rounded {% if e.inter"
    'nal %}bg-warning-subtle{% else %}bg-body-tertiary{% endif %}{% endif %}">{{ e.note }}</div>{% endif '
    "%}\n"
    "  </li>\n"
    "  {% empty %}<li>No activity yet.</li>\n"
    "  {% endfor %}"
    "\n</ol>"
)
NEW_LOOP = "{% load cases_tags husky_time %}<ol>\n  {% timeline_items events case seen_before user %}\n</ol>"

AT = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
ORG = Organisation(id=7, name="Nordic <Resale> & Co", kind="reseller")
PERSON = User(id=3, username="ann", first_name="Ann", last_name="O'Hara & <b>", organisation=ORG)
NAMELESS = User(id=4, username="tech<1>", organisation=ORG)
VIEWER = User(id=99, username="viewer")
KINDS = {
    "transition": [{}],
    "created": [{}],
    "comment": [{}],
    "attachment": [{"filename": "logs <1>.zip"}, {}, None, {"filename": None}],
    "dispatch": [{"label": "Parts shipped & <on the way>"}, {}, {"label": ""}, {"label": None}],
    "field_change": [
        {"changes": ["title", "site_country", "no_such_field"]},
        {"changes": []},
        {},
        {"changes": ["priority"]},
    ],
    "sla_breached": [{}],
}


def _events():
    n = 0
    for kind, datas in KINDS.items():
        for data, actor, internal, note, late in itertools.product(
            datas, [PERSON, NAMELESS, None], [False, True], ["", 'Drive <failed> & "replaced"'], [False, True]
        ):
            n += 1
            e = CaseEvent(
                id=n,
                kind=kind,
                at=AT + timedelta(hours=2 if late else -2),
                action="escalate_to_dell" if kind == "transition" else ("part_shipped" if kind == "dispatch" else ""),
                from_state="l2_mts_queue" if kind == "transition" else "",
                to_state="l3_dell" if kind == "transition" else "",
                note=note,
                internal=internal,
                data=data,
            )
            e.actor = actor
            yield e


@pytest.mark.parametrize("zone", ["Europe/Copenhagen", "UTC", "", "America/New_York"])
@pytest.mark.parametrize("seen_before", [AT, None, ""])
@pytest.mark.parametrize("viewer", [VIEWER, PERSON])
def test_timeline_items_write_what_the_template_loop_wrote(zone, seen_before, viewer, settings):
    settings.TIME_ZONE = "Europe/Copenhagen"
    case = Case(number="HSK-2026-000001", site_timezone=zone)
    events = list(_events())
    context = {"events": events, "case": case, "seen_before": seen_before, "user": viewer}
    old = Template(OLD_LOOP).render(Context(context))
    new = Template(NEW_LOOP).render(Context(context))
    assert new == old
    assert "new-since-seen" in old or seen_before != AT


def test_an_empty_timeline_says_so_as_before():
    context = {"events": [], "case": Case(site_timezone="UTC"), "seen_before": None, "user": VIEWER}
    assert Template(NEW_LOOP).render(Context(context)) == Template(OLD_LOOP).render(Context(context))
