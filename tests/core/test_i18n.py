"""The Chinese interface: every marked message is translated, the catalog is compiled, placeholders agree."""

from __future__ import annotations

import string

import pytest

from sim.core import i18n


@pytest.fixture
def zh():
    i18n.set_language("zh")
    yield
    i18n.set_language("en")


def _fields(text: str) -> set[str]:
    return {f for _lit, f, _spec, _conv in string.Formatter().parse(text) if f is not None}


def _catalog():
    from babel.messages.pofile import read_po

    with i18n.po_path("zh").open("rb") as f:
        return read_po(f)


def test_every_message_in_the_source_has_a_chinese_translation():
    po = _catalog()
    missing = []
    for message in i18n.source_messages():
        if not message.id:
            continue
        translated = po.get(message.id)
        strings = translated.string if translated is not None else None
        if isinstance(strings, tuple):
            strings = strings[0]
        if not strings or (translated is not None and translated.fuzzy):
            missing.append(message.id)
    assert not missing, "untranslated (run `python -m sim.core.i18n`, then fill in the .po):\n" + "\n".join(
        map(str, missing)
    )


def test_translations_keep_the_placeholders_of_the_english():
    for message in _catalog():
        if not message.id:
            continue
        english = message.id if isinstance(message.id, str) else message.id[-1]
        chinese = message.string if isinstance(message.string, str) else message.string[0]
        assert _fields(chinese) == _fields(english), (english, chinese)


def _messages(catalog) -> dict:
    """What a reader of the catalog gets: each message (with its context) and its translation(s); the
    header (whose `Generated-By` names the Babel release that compiled it) left out."""
    return {(m.context, _text(m.id)): _text(m.string) for m in catalog if m.id and not m.fuzzy}


def _text(value):
    """A message's text; plural forms as a tuple (the .po reader gives tuples, the .mo reader lists)."""
    return value if isinstance(value, str) else tuple(value)


def _header(catalog) -> dict:
    """The header fields gettext reads at run time: the plural rule and the encoding."""
    return {"plural": catalog.plural_expr, "count": catalog.num_plurals, "charset": catalog.charset}


def test_the_compiled_catalog_holds_every_message_of_the_po_file():
    from babel.messages.mofile import read_mo

    with i18n.po_path("zh").with_suffix(".mo").open("rb") as f:
        mo = read_mo(f)
    po = _catalog()
    missing = sorted(str(k[1]) for k in _messages(po).keys() - _messages(mo).keys())
    stale = sorted(str(k[1]) for k in _messages(mo).keys() - _messages(po).keys())
    differ = sorted(str(k[1]) for k, v in _messages(po).items() if k in _messages(mo) and _messages(mo)[k] != v)
    fix = "\nrun `python -m sim.core.i18n` to compile the .mo again"
    assert not missing, "in the .po but not in the .mo:\n" + "\n".join(missing) + fix
    assert not stale, "in the .mo but no longer in the .po:\n" + "\n".join(stale) + fix
    assert not differ, "translated differently in the .mo:\n" + "\n".join(differ) + fix
    assert _header(mo) == _header(po)


def test_the_catalog_comparison_sees_a_changed_translation():
    """The check above is not blind: a .mo compiled from a .po with one translation changed differs."""
    import io

    from babel.messages.mofile import read_mo, write_mo

    po = _catalog()
    message = next(m for m in po if m.id == "Key figures")
    message.string = "别的"
    out = io.BytesIO()
    write_mo(out, po)
    out.seek(0)
    assert _messages(read_mo(out)) != _messages(_catalog())


def test_zh_translates_and_en_is_the_source(zh):
    assert i18n._("Key figures") == "关键指标"
    i18n.set_language("en")
    assert i18n._("Key figures") == "Key figures"


def test_plural_forms(zh):
    assert (
        i18n.ngettext("{n} problem in {file}; nothing was run.", "{n} problems in {file}; nothing was run.", 3).format(
            n=3, file="a.yaml"
        )
        == "a.yaml 中有 3 个问题；未运行任何模拟。"
    )


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"NATSIM_LANG": "zh"}, "zh"),
        ({"NATSIM_LANG": "en", "LANG": "zh_CN.UTF-8"}, "en"),  # NATSIM_LANG wins over the locale
        ({"LANG": "zh_CN.UTF-8"}, "zh"),
        ({"LC_ALL": "zh_TW.UTF-8", "LANG": "en_US.UTF-8"}, "zh"),  # LC_ALL before LANG, as gettext reads them
        ({"LANG": "en_GB.UTF-8"}, "en"),
        ({}, "en"),
    ],
)
def test_language_from_the_environment(monkeypatch, env, expected):
    for var in ("NATSIM_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(var, raising=False)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    assert i18n.language_from_environment() == expected


def test_no_message_is_marked_inside_an_f_string():
    """Babel cannot see `_()` inside an f-string: such a message would never reach the catalog."""
    import re
    from pathlib import Path

    root = Path(i18n.__file__).resolve().parents[1]
    found = [
        f"{path.relative_to(root)}:{k}"
        for path in sorted(root.rglob("*.py"))
        for k, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"\{_\(", line)
    ]
    assert not found, found


def test_no_module_that_speaks_rebinds_the_underscore():
    """`for _ in ...` or `a, _ = ...` in a module that imports `_` makes `_` a local of that function, and a
    message after it a call of an int or a string: such throwaway names are spelled `_step`, `_line`, ..."""
    import ast
    from pathlib import Path

    root = Path(i18n.__file__).resolve().parents[1]
    found = []
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imports = any(
            isinstance(n, ast.ImportFrom) and n.module == "sim.core.i18n" and any(a.name == "_" for a in n.names)
            for n in ast.walk(tree)
        )
        calls = any(
            isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "_" for n in ast.walk(tree)
        )
        if calls and not imports and path.name != "i18n.py":
            found.append(f"{path.relative_to(root)}: calls _() without importing it from sim.core.i18n")
        if imports or calls:
            found += [
                f"{path.relative_to(root)}:{n.lineno}"
                for n in ast.walk(tree)
                if isinstance(n, ast.Name) and n.id == "_" and isinstance(n.ctx, ast.Store)
            ]
    assert not found, found


@pytest.mark.parametrize(("lang", "env"), [("xx", None), (None, "klingon")])
def test_an_unknown_language_is_english_with_one_warning(monkeypatch, lang, env):
    monkeypatch.delenv("NATSIM_LANG", raising=False)
    if env:
        monkeypatch.setenv("NATSIM_LANG", env)
    try:
        assert i18n.set_language(lang) == "en"
        asked = lang or env
        assert (
            i18n.language_warning() == f"warning: language '{asked}' is unknown (natsim speaks en, zh): English is used"
        )
        i18n.set_language(lang)
        assert i18n.language_warning() is None  # once
        i18n.set_language("zh")
        assert i18n.language_warning() is None  # a language natsim speaks: no word
    finally:
        i18n._warned.discard(lang or env)
        monkeypatch.delenv("NATSIM_LANG", raising=False)
        i18n.set_language("en")


def test_the_command_warns_once_of_an_unknown_language(natsim):
    proc = natsim("--lang", "xx", "--version")
    assert proc.returncode == 0 and proc.stderr.count("language 'xx' is unknown") == 1
