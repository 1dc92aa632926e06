"""E-mail built one way: a plain-text body with an HTML alternative, both rendered from
``<template>.txt`` and ``<template>.html``, a subject kept to one line, and the
``Auto-Submitted`` header that tells auto-responders not to answer a machine.

In the kernel because reminders, subscription confirmations and the broken-link digest
all send mail, and a header rule (or a template pair) is learnt once here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

# Line breaks and the other control characters a mail header cannot carry.
NOT_ONE_LINE = re.compile("[\x00-\x1f\x7f\x85\u2028\u2029]")


def single_line(text: str) -> str:
    """``text`` on one line: line breaks and control characters become spaces, runs of
    spaces one. For headers built from records whose text is not validated as one line
    (or was saved before it was)."""
    return " ".join(NOT_ONE_LINE.sub(" ", text).split())


def templated_message(
    *,
    template: str,
    context: Mapping[str, Any],
    subject: str,
    to: list[str],
    headers: Mapping[str, str] | None = None,
) -> EmailMultiAlternatives:
    """An unsent message whose bodies are ``template`` + ``.txt`` and ``.html``."""
    message = EmailMultiAlternatives(
        subject=single_line(subject),
        body=render_to_string(f"{template}.txt", dict(context)),
        to=to,
        headers={"Auto-Submitted": "auto-generated", **(headers or {})},
    )
    message.attach_alternative(render_to_string(f"{template}.html", dict(context)), "text/html")
    return message
