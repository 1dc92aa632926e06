"""The researchers' sign-in pages at /account/: ask for a link (the same answer whether or not
the address is known, limited per address and per client), sign in from the link (a button,
as mail scanners open links), sign out."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib.auth import authenticate, login, logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_ratelimit.core import get_usage

from proposals.services.researchers import signin_links_send
from proposals.validators import mailbox_key, normalize_email

# Per address, whatever the client: stops one inbox being flooded from many networks.
SIGNIN_RATE_PER_ADDRESS = "5/h"
BACKEND = "sesame.backends.ModelBackend"


class SigninForm(forms.Form):
    email = forms.EmailField(
        label="Your e-mail address",
        max_length=254,
        help_text="The address on your award: the one NSF and the program write to.",
        widget=forms.EmailInput(
            attrs={"autocomplete": "email", "autofocus": True, "aria-describedby": "email-help"}
        ),
    )


def _address_key(group: str, request: HttpRequest) -> str:
    typed = request.POST.get("email", "")
    try:
        return mailbox_key(normalize_email(typed))
    except forms.ValidationError:
        return typed.strip().lower()


def _signin_rate(group: str, request: HttpRequest) -> str:
    return str(settings.RESEARCHER_SIGNIN_RATE)


def _limited(request: HttpRequest) -> tuple[bool, bool]:
    """(this client is over its limit, this address is over its limit); every POST counts."""
    over = []
    for name, key, rate in (
        ("ip", "ip", _signin_rate),
        ("address", _address_key, SIGNIN_RATE_PER_ADDRESS),
    ):
        usage = get_usage(
            request, group=f"account.signin.{name}", key=key, rate=rate, method="POST",
            increment=True,
        )  # fmt: skip
        over.append(bool(usage and usage["should_limit"]))
    return over[0], over[1]


def _private(response: HttpResponse) -> HttpResponse:
    response["Referrer-Policy"] = "same-origin"
    return response


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def signin_request(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _private(render(request, "account/signin_request.html", {"form": SigninForm()}))
    form = SigninForm(request.POST)
    client_over, address_over = _limited(request)
    if client_over:
        context = {
            "form": form,
            "problem": "Too many sign-in requests came from your network. Try again in an hour.",
        }
        response = render(request, "account/signin_request.html", context, status=429)
        response["Retry-After"] = "3600"
        return _private(response)
    if not form.is_valid():
        return _private(render(request, "account/signin_request.html", {"form": form}, status=400))
    if not address_over:

        def link_for(token: str) -> str:
            query = urlencode({"sesame": token})
            return request.build_absolute_uri(f"{reverse('account:signin')}?{query}")

        signin_links_send(email=form.cleaned_data["email"], link_for=link_for)
    # The same answer whether the address is known, unknown or over its limit.
    response = HttpResponseRedirect(reverse("account:sent"))
    response.status_code = 303
    return response


@never_cache
@require_safe
def signin_sent(request: HttpRequest) -> HttpResponse:
    context = {"minutes": settings.SESAME_MAX_AGE // 60}
    return _private(render(request, "account/signin_sent.html", context))


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def signin(request: HttpRequest) -> HttpResponse:
    """GET shows a button carrying the link's token; POST signs in with it. A link is used up
    only by the button, so a mail scanner that opens it does not spend it."""
    token = (request.POST if request.method == "POST" else request.GET).get("sesame", "")
    context: dict[str, Any] = {"token": token, "minutes": settings.SESAME_MAX_AGE // 60}
    if request.method != "POST":
        return _private(render(request, "account/signin.html", context))
    readable = token and len(token) < 1000 and token.isascii() and token.isprintable()
    # Signing in sets last_login, which spends the one-time token.
    user = authenticate(request, sesame=token) if readable else None
    if user is None or not hasattr(user, "person") or user.is_staff:
        context["expired"] = True
        return _private(render(request, "account/signin.html", context, status=400))
    request.session.flush()
    login(request, user, backend=BACKEND)
    request.session.set_expiry(settings.RESEARCHER_IDLE_MINUTES * 60)
    response = HttpResponseRedirect(reverse("my:projects"))
    response.status_code = 303
    return response


@require_POST
def signout(request: HttpRequest) -> HttpResponse:
    logout(request)
    response = HttpResponseRedirect(reverse("account:signin-request") + "?signed_out=1")
    response.status_code = 303
    return response
