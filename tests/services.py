"""Real services for the tests: a throwaway redis-server on loopback, Debian's Chromium.

Missing binaries skip the tests that need them with a loud line naming the Debian
package, except under ENIGMA_REQUIRE_SERVICES=1 (CI), where they fail the run.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import threading
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


# How long a test waits for a real worker, Redis or browser to do what it was asked. A
# deadline, not a pause: the wait ends as soon as the thing happens, so it can afford to
# be generous enough for a machine busy with other work (the suite has taken 3.5 times as
# long as on an idle machine).
PATIENCE = 120.0


def wait_for(condition, what: str, seconds: float = PATIENCE, interval: float = 0.05) -> None:
    """Poll `condition` until it is true; fail naming `what` after `seconds`."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {seconds:.0f} s waiting for {what}", pytrace=False)
        time.sleep(interval)


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
        deadline = time.monotonic() + PATIENCE
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=5) as s:
                    s.settimeout(5)
                    s.sendall(b"PING\r\n")
                    if s.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"redis-server did not start within {PATIENCE:.0f} s")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            self.process.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


class SilentServer:
    """Accepts TCP connections on loopback and never answers: a hung Redis, or a mail
    server that takes the connection and says nothing. Connections are held until stop()."""

    def __init__(self):
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(64)
        self.port = self.socket.getsockname()[1]
        self.held: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                return  # stopped
            self.held.append(connection)

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            self.socket.shutdown(socket.SHUT_RDWR)  # wakes the accept()
        self.socket.close()
        self._thread.join(PATIENCE)
        for connection in self.held:
            connection.close()
