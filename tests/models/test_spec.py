"""ModelSpec: a ready-made model by class name and arguments, rebuilt from plain values."""
import json

import numpy as np
import pytest

import minitorch_nn as mt
from minitorch_nn.models import ConvNet, ModelSpec, ThreeLayerConvNet


@pytest.mark.parametrize("spec, cls", [
    (ModelSpec("MLP", {"in_features": 4, "hidden_features": [3], "out_features": 2, "batchnorm": True}), mt.MLP),
    (ModelSpec("ThreeLayerConvNet", {"in_channels": 1, "channels": [2, 2], "num_classes": 3, "image_size": [6, 6]}),
     ThreeLayerConvNet),
    (ModelSpec("ConvNet", {"in_channels": 1, "channels": [2], "num_classes": 3}), ConvNet),
])
def test_builds_and_survives_a_plain_round_trip(spec, cls):
    again = ModelSpec.from_state_dict(json.loads(json.dumps(spec.state_dict())))
    first, second = spec.build(), again.build()
    assert isinstance(second, cls) and first.state_dict().keys() == second.state_dict().keys()
    second.load_state_dict(first.state_dict())


def test_only_models_of_the_package():
    with pytest.raises(ValueError, match="'Net' is not a model of minitorch_nn.models; known: MLP"):
        ModelSpec("Net", {})
    assert ModelSpec("MLP", {"in_features": 2, "hidden_features": (3,), "out_features": 1}).state_dict()[
        "kwargs"]["hidden_features"] == [3]
    assert np.isfinite(ModelSpec("MLP", {"in_features": 2, "hidden_features": [3], "out_features": 1})
                       .build()(np.zeros((1, 2)))).all()
