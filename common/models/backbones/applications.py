"""Backbones from keras.applications (ImageNet weights from the Keras cache or the network)."""

from __future__ import annotations

from compete.common.models.backbones.registry import register_backbone


@register_backbone("vgg16", preprocessing="caffe", pretrained=True, min_size=32,
                   blocks=("block1_", "block2_", "block3_", "block4_", "block5_"),
                   description="VGG16 (Simonyan & Zisserman 2014), 5 conv blocks, 14.7M params")
def vgg16(input_shape, weights=None):
    import keras
    return keras.applications.VGG16(include_top=False, weights=weights, input_shape=input_shape)


@register_backbone("resnet50", preprocessing="caffe", pretrained=True, min_size=32,
                   blocks=("conv1_", "conv2_", "conv3_", "conv4_", "conv5_"),
                   description="ResNet50 (He et al. 2015), 4 residual stages, 23.6M params")
def resnet50(input_shape, weights=None):
    import keras
    return keras.applications.ResNet50(include_top=False, weights=weights, input_shape=input_shape)


@register_backbone("mobilenet_v2", preprocessing="tf", pretrained=True, min_size=32,
                   blocks=("Conv1", "expanded_conv_", "block_1_", "block_2_", "block_3_", "block_4_",
                           "block_5_", "block_6_", "block_7_", "block_8_", "block_9_", "block_10_",
                           "block_11_", "block_12_", "block_13_", "block_14_", "block_15_",
                           "block_16_", "Conv_1"),
                   description="MobileNetV2 (Sandler et al. 2018), 17 inverted residual blocks, 2.3M params")
def mobilenet_v2(input_shape, weights=None):
    import keras
    return keras.applications.MobileNetV2(include_top=False, weights=weights, input_shape=input_shape)
