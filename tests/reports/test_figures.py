"""Every figure on the hand-built data set (tests/reports/data.py), for each kind of organisation, in the API,
the page and the CSV alike."""

import csv
import io

import pytest

from tests.reports.data import PERIOD

pytestmark = pytest.mark.django_db


def report(api_as, user, query=PERIOD):
    response = api_as(user).get(f"/api/v1/reports/?{query}")
    assert response.status_code == 200, response.content
    return {figure["key"]: figure for figure in response.json()["figures"]}


def rows(figure, table):
    found = next(t for t in figure["tables"] if t["key"] == table)
    return {row["label"]: row["values"] for row in found["rows"]}


def csv_value(figure):
    """The headline as the CSV writes it: a count, or a percentage ("–" when nothing was due)."""
    if figure["kind"] == "count":
        return str(figure["count"])
    if figure["value"] is None:
        return "–"
    if figure["kind"] == "duration":
        hours, minutes = divmod(int(figure["value"]), 60)
        return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"
    return f"{figure['value']:g} %"


def headline(figure):
    return (figure["value"], figure["count"], figure["previous_value"])


class TestMts:
    def test_backlog_by_who_it_waits_on_by_business_day_age_and_flow(self, api_as, report_data, mts_user):
        backlog = report(api_as, mts_user)["backlog"]
        # A, B, C, E and F are open at the end of 10 March; D was resolved on 4 March.
        assert headline(backlog) == (5.0, 5, 0.0)
        assert backlog["change"] == 5
        assert rows(backlog, "waits_on") == {
            "Reseller (first level)": [2],  # C, F
            "MTS": [1],  # A, open over the weekend
            "Partner information": [1],  # B, SLA clock paused
            "Dell": [1],  # E
            "Parts": [0],  # E's dispatch is onsite (tests/reports/test_backlog_parts.py has a parts-only one)
        }
        # Business days after the day opened, up to Tuesday 10 March (Danish calendar of the team).
        assert rows(backlog, "age") == {
            "0–1 business days": [1],  # B (Monday)
            "2–3 business days": [2],  # A (Friday, across the weekend), F (Sunday)
            "4–7 business days": [2],  # C (2 March), E (3 March)
            "8–15 business days": [0],
            "16+ business days": [0],
        }
        flow = {label: values for label, values in rows(backlog, "flow").items() if any(values)}
        assert flow == {
            "02 Mar": [1, 0],
            "03 Mar": [2, 0],
            "04 Mar": [0, 1],
            "06 Mar": [1, 0],
            "08 Mar": [1, 0],
            "09 Mar": [1, 0],
        }
        assert len(rows(backlog, "flow")) == 10

    def test_sla_first_response(self, api_as, report_data, mts_user):
        sla = report(api_as, mts_user)["sla"]
        # A, B, D and E reached MTS; A was never answered (missed), B, D and E were answered in time.
        assert (sla["kind"], sla["value"], sla["met"], sla["count"]) == ("ratio", 75.0, 3, 4)
        assert sla["previous_count"] == 0
        assert sla["change"] is None
        assert rows(sla, "priority")["P1 – Critical"] == [4, 3]
        assert rows(sla, "team") == {"Nordics": [4, 3]}
        # Business minutes in the team's hours (08:00-16:00 Copenhagen): B and E answered 2 hours after reaching
        # MTS; D reached MTS at 16:00, the end of the day, and was answered at 17:00 the next day: a full day.
        assert rows(sla, "first_response_time")["All priorities"] == [480, 120, 3]

    def test_a_first_response_the_sweep_recorded_as_breached_is_missed(self, api_as, report_data, mts_user):
        from cases.models import CaseEvent, EventKind
        from tests.reports.data import at

        # B was answered, but late: the breach sweep had recorded it (an internal timeline row).
        CaseEvent.objects.create(
            case=report_data.b,
            kind=EventKind.SLA_BREACHED,
            at=at(9, 9),
            internal=True,
            data={"target": "first_response"},
        )
        CaseEvent.objects.create(  # a next-update breach is not a first response missed
            case=report_data.d,
            kind=EventKind.SLA_BREACHED,
            at=at(4, 9),
            internal=True,
            data={"target": "next_update"},
        )
        sla = report(api_as, mts_user)["sla"]
        assert (sla["met"], sla["count"]) == (2, 4)
        assert rows(sla, "next_update") == {"Next updates": [1, 0]}

    def test_next_updates_met_and_missed_in_the_period(
        self, api_as, report_data, mts_user, reseller_user, other_reseller_user
    ):
        """A answered at MTS on Monday 9 March (its first response) and updated two hours later (a next update
        met), then the sweep recorded the following one as breached (missed), each counted in the period it was
        decided in; A's reseller sees the same, another reseller none of it."""
        from cases import breaches
        from cases import services as case_services
        from cases.sla import Alerted
        from tests.reports.data import at

        for hour in (9, 11):
            case_services.comment_create(actor=mts_user, case=report_data.a, body="Looking at it.", now=at(9, hour))
        assert breaches.record_sla_alert(report_data.a.pk, now=at(10, 15)) is Alerted.BREACHED
        assert rows(report(api_as, mts_user)["sla"], "next_update") == {"Next updates": [2, 1]}
        assert rows(report(api_as, reseller_user)["sla"], "next_update") == {"Next updates": [2, 1]}
        assert rows(report(api_as, other_reseller_user)["sla"], "next_update") == {"Next updates": [0, 0]}
        later = "period=custom&from=2026-03-10&to=2026-03-20"
        assert rows(report(api_as, mts_user, later)["sla"], "next_update") == {"Next updates": [1, 0]}
        earlier = "period=custom&from=2026-03-01&to=2026-03-09"
        assert rows(report(api_as, mts_user, earlier)["sla"], "next_update") == {"Next updates": [1, 1]}

    def test_dell_dispatch_health_and_first_time_fix(self, api_as, report_data, mts_user):
        figures = report(api_as, mts_user)
        health = figures["dispatch_health"]
        assert (health["value"], health["met"], health["count"]) == (100.0, 1, 1)
        assert rows(health, "denials") == {"Requested": [1], "Denied at least once": [1], "Voided (third denial)": [0]}
        assert rows(health, "denial_reasons") == {"Service tag not found": [1]}
        fix = figures["first_time_fix"]
        # E's dispatch completed on 5 March; F followed on the same unit and component 3 days later.
        assert (fix["value"], fix["met"], fix["count"]) == (0.0, 0, 1)
        assert rows(fix, "component") == {"Hard drive": [1, 0]}

    def test_time_to_dispatch_in_the_teams_business_hours(self, api_as, report_data, mts_user):
        times = report(api_as, mts_user)["time_to_dispatch"]
        # E reached MTS at 11:00 Copenhagen time and was dispatched at 13:00; Dell denied it, then accepted at
        # 16:00 (the end of the team's day): 2 and 3 business hours.
        assert (times["kind"], times["value"], times["count"]) == ("duration", 120.0, 1)
        assert rows(times, "times") == {
            "MTS → dispatch request": [120, 120, 1],
            "Request → Dell accepted": [180, 180, 1],
        }

    def test_repeat_units_transfers_and_scorecard(self, api_as, report_data, mts_user):
        figures = report(api_as, mts_user)
        repeat = figures["repeat_units"]
        assert headline(repeat) == (2.0, 2, 0.0)  # ABC1234 (A, B) and DEF5678 (E, F)
        assert rows(repeat, "reseller") == {"Copenhagen Reseller": [2]}
        assert rows(repeat, "component") == {"Hard drive": [2]}
        assert headline(figures["transfers"]) == (4.0, 4, 4.0)  # four units shipped in January, none confirmed
        assert rows(figures["transfers"], "unregistered_age")["31–90 days"] == [4]
        scorecard = figures["scorecard"]
        assert headline(scorecard) == (6.0, 6, 0.0)
        assert rows(scorecard, "resellers") == {
            "Aarhus Reseller": [1, 0, 0, 0, 0],
            "Copenhagen Reseller": [4, 0, 3, 3, 2],
            "Los Angeles Reseller": [1, 0, 1, 1, 0],
        }

    def test_filters_narrow_every_figure(self, api_as, report_data, mts_user, other_reseller_org):
        by_country = report(api_as, mts_user, f"{PERIOD}&country=us")
        assert by_country["backlog"]["value"] == 0
        assert by_country["scorecard"]["value"] == 1  # D
        assert by_country["sla"]["count"] == 1
        by_reseller = report(api_as, mts_user, f"{PERIOD}&reseller={report_data.c.reseller_id}")
        assert rows(by_reseller["backlog"], "waits_on")["Reseller (first level)"] == [1]
        assert by_reseller["backlog"]["value"] == 1
        # The transfers figure knows nothing of priorities: it says so rather than pretending.
        by_priority = report(api_as, mts_user, f"{PERIOD}&priority=p4_low")
        assert by_priority["backlog"]["value"] == 0
        assert by_priority["transfers"]["ignored_filters"] == ["Priority"]

    def test_every_figure_leads_to_a_list_the_viewer_can_open(self, client, api_as, report_data, mts_user):
        client.force_login(mts_user)
        for figure in report(api_as, mts_user).values():
            urls = [figure["list_url"], *(r["list_url"] for t in figure["tables"] for r in t["rows"])]
            for url in filter(None, set(urls)):
                assert client.get(url).status_code == 200, (figure["key"], url)


