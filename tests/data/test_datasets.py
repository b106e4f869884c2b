"""MNIST, FashionMNIST, CIFAR10 and Digits on tiny generated files: layout, download, errors."""
import gzip
import io
import os
import pickle
import tarfile

import numpy as np
import pytest

from minitorch_nn.data import CIFAR10, MNIST, DatasetError, Digits, FashionMNIST


# ------------------------------------------------------------------------- MNIST family
@pytest.mark.parametrize("train, split, n", [(True, "train", 12), (False, "t10k", 5)])
def test_mnist_loads_tiny_files(mnist_root, train, split, n):
    root, arrays = mnist_root
    ds = MNIST(root, train=train, download=False)
    assert len(ds) == n and ds.data.shape == (n, 28, 28) and ds.data.dtype == np.uint8
    assert ds.targets.dtype == np.int64
    np.testing.assert_array_equal(ds.data, arrays[(split, "images")])
    np.testing.assert_array_equal(ds.targets, arrays[(split, "labels")])
    image, label = ds[3]
    assert image.shape == (28, 28) and label == 3 and isinstance(label, int)
    assert ds.classes[3] == "3 - three" and len(ds.classes) == 10
    assert f"N={n}" in repr(ds) and "mnist" in repr(ds)


def test_mnist_uncompressed_files(mnist_root):
    root, _ = mnist_root
    for path in (root / "mnist").glob("train-*.gz"):
        path.with_suffix("").write_bytes(gzip.decompress(path.read_bytes()))
        path.unlink()
    assert len(MNIST(root, download=False)) == 12


def test_root_from_environment(mnist_root, monkeypatch):
    root, _ = mnist_root
    monkeypatch.setenv("MINITORCH_DATA", str(root))
    assert MNIST(download=False).folder == root / "mnist"


def test_fashion_mnist_uses_its_own_folder(mnist_root):
    root, _ = mnist_root
    (root / "mnist").rename(root / "fashion-mnist")
    ds = FashionMNIST(root, download=False)
    assert ds.classes[0] == "T-shirt/top" and len(ds) == 12
    with pytest.raises(DatasetError, match="MNIST"):
        MNIST(root, download=False)


def test_missing_files_without_download(tmp_path):
    with pytest.raises(DatasetError) as info:
        MNIST(tmp_path, download=False)
    message = str(info.value)
    assert str(tmp_path / "mnist") in message and "train-images-idx3-ubyte.gz" in message
    assert "download=True" in message and "root argument" in message


def test_no_network_and_no_files_says_where_it_looked(tmp_path, monkeypatch):
    monkeypatch.setenv("MINITORCH_DATA", str(tmp_path))
    with pytest.raises(DatasetError) as info:
        MNIST()  # download=True, and the autouse fixture makes every connection fail
    message = str(info.value)
    assert str(tmp_path / "mnist") in message and "$MINITORCH_DATA" in message
    assert all(mirror in message for mirror in MNIST.mirrors)
    assert "fix:" in message and "copy" in message
    assert not any((tmp_path / "mnist").iterdir())  # no partial downloads left behind


@pytest.fixture
def mnist_server(network, build, monkeypatch):
    """The fake network serves tiny MNIST .gz files on the second mirror; md5s patched to match."""
    rng = np.random.default_rng(1)
    resources = {}
    for split, n in (("train", 7), ("t10k", 3)):
        for kind, array in (("images-idx3-ubyte", rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)),
                            ("labels-idx1-ubyte", np.arange(n, dtype=np.uint8))):
            stem = f"{split}-{kind}"
            payload = gzip.compress(build.idx_bytes(array))
            network.routes[MNIST.mirrors[1] + stem + ".gz"] = payload
            resources[stem] = (build.md5(payload), None)
    monkeypatch.setattr(MNIST, "resources", resources)
    return network


def test_mnist_downloads_missing_files(tmp_path, mnist_server):
    ds = MNIST(tmp_path, train=True)
    assert len(ds) == 7
    assert sorted(p.name for p in (tmp_path / "mnist").iterdir()) == [
        "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"]
    # Each file: first mirror fails, second serves it.
    assert [url.split("/")[2] for url in mnist_server.requests] == [MNIST.mirrors[0].split("/")[2],
                                                                     MNIST.mirrors[1].split("/")[2]] * 2
    mnist_server.requests.clear()
    MNIST(tmp_path, train=True, verify=True)
    assert mnist_server.requests == []  # files in place are not downloaded again


def test_only_missing_files_are_downloaded(tmp_path, mnist_server, build):
    labels = build.write_idx(tmp_path / "mnist" / "train-labels-idx1-ubyte", np.arange(7, dtype=np.uint8))
    MNIST(tmp_path)
    assert not any("labels" in url for url in mnist_server.requests)
    assert not (tmp_path / "mnist" / "train-labels-idx1-ubyte.gz").exists() and labels.exists()


