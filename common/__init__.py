"""Competition-agnostic parts, one job per sub-package.

    io/          files in and out: atomic writes, tables, JSON labels, PNG headers
    data/        images, augmentation, TTA, vocabularies, resampling
    models/      backbones (a registry), the image classifier, fine-tuning, losses
    training/    fitting one unit, prediction, the fold-model learners
    evaluation/  metrics, thresholds, bias tuning, ensembles and blends
    runs/        folds, units and the run engine
    text/        text cleaning and text models
    hygiene/     duplicate and stray-photo detection
"""