class TestVisibility:
    def test_a_distributor_counts_its_resellers_only(self, api_as, report_data, distributor_user):
        figures = report(api_as, distributor_user)
        assert figures["backlog"]["value"] == 5  # all but D (another distributor's reseller)
        assert (figures["sla"]["met"], figures["sla"]["count"]) == (2, 3)
        assert figures["transfers"]["value"] == 3
        assert set(rows(figures["scorecard"], "resellers")) == {"Aarhus Reseller", "Copenhagen Reseller"}

    def test_a_reseller_counts_its_own_only(self, api_as, report_data, reseller_user):
        figures = report(api_as, reseller_user)
        assert set(figures) == {
            "backlog",
            "sla",
            "time_to_dispatch",
            "nbd_attainment",
            "first_time_fix",
            "dispatch_health",
            "repeat_units",
            "transfers",
        }
        assert figures["backlog"]["value"] == 4  # A, B, E, F
        assert rows(figures["backlog"], "waits_on")["Reseller (first level)"] == [1]  # F, not its sibling's C
        assert (figures["sla"]["met"], figures["sla"]["count"]) == (2, 3)
        assert figures["transfers"]["value"] == 2

    def test_another_reseller_sees_nothing_of_theirs(self, api_as, report_data, other_reseller_user):
        figures = report(api_as, other_reseller_user)
        assert figures["backlog"]["value"] == 0
        assert (figures["sla"]["met"], figures["sla"]["count"]) == (1, 1)  # D
        assert figures["dispatch_health"]["count"] == 0
        assert figures["repeat_units"]["value"] == 0

    def test_dell_counts_its_dispatches_only(self, api_as, report_data, dell_user):
        figures = report(api_as, dell_user)
        assert set(figures) == {"time_to_dispatch", "nbd_attainment", "dispatch_health", "first_time_fix", "transfers"}
        assert figures["dispatch_health"]["count"] == 1
        # F never reached Dell: for Dell the fix held (nothing outside its visibility reaches a figure).
        assert (figures["first_time_fix"]["met"], figures["first_time_fix"]["count"]) == (1, 1)
        assert figures["transfers"]["value"] == 1  # DEF5678, the dispatched unit

    @pytest.mark.parametrize(
        ("who", "sees", "never"),
        [
            ("distributor_user", "Aarhus Reseller", "Los Angeles Reseller"),
            ("reseller_user", "Copenhagen", "Aarhus Reseller"),
            ("other_reseller_user", "Los Angeles", "Copenhagen Reseller"),
        ],
    )
    def test_the_page_and_the_csv_agree_with_the_api(self, request, client, api_as, report_data, who, sees, never):
        user = request.getfixturevalue(who)
        client.force_login(user)
        page = client.get(f"/reports/?{PERIOD}")
        assert page.status_code == 200
        html = page.content.decode()
        assert sees in html
        assert never not in html
        figures = report(api_as, user)
        for key, figure in figures.items():
            response = client.get(f"/reports/{key}.csv?{PERIOD}")
            assert response.status_code == 200
            assert response["Content-Type"].startswith("text/csv")
            lines = list(csv.reader(io.StringIO(response.content.decode())))
            assert lines[1][2] == csv_value(figure), key
            assert never not in response.content.decode()

    def test_the_page_shows_the_headline_and_its_comparison(self, client, report_data, mts_user):
        client.force_login(mts_user)
        html = client.get(f"/reports/?{PERIOD}").content.decode()
        assert 'id="figure-backlog"' in html
        assert "75 %" in html
        assert "List of the first responses due" in html
        assert "(4 counted)" in html
        assert "+5" in html
        assert "compared with 19 Feb 2026 – 28 Feb 2026" in html


