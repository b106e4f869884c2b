"""batch_norm_forward / batch_norm_backward: the statistics and the gradients, in both modes."""
import numpy as np
import pytest

from minitorch_nn.functional import batch_norm_backward, batch_norm_forward


@pytest.mark.parametrize("shape", [(6, 3), (4, 3, 5), (3, 3, 4, 2)])
def test_training_mode_normalises_per_channel_and_backward_is_its_gradient(check_pair, shape):
    rng = np.random.default_rng(5)
    x = rng.standard_normal(shape) * 3 + 1
    weight, bias = rng.standard_normal(3), rng.standard_normal(3)
    out, cache = batch_norm_forward(x, np.ones(3), np.zeros(3), eps=0.0)
    axes = (0,) + tuple(range(2, x.ndim))
    np.testing.assert_allclose(out.mean(axis=axes), 0, atol=1e-12)
    np.testing.assert_allclose(out.var(axis=axes), 1, rtol=1e-10)
    np.testing.assert_allclose(cache.var, x.var(axis=axes), rtol=1e-12)  # biased, for the running average
    check_pair(lambda x, weight, bias: batch_norm_forward(x, weight, bias), batch_norm_backward,
               dict(x=x, weight=weight, bias=bias), ["x", "weight", "bias"])


def test_eval_mode_uses_the_given_statistics(check_pair):
    rng = np.random.default_rng(6)
    x = rng.standard_normal((4, 2, 3, 3))
    mean, var = np.array([0.5, -1.0]), np.array([2.0, 0.5])
    out, _ = batch_norm_forward(x, None, None, running_mean=mean, running_var=var, training=False, eps=1e-5)
    np.testing.assert_allclose(out, (x - mean[None, :, None, None]) / np.sqrt(var[None, :, None, None] + 1e-5))
    check_pair(lambda x: batch_norm_forward(x, running_mean=mean, running_var=var, training=False),
               batch_norm_backward, dict(x=x), ["x"])
