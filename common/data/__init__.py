"""Rows into model inputs: image decoding and datasets, augmentation, TTA views, crops, label vocabularies, resampling."""
