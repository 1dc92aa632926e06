"""Public pages of deadline-reminder subscriptions: subscribe, confirm (double opt-in) and
unsubscribe. Parse, call a service, render."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import slug_re
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe
from django_ratelimit.core import get_usage

from fairprog.errors import DomainError
from proposals.forms import SubscribeForm
from proposals.models import Cycle, Program
from proposals.reminders.mail import unsubscribe_recipient
from proposals.services import reminders, subscriptions
from proposals.validators import mailbox_key, normalize_email

# Per address, whatever the client: stops one inbox being flooded from many networks.
SUBSCRIBE_RATE_PER_ADDRESS = "3/h"
View = Callable[..., HttpResponse]


def subscribe_rate(group: str, request: HttpRequest) -> str:
    # Read per request, so a changed setting (or a test's override) applies at once.
    return str(settings.REMINDER_SUBSCRIBE_RATE)


def _address_key(group: str, request: HttpRequest) -> str:
    """The mailbox a POST names, however it is spelt ("V@Example.net", '"v"@example.net',
    v+1@example.net count as one). An address that cannot be one counts as typed: it is
    refused, and no e-mail goes to it."""
    typed = request.POST.get("email", "")
    try:
        return mailbox_key(normalize_email(typed))
    except ValidationError:
        return typed.strip().lower()


def _private(view: View) -> View:
    """Pages with tokens in their address or answers about one person's subscription:
    kept out of shared caches, search engines and other sites' Referer logs."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        # Not "no-referrer": under it browsers post forms with "Origin: null", which the
        # CSRF check must refuse. "same-origin" sends other sites nothing all the same.
        response["Referrer-Policy"] = "same-origin"
        return response

    return cache_control(private=True, no_store=True)(wrapped)


def _wait_seconds(request: HttpRequest) -> int | None:
    """Seconds until this client may post again, or None if it is within the limits.
    Every POST counts, valid or not."""
    limits: list[tuple[str, Any, Any]] = [("ip", "ip", subscribe_rate)]
    if _address_key("", request):
        limits.append(("address", _address_key, SUBSCRIBE_RATE_PER_ADDRESS))
    waits = []
    for name, key, rate in limits:
        usage = get_usage(
            request,
            group=f"reminders.subscribe.{name}",
            key=key,
            rate=rate,
            method="POST",
            increment=True,
        )
        if usage and usage["should_limit"]:
            # time_left is negative when the cache could not count; a minute is a fair guess.
            waits.append(usage["time_left"] if usage["time_left"] > 0 else 60)
    return max(waits) if waits else None


def _program(slug: str | None) -> Program:
    programs = Program.objects.order_by("name")
    if slug and not slug_re.fullmatch(slug):
        # Not a slug at all (a multipart body is not checked for NUL before the view).
        raise Http404("No such program.")
    program = programs.filter(slug=slug).first() if slug else programs.first()
    if program is None:
        raise Http404("No such program.")
    return program


def _offered_cycles(program: Program) -> list[Cycle]:
    return list(
        program.cycles.filter(status__in=[Cycle.Status.OPEN, Cycle.Status.PLANNED]).order_by(
            "-year"
        )
    )


def _int(value: str | None) -> int | None:
    # ASCII only: str.isdigit() accepts "²", which int() refuses; no id reaches 2**31.
    if value and value.isascii() and value.isdigit() and int(value) < 2**31:
        return int(value)
    return None


def _form_page(
    request: HttpRequest, form: SubscribeForm, *, status: int = 200, problem: str = ""
) -> HttpResponse:
    return render(
        request, "proposals/subscribe.html", {"form": form, "problem": problem}, status=status
    )


# No CSRF token: the form is on pages served whole from the page cache (the home page, the
# cycles), where a token would be one visitor's. A forged post can do no more than anyone may:
# ask for a confirmation e-mail to an address, under the same rate limits; it acts for no
# signed-in user, and nothing is subscribed until the link in that e-mail is followed.
@csrf_exempt
@_private
@require_http_methods(["GET", "HEAD", "POST"])
def subscribe(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        cycle_id = _int(request.GET.get("cycle"))
        slug = request.GET.get("program")
        if cycle_id and not slug:
            slug = Cycle.objects.filter(pk=cycle_id).values_list("program__slug", flat=True).first()
        program = _program(slug)
        return _form_page(
            request,
            SubscribeForm(program=program, cycles=_offered_cycles(program), initial_cycle=cycle_id),
        )

    program = _program(request.POST.get("program"))
    cycles = _offered_cycles(program)
    wait = _wait_seconds(request)
    if wait is not None:
        # Shown unvalidated: the answer is the same whatever was typed.
        typed = {name: request.POST.get(name, "") for name in ("email", "time_zone")}
        form = SubscribeForm(
            program=program,
            cycles=cycles,
            initial_cycle=_int(request.POST.get("cycle")),
            initial=typed,
        )
        minutes = max(1, round(wait / 60))
        response = _form_page(
            request,
            form,
            status=429,
            problem=(
                "Too many subscription requests came from your network or for this address. "
                f"Try again in {minutes} minute{'s' if minutes != 1 else ''}."
            ),
        )
        response["Retry-After"] = str(wait)
        return response

    form = SubscribeForm(request.POST, program=program, cycles=cycles)
    if not form.is_valid():
        return _form_page(request, form, status=400)
    if not form.is_honeypot_filled:
        try:
            subscriptions.subscription_request(
                email=form.cleaned_data["email"],
                program=program,
                cycle=form.chosen_cycle,
                time_zone=form.cleaned_data["time_zone"],
            )
        except DomainError as exc:
            for field, messages in (exc.errors or {"__all__": [exc.message]}).items():
                form.add_error(field if field in form.fields else None, messages)
            return _form_page(request, form, status=400)
    response = HttpResponseRedirect(reverse("reminders:subscribe-sent"))
    response.status_code = 303  # the next request is a GET whatever the method was
    return response


@_private
@require_safe
def subscribe_sent(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "proposals/subscribe_sent.html",
        {
            "hours": settings.REMINDER_CONFIRMATION_HOURS,
            "resend_minutes": int(subscriptions.RESEND_AFTER.total_seconds() // 60),
        },
    )


@_private
@require_http_methods(["GET", "HEAD", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    # A GET only shows the button: mail systems open links to scan them, and that must
    # not subscribe anyone.
    try:
        if request.method == "POST":
            subscription = subscriptions.subscription_confirm(token=token)
            done = True
        else:
            subscription = subscriptions.subscription_for_confirmation(token=token)
            done = subscription.is_active
    except DomainError as exc:
        return render(request, "proposals/confirm.html", {"error": exc.message}, status=400)
    return render(
        request,
        "proposals/confirm.html",
        {
            "done": done,
            "just_confirmed": request.method == "POST",
            "scope": subscription.cycle or subscription.program.name,
            "time_zone": subscription.time_zone or subscription.program.time_zone,
        },
    )


@_private
@csrf_exempt  # RFC 8058: mail providers post the one-click unsubscribe without a cookie
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    try:
        if request.method == "POST":
            what = reminders.recipient_unsubscribe(token=token)
            return render(request, "proposals/unsubscribe.html", {"done": True, "what": what})
        unsubscribe_recipient(token)  # refuse a link not issued here
    except DomainError as exc:
        return render(request, "proposals/unsubscribe.html", {"error": exc.message}, status=400)
    return render(request, "proposals/unsubscribe.html", {"done": False})
