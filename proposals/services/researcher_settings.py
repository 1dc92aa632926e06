"""A researcher's own preferences, set from /my/settings/: the time zone their deadlines are
shown and reminded in, and whether reminder e-mails reach them."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from fairprog.errors import DomainError
from proposals.models import Person
from proposals.models.fields import validate_time_zone

TIME_ZONE_MAX_LENGTH = Person._meta.get_field("time_zone").max_length or 64


def researcher_settings_update(*, person: Person, time_zone: str, reminders: bool) -> Person:
    """Save ``person``'s time zone (an IANA name; blank for the program's) and whether they
    get reminder e-mails. Refuses an unknown zone, naming the field, and changes nothing."""
    zone = time_zone.strip()
    if zone:
        if len(zone) > TIME_ZONE_MAX_LENGTH or "\x00" in zone:
            raise DomainError(
                "Your settings were not saved: that is not a time zone.",
                errors={"time_zone": ["Use an IANA name such as America/New_York."]},
            )
        try:
            validate_time_zone(zone)
        except ValidationError as exc:
            raise DomainError(
                "Your settings were not saved: " + " ".join(exc.messages),
                errors={"time_zone": exc.messages},
            ) from exc
    with transaction.atomic():
        locked = Person.objects.select_for_update().get(pk=person.pk)
        locked.time_zone = zone
        locked.reminders_opt_out = not reminders
        locked.save(update_fields=["time_zone", "reminders_opt_out"])
    person.time_zone = locked.time_zone
    person.reminders_opt_out = locked.reminders_opt_out
    return person
