"""The 10 CIFAR-10 classes, in the label order of the python batches' batches.meta."""

from compete.common.data.labels import ClassVocabulary

CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
VOCABULARY = ClassVocabulary(CLASSES)
IMAGE_SIZE = 32
