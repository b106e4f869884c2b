"""linear_forward / linear_backward, and the course's functional two-layer net built from the pairs."""
import numpy as np

from minitorch_nn.functional import linear_backward, linear_forward, relu_backward, relu_forward


def test_linear_pair(check_pair):
    rng = np.random.default_rng(7)
    inputs = dict(x=rng.standard_normal((5, 2, 4)), weight=rng.standard_normal((3, 4)), bias=rng.standard_normal(3))
    out, _ = linear_forward(**inputs)
    np.testing.assert_allclose(out, inputs["x"] @ inputs["weight"].T + inputs["bias"])
    check_pair(linear_forward, linear_backward, inputs, ["x", "weight", "bias"])


def test_relu_pair(check_pair):
    x = np.random.default_rng(8).standard_normal((4, 5))
    x[np.abs(x) < 1e-3] = 0.5  # keep away from the kink
    out, _ = relu_forward(x)
    np.testing.assert_array_equal(out, np.maximum(x, 0))
    check_pair(relu_forward, relu_backward, dict(x=x), ["x"])


def test_a_functional_two_layer_net_chains_the_pairs(check_pair):
    """affine - relu - affine, written with the pairs only, as the course's functional nets are."""
    rng = np.random.default_rng(9)
    w1, w2 = rng.standard_normal((6, 4)), rng.standard_normal((3, 6))

    def forward(x):
        hidden, cache1 = linear_forward(x, w1)
        activated, cache2 = relu_forward(hidden)
        scores, cache3 = linear_forward(activated, w2)
        return scores, (cache1, cache2, cache3)

    def backward(grad_scores, caches):
        cache1, cache2, cache3 = caches
        grad_activated, _, _ = linear_backward(grad_scores, cache3)
        grad_x, _, _ = linear_backward(relu_backward(grad_activated, cache2), cache1)
        return grad_x

    check_pair(forward, backward, dict(x=rng.standard_normal((5, 4))), ["x"])
