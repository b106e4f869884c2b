"""download(): mirrors in order, checksums, atomic writes; extract_tar(): refuses unsafe members.

The network is faked (``network`` fixture) or a local http.server on 127.0.0.1; never real.
"""
import functools
import hashlib
import http.server
import io
import tarfile
import threading
import urllib.error

import pytest

from minitorch_nn.data.download import download, extract_tar, file_digest
from minitorch_nn.data.errors import DatasetError

BODY = bytes(range(256)) * 5000  # 1.28 MB, more than one read chunk
BODY_MD5 = hashlib.md5(BODY).hexdigest()
BODY_SHA256 = hashlib.sha256(BODY).hexdigest()


def leftovers(folder):
    """Names in ``folder`` (temporary .part files included)."""
    return sorted(p.name for p in folder.iterdir())


def test_download_writes_verified_file(network, tmp_path):
    network.routes["http://a/f.gz"] = BODY
    path = download(["http://a/f.gz"], tmp_path / "sub" / "f.gz", md5=BODY_MD5, sha256=BODY_SHA256, progress=False)
    assert path.read_bytes() == BODY
    assert leftovers(tmp_path / "sub") == ["f.gz"]


def test_mirrors_are_tried_in_order(network, tmp_path):
    network.routes["http://first/f"] = urllib.error.HTTPError("http://first/f", 503, "Unavailable", {}, None)
    network.routes["http://second/f"] = BODY
    download(["http://first/f", "http://second/f", "http://third/f"], tmp_path / "f", md5=BODY_MD5, progress=False)
    assert network.requests == ["http://first/f", "http://second/f"]
    assert (tmp_path / "f").read_bytes() == BODY


def test_bad_checksum_raises_and_leaves_no_file(network, tmp_path):
    network.routes["http://a/f"] = BODY
    with pytest.raises(DatasetError) as info:
        download(["http://a/f"], tmp_path / "f", md5="0" * 32, progress=False)
    assert "md5" in str(info.value) and BODY_MD5 in str(info.value) and str(tmp_path / "f") in str(info.value)
    assert leftovers(tmp_path) == []


def test_bad_checksum_on_first_mirror_falls_back_to_second(network, tmp_path):
    network.routes["http://bad/f"] = BODY[:-1] + b"x"
    network.routes["http://good/f"] = BODY
    download(["http://bad/f", "http://good/f"], tmp_path / "f", md5=BODY_MD5, progress=False)
    assert (tmp_path / "f").read_bytes() == BODY


def test_interrupted_stream_leaves_no_final_file(network, tmp_path, build):
    network.routes["http://a/f"] = build.FakeResponse(BODY, fail_after=300_000, error=ConnectionResetError("reset"))
    with pytest.raises(DatasetError, match="ConnectionResetError"):
        download(["http://a/f"], tmp_path / "f", md5=BODY_MD5, progress=False)
    assert leftovers(tmp_path) == []


def test_short_body_is_truncation_even_without_checksum(network, tmp_path, build):
    network.routes["http://a/f"] = build.FakeResponse(BODY[:1000], content_length=len(BODY))
    with pytest.raises(DatasetError, match="truncated"):
        download(["http://a/f"], tmp_path / "f", progress=False)
    assert leftovers(tmp_path) == []


def test_keyboard_interrupt_removes_temporary_file(network, tmp_path, build):
    network.routes["http://a/f"] = build.FakeResponse(BODY, fail_after=200_000, error=KeyboardInterrupt())
    with pytest.raises(KeyboardInterrupt):
        download(["http://a/f"], tmp_path / "f", progress=False)
    assert leftovers(tmp_path) == []


def test_failed_redownload_keeps_the_old_file(network, tmp_path):
    (tmp_path / "f").write_bytes(b"old")
    network.routes["http://a/f"] = BODY
    with pytest.raises(DatasetError):
        download(["http://a/f"], tmp_path / "f", md5="0" * 32, progress=False)
    assert (tmp_path / "f").read_bytes() == b"old"


def test_all_mirrors_failing_lists_each_reason(network, tmp_path):
    with pytest.raises(DatasetError) as info:
        download(["http://x/f", "http://y/f"], tmp_path / "f", progress=False)
    message = str(info.value)
    assert "http://x/f: cannot connect" in message and "http://y/f: cannot connect" in message
    assert "fix:" in message


