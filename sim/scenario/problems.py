"""A problem in a scenario (or one of its files): where, which key, what is wrong, in a planner's words."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass

from sim.core.i18n import N_, _, language


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    path: tuple[str | int, ...]
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        key = format_path(self.path)
        return f"{where}: {key}: {self.message}" if key else f"{where}: {self.message}"


class ScenarioError(Exception):
    """One or more problems in a scenario file; `str()` lists them one per line."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def format_path(path: tuple[str | int, ...]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """ " (did you mean 'X'?)" with the known name nearest to a misspelt one, else "": for every name a
    planner writes (YAML keys and references, names in every CSV, options)."""
    guess = difflib.get_close_matches(str(name), [str(k) for k in known if k != name], n=1, cutoff=0.6)
    return _(" (did you mean '{guess}'?)").format(guess=guess[0]) if guess else ""


def line_for(lines: dict[tuple, int], path: tuple) -> int | None:
    """The line of a key path, or of the nearest key above it that has one."""
    while path not in lines and path:
        path = path[:-1]
    return lines.get(path)


# pydantic's own messages by error type, in its words, so they can be translated (the rest pass as given).
PYDANTIC_MESSAGES = {
    "greater_than": N_("Input should be greater than {gt}"),
    "greater_than_equal": N_("Input should be greater than or equal to {ge}"),
    "less_than": N_("Input should be less than {lt}"),
    "less_than_equal": N_("Input should be less than or equal to {le}"),
    "int_type": N_("Input should be a valid integer"),
    "int_parsing": N_("Input should be a valid integer, unable to parse string as an integer"),
    "int_from_float": N_("Input should be a valid integer, got a number with a fractional part"),
    "float_type": N_("Input should be a valid number"),
    "float_parsing": N_("Input should be a valid number, unable to parse string as a number"),
    "string_type": N_("Input should be a valid string"),
    "string_too_short": N_("String should have at least {min_length} character"),
    "bool_type": N_("Input should be a valid boolean"),
    "bool_parsing": N_("Input should be a valid boolean, unable to interpret input"),
    "list_type": N_("Input should be a valid list"),
    "dict_type": N_("Input should be a valid dictionary"),
    "model_type": N_("Input should be a valid dictionary or instance of {class_name}"),
    "literal_error": N_("Input should be {expected}"),
    "too_short": N_("List should have at least {min_length} item after validation, not {actual_length}"),
    "union_tag_invalid": N_(
        "Input tag '{tag}' found using {discriminator} does not match any of the expected tags: {expected_tags}"
    ),
    "union_tag_not_found": N_("Unable to extract tag using discriminator {discriminator}"),
}


def pydantic_message(err: dict) -> str:
    """A pydantic error's message in the interface's language (a validator's own message is already)."""
    template = PYDANTIC_MESSAGES.get(err["type"])
    if template is not None and language() != "en":  # in English, pydantic's own text (its numbers, its plurals)
        try:
            return _(template).format(**err.get("ctx", {}))
        except (KeyError, IndexError):
            pass
    return err["msg"].removeprefix("Value error, ")


def csv_problems(shown: str, line: int, rows_errors: list[dict]) -> list[Problem]:
    """pydantic errors of one CSV row as problems at that row."""
    return [Problem(shown, line, tuple(err["loc"]), pydantic_message(err)) for err in rows_errors]
