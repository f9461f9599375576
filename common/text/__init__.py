"""Text models: cleaning and tokenising, linear baselines, a Keras recurrent classifier, word2vec."""