def test_downloaded_file_with_bad_checksum_is_not_kept(tmp_path, mnist_server, monkeypatch):
    monkeypatch.setitem(MNIST.resources, "train-images-idx3-ubyte", ("0" * 32, None))
    with pytest.raises(DatasetError, match="md5"):
        MNIST(tmp_path)
    assert not (tmp_path / "mnist" / "train-images-idx3-ubyte.gz").exists()


def test_verify_rejects_a_file_that_is_not_the_published_one(mnist_root):
    root, _ = mnist_root
    with pytest.raises(DatasetError) as info:
        MNIST(root, download=False, verify=True)
    assert "published" in str(info.value) and "train-images-idx3-ubyte.gz" in str(info.value)
    assert "verify=False" in str(info.value)


def test_verify_needs_published_md5_for_uncompressed_fashion_files(mnist_root):
    root, _ = mnist_root
    folder = root / "mnist"
    for path in folder.glob("train-*.gz"):
        path.with_suffix("").write_bytes(gzip.decompress(path.read_bytes()))
        path.unlink()
    folder.rename(root / "fashion-mnist")
    with pytest.raises(DatasetError, match="no published md5"):
        FashionMNIST(root, download=False, verify=True)


def test_corrupt_file_in_place_is_reported_not_redownloaded(mnist_root, network):
    root, _ = mnist_root
    path = root / "mnist" / "train-images-idx3-ubyte.gz"
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(DatasetError) as info:
        MNIST(root)
    assert str(path) in str(info.value) and "delete" in str(info.value)
    assert network.requests == []


def test_label_count_and_range_are_checked(mnist_root, build):
    root, _ = mnist_root
    build.write_idx(root / "mnist" / "train-labels-idx1-ubyte.gz", np.zeros(11, np.uint8))
    with pytest.raises(DatasetError, match="11 labels for 12 images"):
        MNIST(root, download=False)
    build.write_idx(root / "mnist" / "train-labels-idx1-ubyte.gz", np.full(12, 10, np.uint8))
    with pytest.raises(DatasetError, match="out of range"):
        MNIST(root, download=False)


def test_images_with_wrong_size_are_refused(mnist_root, build):
    root, _ = mnist_root
    build.write_idx(root / "mnist" / "train-images-idx3-ubyte.gz", np.zeros((12, 28, 27), np.uint8))
    with pytest.raises(DatasetError, match=r"\(N, 28, 28\)"):
        MNIST(root, download=False)


# ------------------------------------------------------------------------- CIFAR-10
def test_cifar_loads_tiny_batches_as_hwc(cifar_root):
    root, batches = cifar_root
    ds = CIFAR10(root, train=True, download=False)
    assert ds.data.shape == (15, 32, 32, 3) and ds.data.dtype == np.uint8 and ds.data.flags.c_contiguous
    rows, labels = batches["data_batch_2"]
    # Image 1 of batch 2 is item 4; its pixel (row 5, col 7) is R, G, B at planes 0, 1, 2.
    expected = [rows[1][plane * 1024 + 5 * 32 + 7] for plane in range(3)]
    np.testing.assert_array_equal(ds.data[4, 5, 7], expected)
    assert ds.targets.dtype == np.int64 and ds[4][1] == labels[1]
    test = CIFAR10(root, train=False, download=False)
    assert len(test) == 4 and test.classes[0] == "airplane"


def test_cifar_missing_batch_without_download(cifar_root):
    root, _ = cifar_root
    (root / "cifar-10-batches-py" / "data_batch_3").unlink()
    with pytest.raises(DatasetError) as info:
        CIFAR10(root, download=False)
    assert "data_batch_3" in str(info.value) and "download=True" in str(info.value)
    assert len(CIFAR10(root, train=False, download=False)) == 4  # the test split is still complete


def test_malicious_batch_in_data_folder_runs_nothing(cifar_root):
    root, _ = cifar_root
    marker = root / "pwned"

    class Evil:
        def __reduce__(self):
            return os.system, (f"touch {marker}",)

    path = root / "cifar-10-batches-py" / "data_batch_4"
    path.write_bytes(pickle.dumps({b"data": Evil(), b"labels": []}, protocol=2))
    with pytest.raises(DatasetError) as info:
        CIFAR10(root, download=False)
    assert str(path) in str(info.value) and "malicious" in str(info.value)
    assert not marker.exists()


def test_cifar_verify_explains_repacked_batches(cifar_root):
    root, _ = cifar_root
    with pytest.raises(DatasetError) as info:
        CIFAR10(root, train=False, download=False, verify=True)
    assert "re-packed" in str(info.value) and "test_batch" in str(info.value)


