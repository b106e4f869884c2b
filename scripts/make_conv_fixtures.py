"""Write tests/fixtures/conv_reference.npz: PyTorch's results for the conv-family layers.

    python scripts/make_conv_fixtures.py        (needs torch; deterministic, runs in seconds)

For every case in ``CASES`` the file holds, under ``<case>__<name>``: the float32 inputs
(``x``, parameters, ``grad_output``, drawn from a seeded numpy generator), PyTorch's float32
``output``, ``grad_input`` and parameter gradients (``grad_weight``, ``grad_bias``), BatchNorm2d's
running statistics after the step, and ``<case>__config`` (a JSON string: layer kind and arguments).
The tests compare minitorch_nn against the file, and when torch is importable also against
``build_fixtures`` run live on other random inputs.
"""
from __future__ import annotations

import json
import pathlib

import numpy as np

OUT = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "conv_reference.npz"

# (case name, layer kind, layer arguments, input shape)
CASES = [
    ("conv_3x3_pad1", "Conv2d", dict(in_channels=3, out_channels=4, kernel_size=3, padding=1), (2, 3, 7, 9)),
    ("conv_3x2_stride2", "Conv2d", dict(in_channels=2, out_channels=3, kernel_size=(3, 2), stride=2,
                                        padding=(1, 0)), (2, 2, 8, 7)),
    ("conv_5x5_pad2", "Conv2d", dict(in_channels=3, out_channels=5, kernel_size=5, padding=2), (2, 3, 6, 6)),
    ("conv_2x4_nobias", "Conv2d", dict(in_channels=4, out_channels=2, kernel_size=(2, 4), stride=(2, 3),
                                       padding=(0, 2), bias=False), (2, 4, 9, 10)),
    ("conv_1x1", "Conv2d", dict(in_channels=1, out_channels=3, kernel_size=1), (3, 1, 5, 5)),
    ("conv_3x3_stride2_odd", "Conv2d", dict(in_channels=3, out_channels=6, kernel_size=3, stride=2),
     (2, 3, 11, 11)),
    # stride 1 with out_channels <= in_channels: backward takes the full-convolution path
    ("conv_3x3_pad1_narrowing", "Conv2d", dict(in_channels=4, out_channels=2, kernel_size=3, padding=1),
     (2, 4, 6, 7)),
    ("conv_3x2_pad1_same_channels", "Conv2d", dict(in_channels=3, out_channels=3, kernel_size=(3, 2),
                                                   padding=1), (1, 3, 5, 6)),
    ("conv_1x1_pad1", "Conv2d", dict(in_channels=3, out_channels=2, kernel_size=1, padding=1), (2, 3, 4, 4)),
    ("maxpool_2", "MaxPool2d", dict(kernel_size=2), (2, 3, 8, 8)),
    ("maxpool_2_odd", "MaxPool2d", dict(kernel_size=2), (2, 3, 7, 9)),
    ("maxpool_3_stride2_pad1", "MaxPool2d", dict(kernel_size=3, stride=2, padding=1), (2, 3, 7, 9)),
    ("maxpool_3x2_overlap", "MaxPool2d", dict(kernel_size=(3, 2), stride=(1, 2), padding=(1, 0)), (2, 2, 6, 7)),
    ("maxpool_2_ties", "MaxPool2d", dict(kernel_size=2), (2, 2, 6, 6)),
    ("maxpool_3_stride1_ties", "MaxPool2d", dict(kernel_size=3, stride=1, padding=1), (2, 2, 5, 5)),
    ("avgpool_2", "AvgPool2d", dict(kernel_size=2), (2, 3, 8, 8)),
    ("avgpool_3_stride2_pad1", "AvgPool2d", dict(kernel_size=3, stride=2, padding=1), (2, 3, 7, 9)),
    ("avgpool_3_pad1_exclude", "AvgPool2d", dict(kernel_size=3, stride=1, padding=1, count_include_pad=False),
     (2, 2, 5, 6)),
    ("avgpool_2x3_overlap", "AvgPool2d", dict(kernel_size=(2, 3), stride=(2, 1), padding=(1, 1)), (2, 2, 7, 6)),
    ("adaptive_1", "AdaptiveAvgPool2d", dict(output_size=1), (2, 3, 5, 7)),
    ("adaptive_3x2_uneven", "AdaptiveAvgPool2d", dict(output_size=(3, 2)), (2, 3, 7, 5)),
    ("adaptive_2_even", "AdaptiveAvgPool2d", dict(output_size=2), (2, 3, 4, 6)),
    ("batchnorm2d_train", "BatchNorm2d", dict(num_features=3, training=True), (4, 3, 5, 6)),
    ("batchnorm2d_eval", "BatchNorm2d", dict(num_features=3, training=False), (4, 3, 5, 6)),
]


