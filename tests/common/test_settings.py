import argparse
import dataclasses

import pytest

from compete.common import config
from compete.common.errors import DataError


@dataclasses.dataclass
class Settings(config.ImageCVConfig):
    image_size: int = 128
    seeds: list[int] = dataclasses.field(default_factory=lambda: [0])


def test_file_then_flags_override_defaults(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("image_size: 96\nepochs: 3\naugment: [dihedral]\n")
    parser = argparse.ArgumentParser()
    config.add_arguments(parser, Settings)
    flags = vars(parser.parse_args(["--epochs", "7", "--seeds", "1,2,3", "--weights", "none", "--no-cache-images"]))
    cfg = config.resolve(Settings, path, flags)
    assert (cfg.image_size, cfg.epochs, cfg.augment, cfg.seeds, cfg.weights, cfg.cache_images) == \
        (96, 7, ["dihedral"], [1, 2, 3], None, False)
    assert cfg.batch_size == Settings().batch_size


def test_json_config_and_errors(tmp_path):
    path = tmp_path / "c.json"
    path.write_text('{"learning_rate": "0.01"}')
    assert config.resolve(Settings, path, {}).learning_rate == 0.01
    path.write_text('{"learnin_rate": 0.01}')
    with pytest.raises(DataError, match="unknown setting"):
        config.resolve(Settings, path, {})
    path.write_text('{"epochs": "many"}')
    with pytest.raises(DataError, match="epochs: expected int"):
        config.resolve(Settings, path, {})
    with pytest.raises(DataError, match="config file not found"):
        config.resolve(Settings, tmp_path / "none.yaml", {})
