"""How the program records' admin pages read: one-form pages styled as the admin's forms,
history without "None", exports with plain column names and labels, amounts as money."""

import csv
import io
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from proposals.admin.display import money
from proposals.models import Proposal
from tests.proposals.factories import AwardFactory, DeadlineFactory, ProposalFactory

pytestmark = pytest.mark.django_db

FORMS_CSS = b"admin/css/forms.css"


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        (Decimal("750000"), "$750,000"),
        (Decimal("750000.00"), "$750,000"),
        (Decimal("1234.5"), "$1,234.50"),
        (0, "$0"),
        (None, "-"),
    ],
)
def test_money_writes_dollars_with_separators(amount, shown):
    assert money(amount) == shown


def test_import_upload_page_loads_the_admin_form_styles(staff_client):
    response = staff_client.get(reverse("admin:proposals_importrun_add"))
    assert response.status_code == 200
    assert FORMS_CSS in response.content


def test_award_form_page_loads_the_admin_form_styles(staff_client):
    proposal = ProposalFactory()
    Proposal.objects.filter(pk=proposal.pk).update(status=Proposal.Status.RECOMMENDED)
    response = staff_client.post(
        reverse("admin:proposals_proposal_changelist"),
        {"action": "award", "_selected_action": [proposal.pk]},
    )
    assert response.status_code == 200
    assert FORMS_CSS in response.content


def test_history_page_leaves_an_absent_reason_and_user_empty(staff_client):
    proposal = ProposalFactory(title="Quiet change")
    response = staff_client.get(reverse("admin:proposals_proposal_history", args=[proposal.pk]))
    table = response.content.decode().split('id="change-history"')[1].split("</table>")[0]
    assert "None" not in table


def _csv_export(client, model: str) -> list[list[str]]:
    url = reverse(f"admin:proposals_{model}_export")
    form = client.get(url).context["form"]
    data: dict[str, Any] = {
        name: "on" for name, field in form.fields.items() if hasattr(field, "resource_index")
    }
    data.update({"format": "0", "resource": "0"})
    response = client.post(url, data)
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_export_form_names_each_column_once(staff_client):
    form = staff_client.get(reverse("admin:proposals_proposal_export")).context["form"]
    labels = [
        str(field.label) for field in form.fields.values() if hasattr(field, "resource_index")
    ]
    assert "Lead institution" in labels
    assert "Requested amount" in labels
    assert not [label for label in labels if "(" in label]


def test_proposal_export_heads_columns_plainly_and_writes_status_labels(staff_client):
    proposal = ProposalFactory()
    Proposal.objects.filter(pk=proposal.pk).update(status=Proposal.Status.UNDER_REVIEW)
    header, row = _csv_export(staff_client, "proposal")[:2]
    assert "requested amount" in header
    assert "requested_amount" not in header
    assert row[header.index("status")] == "Under review"


def test_deadline_export_writes_kind_and_visibility_labels(staff_client):
    DeadlineFactory(visibility="staff")
    header, row = _csv_export(staff_client, "deadline")[:2]
    assert row[header.index("kind")] == "Full proposal"
    assert row[header.index("visibility")] == "Staff only"


def test_award_list_shows_the_amount_as_money(staff_client):
    AwardFactory(awarded_amount=Decimal("625000"))
    response = staff_client.get(reverse("admin:proposals_award_changelist"))
    assert "$625,000" in response.content.decode()
