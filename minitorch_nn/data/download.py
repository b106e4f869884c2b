"""Getting files from the network safely: mirrors tried in order, checksums, atomic writes, safe tar.

* ``download(urls, dest, md5=...)`` streams the first URL that works into a temporary file next
  to ``dest`` (with a tqdm progress bar), checks the published md5/sha256 and only then renames
  it to ``dest``. Any failure, an interrupted stream or Ctrl-C included, removes the temporary
  file, so a file at ``dest`` is always whole and verified. A mirror that trickles (slower than
  ``min_rate`` once ``grace`` seconds have passed) is dropped for the next one, and one
  ``deadline`` bounds the whole download, so a bad mirror never hangs a run.
* ``unreachable(urls, timeout)`` says in one phrase why the first mirror cannot be reached (or
  None), quickly enough that an offline first run does not hang.
* ``extract_tar(archive, dest)`` refuses the whole archive if any member would land outside
  ``dest`` (absolute names, ``..``) or is anything but a regular file or folder (links, devices,
  FIFOs), then writes each file atomically.

Only ``urllib`` is used. Tests replace the module attributes ``urlopen`` (with a fake network)
and ``clock`` (with a fake clock), so they never touch the network or wait.
"""
from __future__ import annotations

import gzip
import hashlib
import http.client
import os
import socket
import tarfile
import threading
import time
import urllib.error
import urllib.request
import zlib
from pathlib import Path, PurePosixPath
from typing import Sequence
from urllib.parse import urlparse

from ..serialization import atomic_writer
from ..utils.progress import tqdm
from .errors import DatasetError

# Looked up at call time, so tests can monkeypatch ``minitorch_nn.data.download.urlopen`` / ``clock``.
urlopen = urllib.request.urlopen
clock = time.monotonic

USER_AGENT = "minitorch_nn (python urllib)"
CHUNK_SIZE = 1 << 20
DEADLINE = 1800.0    # seconds for one file, all mirrors together
MIN_RATE = 20_000    # bytes per second, on average since a mirror's response began...
GRACE = 15.0         # ...once this many seconds have passed


def unreachable(urls: Sequence[str], timeout: float = 3.0) -> str | None:
    """None if the first mirror's host accepts a connection within ``timeout`` seconds, else why not.

    The check runs in a daemon thread because a DNS lookup ignores socket timeouts.
    """
    if not urls:
        return "there is no download address"
    parsed = urlparse(urls[0])
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    outcome: list[str | None] = []

    def connect() -> None:
        try:
            socket.create_connection((parsed.hostname, port), timeout=timeout).close()
            outcome.append(None)
        except OSError as error:
            outcome.append(f"cannot reach {parsed.hostname} ({error})")

    thread = threading.Thread(target=connect, daemon=True)
    thread.start()
    thread.join(timeout + 1.0)
    return outcome[0] if outcome else f"no answer from {parsed.hostname} within {timeout:g} s"


def file_digest(path: str | os.PathLike, algorithm: str = "md5") -> str:
    """Hex digest (``"md5"`` or ``"sha256"``) of a file, read in 1 MiB chunks."""
    hasher = _new_hash(algorithm)
    with open(path, "rb") as file:
        for chunk in iter(lambda: file.read(CHUNK_SIZE), b""):
            hasher.update(chunk)
    return hasher.hexdigest()