@pytest.fixture
def http_server(tmp_path):
    """A real HTTP server on 127.0.0.1 serving ``tmp_path / "www"``; yields its base URL."""
    www = tmp_path / "www"
    www.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(www))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", www
    server.shutdown()
    server.server_close()


def test_download_over_local_http_server(http_server, tmp_path, monkeypatch):
    import urllib.request

    from minitorch_nn.data import download as download_module

    # Real urllib, but with no proxies, so the request surely goes to the local server only.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    monkeypatch.setattr(download_module, "urlopen", opener.open)
    base, www = http_server
    (www / "f.bin").write_bytes(BODY)
    out = tmp_path / "out"
    download([base + "missing.bin", base + "f.bin"], out / "f.bin", md5=BODY_MD5, progress=False)
    assert (out / "f.bin").read_bytes() == BODY
    with pytest.raises(DatasetError, match="HTTP 404"):
        download([base + "missing.bin"], out / "g.bin", progress=False)
    assert leftovers(out) == ["f.bin"]


def test_file_digest(tmp_path):
    (tmp_path / "f").write_bytes(BODY)
    assert file_digest(tmp_path / "f") == BODY_MD5
    assert file_digest(tmp_path / "f", "sha256") == BODY_SHA256
    with pytest.raises(ValueError, match="algorithm"):
        file_digest(tmp_path / "f", "sha1")


# ------------------------------------------------------------------------- tar extraction
def make_tar(path, members):
    """Write a .tar.gz with ``members``: (name, bytes) for files or a ready TarInfo."""
    with tarfile.open(path, "w:gz") as tar:
        for member in members:
            if isinstance(member, tarfile.TarInfo):
                tar.addfile(member)
            else:
                name, content = member
                info = tarfile.TarInfo(name)
                info.size = len(content)
                tar.addfile(info, io.BytesIO(content))
    return path


def test_extract_tar_writes_regular_files(tmp_path):
    archive = make_tar(tmp_path / "a.tar.gz", [("top/one", b"1"), ("top/sub/two", b"22")])
    written = extract_tar(archive, tmp_path / "dest")
    assert sorted(p.relative_to(tmp_path / "dest").as_posix() for p in written) == ["top/one", "top/sub/two"]
    assert (tmp_path / "dest" / "top" / "sub" / "two").read_bytes() == b"22"


@pytest.mark.parametrize("name", ["../evil", "top/../../evil", "/tmp/evil-minitorch-test"])
def test_extract_tar_refuses_member_outside_target(tmp_path, name):
    archive = make_tar(tmp_path / "a.tar.gz", [("top/good", b"ok"), (name, b"evil")])
    with pytest.raises(DatasetError) as info:
        extract_tar(archive, tmp_path / "dest")
    assert "outside" in str(info.value) and repr(name) in str(info.value) and "a.tar.gz" in str(info.value)
    # Checked before anything is written: not even the good member is extracted.
    assert not (tmp_path / "dest" / "top").exists()
    assert not (tmp_path / "evil").exists()


@pytest.mark.parametrize("kind, expected", [(tarfile.SYMTYPE, "symbolic link"), (tarfile.LNKTYPE, "hard link"),
                                            (tarfile.CHRTYPE, "device"), (tarfile.FIFOTYPE, "device")])
def test_extract_tar_refuses_links_and_devices(tmp_path, kind, expected):
    info = tarfile.TarInfo("top/link")
    info.type, info.linkname = kind, "/etc/passwd"
    archive = make_tar(tmp_path / "a.tar.gz", [info])
    with pytest.raises(DatasetError, match=expected):
        extract_tar(archive, tmp_path / "dest")
    assert not (tmp_path / "dest" / "top").exists()


def test_extract_tar_refuses_escape_through_existing_symlink(tmp_path):
    (tmp_path / "dest").mkdir()
    (tmp_path / "dest" / "link").symlink_to(tmp_path)
    archive = make_tar(tmp_path / "a.tar.gz", [("link/evil", b"x")])
    with pytest.raises(DatasetError, match="outside"):
        extract_tar(archive, tmp_path / "dest")
    assert not (tmp_path / "evil").exists()


