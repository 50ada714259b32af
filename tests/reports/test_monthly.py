"""The monthly report email (docs/rules.md "Reports"): due on the first business day of the month in the
organisation's zone and calendar, written once per organisation and month (a second run, or a run after a
downtime, sends nothing twice and misses nothing), mailed by the one send task, with figures counted through each
recipient's own gate."""

from datetime import UTC, date, datetime

import pytest
from django.core import mail

from husky_support.calendar import business_calendar
from husky_support.reports import first_business_day, month_period, month_to_report
from partners.models import MonthlyReport, Notification
from partners.notifications.services import send_notifications
from partners.reports.monthly import due_months, send_monthly_reports
from tests.partners.factories import ResellerFactory

DK = business_calendar("DK").is_business_day


class TestTheFirstBusinessDay:
    @pytest.mark.parametrize(
        ("month", "first"),
        [
            (date(2026, 11, 1), date(2026, 11, 2)),  # starts on a Sunday
            (date(2026, 8, 1), date(2026, 8, 3)),  # starts on a Saturday
            (date(2027, 1, 1), date(2027, 1, 4)),  # New Year's Day, a Friday holiday, then the weekend
            (date(2026, 12, 1), date(2026, 12, 1)),  # a Tuesday
        ],
    )
    def test_the_first_business_day_of_the_month(self, month, first):
        assert first_business_day(month, DK) == first

    def test_last_month_is_due_from_that_day_and_caught_up_later_in_the_month(self):
        assert month_to_report(date(2026, 11, 1), DK) is None  # Sunday 1 November: not yet
        assert month_to_report(date(2026, 11, 2), DK) == date(2026, 10, 1)
        assert month_to_report(date(2026, 11, 27), DK) == date(2026, 10, 1)  # after a downtime
        assert month_to_report(date(2027, 1, 1), DK) is None  # the holiday
        assert month_to_report(date(2027, 1, 4), DK) == date(2026, 12, 1)

    def test_a_calendar_closed_all_month_still_sends_on_the_first(self):
        assert first_business_day(date(2026, 2, 1), lambda _day: False) == date(2026, 2, 1)

    def test_a_month_is_its_calendar_days_in_the_viewers_zone(self):
        period = month_period(date(2026, 2, 1), "Europe/Copenhagen")
        assert (period.start_on, period.end_on) == (date(2026, 2, 1), date(2026, 2, 28))
        assert month_period(date(2026, 12, 1), "UTC").end_on == date(2026, 12, 31)


@pytest.mark.django_db
def test_the_day_is_the_organisations_own(distributor_org):
    kwargs = {"distributor": distributor_org, "monthly_report": True}
    auckland = ResellerFactory(name="Auckland", country="NZ", timezone="Pacific/Auckland", **kwargs)
    los_angeles = ResellerFactory(name="Los Angeles", country="US", timezone="America/Los_Angeles", **kwargs)
    # Sunday 1 November 20:00 UTC: Monday 2 November in Auckland, still Sunday in Los Angeles.
    due = due_months([auckland, los_angeles], now=datetime(2026, 11, 1, 20, 0, tzinfo=UTC))
    assert due == {auckland.pk: date(2026, 10, 1)}


@pytest.mark.django_db
class TestOncePerMonth:
    def test_written_once_mailed_once_and_caught_up_after_a_downtime(
        self, reseller_org, reseller_user, reseller_agent, other_reseller_user, django_capture_on_commit_callbacks
    ):
        reseller_org.monthly_report = True
        reseller_org.save()
        # The beat was down on Monday 2 November: the run on Thursday 5 November sends October's report.
        assert send_monthly_reports(now=datetime(2026, 11, 1, 12, tzinfo=UTC)) == 0  # Sunday: not due
        with django_capture_on_commit_callbacks(execute=False):
            assert send_monthly_reports(now=datetime(2026, 11, 5, 9, tzinfo=UTC)) == 1
            assert send_monthly_reports(now=datetime(2026, 11, 5, 10, tzinfo=UTC)) == 0
            assert send_monthly_reports(now=datetime(2026, 11, 30, 10, tzinfo=UTC)) == 0
        report = MonthlyReport.objects.get()
        assert (report.organisation, report.month) == (reseller_org, date(2026, 10, 1))
        emails = Notification.objects.filter(channel="email", kind="report.monthly")
        # Every person of the organisation, nobody of another.
        assert sorted(emails.values_list("address", flat=True)) == sorted([reseller_user.email, reseller_agent.email])
        ids = list(emails.values_list("pk", flat=True))
        mail.outbox.clear()
        later = datetime(2026, 11, 5, 9, 1, tzinfo=UTC)
        assert send_notifications(ids, now=later) == 2
        assert send_notifications(ids, now=later) == 0  # the send task run twice
        assert len(mail.outbox) == 2
        assert "Your monthly report for October 2026" in mail.outbox[0].subject
        # December's report on the first business day of December, once.
        with django_capture_on_commit_callbacks(execute=False):
            assert send_monthly_reports(now=datetime(2026, 12, 1, 9, tzinfo=UTC)) == 1
        assert list(MonthlyReport.objects.order_by("month").values_list("month", flat=True)) == [
            date(2026, 10, 1),
            date(2026, 11, 1),
        ]

    def test_an_organisation_that_did_not_switch_it_on_gets_nothing(self, reseller_org, reseller_user):
        assert send_monthly_reports(now=datetime(2026, 11, 2, 9, tzinfo=UTC)) == 0
        assert not MonthlyReport.objects.exists()

    def test_a_person_who_turned_the_topic_off_gets_no_email(self, reseller_org, reseller_user, reseller_agent):
        from partners.notifications.models import NotificationPreference

        NotificationPreference.objects.create(user=reseller_agent, topic="reports", mode="off")
        reseller_org.monthly_report = True
        reseller_org.save()
        send_monthly_reports(now=datetime(2026, 11, 2, 9, tzinfo=UTC))
        emails = Notification.objects.filter(channel="email", kind="report.monthly")
        assert list(emails.values_list("address", flat=True)) == [reseller_user.email]


