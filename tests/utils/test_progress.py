"""shows_progress: a bar renders on a terminal (or in Jupyter), not in a log file, a pipe or a closed stream."""
import io

from minitorch_nn.utils.progress import shows_progress


def test_progress_bars_only_on_a_terminal():
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    closed = io.StringIO()
    closed.close()
    assert shows_progress(Terminal()) is True
    assert shows_progress(io.StringIO()) is False
    assert shows_progress(closed) is False  # isatty() raises ValueError on a closed file
    assert shows_progress(object()) is False  # no isatty at all
