"""Bag of Words Meets Bags of Popcorn (IMDB reviews): layout, metric, submission format, sample data."""
