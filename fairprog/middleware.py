"""Refusing requests that carry control characters, before any view or query sees them."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from django.http import HttpRequest, HttpResponse, JsonResponse

# In a path nothing below U+0020 (nor DEL) is ever meant. In a query or a cookie, tab and
# line breaks may be text; every other C0 character and DEL is not.
_PATH_CONTROLS = re.compile("[\x00-\x1f\x7f]")
_VALUE_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# In a posted form only NUL: what a form stores is its fields' business (a deadline label
# refuses every control character, a description keeps tabs), as it is for JSON bodies;
# NUL is what no field can store, PostgreSQL refusing it with an error.
_FORM_CONTROLS = re.compile("\x00")


def _first_control(
    pairs: Iterable[tuple[str, str]], controls: re.Pattern[str]
) -> tuple[str, str] | None:
    """The first name whose name or value holds one of ``controls``, with the character's
    code point."""
    for name, value in pairs:
        for text in (name, value):
            found = controls.search(text)
            if found:
                return name, _codepoint(found.group())
    return None


def _lists(data: object) -> Iterable[tuple[str, str]]:
    # QueryDict.lists() gives every value of a repeated parameter, not only the last one.
    for name, values in data.lists():  # type: ignore[attr-defined]
        for value in values:
            yield name, str(value)


class ControlCharacterMiddleware:
    """Answers 400, naming where, when the path, a query parameter or a cookie holds a
    control character, or a posted form field holds NUL.

    Checked once here rather than in every view, selector and query: a value with NUL
    reaching PostgreSQL is a 500, and no public URL may give one. Multipart bodies are
    left to the view: reading them here would parse every upload, files included, before
    authentication, and fix the upload handlers before a view could choose its own.
    Django's form fields refuse NUL in the fields of those forms themselves.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        problem = self._problem(request)
        if problem:
            return self._refuse(request, problem)
        return self.get_response(request)

    def _problem(self, request: HttpRequest) -> str:
        found = _PATH_CONTROLS.search(request.path_info)
        if found:
            return f"The address holds a control character ({_codepoint(found.group())})."
        places: list[tuple[str, Iterable[tuple[str, str]], re.Pattern[str]]] = [
            ("query parameter", _lists(request.GET), _VALUE_CONTROLS),
            ("cookie", request.COOKIES.items(), _VALUE_CONTROLS),
        ]
        if request.method == "POST" and request.content_type == "application/x-www-form-urlencoded":
            # Bounded by DATA_UPLOAD_MAX_MEMORY_SIZE; too large a body is Django's own 400.
            places.append(("form field", _lists(request.POST), _FORM_CONTROLS))
        for place, pairs, controls in places:
            hit = _first_control(pairs, controls)
            if hit:
                name, code = hit
                return f"The {place} {_name(name)} holds a control character ({code})."
        return ""

    @staticmethod
    def _refuse(request: HttpRequest, problem: str) -> HttpResponse:
        message = f"{problem} Remove it and try again."
        if request.path_info.startswith("/api/"):
            return JsonResponse({"detail": message}, status=400)
        return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")


def _codepoint(character: str) -> str:
    return f"U+{ord(character):04X}"


def _name(name: str) -> str:
    # The name itself may be the offending part: shown with its controls as code points.
    shown = _VALUE_CONTROLS.sub(lambda m: _codepoint(m.group()), name)[:60]
    return f'"{shown}"'
