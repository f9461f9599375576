"""Names the settings list without reading any data (no numpy, no pandas): the layouts a download may come in."""

# "auto" detects: trainLabels.csv means the Kaggle layout (PNG files), else the python batches (pickled arrays).
LAYOUTS = ("auto", "kaggle", "batches")
