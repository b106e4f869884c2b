"""The option reference in the docs is the real one: every train.py flag the README and docs/*.md
show exists and every flag train.py has is documented, and the config table's keys and defaults are
the ones train.py uses. (tests/test_docs.py runs the examples and parses the commands.)"""
from __future__ import annotations

import ast
import pathlib
import re

from minitorch_nn.run.cli import build_parser
from minitorch_nn.run.config import default_config

REPO = pathlib.Path(__file__).resolve().parents[1]
DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]


def documented_flags() -> set[str]:
    """Flags shown with train.py: after ``train.py`` in command lines, and in the flags table
    (the table whose header starts ``| flag |``)."""
    flags = set()
    for path in DOCS:
        in_table = False
        for line in path.read_text(encoding="utf-8").splitlines():
            in_table = line.startswith("| flag |") or (in_table and line.startswith("|"))
            if in_table:
                flags.update(re.findall(r"^\| `(--[a-z][a-z-]*)", line))
            elif "train.py" in line:
                after = line.split("train.py", 1)[1]
                flags.update(re.findall(r"(?<![\w-])(--[a-z][a-z-]*)", after))
    return flags


def parser_flags() -> set[str]:
    return {option for action in build_parser()._actions for option in action.option_strings
            if option.startswith("--")}


def test_every_train_py_flag_in_the_docs_exists_and_every_flag_is_documented():
    documented, real = documented_flags(), parser_flags()
    assert documented - real == set(), "documented flags that train.py does not have"
    assert real - documented == set(), "train.py flags that no doc mentions"


def first_literal(text: str):
    """The default in a config table cell: ``("mnist")`` -> "mnist", ``(0.1: a count ...)`` -> 0.1,
    ``(true)`` -> True, ``("mlp", "convnet")`` -> "mlp" (the first of the choices)."""
    text = text.replace("`", "").strip()
    text = re.sub(r"\btrue\b", "True", re.sub(r"\bfalse\b", "False", text))
    depth, cut = 0, len(text)
    for i, char in enumerate(text):
        depth += char in "[(" and 1 or 0
        depth -= char in "])" and 1 or 0
        if depth == 0 and char in ":;,":
            cut = i
            break
    return ast.literal_eval(text[:cut].strip())


def documented_config() -> dict[str, dict[str, object]]:
    """``{section: {key: default}}`` from the docs' config table (``| `[data]` | `key` (default) ...``)."""
    table: dict[str, dict[str, object]] = {}
    for path in DOCS:
        for line in path.read_text(encoding="utf-8").splitlines():
            match = re.match(r"\| (?:`\[(\w+)\]`|(top level)) \| (.*)\|\s*$", line)
            if not match:
                continue
            section = match.group(1) or ""
            for key, default in re.findall(r"`(\w+)` \(((?:[^()]|\([^()]*\))*)\)", match.group(3)):
                if section == "model" and key == "kind":
                    continue  # the row lists the kinds; the kind's own keys follow
                table.setdefault(section, {})[key] = first_literal(default)
    return table


def test_the_documented_config_keys_and_defaults_are_the_real_ones():
    documented = documented_config()
    assert set(documented) >= {"", "data", "model", "optim", "schedule", "train"}, "the config table is missing"
    defaults = default_config()
    for section, keys in documented.items():
        real = defaults if section == "" else defaults[section]
        for key, value in keys.items():
            assert key in real, f"[{section}] {key} is documented but not a config key"
            assert real[key] == value, f"[{section}] {key}: documented default {value!r}, real {real[key]!r}"
