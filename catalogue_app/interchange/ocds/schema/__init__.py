"""The OCDS 1.1 release schema, bundled so that nothing needs the network.

:func:`release_schema` is what ocdsmerge reads its merge rules from;
:func:`schema_problems` is the advisory check: it lists where a release departs
from the schema and never stops an import.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jsonschema import Draft4Validator  # type: ignore[import-untyped]

MAX_PROBLEMS = 5


@cache
def release_schema() -> dict[str, Any]:
    text = resources.files(__name__).joinpath("release-schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@cache
def _validator() -> Draft4Validator:
    from jsonschema import Draft4Validator  # loaded when a release is first checked

    return Draft4Validator(release_schema())


def _where(path: Any) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "the release"


def schema_problems(release: Any) -> list[str]:
    """Up to five plain sentences on where ``release`` departs from the OCDS 1.1 schema."""
    problems: list[str] = []
    for error in _validator().iter_errors(release):
        where = _where(error.absolute_path)
        if error.validator == "required":
            missing = error.message.split("'")[1] if "'" in error.message else error.message
            problems.append(f"schema: {where} lacks {missing}")
        elif error.validator == "type":
            problems.append(f"schema: {where} is not of the type OCDS expects")
        elif error.validator == "enum":
            problems.append(f"schema: {where} is not one of the codes OCDS allows")
        else:
            problems.append(f"schema: {where} breaks the rule “{error.validator}”")
        if len(problems) == MAX_PROBLEMS:
            break
    return problems