def test_extract_corrupt_or_truncated_archive(tmp_path):
    archive = make_tar(tmp_path / "a.tar.gz", [("top/one", BODY)])
    archive.write_bytes(archive.read_bytes()[:5000])
    with pytest.raises(DatasetError, match="corrupt or truncated archive"):
        extract_tar(archive, tmp_path / "dest")
    assert [p for p in (tmp_path / "dest").rglob("*") if p.is_file()] == []  # no partial or temporary file
    (tmp_path / "b.tar.gz").write_bytes(b"this is not an archive")
    with pytest.raises(DatasetError, match="corrupt or truncated archive"):
        extract_tar(tmp_path / "b.tar.gz", tmp_path / "dest")


# ------------------------------------------------------------------------- slow mirrors, deadlines, local faults
def test_a_trickling_mirror_is_dropped_for_the_next(network, clock, tmp_path, build):
    trickle = build.TricklingResponse(BODY, clock, bytes_per_read=1, seconds_per_read=1.0)
    network.routes["http://slow/f"] = trickle
    network.routes["http://fast/f"] = BODY
    download(["http://slow/f", "http://fast/f"], tmp_path / "f", md5=BODY_MD5, progress=False, grace=15)
    assert network.requests == ["http://slow/f", "http://fast/f"]
    assert trickle.reads == 15  # given up as soon as the grace period was over, not after 1.28 million reads
    assert (tmp_path / "f").read_bytes() == BODY and leftovers(tmp_path) == ["f"]


def test_only_trickling_mirrors_give_one_clear_message_and_no_partial_file(network, clock, tmp_path, build):
    for url in ("http://a/f", "http://b/f"):
        network.routes[url] = build.TricklingResponse(BODY, clock, bytes_per_read=100, seconds_per_read=1.0)
    with pytest.raises(DatasetError) as info:
        download(["http://a/f", "http://b/f"], tmp_path / "f", progress=False)
    message = str(info.value)
    assert message.count("too slow") == 2 and "below the minimum of 20 kB/s" in message and "fix:" in message
    assert leftovers(tmp_path) == []


def test_the_deadline_bounds_the_whole_download(network, clock, tmp_path, build):
    # Fast enough for the minimum rate, but the file is too large to finish in time.
    network.routes["http://a/f"] = build.TricklingResponse(BODY, clock, bytes_per_read=50_000, seconds_per_read=1.0)
    network.routes["http://b/f"] = BODY
    with pytest.raises(DatasetError) as info:
        download(["http://a/f", "http://b/f"], tmp_path / "f", progress=False, deadline=10)
    message = str(info.value)
    assert "http://a/f: not finished by the deadline" in message
    assert "http://b/f: not tried, the deadline of 10 s had passed" in message
    assert network.requests == ["http://a/f"] and leftovers(tmp_path) == []


def test_a_read_only_folder_is_a_dataset_error_naming_it(network, tmp_path, read_only):
    network.routes["http://a/f"] = BODY
    (tmp_path / "data").mkdir()
    read_only(tmp_path / "data")
    for dest in (tmp_path / "data" / "f", tmp_path / "data" / "sub" / "f"):
        with pytest.raises(DatasetError) as info:
            download(["http://a/f"], dest, progress=False)
        assert "cannot write here (Permission denied)" in str(info.value) and "data root" in str(info.value)
        assert "mirror" not in str(info.value)


def test_a_full_disk_while_downloading_is_a_dataset_error_and_leaves_no_partial_file(network, tmp_path, monkeypatch):
    import errno
    import os

    network.routes["http://a/f"] = BODY
    network.routes["http://b/f"] = BODY

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(DatasetError) as info:
        download(["http://a/f", "http://b/f"], tmp_path / "f", progress=False)
    assert "cannot write here (No space left on device)" in str(info.value)
    assert network.requests == ["http://a/f"]  # a local fault is not a reason to try another mirror
    assert leftovers(tmp_path) == []


def test_extract_tar_into_a_read_only_folder(tmp_path, read_only):
    archive = make_tar(tmp_path / "a.tar.gz", [("top/one", b"1")])
    (tmp_path / "dest").mkdir()
    read_only(tmp_path / "dest")
    with pytest.raises(DatasetError, match=r"cannot write here \(Permission denied\)"):
        extract_tar(archive, tmp_path / "dest")
