"""ThreeLayerConvNet and ConvNet: structure, init, gradient checks, a few training steps and
(when torch is installed) parity with the same network in PyTorch."""
import math

import numpy as np
import pytest

import minitorch_nn as mt
from minitorch_nn.models import ConvNet, ThreeLayerConvNet


def test_three_layer_structure_and_init():
    mt.manual_seed(0)
    model = ThreeLayerConvNet()
    assert isinstance(model, mt.Sequential)
    assert [name for name, _ in model.named_parameters()] == [
        "conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "fc.weight", "fc.bias"]
    assert model.conv1.weight.shape == (32, 3, 5, 5) and model.conv1.padding == (2, 2)
    assert model.conv2.weight.shape == (16, 32, 3, 3) and model.conv2.padding == (1, 1)
    assert model.fc.weight.shape == (10, 16 * 32 * 32)
    for layer, fan_in in ((model.conv1, 75), (model.conv2, 288), (model.fc, 16 * 32 * 32)):  # as the course
        assert not layer.bias.data.any()
        assert abs(layer.weight.data.std() / math.sqrt(2 / fan_in) - 1) < 0.1
    x = np.random.default_rng(0).standard_normal((2, 3, 32, 32)).astype(np.float32)
    scores = model(x)
    assert scores.shape == (2, 10) and scores.dtype == np.float32
    assert model.backward(np.ones_like(scores)).shape == x.shape


def test_three_layer_gradcheck():
    mt.manual_seed(1)
    model = ThreeLayerConvNet(in_channels=1, channels=(2, 3), num_classes=3, image_size=(5, 6))
    assert mt.gradcheck(model, np.random.default_rng(1).standard_normal((2, 1, 5, 6)))


@pytest.mark.parametrize("batchnorm, head, training", [
    (True, "global", True), (True, "global", False), (False, "flatten", True)])
def test_convnet_gradcheck(batchnorm, head, training):
    mt.manual_seed(2)
    model = ConvNet(in_channels=1, channels=(2, 3), num_classes=3, batchnorm=batchnorm,
                    convs_per_block=1, head=head, image_size=8).train(training)
    if not training:  # use non-trivial running statistics
        for layer in model.modules():
            if isinstance(layer, mt.BatchNorm2d):
                layer.running_mean[...] = 0.1
                layer.running_var[...] = 1.5
    assert mt.gradcheck(model, np.random.default_rng(2).standard_normal((3, 1, 8, 8)))


def test_convnet_with_dropout_gradcheck_fixed_seed():
    mt.manual_seed(3)
    model = ConvNet(in_channels=2, channels=(3,), num_classes=2, convs_per_block=2, dropout=0.3)
    assert "dropout" in dict(model.named_children())
    assert mt.gradcheck(model, np.random.default_rng(3).standard_normal((2, 2, 4, 4)))


def test_convnet_structure():
    model = ConvNet()
    assert [name for name, _ in model.named_children()] == ["block1", "block2", "block3", "pool", "fc"]
    assert len(model.block1) == 7 and isinstance(model.block1[6], mt.MaxPool2d)
    assert model.block1[0].bias is None and isinstance(model.block1[1], mt.BatchNorm2d)
    assert model.fc.weight.shape == (10, 128)
    plain = ConvNet(channels=(8, 16), batchnorm=False, convs_per_block=1, head="flatten", image_size=32)
    assert plain.block1[0].bias is not None and len(plain.block1) == 3
    assert plain.fc.weight.shape == (10, 16 * 8 * 8)
    assert plain(np.zeros((2, 3, 32, 32), np.float32)).shape == (2, 10)


def test_bad_configurations():
    with pytest.raises(ValueError, match="ThreeLayerConvNet: channels"):
        ThreeLayerConvNet(channels=(8, 8, 8))
    with pytest.raises(ValueError, match="image_size"):
        ConvNet(head="flatten")
    with pytest.raises(ValueError, match="head"):
        ConvNet(head="mean")
    with pytest.raises(ValueError, match="convs_per_block"):
        ConvNet(convs_per_block=0)
    with pytest.raises(ValueError, match=r"Conv2d\(in_channels=3.*1 channels"):
        ThreeLayerConvNet()(np.zeros((2, 1, 32, 32), np.float32))


@pytest.mark.parametrize("make, lr", [
    (lambda: ThreeLayerConvNet(in_channels=1, channels=(4, 4), num_classes=3, image_size=8), 0.05),
    (lambda: ConvNet(in_channels=1, channels=(4, 8), num_classes=3, convs_per_block=1), 0.3),
], ids=["three_layer", "convnet"])
def test_a_few_sgd_steps_fit_a_tiny_batch(make, lr):
    mt.manual_seed(4)
    rng = np.random.default_rng(4)
    x = rng.standard_normal((12, 1, 8, 8)).astype(np.float32)
    y = rng.integers(0, 3, 12)
    model, loss_fn = make(), mt.CrossEntropyLoss()
    losses = []
    for _ in range(25):
        model.zero_grad()
        losses.append(loss_fn(model(x), y))
        model.backward(loss_fn.backward())
        for param in model.parameters():
            param.data -= lr * param.grad
    assert losses[-1] < 0.5 * losses[0]


def test_three_layer_matches_torch_live():
    torch = pytest.importorskip("torch")
    mt.manual_seed(5)
    model = ThreeLayerConvNet(in_channels=2, channels=(4, 3), num_classes=5, image_size=(6, 7))
    reference = torch.nn.Sequential(
        torch.nn.Conv2d(2, 4, 5, padding=2), torch.nn.ReLU(), torch.nn.Conv2d(4, 3, 3, padding=1), torch.nn.ReLU(),
        torch.nn.Flatten(), torch.nn.Linear(3 * 6 * 7, 5))
    with torch.no_grad():
        for ours, theirs in zip(model.parameters(), reference.parameters()):
            theirs.copy_(torch.from_numpy(ours.data))
    rng = np.random.default_rng(5)
    x = rng.standard_normal((3, 2, 6, 7)).astype(np.float32)
    y = rng.integers(0, 5, 3)
    loss_fn = mt.CrossEntropyLoss()
    loss = loss_fn(model(x), y)
    model.backward(loss_fn.backward())
    torch_loss = torch.nn.functional.cross_entropy(reference(torch.from_numpy(x)), torch.from_numpy(y))
    torch_loss.backward()
    assert abs(loss - torch_loss.item()) <= 1e-6 * abs(torch_loss.item())
    for (name, ours), theirs in zip(model.named_parameters(), reference.parameters()):
        expected = theirs.grad.numpy()
        error = np.abs(ours.grad - expected).max() / np.abs(expected).max()
        assert error < 1e-5, f"{name}: relative error {error:.3g}"
