"""From-scratch CNNs for 32x32 images: LeNet-5, a deeper VGG-style CNN, and the CIFAR ResNets of He et al.

Registered here without importing Keras, so checking a `--backbone` name stays light; the
networks themselves are in `cifar_nets.py`.
"""

from __future__ import annotations

from compete.common.models.backbones.registry import register_backbone


@register_backbone("lenet5", preprocessing="unit", blocks=("block1_", "block2_", "fc_"), min_size=32,
                   description="LeNet-5 style (LeCun et al. 1998): 2 conv 5x5 + max-pool, FC 120-84; 62k params at 32px")
def lenet5(input_shape, weights=None):
    from compete.common.models.backbones import cifar_nets

    return cifar_nets.lenet5(input_shape)


@register_backbone("deep_cnn", preprocessing="unit", blocks=("block1_", "block2_", "block3_"), min_size=8,
                   description="deeper CNN: 3 blocks of 2 conv + batch norm, max-pool, dropout (32-64-128); 0.29M params")
def deep_cnn(input_shape, weights=None):
    from compete.common.models.backbones import cifar_nets

    return cifar_nets.deep_cnn(input_shape)


RESNET_BLOCKS = ("stem_", "stage1_", "stage2_", "stage3_")


def _register_resnet(depth: int, params: str):
    @register_backbone(f"resnet{depth}", preprocessing="unit", blocks=RESNET_BLOCKS, min_size=8,
                       description=f"CIFAR ResNet-{depth} (He et al. 2016), 3 stages 16-32-64, {params} params")
    def factory(input_shape, weights=None):
        from compete.common.models.backbones.cifar_nets import cifar_resnet

        return cifar_resnet(input_shape, depth)
    factory.__name__ = f"resnet{depth}"
    return factory


resnet20 = _register_resnet(20, "0.27M")
resnet56 = _register_resnet(56, "0.85M")


def _register_resnet9(name: str, width: int, params: str):
    @register_backbone(name, preprocessing="unit", blocks=RESNET_BLOCKS, min_size=8,
                       description=f"fast CIFAR ResNet-9 (Page 2018), widths {width}-{2 * width}-{4 * width}-"
                                   f"{8 * width}, {params} params")
    def factory(input_shape, weights=None):
        from compete.common.models.backbones import cifar_nets

        return cifar_nets.resnet9(input_shape, width, name=name)
    factory.__name__ = name
    return factory


resnet9 = _register_resnet9("resnet9", 64, "6.6M")
resnet9_half = _register_resnet9("resnet9_half", 32, "1.6M")
