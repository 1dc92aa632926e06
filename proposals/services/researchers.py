"""Researchers' sign-in: the login a PI, co-PI or reviewer signs in as, and the single-use link
e-mailed to the address on their Person record. Who asked, and whether the address is known, is
never told back: the caller answers the same way whatever happens here."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Q
from sesame.utils import get_token

from fairprog.mail import templated_message
from proposals.models import Person

logger = logging.getLogger(__name__)


def researchers_at(email: str) -> list[Person]:
    """The people with this address (case aside) who are investigators on an award, or
    active reviewers."""
    address = email.strip()
    if not address:
        return []
    return list(
        Person.objects.filter(email__iexact=address)
        .filter(Q(award_roles__isnull=False) | Q(reviewer_profile__active=True))
        .distinct()
        .order_by("pk")
    )


@transaction.atomic
def researcher_user(person: Person) -> AbstractBaseUser:
    """The login ``person`` signs in as, made on first use: no password (only e-mailed links
    sign it in), no staff rights."""
    locked = Person.objects.select_for_update().get(pk=person.pk)
    if locked.user_id is not None:
        return locked.user  # type: ignore[return-value]
    user = get_user_model().objects.create_user(
        username=f"person-{locked.pk}",
        email=locked.email,
        first_name=locked.given_name[:150],
        last_name=locked.family_name[:150],
    )
    user.set_unusable_password()
    user.save(update_fields=["password"])
    locked.user = user
    locked.save(update_fields=["user"])
    person.user = user
    return user


def signin_links_send(*, email: str, link_for: Callable[[str], str]) -> int:
    """E-mail each researcher at ``email`` a link that signs in that person only
    (``link_for`` turns a token into the absolute address); returns how many were sent."""
    sent = 0
    for person in researchers_at(email):
        user = researcher_user(person)
        message = templated_message(
            template="account/email/signin",
            context={
                "person": person,
                "link": link_for(get_token(user)),
                "minutes": settings.SESAME_MAX_AGE // 60,
            },
            subject="Your FairProg sign-in link",
            to=[person.email],
        )
        message.send()
        sent += 1
    logger.info("Sign-in links sent: %d", sent)
    return sent
