"""Local development and the `make run` demo: DEBUG on, 2FA optional, mail to the console."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = SECRET_KEY or "dev-only-insecure-key-do-not-use-in-production"  # noqa: F405
ENIGMA_REQUIRE_2FA = env.bool("ENIGMA_REQUIRE_2FA", default=False)
