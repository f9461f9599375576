"""The run engine: fold columns, units keyed by their data and settings, the locked run folder, assembly."""
