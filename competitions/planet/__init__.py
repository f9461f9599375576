"""Planet: Understanding the Amazon from Space — the facts of the competition."""
