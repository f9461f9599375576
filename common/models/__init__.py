"""Models: the backbone registry, the image classifier built on it, fine-tuning modes and losses."""
