"""Declared settings: files, flags and Python validated alike, with one-line errors naming setting, value, allowed."""

import argparse
from typing import Annotated, ClassVar, Literal

import pytest

from compete.common.errors import DataError
from compete.common.settings import Invalid, Settings, SettingsError, resolve
from compete.common.settings.arguments import add_settings
from compete.common.settings.fields import TRAINING, Float, Int, comma_list, setting
from compete.common.settings.shared import ImageCVConfig
from compete.common.training.options import AUGMENTATIONS, BATCH_MIXES


class Toy(Settings):
    """A small model standing in for a pipeline's."""

    epochs: Annotated[Int, setting("epochs", TRAINING, ge=1)] = 3
    rate: Annotated[Float, setting("rate", TRAINING, gt=0, le=1)] = 0.1
    schedule: Annotated[Literal["cosine", "plateau"], setting("schedule", TRAINING)] = "plateau"
    seeds: Annotated[comma_list(Int), setting("seeds", TRAINING, min_length=1)] = [0]
    cache: Annotated[bool, setting("cache", TRAINING)] = True

    NOT_UNIT_SETTINGS: ClassVar[frozenset] = frozenset({"cache"})


def _error(values, flags=()):
    with pytest.raises(SettingsError) as caught:
        Toy.build(values, flags=frozenset(flags))
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_file_then_flags_override_defaults(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("epochs: 5\nschedule: cosine\nseeds: [1, 2]\n")
    parser = argparse.ArgumentParser()
    add_settings(parser, Toy)
    flags = vars(parser.parse_args(["--epochs", "7", "--no-cache", "--rate", "0.5"]))
    cfg = resolve(Toy, path, flags, flags=frozenset(flags))
    assert (cfg.epochs, cfg.schedule, cfg.seeds, cfg.cache, cfg.rate) == (7, "cosine", [1, 2], False, 0.5)
    assert cfg.unit_settings() == {"epochs": 7, "rate": 0.5, "schedule": "cosine", "seeds": [1, 2]}


@pytest.mark.parametrize("values, flags, expected", [
    ({"epochs": 0}, {"epochs"}, "--epochs 0: not allowed; allowed: an integer ≥ 1"),
    ({"epochs": "-3"}, {"epochs"}, "--epochs '-3': not allowed; allowed: an integer ≥ 1"),
    ({"epochs": 1.9}, (), "epochs 1.9: should be a valid integer, got a number with a fractional part; "
                          "allowed: an integer ≥ 1"),
    ({"epochs": True}, (), "epochs True: expected an integer, got a true/false value; allowed: an integer ≥ 1"),
    ({"rate": -1}, (), "rate -1: not allowed; allowed: a number > 0 and ≤ 1"),
    ({"rate": False}, (), "rate False: expected a number"),
    ({"schedule": "cosin"}, {"schedule"}, "--schedule 'cosin': not allowed; allowed: one of cosine, plateau; "
                                          "did you mean 'cosine'?"),
    ({"seeds": 5}, (), "seeds 5: expected a list such as [0, 1, 2]"),
    ({"seeds": []}, (), "seeds []: not allowed; allowed: a list of integers (at least 1 item)"),
    ({"cache": "perhaps"}, {"cache"}, "--cache 'perhaps': should be a valid boolean"),
])
def test_bad_values_name_the_setting_the_value_and_what_is_allowed(values, flags, expected):
    assert _error(values, flags).startswith(expected)


def test_unknown_names_suggest_the_near_miss_as_a_flag_or_a_key():
    assert _error({"epoch": 3}, {"epoch"}) == "unknown setting --epoch; did you mean --epochs?"
    assert _error({"epoch": 3}) == "unknown setting 'epoch'; did you mean 'epochs'?"
    assert "known settings: epochs, rate" in _error({"zzz": 1})


def test_a_file_value_is_reported_against_the_file_and_a_flag_beats_the_file(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("epochs: true\nlerning: 1\n")
    with pytest.raises(SettingsError, match=rf"^{path}: unknown setting 'lerning'"):
        resolve(Toy, path, {})
    path.write_text("epochs: true\n")
    with pytest.raises(SettingsError, match=rf"^{path}: epochs True: expected an integer"):
        resolve(Toy, path, {})
    assert resolve(Toy, path, {"epochs": "4"}, flags={"epochs"}).epochs == 4


def test_files_that_cannot_be_read_are_data_errors_naming_the_file(tmp_path):
    with pytest.raises(DataError, match="config file not found"):
        resolve(Toy, tmp_path / "none.yaml", {})
    bad = tmp_path / "c.json"
    bad.write_text("{not json")
    with pytest.raises(DataError, match="cannot parse config"):
        resolve(Toy, bad, {})
    bad.write_text("[1, 2]")
    with pytest.raises(DataError, match="must be a mapping"):
        resolve(Toy, bad, {})


def test_huge_bad_values_are_cut_in_messages():
    message = _error({"schedule": "x" * 100_000})
    assert len(message) < 300 and "…" in message


def test_assignment_and_replace_are_validated_too():
    cfg = Toy()
    with pytest.raises(ValueError):
        cfg.epochs = 0
    with pytest.raises(SettingsError, match="epochs"):
        cfg.replace(epochs=-1)
    assert cfg.replace(epochs=9).epochs == 9 and cfg.epochs == 3


class Crossed(Toy):
    from pydantic import model_validator

    @model_validator(mode="after")
    def _cosine_needs_epochs(self):
        if self.schedule == "cosine" and self.epochs < 2:
            raise Invalid("epochs", self.epochs, "cosine needs at least 2 epochs", "at least 2 with cosine")
        return self


def test_cross_field_checks_read_like_the_others():
    with pytest.raises(SettingsError) as caught:
        Crossed.build({"schedule": "cosine", "epochs": "1"}, flags={"epochs"})
    assert str(caught.value) == "--epochs '1': cosine needs at least 2 epochs; allowed: at least 2 with cosine"


def test_image_settings_check_the_backbone_its_size_and_its_weights(tmp_path):
    base = {"data": "d", "weights": "none", "backbone": "small_cnn"}
    assert ImageCVConfig.build(base).weights is None
    with pytest.raises(SettingsError, match="backbone 'resnet5': unknown backbone; allowed: .*resnet50"):
        ImageCVConfig.build({**base, "backbone": "resnet5"})
    with pytest.raises(SettingsError, match="image_size 16: too small for backbone resnet50; allowed: at least 32"):
        ImageCVConfig.build({**base, "backbone": "resnet50", "image_size": 16})
    with pytest.raises(SettingsError, match="weights 'imagenet': backbone small_cnn has no ImageNet weights"):
        ImageCVConfig.build({**base, "weights": "imagenet"})
    with pytest.raises(SettingsError, match="weights '[^ ]*: no such file"):
        ImageCVConfig.build({**base, "weights": str(tmp_path / "missing.h5")})
    with pytest.raises(SettingsError, match=r"run '\.\./x': not one plain folder name"):
        ImageCVConfig.build({**base, "run": "../x"})
    with pytest.raises(SettingsError, match="^data is required"):
        ImageCVConfig.build({"weights": "none"})


def test_light_choice_lists_match_the_registries_they_name():
    from compete.common.data import augment

    assert set(AUGMENTATIONS) == set(augment.AUGMENTATIONS)
    assert set(BATCH_MIXES) == set(augment.BATCH_TRANSFORMS)


def test_help_lists_groups_descriptions_allowed_values_and_defaults():
    parser = argparse.ArgumentParser(prog="x")
    add_settings(parser, ImageCVConfig)
    text = parser.format_help()
    for title in ("data settings", "model settings", "training settings", "cross-validation settings",
                  "prediction settings", "output settings"):
        assert title in text
    assert "--lr-schedule {plateau,cosine,constant,step,onecycle}" in text
    flat = " ".join(text.split())
    assert "the competition's download folder [a folder; required]" in flat
    assert "training epochs per unit (after the head-only epochs) [an integer ≥ 1; default: 20]" in flat
