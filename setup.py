"""Installs the top-level folders under one `compete` namespace (`compete.common`, `compete.pipelines`, ...).

`common`, `competitions` and `pipelines` are names of other projects on the package registry,
so they are never installed as top-level packages. Metadata lives in pyproject.toml.
"""

from setuptools import find_packages, setup

FOLDERS = ("common", "competitions", "pipelines")
packages = find_packages(include=[f"{name}{suffix}" for name in FOLDERS for suffix in ("", ".*")])
setup(packages=["compete"] + [f"compete.{name}" for name in packages], package_dir={"compete": "."})
