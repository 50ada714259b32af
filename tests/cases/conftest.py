import pytest

from cases import hooks
from tests.partners.factories import UserFactory


@pytest.fixture
def mts_other(mts_org):
    """A second MTS technician (take-over, races)."""
    return UserFactory(username="mts-two", organisation=mts_org)


@pytest.fixture
def fake_dispatch():
    """Stand in for the dispatch app's hooks: a finished dispatch and a recorder of created ones."""
    created = []
    previous = (hooks.registry.dispatch_facts, hooks.registry.create_dispatch)
    hooks.registry.dispatch_facts = lambda case, now, request=None: hooks.DispatchFacts(finished=True)
    hooks.registry.create_dispatch = lambda **kwargs: created.append(kwargs["case"].pk)
    yield created
    hooks.registry.dispatch_facts, hooks.registry.create_dispatch = previous


@pytest.fixture(autouse=True)
def _private_media_root(settings, tmp_path):
    """Each test stores uploads in its own folder, so "nothing was written" can be checked on disk."""
    settings.MEDIA_ROOT = tmp_path / "uploads"
