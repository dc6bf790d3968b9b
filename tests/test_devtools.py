"""The development app (devtools: the demo seed and the benchmark) is no part of the
product: production does not install it, and nothing the product imports imports it."""

from __future__ import annotations

import json
import subprocess
import sys

from django.conf import settings

from tests.test_settings import PRODUCTION, ROOT

PRODUCT = ("enigma", "records", "referrals", "timetables", "notifications")

# Under production's settings: start Django, import every module of the product apps
# (except the other environments' settings, which make local keys and databases), load
# the URLs, and report what was loaded.
EVERY_MODULE = f"""
import importlib, json, pkgutil, sys
import django
django.setup()
from django.conf import settings
from django.urls import get_resolver
imported = []
for package in {PRODUCT!r}:
    root = importlib.import_module(package)
    for module in pkgutil.walk_packages(root.__path__, package + "."):
        if not module.name.startswith("enigma.settings."):
            importlib.import_module(module.name)
            imported.append(module.name)
get_resolver().url_patterns
print(json.dumps({{
    "installed": list(settings.INSTALLED_APPS),
    "imported": imported,
    "devtools": sorted(m for m in sys.modules if m.split(".")[0] == "devtools"),
}}))
"""


def test_production_neither_installs_nor_imports_the_development_app():
    result = subprocess.run(
        [sys.executable, "-c", EVERY_MODULE],
        cwd=ROOT,
        env=PRODUCTION,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    loaded = json.loads(result.stdout.splitlines()[-1])
    assert set(PRODUCT) <= set(loaded["installed"])
    assert "devtools" not in loaded["installed"]
    assert len(loaded["imported"]) > 150  # the walk found the product's modules
    assert loaded["devtools"] == []


def installed_apps(settings_module: str) -> list[str]:
    code = "import django; django.setup(); from django.conf import settings as s; "
    code += "print(' '.join(s.INSTALLED_APPS))"
    env = PRODUCTION | {"DJANGO_SETTINGS_MODULE": settings_module}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout.split()


def test_the_development_settings_install_it_last():
    assert settings.INSTALLED_APPS[-1] == "devtools"  # the test settings
    for module in ("enigma.settings.dev", "enigma.settings.bench"):
        assert installed_apps(module)[-1] == "devtools", module
