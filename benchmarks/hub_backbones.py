"""Which keras-hub image backbones work as `--backbone hub:FOLDER`, under which Keras backend.

For each backbone class a tiny configuration is saved as a local preset; then, in a fresh
process per backend, the toolkit's classifier is built on it (`weights=imagenet`: the
preset's own weights), trained one step, saved, loaded back and checked to predict the
same. No timing: it prints one row per backbone with ok or the first line of the error.

    .venv/bin/python benchmarks/hub_backbones.py [--backends tensorflow,jax,torch] [--only ResNetBackbone,...]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

SIZE = 64
# Tiny configurations, a few thousand to a few hundred thousand weights each.
CONFIGS = {
    # keras-hub requires ResNet's first stage to have 64 filters.
    "ResNetBackbone (basic)": dict(input_conv_filters=[64], input_conv_kernel_sizes=[3], stackwise_num_filters=[64, 16],
                                   stackwise_num_blocks=[1, 1], stackwise_num_strides=[1, 2],
                                   block_type="basic_block"),
    "ResNetBackbone (v2, bottleneck)": dict(input_conv_filters=[64], input_conv_kernel_sizes=[3],
                                            stackwise_num_filters=[64, 16], stackwise_num_blocks=[1, 1],
                                            stackwise_num_strides=[1, 2], block_type="bottleneck_block",
                                            use_pre_activation=True),
    "VGGBackbone": dict(stackwise_num_repeats=[1, 1], stackwise_num_filters=[8, 16]),
    "DenseNetBackbone": dict(stackwise_num_repeats=[1, 1], growth_rate=8),
    "XceptionBackbone": dict(stackwise_conv_filters=[[8, 16], [32, 32], [64, 64]],
                             stackwise_pooling=[False, True, False]),
    "CSPNetBackbone": dict(stem_filters=8, stem_kernel_size=3, stem_strides=2, stackwise_depth=[1, 1],
                           stackwise_strides=[1, 2], stackwise_num_filters=[16, 32], block_type="dark_block",
                           stage_type="dark"),
    "EfficientNetBackbone": dict(
        stackwise_width_coefficients=[1.0] * 2, stackwise_depth_coefficients=[1.0] * 2,
        stackwise_kernel_sizes=[3, 3], stackwise_num_repeats=[1, 1], stackwise_input_filters=[8, 8],
        stackwise_output_filters=[8, 16], stackwise_expansion_ratios=[1, 4], stackwise_squeeze_and_excite_ratios=[0.25, 0.25],
        stackwise_strides=[1, 2], stackwise_block_types=["v1", "v1"], stackwise_force_input_filters=[0, 0],
        stackwise_nores_option=[False, False]),
    "MobileNetBackbone": dict(
        stackwise_expansion=[[16], [16]], stackwise_num_blocks=[1, 1], stackwise_num_filters=[[8], [16]],
        stackwise_kernel_size=[[3], [3]], stackwise_num_strides=[[2], [2]], stackwise_se_ratio=[[0.25], [0.25]],
        stackwise_activation=[["relu"], ["hard_swish"]], stackwise_padding=[[1], [1]], output_num_filters=32,
        depthwise_filters=8, depthwise_stride=2, depthwise_residual=False, last_layer_filter=32,
        input_num_filters=8),
    "ViTBackbone": dict(image_shape=(SIZE, SIZE, 3), patch_size=16, num_layers=1, num_heads=2, hidden_dim=16,
                        mlp_dim=32),
    "DeiTBackbone": dict(image_shape=(SIZE, SIZE, 3), patch_size=16, num_layers=1, num_heads=2, hidden_dim=16,
                         intermediate_dim=32),
    "SwinTransformerBackbone": dict(image_shape=(SIZE, SIZE, 3), embed_dim=8, depths=[1, 1], num_heads=[1, 2],
                                    window_size=4),
    # keras-hub's DropPath calls `ops.random`, which does not exist: only drop_path=0 can train.
    "SwinTransformerBackbone (drop_path 0)": dict(image_shape=(SIZE, SIZE, 3), embed_dim=8, depths=[1, 1],
                                                  num_heads=[1, 2], window_size=4, drop_path=0.0),
    "DINOV2Backbone": dict(patch_size=14, num_layers=1, hidden_dim=16, num_heads=2, intermediate_dim=32,
                           image_shape=(70, 70, 3), position_embedding_shape=(70, 70, 3)),
    "MiTBackbone": dict(layerwise_depths=[1, 1], num_layers=2, layerwise_num_heads=[1, 2], layerwise_sr_ratios=[8, 4],
                        max_drop_path_rate=0.1, layerwise_patch_sizes=[7, 3], layerwise_strides=[4, 2],
                        hidden_dims=[8, 16], image_shape=(SIZE, SIZE, 3)),
}

PROBE = r'''
import json, sys, traceback
import numpy as np, keras, keras_hub
from compete.common.models import serializable
from compete.common.models.classifier import build_image_classifier

name, config, folder, size = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3], int(sys.argv[4])
cls = getattr(keras_hub.models, name.split(" ")[0])
try:
    keras.utils.set_random_seed(0)
    cls(**config).save_to_preset(folder)
    model = build_image_classifier("hub:" + folder, size, 3, "softmax", weights="imagenet")
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    x = np.random.default_rng(0).integers(0, 255, (4, size, size, 3)).astype("float32")
    y = np.eye(3, dtype="float32")[[0, 1, 2, 0]]
    model.fit(x, y, epochs=1, verbose=0)
    before = model.predict(x, verbose=0)
    model.save(folder + "/classifier.keras")
    serializable.prepare(folder + "/classifier.keras")
    after = keras.saving.load_model(folder + "/classifier.keras", compile=False).predict(x, verbose=0)
    same = float(np.abs(before - after).max())
    print("RESULT " + json.dumps({"ok": same < 1e-5, "why": f"reloaded predictions differ by {same:.1e}",
                                  "features": str(model.get_layer("backbone").output.shape)}))
except Exception as error:
    line = (str(error).strip().splitlines() or [""])[0][:150]
    print("RESULT " + json.dumps({"ok": False, "why": f"{type(error).__name__}: {line}"}))
'''


def probe(backend: str, name: str, config: dict, folder: Path) -> dict:
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
    size = config.get("image_shape", (SIZE,))[0]
    done = subprocess.run([sys.executable, "-c", PROBE, name, json.dumps(config), str(folder), str(size)],
                          capture_output=True, text=True, env=env, timeout=600)
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if not lines:
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1][:150]
        return {"ok": False, "why": f"exit {done.returncode}: {tail}"}
    return json.loads(lines[-1][len("RESULT "):])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="tensorflow,jax,torch")
    parser.add_argument("--only", default="", help="comma-separated backbone names (e.g. ResNetBackbone,ViTBackbone)")
    args = parser.parse_args()
    only = [name for name in args.only.split(",") if name]
    backends = [b for b in args.backends.split(",")
                if importlib.util.find_spec({"tensorflow": "tensorflow", "jax": "jax", "torch": "torch"}[b])]
    skipped = sorted(set(args.backends.split(",")) - set(backends))
    import keras_hub

    print(f"keras-hub {keras_hub.__version__}; backends {', '.join(backends)}"
          + (f" (not installed, not probed: {', '.join(skipped)})" if skipped else ""))
    print(f"| backbone | {' | '.join(backends)} |\n|---|{'---|' * len(backends)}")
    with tempfile.TemporaryDirectory() as root:
        for name, config in CONFIGS.items():
            if only and name.split(" ")[0] not in only:
                continue
            cells = []
            for backend in backends:
                folder = Path(root) / f"{backend}-{name.split(' ')[0]}-{len(cells)}-{abs(hash(name))}"
                found = probe(backend, name, config, folder)
                cells.append(f"ok {found.get('features', '')}" if found["ok"] else found["why"])
            print(f"| {name} | {' | '.join(cells)} |", flush=True)


if __name__ == "__main__":
    main()
