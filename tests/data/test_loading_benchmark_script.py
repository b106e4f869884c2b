"""benchmarks/data_loading.py runs end to end (on the tiny generated data sets)."""
import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "data_loading.py"


def test_benchmark_run_returns_one_record_per_measurement(mnist_root, cifar_root):
    spec = importlib.util.spec_from_file_location("data_loading_benchmark", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    root, _ = mnist_root
    results = module.run(root, repeats=2)
    assert [r["name"].split(",")[0] for r in results] == ["load MNIST train", "load CIFAR-10 train",
                                                         "MNIST epoch", "MNIST epoch"]
    assert all(r["repeats"] == 2 and r["median_s"] >= 0 and r["items"] > 0 for r in results)