class TestBacklogAtTheEndOfThePeriod:
    def test_a_case_resolved_after_the_period_still_counts_as_open_then(self, api_as, report_data, mts_user):
        from cases.workflow import Action
        from tests.reports.data import _move, at

        _move(report_data.a, mts_user, Action.TAKE, at(20))
        _move(report_data.a, mts_user, Action.RESOLVE, at(20, 11), note="Fixed later")
        backlog = report(api_as, mts_user)["backlog"]
        assert backlog["value"] == 5
        assert rows(backlog, "waits_on")["MTS"] == [1]  # A, as it was on 10 March
        assert report(api_as, mts_user, "period=custom&from=2026-03-11&to=2026-03-20")["backlog"]["value"] == 4

    def test_while_the_period_runs_the_backlog_is_the_stored_state(self, report_data, mts_user):
        from datetime import UTC, datetime

        from django.http import QueryDict

        from partners.reports import service

        during = datetime(2026, 3, 10, 18, 0, tzinfo=UTC)  # before the viewer's midnight ending the period
        ctx = service.report_context(mts_user, QueryDict(PERIOD), now=during)
        backlog = next(r for r in service.run_report(ctx) if r.figure.key == "backlog")
        assert backlog.headline.value == 5
        assert dict(backlog.tables[0].rows) == {
            "Reseller (first level)": (2,),
            "MTS": (1,),
            "Partner information": (1,),
            "Dell": (1,),
            "Parts": (0,),
        }