def download(
    urls: Sequence[str],
    dest: str | os.PathLike,
    *,
    md5: str | None = None,
    sha256: str | None = None,
    progress: bool = True,
    timeout: float = 60.0,
    deadline: float = DEADLINE,
    min_rate: float = MIN_RATE,
    grace: float = GRACE,
) -> Path:
    """Download the first of ``urls`` that succeeds and verifies, atomically, to ``dest``.

    Args:
        urls: mirrors of the same file, tried in order.
        dest: the final path; its folder is created if needed.
        md5, sha256: published checksums (hex); a mismatch counts as a failed mirror.
        progress: show a tqdm progress bar (hidden when stderr is not a terminal).
        timeout: seconds to wait for a connection, or for the next bytes of a response.
        deadline: seconds for the whole download, all mirrors together; mirrors not yet tried
            when it passes are skipped.
        min_rate: bytes per second a mirror must average once ``grace`` seconds have passed;
            a slower one is dropped for the next.
        grace: seconds a mirror may take before ``min_rate`` applies (a slow start is normal).

    Returns:
        ``dest`` as a ``Path``.

    Raises:
        DatasetError: every mirror failed (the message lists each URL and why), or ``dest``
            cannot be written (a read-only folder, a full disk).
    """
    dest = Path(dest)
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _cannot_write(dest.parent, exc) from None
    give_up_at = clock() + deadline
    failures = []
    for url in urls:
        if clock() >= give_up_at:
            failures.append(f"{url}: not tried, the deadline of {deadline:g} s had passed")
            continue
        try:
            _fetch(url, dest, md5=md5, sha256=sha256, progress=progress, timeout=timeout,
                   give_up_at=give_up_at, min_rate=min_rate, grace=grace)
            return dest
        except OSError as exc:
            if exc.filename == os.fspath(dest):  # writing the local file failed, not the mirror
                raise _cannot_write(dest, exc) from None
            failures.append(f"{url}: {_describe(exc)}")
        except (http.client.HTTPException, ValueError, _BadDownload) as exc:
            failures.append(f"{url}: {_describe(exc)}")
    raise DatasetError(
        "could not be downloaded from any mirror:\n    " + "\n    ".join(failures),
        path=dest,
        fix=f"check the network connection and retry, or get the file by other means and put it at {dest}",
    )


def extract_tar(archive: str | os.PathLike, dest: str | os.PathLike) -> list[Path]:
    """Extract the regular files of a (possibly compressed) tar archive under ``dest``.

    Every member is checked before anything is written: a member whose name is absolute or
    climbs out with ``..`` (also through an existing symlinked folder), or that is a symlink,
    hard link, device or FIFO, makes the whole archive refused. Files are written atomically
    and replace existing ones.

    Returns:
        The paths of the extracted files.

    Raises:
        DatasetError: an unsafe member, a corrupt or truncated archive, or a file that cannot be
            written (a read-only folder, a full disk).
    """
    archive, dest = Path(archive), Path(dest)
    try:
        dest.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _cannot_write(dest, exc) from None
    base = dest.resolve()
    written = []
    try:
        with tarfile.open(archive, "r:*") as tar:
            members = tar.getmembers()
            for member in members:
                _check_member(member, base, archive)
            for member in members:
                target = base / member.name
                if member.isdir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                try:
                    target.parent.mkdir(parents=True, exist_ok=True)
                    with tar.extractfile(member) as source, atomic_writer(target) as out:
                        for chunk in iter(lambda: source.read(CHUNK_SIZE), b""):
                            out.write(chunk)
                except OSError as exc:
                    if exc.filename in (os.fspath(target), os.fspath(target.parent)):
                        raise _cannot_write(target, exc) from None
                    raise
                written.append(target)
    except (tarfile.TarError, EOFError, OSError, zlib.error, gzip.BadGzipFile) as exc:
        raise DatasetError(
            f"corrupt or truncated archive ({_describe(exc)})",
            path=archive,
            fix="delete the archive and run again with download=True",
        ) from exc
    return written


# ---------------------------------------------------------------------------- internals
class _BadDownload(Exception):
    """A response that arrived but is wrong: truncated, or the checksum does not match."""


