"""The weekly digest of broken links: staff who may see the link list (each link with the
admin's list of broken links), and (with LINKCHECK_DIGEST_TO_PI) each award's PI about their
own artifacts (each link with the page where the PI edits that artifact)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from artifacts.models import ArtifactLink, LinkState
from fairprog.mail import templated_message
from proposals.models import AwardInvestigator


def _digest_staff_addresses() -> list[str]:
    """Staff who may see the link list: the digest names draft artifacts too, so a staff
    login without that permission gets none (as it gets 403 in the admin)."""
    permission = Q(codename="view_artifactlink", content_type__app_label="artifacts")
    allowed = Permission.objects.filter(permission)
    return list(
        get_user_model()
        .objects.filter(is_active=True, is_staff=True)
        .filter(
            Q(is_superuser=True)
            | Q(user_permissions__in=allowed)
            | Q(groups__permissions__in=allowed)
        )
        .exclude(email="")
        .values_list("email", flat=True)
        .distinct()
        .order_by("email")
    )


def links_digest_send(*, now: dt.datetime | None = None, days: int = 7) -> int:
    """E-mail staff (and, with LINKCHECK_DIGEST_TO_PI, each award's PI about their own
    artifacts) the links that became broken in the last ``days``. Returns messages sent."""
    now = now or timezone.now()
    broken = list(
        ArtifactLink.objects.filter(
            state=LinkState.BROKEN, state_since__gte=now - dt.timedelta(days=days)
        )
        .select_related("artifact")
        .order_by("artifact__title", "role")
    )
    if not broken:
        return 0
    messages = []
    staff = _digest_staff_addresses()
    if staff:
        messages.append(_digest(broken, to=staff, days=days))
    if settings.LINKCHECK_DIGEST_TO_PI:
        pis: dict[int, set[str]] = defaultdict(set)
        for award_id, email in AwardInvestigator.objects.filter(
            award_id__in={link.artifact.award_id for link in broken},
            role=AwardInvestigator.Role.PI,
        ).values_list("award_id", "person__email"):
            if email:
                pis[award_id].add(email)
        by_pi: dict[str, list[ArtifactLink]] = defaultdict(list)
        for link in broken:
            for email in pis[link.artifact.award_id]:
                by_pi[email].append(link)
        messages += [
            _digest(links, to=[email], days=days, for_pi=True) for email, links in by_pi.items()
        ]
    with get_connection() as connection:
        return connection.send_messages(messages) or 0


def _digest(
    links: list[ArtifactLink], *, to: list[str], days: int, for_pi: bool = False
) -> EmailMultiAlternatives:
    site = settings.SITE_URL
    rows = [
        {
            "link": link,
            "page_url": site + reverse("artifacts:detail", args=[link.artifact.slug]),
            # A PI mends a link where they edit the artifact (a published one's edit waits
            # for review); staff have the admin.
            "edit_url": site + reverse("my:artifact-edit", args=[link.artifact.pk])
            if for_pi
            else "",
        }
        for link in links
    ]
    context = {
        "links": links,
        "rows": rows,
        "days": days,
        "for_pi": for_pi,
        "my_url": site + reverse("my:projects"),
        "admin_url": ""
        if for_pi
        else site + reverse("admin:artifacts_artifactlink_changelist") + "?state__exact=broken",
        "site_url": site,
    }
    noun = "link" if len(links) == 1 else "links"
    return templated_message(
        template="artifacts/email/broken_links",
        context=context,
        subject=f"{len(links)} artifact {noun} became broken in the last {days} days",
        to=to,
    )
