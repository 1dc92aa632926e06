"""seed_demo loads the real program once, and a second run changes nothing."""

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from proposals.models import Cycle, Deadline, Program

pytestmark = pytest.mark.django_db


def test_seed_demo_loads_the_fai_program_with_its_cycles_and_deadlines(capsys):
    call_command("seed_demo")
    program = Program.objects.get(short_name="FAI")
    assert sorted(program.funders.values_list("name", flat=True)) == [
        "Amazon",
        "National Science Foundation",
    ]
    assert list(program.cycles.order_by("year").values_list("solicitation_number", flat=True)) == [
        "NSF 19-571",
        "NSF 20-566",
        "NSF 21-585",
    ]
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
