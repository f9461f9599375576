"""2022 Data Creator Camp (university track): 20-class abstract images (AI Hub), macro-F1, no pre-trained weights."""
