"""The staff dashboard (the admin index): each selector's numbers on a small known
portfolio, the filters, the CSVs, links to the admin lists, query counts, staff only."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone

from artifacts.models import Artifact, ArtifactLink, FairnessDimension, LinkHealthDay, LinkState
from artifacts.services import links
from fairprog.portfolio import queries, staff_charts
from fairprog.portfolio.charts import Chart
from fairprog.portfolio.queries import Scope
from proposals.models import Cycle, Deadline, Proposal, ReminderDelivery
from tests.artifacts.factories import ArtifactFactory
from tests.proposals.factories import (
    AwardFactory,
    CycleFactory,
    DeadlineFactory,
    OrganizationFactory,
    ProgramFactory,
    ProposalFactory,
)

pytestmark = pytest.mark.django_db

UTC = dt.UTC
Status = Proposal.Status


def _published(year: int, month: int, day: int) -> dt.datetime:
    return dt.datetime(year, month, day, 16, 0, tzinfo=UTC)


def _proposal(cycle, status, *, submitted=True):
    return ProposalFactory(
        cycle=cycle,
        status=status,
        submitted_at=timezone.now() if submitted else None,
    )


@pytest.fixture
def portfolio():
    """Two cycles of FAI (2020, awarded; 2021, open) and one of another program."""
    fai = ProgramFactory()
    other = ProgramFactory(name="Other program", short_name="OTH", slug="oth")
    c2020 = CycleFactory(program=fai, year=2020, status=Cycle.Status.AWARDED)
    c2021 = CycleFactory(program=fai, year=2021, status=Cycle.Status.OPEN)
    c_other = CycleFactory(program=other, year=2021, status=Cycle.Status.OPEN)
    penn = OrganizationFactory(name="Penn State", state="PA")
    berkeley = OrganizationFactory(name="UC Berkeley", state="CA")
    nowhere = OrganizationFactory(name="Stateless Institute", state="")
    today = timezone.localdate()
    awards = {
        "a1": AwardFactory(program=fai, cycle=c2020, institution=penn,
                           intended_amount=Decimal("500000"), awarded_amount=Decimal("400000"),
                           obligated_amount=Decimal("300000"),
                           start_date=today - dt.timedelta(days=30),
                           end_date=today + dt.timedelta(days=300)),
        "a2": AwardFactory(program=fai, cycle=c2020, institution=berkeley,
                           intended_amount=Decimal("100000"), awarded_amount=Decimal("100000"),
                           obligated_amount=Decimal("50000"),
                           start_date=dt.date(2020, 9, 1), end_date=dt.date(2021, 8, 31)),
        "a3": AwardFactory(program=fai, cycle=c2021, institution=penn,
                           intended_amount=Decimal("200000"), awarded_amount=Decimal("200000"),
                           obligated_amount=None),
        "a4": AwardFactory(program=fai, cycle=None, institution=nowhere,
                           intended_amount=Decimal("10000"), awarded_amount=Decimal("10000"),
                           obligated_amount=Decimal("10000")),
        "other": AwardFactory(program=other, cycle=c_other, institution=berkeley,
                              intended_amount=Decimal("70000"), awarded_amount=Decimal("70000"),
                              obligated_amount=Decimal("70000")),
    }  # fmt: skip
    for status in [Status.SUBMITTED, Status.UNDER_REVIEW, Status.UNDER_REVIEW, Status.RECOMMENDED,
                   Status.DECLINED, Status.AWARDED, Status.WITHDRAWN]:  # fmt: skip
        _proposal(c2021, status)
    _proposal(c2021, Status.DRAFT, submitted=False)
    _proposal(c2021, Status.WITHDRAWN, submitted=False)  # withdrawn before submitting
    _proposal(c_other, Status.UNDER_REVIEW)

    age, gender = FairnessDimension.objects.filter(slug__in=["age", "gender"]).order_by("slug")
    artifacts = [
        ArtifactFactory(award=awards["a1"], kind="dataset", published_at=_published(2021, 2, 1),
                        dimensions=[gender, age]),
        ArtifactFactory(award=awards["a1"], kind="tool", published_at=_published(2021, 3, 1),
                        dimensions=[gender]),
        # Late on 31 March in New York, already 1 April in UTC: still the first quarter.
        ArtifactFactory(award=awards["a2"], kind="dataset",
                        published_at=dt.datetime(2021, 4, 1, 3, 30, tzinfo=UTC)),
        ArtifactFactory(award=awards["a3"], kind="metric", published_at=_published(2021, 10, 5),
                        dimensions=[age]),
        ArtifactFactory(award=awards["other"], kind="model",
                        published_at=_published(2021, 11, 5), dimensions=[gender]),
        ArtifactFactory(award=awards["a1"], kind="model", status="draft", published_at=None,
                        dimensions=[gender]),
    ]  # fmt: skip
    return {"fai": fai, "other": other, "c2020": c2020, "c2021": c2021, "c_other": c_other,
            "awards": awards, "artifacts": artifacts}  # fmt: skip


def _link(artifact, *, state="ok"):
    return ArtifactLink.objects.create(
        artifact=artifact, role="landing", url=artifact.landing_url, host="example.org",
        state=state,
    )  # fmt: skip


def _record_day(day: dt.date) -> None:
    links.link_health_record_day(day=day)


def _delivery(deadline, n, *, state, sent_at=None):
    now = timezone.now()
    return ReminderDelivery.objects.create(
        deadline=deadline, recipient=f"staff:{n}", email=f"s{n}@example.org", time_zone="UTC",
        offset_days=7, due_at=deadline.due_at, send_at=now, state=state, sent_at=sent_at,
    )  # fmt: skip


# --- Headline figures ---------------------------------------------------------------


def test_figures_count_the_portfolio_as_it_stands(portfolio):
    _link(portfolio["artifacts"][0], state="broken")
    _link(portfolio["artifacts"][1], state="failing")

    figures = queries.dashboard_figures()

    assert (
        figures.count("open_cycles"),
        figures.count("proposals_in_review"),
        figures.count("awards_active"),
    ) == (2, 3, 1)
    assert (figures.count("artifacts_published"), figures.count("links_broken")) == (5, 1)


def test_figures_next_deadline_is_the_soonest_upcoming_one_of_an_open_cycle(portfolio):
    now = timezone.now()
    soon, later = (now + dt.timedelta(days=10)).date(), (now + dt.timedelta(days=40)).date()
    DeadlineFactory(cycle=portfolio["c2021"], due_date=later)
    DeadlineFactory(cycle=portfolio["c_other"], due_date=soon, kind=Deadline.Kind.LETTER_OF_INTENT)
    DeadlineFactory(cycle=portfolio["c2020"], due_date=now.date() + dt.timedelta(days=2))
    DeadlineFactory(cycle=portfolio["c2021"], due_date=now.date() - dt.timedelta(days=3))

    figures = queries.dashboard_figures(now=now)

    assert figures.next_deadline_at is not None
    assert timezone.localtime(figures.next_deadline_at).date() == soon
    assert figures.next_deadline_kind_label == "Letter of intent"
    assert figures.next_deadline_cycle == portfolio["c_other"].solicitation_number


def test_open_cycles_figure_counts_down_to_the_next_deadline(staff_client, portfolio):
    due = timezone.localdate() + dt.timedelta(days=12)
    DeadlineFactory(cycle=portfolio["c2021"], due_date=due)

    page = staff_client.get(reverse("admin:index"))

    figure = next(f for f in page.context["figures"] if f.key == "open_cycles")
    assert figure.value == 2
    assert figure.detail.startswith("Next deadline in 1")  # 11 or 12 days, by the clock
    assert figure.detail.endswith(
        f"Full proposal, {portfolio['c2021'].solicitation_number}, {due:%B} {due.day}, {due.year}"
    )


def test_figures_count_reminders_of_the_last_seven_days(portfolio):
    deadline = DeadlineFactory(cycle=portfolio["c2021"])
    now = timezone.now()
    _delivery(deadline, 1, state="sent", sent_at=now - dt.timedelta(days=1))
    _delivery(deadline, 2, state="sent", sent_at=now - dt.timedelta(days=8))
    _delivery(deadline, 3, state="failed")
    old = _delivery(deadline, 4, state="failed")
    ReminderDelivery.objects.filter(pk=old.pk).update(updated_at=now - dt.timedelta(days=9))
    _delivery(deadline, 5, state="pending")

    figures = queries.dashboard_figures(now=now)

    assert (figures.count("reminders_sent"), figures.count("reminders_failed")) == (1, 1)


def test_figures_are_zero_without_any_program():
    assert queries.dashboard_figures() == queries.Figures()


def test_each_figure_links_to_an_admin_list_that_accepts_its_filters(staff_client, portfolio):
    page = staff_client.get(reverse("admin:index"))

    urls = [figure.url for figure in page.context["figures"]]
    assert len(urls) == 7
    for url in urls:
        response = staff_client.get(url)
        # The admin redirects to ?e=1 when it refuses a filter.
        assert response.status_code == 200, url


def test_figure_link_to_broken_links_filters_the_link_list(staff_client, portfolio):
    page = staff_client.get(reverse("admin:index"))

    broken = next(f for f in page.context["figures"] if f.key == "links_broken")
    assert broken.url == (
        reverse("admin:artifacts_artifactlink_changelist") + "?state__exact=broken"
    )


# --- Charts ------------------------------------------------------------------------


def _table(chart: Chart) -> dict[str, list]:
    return {label: [s.values[i] for s in chart.series] for i, label in enumerate(chart.labels)}


def test_funding_sums_each_amount_by_cycle_year(portfolio):
    chart = staff_charts.chart_funding(Scope())

    assert [s.key for s in chart.series] == ["awards", "intended", "awarded", "obligated"]
    assert _table(chart) == {
        "2020": [2, Decimal("600000"), Decimal("500000"), Decimal("350000")],
        "2021": [2, Decimal("270000"), Decimal("270000"), Decimal("70000")],
        "No cycle": [1, Decimal("10000"), Decimal("10000"), Decimal("10000")],
    }


def test_funnel_is_cumulative_with_the_success_rate(portfolio):
    chart = staff_charts.chart_funnel(Scope(program_id=portfolio["fai"].pk))

    # submitted: all but the draft and the proposal withdrawn before submission.
    label = f"{portfolio['c2021'].solicitation_number} (2021)"
    assert _table(chart) == {label: [7, 5, 2, 1, 14.3]}
    assert chart.tick_labels == [[label, "14 % awarded"]]


def test_artifacts_by_quarter_count_published_ones_in_the_program_time_zone(portfolio):
    chart = staff_charts.chart_artifacts_by_quarter(Scope())

    assert chart.labels == ["2021 Q1", "2021 Q2", "2021 Q3", "2021 Q4"]
    assert {s.key: s.values for s in chart.series} == {
        "dataset": [2, 0, 0, 0],
        "metric": [0, 0, 0, 1],
        "tool": [1, 0, 0, 0],
        "model": [0, 0, 0, 1],
    }


def test_dimensions_list_every_dimension_with_its_published_artifacts(portfolio):
    chart = staff_charts.chart_dimensions(Scope())

    counts = _table(chart)
    assert counts["Gender"] == [3]  # the draft is not counted
    assert counts["Age"] == [2]
    assert counts["Religion"] == [0]
    assert chart.labels[:2] == ["Gender", "Age"]
    assert len(chart.labels) == FairnessDimension.objects.count()


def test_institutions_are_the_top_fifteen_by_awards(portfolio):
    for n in range(16):
        AwardFactory(
            program=portfolio["fai"], institution=OrganizationFactory(name=f"Inst {n:02d}")
        )

    chart = staff_charts.chart_institutions(Scope())

    assert len(chart.labels) == 15
    assert chart.labels[:2] == ["Penn State", "UC Berkeley"]
    assert _table(chart)["Penn State"] == [2, Decimal("600000")]


def test_states_put_awards_without_a_state_under_not_recorded(portfolio):
    AwardFactory(program=portfolio["fai"], institution=None, awarded_amount=Decimal("5"))

    chart = staff_charts.chart_states(Scope())

    assert _table(chart) == {
        "CA": [2, Decimal("170000")],
        "PA": [2, Decimal("600000")],
        "Not recorded": [2, Decimal("10005")],
    }


def test_link_health_averages_the_days_recorded_each_week(portfolio):
    one, two = (_link(a) for a in portfolio["artifacts"][:2])
    monday = dt.date(2025, 3, 3)
    _record_day(monday)  # two working links
    ArtifactLink.objects.filter(pk=one.pk).update(state=LinkState.FAILING)
    _record_day(monday + dt.timedelta(days=1))  # one failing, one working
    ArtifactLink.objects.filter(pk=two.pk).update(state=LinkState.BLOCKED)
    _record_day(monday + dt.timedelta(days=15))  # one failing, one blocked

    chart = staff_charts.chart_link_health(Scope())

    # ok, redirected, blocked, failing or broken, not checked yet
    assert _table(chart) == {
        "2025-03-03": [2, 0, 0, 0, 0],  # 1.5 working and 0.5 failing, rounded to even
        "2025-03-10": [0, 0, 0, 0, 0],
        "2025-03-17": [0, 0, 1, 1, 0],
    }
    assert chart.tick_labels == [["Mar 3"], ["Mar 10"], ["Mar 17"]]


def test_recording_a_day_again_replaces_it(portfolio):
    _link(portfolio["artifacts"][0])
    links.link_health_record_day(day=dt.date(2025, 3, 3))
    links.link_health_record_day(day=dt.date(2025, 3, 3))

    assert LinkHealthDay.objects.filter(day=dt.date(2025, 3, 3)).count() == 1


# --- Filters -----------------------------------------------------------------------


def test_program_filter_applies_to_every_chart(portfolio):
    for artifact in portfolio["artifacts"][3:5]:
        _link(artifact)
    _record_day(dt.date(2025, 3, 4))
    other = Scope(program_id=portfolio["other"].pk)

    charts = {key: build(other) for key, (build, _) in staff_charts.STAFF_CHARTS.items()}

    assert charts["funding"].labels == ["2021"]
    assert charts["funnel"].series[0].values == [1]
    assert charts["artifacts"].series[0].key == "model"
    assert _table(charts["dimensions"])["Gender"] == [1]
    assert charts["institutions"].labels == ["UC Berkeley"]
    assert charts["states"].labels == ["CA"]
    assert _table(charts["links"]) == {"2025-03-03": [1, 0, 0, 0, 0]}


def test_year_filter_keeps_the_cycles_of_that_year(portfolio):
    scope = Scope(year=2020)

    assert staff_charts.chart_funding(scope).labels == ["2020"]
    assert staff_charts.chart_funnel(scope).labels == []
    assert staff_charts.chart_artifacts_by_quarter(scope).labels == ["2021 Q1"]


def test_dashboard_reads_the_filters_from_the_query_string(staff_client, portfolio):
    response = staff_client.get(
        reverse("admin:index"), {"program": portfolio["fai"].pk, "year": 2020}
    )

    funding = next(chart for chart, _ in response.context["charts"] if chart.key == "funding")
    assert funding.labels == ["2020"]
    assert "selected>2020</option>" in response.content.decode()


def test_dashboard_ignores_an_unknown_program(staff_client, portfolio):
    response = staff_client.get(reverse("admin:index"), {"program": "999999"})

    funding = next(chart for chart, _ in response.context["charts"] if chart.key == "funding")
    assert funding.labels == ["2020", "2021", "No cycle"]
    assert "Unknown filter value ignored" in response.content.decode()


# --- CSV ---------------------------------------------------------------------------


def test_chart_csv_has_the_table_and_a_file_name(staff_client, portfolio):
    response = staff_client.get(reverse("admin:index"), {"chart": "funding", "format": "csv"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == (
        f'attachment; filename="fairprog-funding-all-{today}.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows == [
        ["Cycle year", "Awards", "Intended (USD)", "Awarded (USD)", "Obligated (USD)"],
        ["2020", "2", "600000.00", "500000.00", "350000.00"],
        ["2021", "2", "270000.00", "270000.00", "70000.00"],
        ["No cycle", "1", "10000.00", "10000.00", "10000.00"],
    ]


def test_chart_csv_follows_the_filters(staff_client, portfolio):
    response = staff_client.get(
        reverse("admin:index"),
        {"chart": "funnel", "format": "csv", "program": portfolio["fai"].pk, "year": 2021},
    )

    assert (
        f"fairprog-funnel-program-{portfolio['fai'].pk}-2021-" in (response["Content-Disposition"])
    )
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == [
        "Cycle", "Submitted", "In review", "Recommended", "Awarded", "Success rate (%)"
    ]  # fmt: skip
    assert rows[1][1:] == ["7", "5", "2", "1", "14.3"]


def test_each_chart_offers_its_csv_with_the_current_filters(staff_client, portfolio):
    response = staff_client.get(reverse("admin:index"), {"year": 2021})

    links = {chart.key: url for chart, url in response.context["charts"]}
    assert links["states"] == "?year=2021&chart=states&format=csv"
    assert staff_client.get(reverse("admin:index") + links["states"]).status_code == 200


def test_unknown_chart_csv_is_not_found(staff_client):
    response = staff_client.get(reverse("admin:index"), {"chart": "nope", "format": "csv"})

    assert response.status_code == 404


# --- Access ------------------------------------------------------------------------


def test_staff_outside_the_program_staff_group_see_no_proposal_numbers(client, portfolio):
    client.force_login(User.objects.create_user("outsider", password="pw", is_staff=True))

    page = client.get(reverse("admin:index"))
    csv_response = client.get(reverse("admin:index"), {"chart": "funnel", "format": "csv"})

    assert page.status_code == 200
    assert page.context["charts"] == []
    assert page.context["figures"] == []
    assert "Proposal" not in page.content.decode()
    assert csv_response.status_code == 403


def test_the_dashboard_keeps_the_list_of_records(staff_client):
    response = staff_client.get(reverse("admin:index"))

    assert response.status_code == 200
    assert reverse("admin:proposals_award_changelist") in response.content.decode()
    assert reverse("admin:artifacts_artifactlink_changelist") in response.content.decode()


def test_the_dashboard_ships_its_chart_library_and_script(staff_client):
    body = staff_client.get(reverse("admin:index")).content.decode()

    assert "vendor/chart.js/chart.umd.min.js" in body
    assert "fairprog/dashboard.js" in body


# --- Queries -----------------------------------------------------------------------

# Session, user, the filters' programs and years, the user's and group's permissions, the
# headline figures, and one query per chart.
DASHBOARD_QUERIES = 14


def _grow(portfolio, rows: int) -> None:
    """More of everything the dashboard counts, spread over years, states and weeks."""
    dimension = FairnessDimension.objects.first()
    for n in range(rows):
        cycle = CycleFactory(program=portfolio["fai"], year=2040 + n)
        award = AwardFactory(program=portfolio["fai"], cycle=cycle,
                             institution=OrganizationFactory(state=f"S{n}"))  # fmt: skip
        _proposal(cycle, Status.AWARDED)
        artifact = ArtifactFactory(award=award, kind=Artifact.Kind.values[n % 7],
                                   published_at=_published(2022 + n % 5, 1 + n % 12, 1),
                                   dimensions=[dimension])  # fmt: skip
        _link(artifact)
        _record_day(dt.date(2025, 1, 1) + dt.timedelta(weeks=n))
        DeadlineFactory(cycle=cycle)


@pytest.mark.parametrize("rows", [1, 25])
def test_dashboard_query_count_is_constant(staff_client, portfolio, count_queries, rows):
    _grow(portfolio, rows)

    queries = count_queries(lambda: staff_client.get(reverse("admin:index")))

    assert queries == DASHBOARD_QUERIES


def test_filtered_dashboard_makes_as_many_queries(staff_client, portfolio, count_queries):
    url = reverse("admin:index") + f"?program={portfolio['fai'].pk}&year=2021"

    assert count_queries(lambda: staff_client.get(url)) == DASHBOARD_QUERIES
