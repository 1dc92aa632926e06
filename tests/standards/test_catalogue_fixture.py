"""The standards suite's catalogue holds what its validators must see."""

from artifacts.models import Artifact
from proposals.models import Deadline


def test_the_catalogue_has_the_demo_artifacts_and_every_edge_case(
    standards_catalogue, edge_artifacts
):
    public = {artifact.pk for artifact in standards_catalogue}
    assert {artifact.pk for artifact in edge_artifacts.values()} <= public
    assert not edge_artifacts["no_creators"].creator_links.exists()
    assert not edge_artifacts["no_creators"].doi
    assert len(edge_artifacts["short_summary"].summary) == 30
    special = edge_artifacts["special_characters"]
    for character in "#$%&_{}~^\\<>\"'":
        assert character in special.title
        assert character in special.summary
    assert Artifact.objects.filter(status=Artifact.Status.PUBLISHED).count() >= 10
    assert Deadline.objects.filter(time_rule=Deadline.TimeRule.FIXED_ZONE).exists()
