"""Progress bars: ``tqdm`` from ``tqdm.auto`` (a widget in Jupyter, text in a terminal) and
``shows_progress``, whether a stream is somewhere a bar renders."""
from __future__ import annotations

import warnings

from tqdm import TqdmWarning

with warnings.catch_warnings():
    # In Jupyter without ipywidgets, tqdm.auto falls back to the text bar, which renders there
    # too; its import-time warning about it would only alarm.
    warnings.simplefilter("ignore", TqdmWarning)
    from tqdm.auto import tqdm

__all__ = ["tqdm", "shows_progress"]


def shows_progress(stream) -> bool:
    """A terminal, or a Jupyter kernel's output stream (not a terminal, but it renders bars);
    not a log file or a pipe."""
    if type(stream).__module__.startswith("ipykernel"):
        return True
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
