"""Tools for developing Enigma, never part of the product: the demo school (`manage.py
seed_demo`, which `make run` and `make up` call) and the benchmark (`make bench`).

Installed only by enigma.settings.dev, test and bench; production does not install or
import it. It sits above every app and may import any of them; no product code imports
it (an import-linter contract in pyproject.toml, checked by `make lint`).
"""
