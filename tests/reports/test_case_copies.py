"""The dispatch's copies of what the reports read per dispatch (its case's unit and component, the case's first
acceptance since the request): kept by the services that write the originals, and filled for existing rows by
the migration that added them."""

import importlib

import pytest
from django.apps import apps

from cases import services as case_services
from cases.checklist import HardwareComponent
from cases.teams import case_move_team
from dispatch.models import Dispatch
from tests.cases.factories import TeamFactory
from tests.reports.data import at
from tests.servicetags.factories import UnitFactory

pytestmark = pytest.mark.django_db


def _copies(dispatch: Dispatch) -> tuple:
    dispatch.refresh_from_db()
    return dispatch.unit_id, dispatch.component, dispatch.team_id, dispatch.escalated_at, dispatch.first_accepted_at


def test_the_dispatch_copies_its_case_and_its_first_acceptance(report_data):
    case = report_data.e
    assert case.team_id is not None
    assert case.escalated_at is not None
    assert _copies(report_data.dispatch) == (case.unit_id, case.component, case.team_id, case.escalated_at, at(3, 15))


def test_a_checklist_edit_moves_the_copies_with_the_case(report_data, mts_user):
    case = report_data.e
    case.refresh_from_db()
    other = UnitFactory(service_tag="GHI9012", reseller=case.reseller)
    case_services.case_update(
        actor=mts_user,
        case=case,
        version=case.version,
        values={"unit": other, "component": HardwareComponent.MEMORY.value},
        now=at(9),
    )
    assert _copies(report_data.dispatch)[:2] == (other.pk, HardwareComponent.MEMORY.value)


def test_moving_the_case_to_another_team_moves_the_copy(report_data, mts_admin):
    case = report_data.e
    case.refresh_from_db()
    team = TeamFactory(name="Americas")
    case_move_team(actor=mts_admin, case=case, team=team, version=case.version, now=at(9))
    assert _copies(report_data.dispatch)[2] == team.pk


def test_the_migration_fills_the_same_values_the_services_keep(report_data):
    kept = _copies(report_data.dispatch)
    Dispatch.objects.update(unit=None, component="", team=None, escalated_at=None, first_accepted_at=None)
    importlib.import_module("dispatch.migrations.0009_case_copies").fill_copies(apps, None)
    assert _copies(report_data.dispatch) == kept