def make_inputs(kind: str, args: dict, input_shape: tuple, rng: np.random.Generator) -> dict:
    """The float32 arrays a case starts from (input, parameters, BatchNorm running stats)."""
    arrays = {"x": rng.standard_normal(input_shape).astype(np.float32)}
    if kind == "Conv2d":
        k = args["kernel_size"]
        kernel = (k, k) if isinstance(k, int) else tuple(k)
        shape = (args["out_channels"], args["in_channels"]) + kernel
        arrays["weight"] = (rng.standard_normal(shape) / np.sqrt(np.prod(shape[1:]))).astype(np.float32)
        if args.get("bias", True):
            arrays["bias"] = rng.standard_normal(args["out_channels"]).astype(np.float32)
    if kind == "BatchNorm2d":
        c = args["num_features"]
        arrays["x"] = (3 * arrays["x"] + 1).astype(np.float32)
        arrays["weight"] = rng.uniform(0.5, 1.5, c).astype(np.float32)
        arrays["bias"] = rng.standard_normal(c).astype(np.float32)
        arrays["running_mean"] = rng.standard_normal(c).astype(np.float32)
        arrays["running_var"] = rng.uniform(0.5, 2.0, c).astype(np.float32)
    return arrays


def torch_layer(kind: str, args: dict):
    import torch

    args = {key: value for key, value in args.items() if key != "training"}
    return getattr(torch.nn, kind)(**args)


def torch_reference(kind: str, args: dict, arrays: dict, rng: np.random.Generator) -> dict:
    """Run PyTorch forward + backward on ``arrays``; draws ``grad_output`` from ``rng``."""
    import torch

    layer = torch_layer(kind, args)
    with torch.no_grad():
        for name in ("weight", "bias", "running_mean", "running_var"):
            if name in arrays:
                getattr(layer, name).copy_(torch.from_numpy(arrays[name]))
    layer.train(args.get("training", True))
    x = torch.from_numpy(arrays["x"]).requires_grad_()
    output = layer(x)
    grad_output = rng.standard_normal(tuple(output.shape)).astype(np.float32)
    output.backward(torch.from_numpy(grad_output))
    result = {"grad_output": grad_output, "output": output.detach().numpy(), "grad_input": x.grad.numpy()}
    for name in ("weight", "bias"):
        param = getattr(layer, name, None)
        if isinstance(param, torch.nn.Parameter):
            result[f"grad_{name}"] = param.grad.numpy()
    if kind == "BatchNorm2d":
        result["running_mean_after"] = layer.running_mean.numpy().copy()
        result["running_var_after"] = layer.running_var.numpy().copy()
    return result


def build_fixtures(seed: int = 0) -> dict:
    """``{"<case>__<name>": array}`` for every case, computed with torch on seeded inputs."""
    import torch

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    fixtures = {}
    for case, kind, args, input_shape in CASES:
        arrays = make_inputs(kind, args, input_shape, rng)
        if "ties" in case:  # few distinct values, so windows hold tied maxima
            arrays["x"] = rng.integers(0, 3, input_shape).astype(np.float32)
        arrays.update(torch_reference(kind, args, arrays, rng))
        fixtures[f"{case}__config"] = np.array(json.dumps({"kind": kind, "args": args}))
        for name, array in arrays.items():
            fixtures[f"{case}__{name}"] = np.ascontiguousarray(array, dtype=np.float32)
    fixtures["fans"] = np.array(json.dumps(torch_fans()))
    return fixtures


FAN_SHAPES = [(16, 3, 5, 5), (32, 16, 3, 3), (8, 4, 3, 2), (6, 2, 1, 1), (10, 784), (5, 3, 4)]


def torch_fans() -> list:
    """``[[shape, fan_in, fan_out], ...]`` from torch's own fan rule, for ``mt.init``'s tests."""
    import torch
    from torch.nn.init import _calculate_fan_in_and_fan_out

    return [[list(shape), *_calculate_fan_in_and_fan_out(torch.empty(shape))] for shape in FAN_SHAPES]


def load_cases(fixtures) -> dict:
    """Group a fixture mapping back into ``{case: (kind, args, {name: array})}``."""
    cases = {}
    for key in fixtures.keys():
        if "__" not in key:  # not a layer case (e.g. "fans")
            continue
        case, name = key.split("__", 1)
        if name == "config":
            config = json.loads(str(fixtures[key]))
            cases.setdefault(case, [None, None, {}])[:2] = [config["kind"], config["args"]]
        else:
            cases.setdefault(case, [None, None, {}])[2][name] = np.asarray(fixtures[key])
    return {case: tuple(value) for case, value in cases.items()}


def main() -> None:
    fixtures = build_fixtures(seed=0)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(OUT, **fixtures)
    print(f"wrote {len(CASES)} cases to {OUT} ({OUT.stat().st_size / 1024:.0f} KB)")


if __name__ == "__main__":
    main()
