"""Learning-rate schedules step / one-cycle and the SGD option of common.training."""

import types

import keras
import numpy as np
import pytest

from compete.common.training import fitting as training
from compete.common.training.options import FitOptions


def test_step_decay_divides_by_ten_at_half_and_three_quarters():
    curve = [training.step_decay(0.1, e, 20) for e in range(20)]
    np.testing.assert_allclose(curve[:10], 0.1)
    np.testing.assert_allclose(curve[10:15], 0.01)
    np.testing.assert_allclose(curve[15:], 0.001)


def test_one_cycle_warms_up_then_anneals():
    progress = np.linspace(0, 1, 101)
    curve = np.array([training.one_cycle(0.1, p) for p in progress])
    peak = int(np.argmax(curve))
    assert progress[peak] == pytest.approx(0.3, abs=0.01) and curve[peak] == pytest.approx(0.1)
    assert curve[0] == pytest.approx(0.1 / 25)
    assert curve[-1] == pytest.approx(0.1 / 25 / 1e4)
    assert np.all(np.diff(curve[:peak + 1]) > 0) and np.all(np.diff(curve[peak:]) < 0)


def _fit_lrs(schedule, optimizer="adam", epochs=4, steps=3):
    """Train a one-weight model and record the optimizer's learning rate at every batch."""
    cfg = types.SimpleNamespace(epochs=epochs, head_epochs=0, learning_rate=0.1, fine_tune="full", unfreeze_blocks=1,
                                fine_tune_lr_factor=0.1, patience=epochs, lr_schedule=schedule, optimizer=optimizer,
                                momentum=0.8)
    seen = []

    class Record(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            seen.append(float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate)))

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    callbacks = [training._schedule(schedule, 0.1, epochs, epochs), Record()]
    model.compile(optimizer=training.make_optimizer(cfg.optimizer, 0.1, cfg.momentum), loss="mse")
    x, y = np.ones((steps * 4, 2), np.float32), np.ones((steps * 4, 1), np.float32)
    model.fit(x, y, batch_size=4, epochs=epochs, verbose=0, callbacks=[c for c in callbacks if c is not None])
    return np.array(seen), model.optimizer


def test_schedules_drive_the_optimizer():
    step, _ = _fit_lrs("step")
    np.testing.assert_allclose(step, [0.1] * 6 + [0.01] * 3 + [0.001] * 3, rtol=1e-5)
    cycle, _ = _fit_lrs("onecycle")
    expected = [training.one_cycle(0.1, i / 12) for i in range(12)]
    np.testing.assert_allclose(cycle, expected, rtol=1e-4)
    constant, _ = _fit_lrs("constant")
    np.testing.assert_allclose(constant, 0.1)


def test_sgd_with_momentum_option_and_adam_default():
    _, sgd = _fit_lrs("constant", optimizer="sgd")
    assert isinstance(sgd, keras.optimizers.SGD) and sgd.momentum == pytest.approx(0.8) and sgd.nesterov
    assert isinstance(training.make_optimizer("adam", 0.01), keras.optimizers.Adam)
    with pytest.raises(ValueError, match="Unknown optimizer 'rmsprop'; available: adam, sgd"):
        training.make_optimizer("rmsprop", 0.01)
    with pytest.raises(ValueError, match="Unknown optimizer 'rmsprop'; available: adam, sgd"):
        FitOptions(optimizer="rmsprop")
    with pytest.raises(ValueError, match="lr_schedule"):
        training._schedule("linear", 0.1, 3, 2)
