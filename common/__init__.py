"""Competition-agnostic building blocks: labels, folds, images, backbones, training, thresholds, submissions."""
