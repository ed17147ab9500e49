"""The interface's language: English in the source, Simplified Chinese from gettext catalogs.

Catalogs live in `sim/locale/<lang>/LC_MESSAGES/natsim.po` (edited by people) and `.mo` (compiled,
and committed so the stdlib's gettext reads them with nothing more installed). After changing messages,
`python -m sim.core.i18n` (needs Babel, a test dependency) extracts them from the source, adds new ones
to the .po (untranslated, for a person to fill in) and compiles the .mo.

The language comes from `--lang`, else NATSIM_LANG, else the locale (LC_ALL, LC_MESSAGES, LANG), else
English. Scenario keys stay English; names in scenarios are shown as written.
"""

from __future__ import annotations

import gettext
import os
from pathlib import Path

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "natsim"
LANGUAGES = ("en", "zh")

_translation: gettext.NullTranslations = gettext.NullTranslations()
_language = "en"
_warned: set[str] = set()  # unknown languages already warned about
_unknown: str | None = None  # the unknown language asked for last, not yet warned about


def language_from_environment() -> str:
    """NATSIM_LANG first, then the locale variables as gettext reads them; 'zh' for any Chinese locale."""
    for var in ("NATSIM_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var, "")
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"


def set_language(lang: str | None = None) -> str:
    """Use `lang` ('en' or 'zh'; None: from the environment) for every message from now on. A language
    asked for by name (`--lang`, NATSIM_LANG) that natsim does not speak is English, and
    `language_warning()` says so once."""
    global _translation, _language, _unknown
    asked = lang if lang is not None else os.environ.get("NATSIM_LANG") or None
    if asked is not None and not asked.lower().startswith(("en", "zh")) and asked not in _warned:
        _unknown = asked
    lang = (lang or language_from_environment()).lower()
    lang = "zh" if lang.startswith("zh") else "en"
    _language = lang
    _translation = (
        gettext.translation(DOMAIN, LOCALE_DIR, languages=[lang], fallback=True)
        if lang != "en"
        else gettext.NullTranslations()
    )
    return lang


def language() -> str:
    return _language


def language_warning() -> str | None:
    """'language xx is unknown: English is used', once per unknown language asked for, else None."""
    global _unknown
    if _unknown is None:
        return None
    asked, _unknown = _unknown, None
    _warned.add(asked)
    return _("warning: language '{lang}' is unknown (natsim speaks {known}): English is used").format(
        lang=asked, known=", ".join(LANGUAGES)
    )


def _(message: str) -> str:
    """The message in the interface's language (the English text is the catalog's key)."""
    return _translation.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _translation.ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark a message for the catalog without translating it yet (tables of labels built at import)."""
    return message


def po_path(lang: str = "zh") -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def source_messages():
    """Every message marked in the source, as a Babel catalog (maintenance and tests only)."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_dir

    catalog = Catalog(project="natsim", domain=DOMAIN)
    for file, line, message, comments, context in extract_from_dir(
        str(LOCALE_DIR.parent), method_map=[("**.py", "python")], comment_tags=("TRANSLATORS:",)
    ):
        catalog.add(message, None, [(file, line)], auto_comments=comments, context=context)
    return catalog


def compiled(lang: str = "zh") -> bytes:
    """The .mo file's bytes as the .po compiles now."""
    import io

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po_path(lang).open("rb") as f:
        catalog = read_po(f)
    out = io.BytesIO()
    write_mo(out, catalog)
    return out.getvalue()


def update(lang: str = "zh") -> None:
    """Merge the source's messages into the .po (keeping translations) and compile the .mo."""
    from babel.messages.pofile import read_po, write_po

    path = po_path(lang)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        with path.open("rb") as f:
            catalog = read_po(f, locale=lang)
    else:
        from babel.messages.catalog import Catalog

        catalog = Catalog(locale=lang, project="natsim", domain=DOMAIN)
    template = source_messages()
    template.creation_date = catalog.creation_date  # no churn in the .po when no message changed
    catalog.update(template, no_fuzzy_matching=True)
    with path.open("wb") as f:
        write_po(f, catalog, width=120, ignore_obsolete=True, include_lineno=False)
    path.with_suffix(".mo").write_bytes(compiled(lang))


set_language()

if __name__ == "__main__":
    update()
