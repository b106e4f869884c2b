"""Registry: one pattern for every named choice of train.py."""
import pytest

from minitorch_nn.run.datasets import DATASETS
from minitorch_nn.run.model_kinds import MODEL_KINDS
from minitorch_nn.run.optimizers import OPTIMIZERS
from minitorch_nn.run.options import Option
from minitorch_nn.run.registry import Entry, Registry
from minitorch_nn.run.schedules import SCHEDULES


def test_entries_in_order_options_merged_once_and_help_lines():
    registry = Registry("thing", "things")
    shared = Option(1, "shared", "int")
    registry.add(Entry("b", build=lambda: "B", summary="the b", options={"x": shared}))
    registry.add(Entry("a", build=lambda: "A", options={"x": shared, "y": Option(2.0, "y", "float")}))
    assert list(registry) == ["b", "a"] and registry["a"].build() == "A"
    assert list(registry.all_options()) == ["x", "y"]
    assert "  b  the b" in registry.help()
    assert registry["b"].description() == "b"
    with pytest.raises(KeyError, match=r"'c' is not a known thing; known: b, a"):
        registry["c"]
    assert registry.remove("b").name == "b" and list(registry) == ["a"]


def test_the_four_registries_of_train_py():
    assert list(DATASETS) == ["mnist", "fashion_mnist", "cifar10", "digits"]
    assert DATASETS["mnist"].mirrors and not DATASETS["digits"].mirrors
    assert {"mlp", "convnet", "three_layer_convnet"} <= set(MODEL_KINDS)
    assert list(OPTIMIZERS)[:5] == ["sgd", "rmsprop", "adagrad", "adam", "adamw"]
    assert {"none", "step", "exponential", "cosine", "plateau"} <= set(SCHEDULES)
    for registry in (DATASETS, MODEL_KINDS, OPTIMIZERS, SCHEDULES):
        assert all(entry.summary for entry in registry.values()), registry.what
