"""CIFAR-10 (Kaggle "cifar-10" and the python batches) — the facts of the competition."""