def _figures_in(message, titles):
    """The email's figure lines, by title: '- Backlog and age: 4 (4 open cases); ...' -> {'Backlog and age': '4'}."""
    found = {}
    for line in message.body.splitlines():
        for title in titles:
            if line.startswith(f"- {title}: "):
                found[title] = line[len(title) + 4 :].split(" (")[0]
    return found


@pytest.mark.django_db
def test_each_email_counts_only_what_its_recipient_may_see(
    api_as, report_data, reseller_user, sibling_user, other_reseller_user, distributor_user
):
    for user in (reseller_user, sibling_user, other_reseller_user, distributor_user):
        user.organisation.monthly_report = True
        user.organisation.save()
    # Wednesday 1 April 2026, a business day everywhere: March's report.
    now = datetime(2026, 4, 1, 12, tzinfo=UTC)
    assert send_monthly_reports(now=now) == 4
    mail.outbox.clear()
    send_notifications(Notification.objects.filter(channel="email").values_list("pk", flat=True), now=now)
    bodies = {message.to[0]: message for message in mail.outbox}
    march = "period=custom&from=2026-03-01&to=2026-03-31"
    users = (reseller_user, sibling_user, other_reseller_user, distributor_user)
    for user in users:
        api = {f["title"]: f for f in api_as(user).get(f"/api/v1/reports/?{march}").json()["figures"]}
        email = _figures_in(bodies[user.email], api)
        assert set(email) == set(api), user.username
        for title, figure in api.items():
            if figure["kind"] == "count":
                assert int(email[title]) == figure["count"], (user.username, title)
    backlog = {
        user.username: int(_figures_in(bodies[user.email], ["Backlog and age"])["Backlog and age"]) for user in users
    }
    # A, B, E and F are the reseller's; C the sibling's; the distributor counts both; D (Los Angeles) is resolved.
    assert backlog == {"reseller": 4, "sibling": 1, "other-reseller": 0, "distributor": 5}


@pytest.mark.django_db
class TestTheSetting:
    def test_an_admin_switches_it_on_and_off_on_the_team_page(self, client, reseller_user):
        client.force_login(reseller_user)
        assert 'id="monthly-report"' in client.get("/team/team/").content.decode()
        response = client.post("/team/team/monthly-report/", {"monthly_report": "1"}, follow=True)
        assert "first business day of each month" in response.content.decode()
        reseller_user.organisation.refresh_from_db()
        assert reseller_user.organisation.monthly_report is True
        client.post("/team/team/monthly-report/", {})
        reseller_user.organisation.refresh_from_db()
        assert reseller_user.organisation.monthly_report is False

    def test_a_member_who_is_not_an_admin_may_not(self, client, reseller_agent):
        client.force_login(reseller_agent)
        assert client.post("/team/team/monthly-report/", {"monthly_report": "1"}).status_code == 403
        reseller_agent.organisation.refresh_from_db()
        assert reseller_agent.organisation.monthly_report is False

    def test_the_api_field(self, api_as, reseller_user, reseller_agent, distributor_user):
        org = reseller_user.organisation
        url = f"/api/v1/organisations/{org.pk}/"
        response = api_as(reseller_user).patch(url, {"monthly_report": True}, format="json")
        assert response.status_code == 200
        assert response.json()["monthly_report"] is True
        # The reseller's agent, and its distributor's admin (who sees it), may not change it; nothing written.
        for user in (reseller_agent, distributor_user):
            response = api_as(user).patch(url, {"monthly_report": False}, format="json")
            assert response.status_code == 403
        assert api_as(reseller_user).get(url).json()["monthly_report"] is True
        bad = api_as(reseller_user).patch(url, {"monthly_report": "sometimes"}, format="json")
        assert bad.status_code == 400
