"""Importing this registers every Keras class that compete writes into saved models, so any of them loads.

A saved `.keras` file names its custom layers ("compete>Preprocess", "compete>ChannelPad");
Keras finds them only once the modules defining them have been imported.
"""

from compete.common.models import classifier, losses  # noqa: F401
from compete.common.models.backbones import cifar_nets  # noqa: F401
