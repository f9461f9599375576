"""Training one unit: the fit loop with its schedules, streaming prediction, and the fold-model learners."""
