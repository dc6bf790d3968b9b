"""Real services for the tests: a throwaway redis-server on loopback, Debian's Chromium.

Missing binaries skip the tests that need them with a loud line naming the Debian
package, except under ENIGMA_REQUIRE_SERVICES=1 (CI), where they fail the run.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time

import pytest

REQUIRE = os.environ.get("ENIGMA_REQUIRE_SERVICES") == "1"

PACKAGES = {"redis-server": "redis-server", "chromium": "chromium"}


def missing_services() -> list[str]:
    return [name for name in PACKAGES if shutil.which(name) is None]


def need(binary: str) -> str:
    path = shutil.which(binary)
    if path:
        return path
    message = (
        f"{binary} is not installed: install the Debian package with "
        f"`apt-get install {PACKAGES[binary]}` to run these tests"
    )
    if REQUIRE:
        pytest.fail(f"ENIGMA_REQUIRE_SERVICES=1 and {message}", pytrace=False)
    pytest.skip(f"SKIPPED LOUDLY: {message}")
    return ""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisServer:
    def __init__(self, binary: str):
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="enigma-redis-")
        self.process = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                self.dir,
                "--protected-mode",
                "yes",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        self._wait()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def _wait(self) -> None:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as s:
                    s.sendall(b"PING\r\n")
                    if s.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("redis-server did not start within 10 s")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            self.process.kill()
        shutil.rmtree(self.dir, ignore_errors=True)
