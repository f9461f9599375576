"""The package's shape: common/ stands alone, layout readers stay light, and only `compete` is installed."""

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
COMPETITIONS = sorted(p.name for p in (ROOT / "competitions").iterdir() if (p / "layout.py").exists())


def _imports(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module


def test_common_imports_nothing_from_pipelines_or_competitions():
    offending = [f"{path.relative_to(ROOT)}: {name}" for path in (ROOT / "common").rglob("*.py")
                 for name in _imports(path)
                 if name.split(".")[:2] in (["compete", "pipelines"], ["compete", "competitions"])
                 or name.split(".")[0] in ("pipelines", "competitions", "common")]
    assert offending == []


def test_every_internal_import_goes_through_the_compete_namespace():
    top = {"common", "pipelines", "competitions"}
    offending = [f"{path.relative_to(ROOT)}: {name}" for folder in ("common", "pipelines", "competitions", "tests")
                 for path in (ROOT / folder).rglob("*.py") for name in _imports(path) if name.split(".")[0] in top]
    assert offending == []


@pytest.mark.parametrize("competition", COMPETITIONS)
def test_importing_a_layout_reader_imports_neither_keras_nor_tensorflow(competition, tmp_path):
    code = (f"import sys, json; import compete.competitions.{competition}.layout; "
            "print(json.dumps(sorted(m for m in ('keras', 'tensorflow', 'jax', 'torch') if m in sys.modules)))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []


def test_only_the_compete_name_is_installed(tmp_path):
    code = ("import importlib.util as u, json; import compete; "
            "print(json.dumps({n: getattr(u.find_spec(n), 'origin', None) for n in ('common', 'pipelines', "
            "'competitions')})); print(compete.competitions())")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    origins, names = result.stdout.strip().splitlines()
    assert not any(str(ROOT) in (origin or "") for origin in json.loads(origins).values())
    assert names == "['cifar10', 'imdb', 'pictogram', 'planet']"


PIPELINES = sorted(p.stem for p in (ROOT / "pipelines").glob("*.py") if p.stem not in ("__init__", "cli", "registry"))


@pytest.mark.parametrize("pipeline", PIPELINES)
def test_a_pipeline_module_is_light_to_import_so_help_stays_instant(pipeline, tmp_path):
    """Its settings and registration only: the recipe imports its heavy parts when it runs."""
    heavy = ("keras", "tensorflow", "jax", "torch", "numpy", "pandas", "sklearn", "cv2", "albumentations", "yaml")
    code = (f"import sys, json; import compete.pipelines.{pipeline}; "
            f"print(json.dumps(sorted(m for m in {heavy!r} if m in sys.modules)))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []


def test_checking_image_settings_imports_neither_keras_nor_tensorflow(tmp_path):
    """Backbone names, sizes and weights are judged from the registry alone, so a bad setting fails at once."""
    code = ("import sys, json\n"
            "from compete.common.settings import SettingsError\n"
            "from compete.common.settings.shared import ImageCVConfig\n"
            "cfg = ImageCVConfig.build({'data': 'd', 'backbone': 'resnet20', 'weights': 'none', 'image_size': 32})\n"
            "try:\n"
            "    ImageCVConfig.build({'data': 'd', 'backbone': 'lenet5', 'weights': 'none', 'image_size': 16})\n"
            "except SettingsError:\n"
            "    pass\n"
            "print(json.dumps(sorted(m for m in ('keras', 'tensorflow', 'jax') if m in sys.modules)))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []
