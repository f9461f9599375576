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
