"""Template helpers for the public pages: safe Markdown, search terms marked in results,
facet links, deadline times, and the inline JSON blocks the Content-Security-Policy allows
by hash."""

from __future__ import annotations

import datetime as dt
import html
import re
import zoneinfo

import markdown as markdown_lib
import nh3
from django import template
from django.http import QueryDict
from django.utils.html import json_script
from django.utils.safestring import SafeString, mark_safe

from fairprog.csp import csp_allow_inline_script

register = template.Library()

_ALLOWED_TAGS = {
    "p", "br", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li", "a",
    "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td", "hr", "sup", "sub",
}  # fmt: skip


@register.filter
def markdown(text: str) -> SafeString:
    """Markdown to HTML, then cleaned to a small set of tags: no scripts, no styles,
    links only to http(s) and mailto, each with rel="nofollow noopener"."""
    rendered = markdown_lib.markdown(text or "", extensions=["extra", "sane_lists"])
    # Headings inside a section start below the page's own h2.
    rendered = rendered.replace("<h1>", "<h3>").replace("</h1>", "</h3>")
    rendered = rendered.replace("<h2>", "<h3>").replace("</h2>", "</h3>")
    cleaned = nh3.clean(
        rendered,
        tags=_ALLOWED_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener",
    )
    return mark_safe(cleaned)  # noqa: S308 - sanitised by nh3 above


@register.filter
def highlight(text: str, terms: list[str]) -> SafeString:
    """``text`` escaped, with words that start like a search term wrapped in <mark>."""
    escaped = html.escape(text)
    stems = sorted(
        {t[: max(3, len(t) - 2)].lower() for t in terms if len(t) >= 2}, key=len, reverse=True
    )
    if not stems:
        return mark_safe(escaped)  # noqa: S308 - escaped above
    pattern = re.compile(r"\b(" + "|".join(re.escape(s) for s in stems) + r")(\w*)", re.IGNORECASE)
    return mark_safe(pattern.sub(r"<mark>\1\2</mark>", escaped))  # noqa: S308 - escaped above


@register.simple_tag(takes_context=True)
def toggle_param(context: template.Context, name: str, value: str) -> str:
    """The current query string with ``name=value`` added or removed (and page reset)."""
    params: QueryDict = context["request"].GET.copy()
    values = params.getlist(name)
    if value in values:
        values.remove(value)
    else:
        values.append(value)
    params.setlist(name, values)
    params.pop("page", None)
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.simple_tag(takes_context=True)
def with_param(context: template.Context, name: str, value: str) -> str:
    params: QueryDict = context["request"].GET.copy()
    params[name] = value
    if name != "page":
        params.pop("page", None)
    return f"?{params.urlencode()}"


@register.filter
def in_zone(instant: dt.datetime, zone_name: str) -> dt.datetime:
    return instant.astimezone(zoneinfo.ZoneInfo(zone_name))


@register.filter
def get_item(mapping: dict[str, object], key: str) -> object:
    return mapping.get(key, key)


@register.simple_tag(takes_context=True)
def data_script(context: template.Context, value: object, element_id: str) -> SafeString:
    """Django's ``json_script``, its block allowed by the Content-Security-Policy's hash."""
    element = json_script(value, element_id)
    # json_script escapes <, > and & in the JSON, so the first ">" closes the opening tag.
    csp_allow_inline_script(
        context.get("request"), text=element[element.index(">") + 1 : -len("</script>")]
    )
    return element


@register.simple_tag(takes_context=True)
def jsonld_script(context: template.Context, text: str) -> SafeString:
    """The page's schema.org JSON-LD block, allowed by the Content-Security-Policy's hash.
    ``text`` is already safe inside a script element (``metadata.jsonld.jsonld_script_text``)."""
    csp_allow_inline_script(context.get("request"), text=text)
    return mark_safe(f'<script type="application/ld+json">{text}</script>')  # noqa: S308 - escaped by jsonld_script_text
