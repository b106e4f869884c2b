"""Every optimiser option sweep against trajectories computed by torch.optim (float64, 30 steps).

Cases (and the gradients, with parameter 2 skipped every 4th step and parameter 3 never
given a gradient) come from fixtures/optim_reference.npz, made by
scripts/make_optim_fixtures.py.
"""
import numpy as np
import pytest

OPTIMIZERS = ("SGD", "RMSprop", "Adagrad", "Adam", "AdamW")


def test_matches_torch_fixture(optim_reference, optim_case, assert_close):
    assert_close(optim_reference.run(optim_case), optim_reference.trajectory(optim_case))


def test_matches_torch_fixture_through_blas(optim_reference, optim_case, assert_close, monkeypatch):
    """The fixture's parameters are small, so they take the numpy path; this sends them through BLAS."""
    from minitorch_nn.kernels import blas, inplace

    if not blas.available():
        pytest.skip("numpy's OpenBLAS is not bound here")
    monkeypatch.setattr(inplace, "BLAS_MIN_SIZE", 1)
    assert_close(optim_reference.run(optim_case), optim_reference.trajectory(optim_case))
    np.testing.assert_allclose(optim_reference.run(optim_case, dtype=np.float32),
                               optim_reference.trajectory(optim_case), rtol=1e-4, atol=1e-5)


def test_matches_live_torch(optim_reference, optim_case, assert_close):
    pytest.importorskip("torch")
    assert_close(optim_reference.run(optim_case), optim_reference.run_torch(optim_case))


def test_param_without_grad_is_untouched(optim_reference, optim_case):
    params = optim_reference.make_params()
    opt = optim_reference.make_optimizer(optim_case, params)
    for t in range(5):
        optim_reference.feed_grads(params, t)
        opt.step()
    never = optim_reference.spec["skip"]["never"][0]
    assert np.array_equal(params[never].data, optim_reference.init[never])
    assert params[never] not in opt.state or not opt.state[params[never]]


def test_float32_stays_float32(optim_reference, optim_case):
    ours = optim_reference.run(optim_case, dtype=np.float32)
    assert ours.dtype == np.float32
    params = optim_reference.make_params(np.float32)
    opt = optim_reference.make_optimizer(optim_case, params)
    for t in range(3):
        optim_reference.feed_grads(params, t, np.float32)
        opt.step()
    for p in params:
        assert p.data.dtype == np.float32
        for value in opt.state.get(p, {}).values():
            if isinstance(value, np.ndarray):
                assert value.dtype == np.float32
    np.testing.assert_allclose(ours, optim_reference.trajectory(optim_case), rtol=1e-4, atol=1e-5)


def test_float32_matches_live_torch(optim_reference, optim_case):
    pytest.importorskip("torch")
    ours = optim_reference.run(optim_case, dtype=np.float32)
    np.testing.assert_allclose(ours, optim_reference.run_torch(optim_case, np.float32), rtol=1e-5, atol=1e-6)


def test_step_leaves_grads_alone(optim_reference, optim_case):
    params = optim_reference.make_params()
    opt = optim_reference.make_optimizer(optim_case, params)
    for t in range(3):
        optim_reference.feed_grads(params, t)
        opt.step()
        for i, p in enumerate(params):
            if p.grad is not None:
                assert np.array_equal(p.grad, optim_reference.grads[i][t])


def test_step_allocates_no_full_size_temporaries(optim_case):
    """After the first step (state and scratch buffers exist), a step allocates nothing
    of the parameter's size: the update runs in place."""
    import tracemalloc

    import minitorch_nn as mt
    from minitorch_nn import optim

    kwargs = {k: tuple(v) if k == "betas" else v for k, v in optim_case["kwargs"].items()}
    p = mt.Parameter(np.ones((256, 256), dtype=np.float32))  # 256 KiB
    p.grad = np.full((256, 256), 0.5, dtype=np.float32)
    opt = getattr(optim, optim_case["optimizer"])([p], **kwargs)
    opt.step()
    opt.step()
    tracemalloc.start()
    try:
        opt.step()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 64 * 1024, f"step allocated {peak} bytes"
