"""TOML reading: ``tomllib`` from Python 3.11 on, the ``tomli`` backport before."""

from __future__ import annotations

import sys
from typing import Any, Dict

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python < 3.11 only
    import tomli as tomllib


class TomlError(ValueError):
    """A TOML file that does not parse; the message names the file."""


def load_toml_text(text: str, source: str) -> Dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise TomlError(f"{source}: invalid TOML: {exc}") from None
    except RecursionError:  # ``kw = [[[[…]]]]`` thousands deep: tomllib recurses per level
        raise TomlError(f"{source}: invalid TOML: nested too deeply") from None
