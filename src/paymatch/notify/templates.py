"""Message templates (Jinja2): built-in ones in German and English, each overridable.

A message of kind ``K`` in language ``L`` has three templates: ``L/K.subject.txt`` (one line),
``L/K.txt`` (the plain-text part, always) and ``L/K.html`` (the HTML part, optional). The
merchant's template directory (``[notify] templates``) is searched first and paymatch's built-in
templates after it, file by file: an override of one file leaves every other file built-in, and
a new language is a new folder. HTML templates are autoescaped (``.html``); text templates are
not. An undefined variable is an error (StrictUndefined), so a typo in an override fails the
check at start-up (:meth:`TemplateSet.check`) instead of sending a message with a hole in it.

Money and dates are formatted for the order's locale (its language and billing country) by
Babel: ``{{ amount|money }}`` gives ``49,90 €`` for ``de`` and ``€49.90`` for ``en``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import jinja2
from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.numbers import format_currency, format_decimal

from paymatch.core.errors import ConfigError, PaymatchError

BUILTIN_LANGUAGES = ("de", "en")


class TemplateError(PaymatchError):
    """A template that cannot be rendered (syntax error, undefined variable, missing file)."""


@attrs.frozen
class Rendered:
    subject: str
    text: str
    html: str | None
    language: str
    locale: str


def locale_for(language: str, country: str | None) -> Locale:
    """The Babel locale of a language and billing country: ``de`` + ``AT`` -> ``de_AT``; a
    combination Babel does not know falls back to the language alone, then to English."""
    for tag in ((f"{language}_{country.upper()}" if country else None), language, "en"):
        if tag is None:
            continue
        try:
            return Locale.parse(tag)
        except (UnknownLocaleError, ValueError):
            continue
    raise AssertionError("Babel always knows 'en'")  # pragma: no cover


def language_code(value: str | None) -> str | None:
    """``de-DE``, ``de_AT``, ``DE`` -> ``de``; ``None`` for nothing usable."""
    if not value:
        return None
    code = re.split(r"[-_]", value.strip())[0].lower()
    return code if re.fullmatch(r"[a-z]{2,3}", code) else None


@jinja2.pass_context
def _money(context: Any, amount: Decimal | None, currency: str | None = None) -> str:
    if amount is None:
        return ""
    return str(
        format_currency(
            amount, currency or context["currency"], locale=context["locale"], currency_digits=True
        )
    )


@jinja2.pass_context
def _date(context: Any, value: date | datetime | None, format: str = "long") -> str:
    if value is None:
        return ""
    return str(format_date(value, format=format, locale=context["locale"]))


@jinja2.pass_context
def _number(context: Any, value: Decimal | int | None) -> str:
    return "" if value is None else str(format_decimal(value, locale=context["locale"]))


class TemplateSet:
    """The templates of one configuration: an optional override directory over the built-ins."""

    def __init__(self, override: Path | None = None) -> None:
        if override is not None and not override.is_dir():
            raise ConfigError(
                "the template directory does not exist", where=str(override), field="templates"
            )
        self.override = override
        loaders: list[jinja2.BaseLoader] = []
        if override is not None:
            loaders.append(jinja2.FileSystemLoader(str(override)))
        loaders.append(jinja2.PackageLoader("paymatch.notify", "templates"))
        self.env = jinja2.Environment(
            loader=jinja2.ChoiceLoader(loaders),
            autoescape=jinja2.select_autoescape(
                enabled_extensions=("html",), default_for_string=False, default=False
            ),
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        self.env.filters.update(money=_money, date=_date, number=_number)

    def languages(self) -> set[str]:
        """Languages with at least one template (built-in or override)."""
        found = set(BUILTIN_LANGUAGES)
        if self.override is not None:
            found |= {p.name for p in self.override.iterdir() if p.is_dir()}
        return found

    def _exists(self, name: str) -> bool:
        try:
            self.env.get_template(name)
        except jinja2.TemplateNotFound:
            return False
        except jinja2.TemplateSyntaxError as error:
            raise TemplateError(f"{error.filename or name}, line {error.lineno}: {error}") from None
        return True

    def resolve(
        self, names: Sequence[str], languages: Iterable[str | None]
    ) -> tuple[str, str] | None:
        """The first (language, kind name) whose text template exists."""
        for language in languages:
            if not language:
                continue
            for name in names:
                if self._exists(f"{language}/{name}.txt"):
                    return language, name
        return None

    def render(
        self,
        names: Sequence[str],
        *,
        language: str | None,
        fallback: str,
        country: str | None,
        context: Mapping[str, Any],
    ) -> Rendered:
        """Render the first of ``names`` (most specific first) in ``language``, else in
        ``fallback``, else in English."""
        found = self.resolve(names, (language, fallback, "en"))
        if found is None:
            raise TemplateError(f"no template for {names[0]!r} in {language or fallback}")
        chosen, name = found
        locale = locale_for(chosen, country)
        values = {**context, "locale": locale, "language": chosen}
        subject = " ".join(self._render(f"{chosen}/{name}.subject.txt", values).split())
        text = self._render(f"{chosen}/{name}.txt", values)
        html_name = f"{chosen}/{name}.html"
        html = self._render(html_name, values) if self._exists(html_name) else None
        return Rendered(subject, text, html, chosen, str(locale))

    def _render(self, name: str, values: Mapping[str, Any]) -> str:
        try:
            return self.env.get_template(name).render(values)
        except jinja2.TemplateNotFound as error:
            raise TemplateError(f"template {error.name!r} not found (needed by {name})") from None
        except jinja2.TemplateSyntaxError as error:
            raise TemplateError(f"{error.filename or name}, line {error.lineno}: {error}") from None
        except jinja2.UndefinedError as error:
            raise TemplateError(f"{name}: {error.message}") from None

    def override_files(self) -> list[str]:
        """The override directory's template files, relative names (``de/reminder.txt``)."""
        if self.override is None:
            return []
        return sorted(
            str(path.relative_to(self.override)).replace("\\", "/")
            for path in self.override.rglob("*")
            if path.is_file() and path.suffix in (".txt", ".html")
        )