def cifar_archive(batches: dict, extra_members=()) -> bytes:
    """A cifar-10-python.tar.gz in memory holding ``batches`` (name -> pickle bytes)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, content in list(batches.items()) + list(extra_members):
            info = tarfile.TarInfo(name if name.startswith("..") else f"cifar-10-batches-py/{name}")
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


@pytest.fixture
def cifar_payloads(build):
    payloads = {}
    for i, name in enumerate(["data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4", "data_batch_5",
                              "test_batch"]):
        rows, labels = build.cifar_rows(2, seed=10 + i)
        buffer = io.BytesIO()
        pickle.dump({b"data": rows, b"labels": labels}, buffer, protocol=2)
        payloads[name] = buffer.getvalue()
    return payloads


def test_cifar_download_extracts_and_removes_archive(tmp_path, network, monkeypatch, build, cifar_payloads):
    archive = cifar_archive(cifar_payloads)
    network.routes[CIFAR10.mirrors[0]] = archive
    monkeypatch.setattr(CIFAR10, "archive_md5", build.md5(archive))
    ds = CIFAR10(tmp_path, train=True)
    assert len(ds) == 10
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cifar-10-batches-py"]
    network.requests.clear()
    assert len(CIFAR10(tmp_path, train=False)) == 2 and network.requests == []


def test_cifar_archive_with_escaping_member_is_refused(tmp_path, network, monkeypatch, build, cifar_payloads):
    archive = cifar_archive(cifar_payloads, extra_members=[("../evil", b"x")])
    network.routes[CIFAR10.mirrors[0]] = archive
    monkeypatch.setattr(CIFAR10, "archive_md5", build.md5(archive))
    root = tmp_path / "root"
    with pytest.raises(DatasetError, match="outside"):
        CIFAR10(root)
    assert not (tmp_path / "evil").exists() and not (root / "cifar-10-batches-py").exists()


def test_cifar_archive_with_bad_checksum(tmp_path, network, cifar_payloads):
    network.routes[CIFAR10.mirrors[0]] = cifar_archive(cifar_payloads)
    with pytest.raises(DatasetError, match="md5"):
        CIFAR10(tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_cifar_archive_already_in_root_is_used_and_kept(tmp_path, network, cifar_payloads):
    (tmp_path / CIFAR10.archive_name).write_bytes(cifar_archive(cifar_payloads))
    assert len(CIFAR10(tmp_path, train=False)) == 2
    assert network.requests == [] and (tmp_path / CIFAR10.archive_name).exists()


# ------------------------------------------------------------------------- Digits
def test_digits_split_is_fixed_and_disjoint():
    train, test = Digits(train=True), Digits(train=False)
    assert train.data.shape == (1437, 8, 8) and test.data.shape == (360, 8, 8)
    assert train.data.dtype == np.uint8 and train.targets.dtype == np.int64
    assert train.data.max() == 255 and train.data.min() == 0
    np.testing.assert_array_equal(Digits(train=False).data, test.data)
    assert set(np.unique(train.targets)) == set(range(10)) and len(train.classes) == 10
    flat_train = {row.tobytes() for row in train.data.reshape(len(train), -1)}
    overlap = sum(row.tobytes() in flat_train for row in test.data.reshape(len(test), -1))
    assert overlap < 5  # only genuinely identical images may coincide


@pytest.mark.parametrize("dataset", ["mnist", "cifar10"])
def test_a_read_only_data_root_with_download_is_a_dataset_error(tmp_path, mnist_server, dataset, read_only,
                                                                cifar_payloads, monkeypatch, build):
    archive = cifar_archive(cifar_payloads)
    mnist_server.routes[CIFAR10.mirrors[0]] = archive
    monkeypatch.setattr(CIFAR10, "archive_md5", build.md5(archive))
    root = tmp_path / "root"
    root.mkdir()
    read_only(root)
    with pytest.raises(DatasetError) as info:
        MNIST(root, download=True) if dataset == "mnist" else CIFAR10(root, download=True)
    message = str(info.value)
    assert "cannot be downloaded there: cannot write here (Permission denied)" in message
    assert str(root) in message and "make the folder writable" in message and "connect to the network" not in message


def test_an_unreadable_data_folder_is_a_dataset_error(mnist_root, monkeypatch):
    root, _ = mnist_root
    real_stat = os.stat

    def denied(path, *args, **kwargs):
        if str(path).startswith(str(root / "mnist") + os.sep):
            raise PermissionError(13, "Permission denied", str(path))
        return real_stat(path, *args, **kwargs)

    monkeypatch.setattr(os, "stat", denied)  # what `chmod 000 mnist/` does to a user who is not root
    for build_dataset in (lambda: MNIST(root), lambda: CIFAR10(root / "mnist", download=False)):
        with pytest.raises(DatasetError, match="Permission denied"):
            build_dataset()
