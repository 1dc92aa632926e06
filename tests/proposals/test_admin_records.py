"""The admin of the records proposals, awards and the catalogue name: organisations and
people keep their name keys and identifiers as the services do, and a save of what the
public catalogue shows moves its version once the transaction commits."""

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from fairprog.catalogue_version import catalogue_version
from proposals.models import Organization, Person
from tests.proposals.factories import AwardFactory, CycleFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


def test_admin_rename_of_an_organization_refreshes_its_name_key(staff_client):
    organization = OrganizationFactory(name="Carnegie Mellon University")
    url = reverse("admin:proposals_organization_change", args=[organization.pk])
    data = {"name": "The Carnegie-Mellon University", "kind": "institution", "ror_id": ""}
    response = staff_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    organization.refresh_from_db()
    assert organization.name_key == "carnegie mellon university"


def test_admin_new_person_gets_a_name_key_and_a_canonical_orcid(staff_client):
    data = {
        "given_name": "Josiah",
        "family_name": "Carberry",
        "email": "",
        "orcid": "0000000218250097",
        "time_zone": "",
        "nsf_id": "",
    }
    response = staff_client.post(reverse("admin:proposals_person_add"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    person = Person.objects.get(family_name="Carberry")
    assert person.name_key == "josiah carberry"
    assert person.orcid == "0000-0002-1825-0097"


def test_admin_stores_a_ror_id_in_its_bare_lower_case_form(staff_client):
    data = {"name": "National Science Foundation", "kind": "funder", "ror_id": "021NXHR62"}
    response = staff_client.post(reverse("admin:proposals_organization_add"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Organization.objects.get(name="National Science Foundation").ror_id == "021nxhr62"


@pytest.mark.parametrize(
    "factory", [OrganizationFactory, CycleFactory, AwardFactory], ids=lambda f: f.__name__
)
def test_admin_save_and_delete_move_the_catalogue_version_after_commit(
    factory, staff_user, django_capture_on_commit_callbacks
):
    record = factory()
    model_admin = admin.site._registry[type(record)]
    request = RequestFactory().post("/")
    request.user = staff_user
    for write in (
        lambda: model_admin.save_model(request, record, None, True),
        lambda: model_admin.delete_model(request, record),
    ):
        before = catalogue_version()
        with django_capture_on_commit_callbacks(execute=True):
            write()
            assert catalogue_version() == before, "moved before the commit"
        assert catalogue_version() != before, "not moved after the commit"