class TestTransfersConfirmed:
    def test_median_days_from_submission_to_confirmation(self, api_as, report_data, reseller_user, dell_user):
        from servicetags.services.transfers import transfer_confirm, transfer_create
        from tests.reports.data import at
        from tests.servicetags.factories import UnitFactory

        # Submitted Monday 2 March, confirmed Thursday 5 (3 days); submitted Tuesday 3 at 10:00, confirmed
        # Wednesday 4 at 22:00 (1.5 days).
        for tag, submitted, confirmed in (("TRF0001", at(2), at(5)), ("TRF0002", at(3), at(4, 22))):
            unit = UnitFactory(service_tag=tag, reseller=reseller_user.organisation)
            transfer = transfer_create(
                actor=reseller_user, unit=unit, address=unit.address_values(), submit=True, now=submitted
            )
            transfer_confirm(actor=dell_user, transfer=transfer, now=confirmed)
        for user in (reseller_user, dell_user):
            transfers = report(api_as, user)["transfers"]
            # Nearest-rank median of (1.5, 3) is 1.5, rounded to 2 whole days; the 90th percentile is 3.
            assert rows(transfers, "confirm_days") == {"All countries": [2, 3, 2]}, user.username
            assert sum(values[0] for values in rows(transfers, "confirmed").values()) == 2
