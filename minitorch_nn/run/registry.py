"""``Registry``: the one pattern behind every named choice of ``train.py``.

Model kinds, optimisers, learning-rate schedules and data sets are each a ``Registry`` of
``Entry``s. An entry declares its name, what builds it, the config options it reads (type, range,
default, help) and how it describes itself; config validation, ``--help``, the run's describe
line and the download mirrors all come from the entries. Adding a choice to ``train.py`` is one
``registry.add(Entry(...))`` in the registry's file.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Mapping

from .options import Option


@dataclass(frozen=True)
class Entry:
    """One named choice.

    Args:
        name: the value that selects it in a config (``optim.name = "adam"``).
        build: what makes the object; its arguments depend on the registry (see its file).
        summary: one line for ``--help`` (optional).
        options: the config keys this choice reads, besides the section's common ones.
        describe: the phrase the run's first lines use for it, e.g. ``describe(table)`` with
            ``table`` the resolved config section (arguments as the registry's file says); by
            default the name.
        extend: for a schedule that depends on ``train.epochs``: how a resumed run whose total
            changes re-plans it (arguments as ``schedules.py`` says); None: it just goes on.
    """

    name: str
    build: Callable[..., Any]
    summary: str = ""
    options: Mapping[str, Option] = field(default_factory=dict)
    describe: Callable[..., str] | None = None
    extend: Callable[..., Any] | None = None

    def description(self, *args) -> str:
        return self.describe(*args) if self.describe is not None else self.name


class Registry(Mapping[str, Entry]):
    """Entries by name, in the order they were added.

    Args:
        what: what an entry is, for messages ("optimiser").
        section: the config section that selects an entry ("optim").
        key: the key in that section that names the entry ("name").
    """

    def __init__(self, what: str, section: str, key: str = "name") -> None:
        self.what, self.section, self.key = what, section, key
        self._entries: dict[str, Entry] = {}

    def add(self, entry: Entry) -> Entry:
        """Make ``entry`` available (replacing one of the same name); returns it."""
        self._entries[entry.name] = entry
        return entry

    def remove(self, name: str) -> Entry:
        """Take the entry ``name`` out again; returns it."""
        return self._entries.pop(name)

    def __getitem__(self, name: str) -> Entry:
        try:
            return self._entries[name]
        except KeyError:
            raise KeyError(f"{name!r} is not a known {self.what}; known: {', '.join(self._entries)}"
                           f"{did_you_mean(str(name), self._entries)}") from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def all_options(self) -> dict[str, Option]:
        """Every entry's options, merged in order of first appearance (an option read by several
        entries is declared once and shared)."""
        merged: dict[str, Option] = {}
        for entry in self._entries.values():
            for key, option in entry.options.items():
                merged.setdefault(key, option)
        return merged

    def help(self) -> str:
        """One line per entry: its name and summary."""
        width = max(len(name) for name in self._entries)
        return "\n".join(f"  {name:<{width}}  {entry.summary}" for name, entry in self._entries.items())


def did_you_mean(word: str, valid) -> str:
    close = difflib.get_close_matches(word, list(valid), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""
