"""Reading and writing files: atomic writes, CSV/TSV and JSON label files, PNG headers."""
