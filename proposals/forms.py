"""Public forms of the proposals app: subscribing to deadline reminders."""

from __future__ import annotations

import functools
import zoneinfo
from collections.abc import Sequence
from typing import Any, cast

from django import forms

from proposals.models import Cycle, Program
from proposals.validators import normalize_email

# Region folders of the IANA database; the rest are aliases kept for old systems
# ("US/Eastern", "EST5EDT", "Etc/GMT+5") that would only lengthen the suggestions.
ZONE_REGIONS = (
    "Africa/",
    "America/",
    "Antarctica/",
    "Asia/",
    "Atlantic/",
    "Australia/",
    "Europe/",
    "Indian/",
    "Pacific/",
)


@functools.cache
def time_zone_suggestions() -> tuple[str, ...]:
    return tuple(
        sorted(zone for zone in zoneinfo.available_timezones() if zone.startswith(ZONE_REGIONS))
    )


@functools.cache
def _zones_by_lower_name() -> dict[str, str]:
    return {zone.lower(): zone for zone in zoneinfo.available_timezones()}


class SubscribeForm(forms.Form):
    """E-mail address, optional time zone, and which deadlines: every cycle of a program or
    one open or planned cycle. ``cycles`` are the cycles offered; none gives a program-wide
    form with no choice to make."""

    # Text, checked by normalize_email in clean_email: it says more precisely than
    # EmailField what is wrong, and reads the spellings EmailField would refuse first.
    email = forms.CharField(
        label="E-mail address",
        max_length=320,
        error_messages={"required": "Enter your e-mail address."},
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )
    time_zone = forms.CharField(
        label="Your time zone (optional)",
        required=False,
        max_length=64,
        help_text=(
            "NSF deadlines are at 5 p.m. where the submitter is; give your time zone, such "
            "as America/Chicago or Europe/Berlin, to be reminded of that moment."
        ),
        widget=forms.TextInput(
            attrs={"list": "subscribe-time-zones", "autocomplete": "off", "spellcheck": "false"}
        ),
    )
    program = forms.SlugField(widget=forms.HiddenInput)
    cycle = forms.TypedChoiceField(
        label="Remind me of",
        required=False,
        coerce=int,
        empty_value=None,
        error_messages={
            "invalid_choice": "That cycle no longer takes subscriptions; choose another."
        },
    )
    # Left empty by people (it is hidden from view and from assistive technology); form
    # robots fill every field they find.
    website = forms.CharField(
        label="Leave this field empty",
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def __init__(
        self,
        data: Any = None,
        *,
        program: Program,
        cycles: Sequence[Cycle] = (),
        initial_cycle: int | None = None,
        suggest_zones: bool = True,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("auto_id", "subscribe-%s")
        initial = {"program": program.slug, "cycle": initial_cycle, **kwargs.pop("initial", {})}
        super().__init__(data, initial=initial, **kwargs)
        # Not "program": templates read form.program as the bound field of that name.
        self.for_program = program
        self.cycles = {cycle.pk: cycle for cycle in cycles if cycle.program_id == program.pk}
        field = cast(forms.TypedChoiceField, self.fields["cycle"])
        field.choices = [("", f"Every cycle of {program.name}")] + [
            (cycle.pk, f"{cycle.solicitation_number} ({cycle.year}) only")
            for cycle in self.cycles.values()
        ]
        if not self.cycles:
            field.widget = forms.HiddenInput()
        # The suggestions weigh about 16 kB: left out of the forms embedded in busy pages,
        # where a name typed wrong brings the form's own page, suggestions included.
        self.suggest_zones = suggest_zones
        if not suggest_zones:
            self.fields["time_zone"].widget.attrs.pop("list", None)

    @property
    def time_zones(self) -> tuple[str, ...]:
        return time_zone_suggestions() if self.suggest_zones else ()

    @property
    def is_honeypot_filled(self) -> bool:
        return bool(self.cleaned_data.get("website"))

    def clean_program(self) -> str:
        slug: str = self.cleaned_data["program"]
        if slug != self.for_program.slug:
            raise forms.ValidationError("This form belongs to another program; reload the page.")
        return slug

    def clean_email(self) -> str:
        # The address as it is stored and counted (quotes, case and IDNA forms folded).
        return normalize_email(str(self.cleaned_data["email"]))

    def clean_time_zone(self) -> str:
        typed = str(self.cleaned_data["time_zone"]).strip().replace(" ", "_")
        # IANA names are case-sensitive; "america/chicago" is still plainly America/Chicago.
        return _zones_by_lower_name().get(typed.lower(), typed)

    @property
    def chosen_cycle(self) -> Cycle | None:
        pk = self.cleaned_data.get("cycle")
        return self.cycles.get(pk) if pk is not None else None