def _fetch(url: str, dest: Path, *, md5, sha256, progress: bool, timeout: float, give_up_at: float,
           min_rate: float, grace: float) -> None:
    """Stream one URL into ``dest`` through a temporary file; verify before the rename."""
    expected = {name: value.lower() for name, value in (("md5", md5), ("sha256", sha256)) if value}
    hashers = {name: _new_hash(name) for name in expected}
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    with atomic_writer(dest) as out, urlopen(request, timeout=timeout) as response:
        total = _content_length(response)
        # read1 returns whatever has arrived (up to CHUNK_SIZE): a trickle cannot hold one call for long.
        read = getattr(response, "read1", response.read)
        started, received = clock(), 0
        with tqdm(total=total, unit="B", unit_scale=True, unit_divisor=1024, desc=dest.name,
                  leave=False, disable=None if progress else True) as bar:
            for chunk in iter(lambda: read(CHUNK_SIZE), b""):
                out.write(chunk)
                for hasher in hashers.values():
                    hasher.update(chunk)
                received += len(chunk)
                bar.update(len(chunk))
                _check_pace(received, clock() - started, give_up_at, min_rate, grace)
        if total is not None and received != total:
            raise _BadDownload(f"truncated: received {received} of {total} bytes")
        for name, value in expected.items():
            actual = hashers[name].hexdigest()
            if actual != value:
                raise _BadDownload(f"{name} of the received file is {actual}, the published value is {value}")


def _check_pace(received: int, elapsed: float, give_up_at: float, min_rate: float, grace: float) -> None:
    """Raise ``_BadDownload`` past the deadline, or when the mirror averages less than ``min_rate``."""
    if clock() >= give_up_at:
        raise _BadDownload(f"not finished by the deadline ({received:,} bytes received)")
    if elapsed >= grace and received < min_rate * elapsed:
        raise _BadDownload(f"too slow: {received:,} bytes in {elapsed:.0f} s, below the minimum of "
                           f"{min_rate / 1000:g} kB/s")


class NotWritableError(DatasetError):
    """A download or an extraction cannot write its file: a read-only data root, a full disk."""


def _cannot_write(path: Path, exc: OSError) -> NotWritableError:
    """The data root (or a file in it) cannot be written: say so, not "the mirror failed"."""
    return NotWritableError(f"cannot write here ({exc.strerror or exc})", path,
                        "free some disk space or make the folder writable, or choose another data root "
                        "(root= / $MINITORCH_DATA / train.py --data-dir)")


def _check_member(member: tarfile.TarInfo, base: Path, archive: Path) -> None:
    """Raise DatasetError unless ``member`` is a plain file or folder that stays inside ``base``."""
    def refuse(problem: str) -> DatasetError:
        return DatasetError(
            f"refusing to extract: member {member.name!r} {problem}; the archive is not a genuine one",
            path=archive,
            fix="delete the archive and run again with download=True",
        )

    if not (member.isfile() or member.isdir()):
        kind = ("a symbolic link" if member.issym() else "a hard link" if member.islnk()
                else "a device" if member.isdev() else "not a regular file")
        raise refuse(f"is {kind}, and only regular files and folders are allowed")
    name = PurePosixPath(member.name)
    if name.is_absolute() or ".." in name.parts or "\x00" in member.name:
        raise refuse(f"would be written outside {base}")
    resolved = (base / name).resolve()
    if resolved != base and base not in resolved.parents:
        raise refuse(f"would be written outside {base} (through a link)")


def _content_length(response) -> int | None:
    """The declared ``Content-Length``, or None when absent or unreadable."""
    headers = getattr(response, "headers", None)
    value = headers.get("Content-Length") if headers is not None else None
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _describe(exc: BaseException) -> str:
    """A short reason for a failed mirror, e.g. "HTTP 404 Not Found"."""
    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP {exc.code} {exc.reason}"
    if isinstance(exc, urllib.error.URLError):
        return f"cannot connect ({exc.reason})"
    if isinstance(exc, _BadDownload):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def _new_hash(algorithm: str):
    if algorithm == "md5":
        # Checksums identify published files here; they are not used for security decisions.
        return hashlib.md5(usedforsecurity=False)
    if algorithm == "sha256":
        return hashlib.sha256()
    raise ValueError(f"file_digest: algorithm must be 'md5' or 'sha256', got {algorithm!r}")
