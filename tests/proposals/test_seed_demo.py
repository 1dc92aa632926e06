"""seed_demo loads the real program once, and a second run changes nothing."""

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from proposals.models import Award, Cycle, Deadline, Program, Proposal

pytestmark = pytest.mark.django_db


def test_seed_demo_loads_the_fai_program_with_its_cycles_and_deadlines(capsys):
    call_command("seed_demo")
    program = Program.objects.get(short_name="FAI")
    assert sorted(program.funders.values_list("name", flat=True)) == [
        "Amazon",
        "National Science Foundation",
    ]
    assert list(program.cycles.order_by("year").values_list("solicitation_number", flat=True))[
        :3
    ] == ["NSF 19-571", "NSF 20-566", "NSF 21-585"]
    deadline = Deadline.objects.get(cycle__solicitation_number="NSF 20-566")
    assert deadline.due_date == dt.date(2020, 7, 13)
    assert deadline.rule_text == "5 p.m. submitter's local time"
    assert "created" in capsys.readouterr().out


def test_seed_demo_is_idempotent(capsys):
    call_command("seed_demo", "--with-login")
    counts = (Cycle.objects.count(), Deadline.objects.count(), User.objects.count())
    capsys.readouterr()
    call_command("seed_demo", "--with-login")
    assert (Cycle.objects.count(), Deadline.objects.count(), User.objects.count()) == counts
    assert "nothing changed" in capsys.readouterr().out


def test_seed_demo_login_is_staff_in_the_program_staff_group():
    call_command("seed_demo", "--with-login")
    user = User.objects.get(username="staff")
    assert user.is_staff
    assert not user.is_superuser
    assert user.has_perm("proposals.change_proposal")
    assert user.check_password("fairprog-demo")


def test_seed_demo_creates_no_login_unless_asked():
    call_command("seed_demo")
    assert not User.objects.exists()


def test_seed_demo_loads_real_awards_into_their_cycles():
    call_command("seed_demo")
    cycles = dict(Award.objects.values_list("award_number", "cycle__solicitation_number"))
    assert cycles == {
        "2040800": "NSF 20-566",
        "2040926": "NSF 20-566",
        "2040942": "NSF 20-566",
        "2147276": "NSF 21-585",
    }
    crowd_audits = Award.objects.get(award_number="2040942")
    assert crowd_audits.institution.name == "Carnegie-Mellon University"
    assert crowd_audits.investigators.get(role="pi").person.family_name == "Hong"
    assert Award.objects.get(award_number="2147276").program_elements.count() == 1


def test_seed_demo_marks_fictional_proposals_and_spreads_them_over_the_workflow():
    call_command("seed_demo")
    proposals = Proposal.objects.all()
    assert proposals.count() >= 24
    assert not proposals.filter(is_demo=False).exists()
    statuses = set(proposals.values_list("status", flat=True))
    assert {"draft", "submitted", "under_review", "recommended", "declined", "withdrawn"} <= (
        statuses
    )
    demo_cycle = Cycle.objects.filter(proposals__isnull=False).distinct().get()
    assert "demo" in demo_cycle.title
    assert demo_cycle.deadlines.filter(visibility="staff").exists()
