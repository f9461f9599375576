"""The model, training and input code stay backend-neutral: fit and predict under KERAS_BACKEND=jax."""

import importlib.util
import os
import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent("""
    import sys
    import cv2, numpy as np, keras
    assert keras.backend.backend() == "jax", keras.backend.backend()
    from pathlib import Path
    from compete.common.settings import adapters
    from compete.common.settings.shared import ImageCVConfig
    from compete.common.models.classifier import build_image_classifier
    from compete.common.runs.engine import Split

    root = sys.argv[1]
    rng = np.random.default_rng(0)
    paths, labels = [], []
    for i in range(24):
        image = rng.integers(0, 255, (16, 16, 3), dtype=np.uint8)
        image[..., i % 2] = 250
        cv2.imwrite(f"{root}/{i}.jpg", image)
        paths.append(f"{root}/{i}.jpg")
        labels.append([i % 2, 1 - i % 2])
    labels = np.array(labels, "float32")
    cfg = ImageCVConfig(data=root, backbone="tiny_cnn", weights=None, image_size=16, batch_size=8,
                        epochs=1, lr_schedule="constant", augment=[])
    learner = adapters.image_learner(cfg, lambda: build_image_classifier("tiny_cnn", 16, 2, "sigmoid"),
                                     loss="binary_crossentropy")
    data = Split([str(i) for i in range(24)], paths, labels, [str(i) for i in range(24)])
    model, summary = learner.fit(data, np.arange(16), np.arange(16, 24), 0, Path(root) / "out")
    learner.save(model, Path(root) / "out")
    preds, failed = learner.predict(learner.load(Path(root) / "out"), data, np.arange(24))
    assert preds.shape == (24, 2) and np.isfinite(preds).all() and failed == []
    print("jax ok")
""")


@pytest.mark.skipif(importlib.util.find_spec("jax") is None, reason="JAX not installed (pip install -e '.[jax]')")
def test_fit_and_predict_under_jax(tmp_path):
    env = {**os.environ, "KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu"}
    result = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path)], env=env, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "jax ok" in result.stdout
