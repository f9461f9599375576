"""Scoring out-of-fold predictions: metrics, threshold and bias tuning, fold/seed ensembles and blends, pictures."""
