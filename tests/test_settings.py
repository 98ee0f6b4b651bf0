"""The one settings object: env overrides, and every limit documented in the README."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from engine.settings import Settings

README = Path(__file__).resolve().parent.parent / "README.md"


def test_environment_variables_override_defaults():
    limits = Settings.from_env(
        {"BACKPROP_LAB_MAX_NODES": "123", "BACKPROP_LAB_RENDER_TIMEOUT_SECONDS": "0.5"}
    )
    assert limits.max_nodes == 123 and limits.render_timeout_seconds == 0.5
    assert limits.max_sessions == Settings().max_sessions


def test_a_malformed_override_names_nothing_silently():
    with pytest.raises(ValueError):
        Settings.from_env({"BACKPROP_LAB_MAX_NODES": "lots"})


def test_every_limit_is_in_the_readme_limits_table():
    table = README.read_text().split("## Limits", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"^\| `(\w+)` \|", table, flags=re.MULTILINE))
    fields = {field.name for field in dataclasses.fields(Settings)}
    assert fields - documented == set(), "undocumented settings"
    assert documented - fields == set(), "documented settings that do not exist"
