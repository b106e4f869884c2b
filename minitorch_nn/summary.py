"""``mt.summary``: a torchinfo-style table of a model's layers, output shapes and sizes."""
from __future__ import annotations

import numpy as np

from .module import Module


def summary(model: Module, input_shape, dtype=None, print_fn=print) -> str:
    """Run one forward pass on zeros of ``input_shape`` (batch dimension included, e.g.
    ``(1, 784)``) in eval mode and tabulate every sub-module: name, type, output shape and
    its own parameter count, then the totals. Prints the table and returns it as a string.
    """
    rows = []
    handles = []
    for name, module in model.named_modules():
        depth = name.count(".") + 1 if name else 0

        def record(module, inputs, output, name=name, depth=depth):
            shape = tuple(np.shape(output)) if not isinstance(output, tuple) else tuple(np.shape(output[0]))
            own = sum(p.size for p in module.parameters(recurse=False))
            rows.append((depth, name, type(module).__name__, shape, own))

        handles.append(module.register_forward_hook(record))
    dtype = dtype or next((p.dtype for p in model.parameters()), np.float32)
    was_training = model.training
    try:
        model.eval()
        model(np.zeros(tuple(input_shape), dtype=dtype))
    finally:
        for handle in handles:
            handle.remove()
        model.train(was_training)
    # Hooks fire after a module's children; list parents first, as the module tree reads.
    order = {name: index for index, (name, _) in enumerate(model.named_modules())}
    rows.sort(key=lambda row: order[row[1]])

    total = sum(p.size for p in model.parameters())
    trainable = sum(p.size for p in model.parameters() if p.requires_grad)
    size_mb = sum(p.data.nbytes for p in model.parameters()) / 1e6
    header = f"{'Layer (type)':<40}{'Output Shape':<24}{'Param #':>12}"
    rule = "=" * len(header)
    lines = [rule, header, rule]
    for depth, name, kind, shape, own in rows:
        label = "  " * max(depth - 1, 0) + (f"{name} ({kind})" if name else kind)
        lines.append(f"{label:<40}{str(shape):<24}{own:>12,}")
    lines += [rule, f"Total params: {total:,}", f"Trainable params: {trainable:,}",
              f"Non-trainable params: {total - trainable:,}", f"Params size (MB): {size_mb:.2f}", rule]
    table = "\n".join(lines)
    if print_fn is not None:
        print_fn(table)
    return table
