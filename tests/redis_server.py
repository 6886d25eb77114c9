"""A private ``redis-server`` for tests that stop or stall Redis: started on a free port of
127.0.0.1 with nothing saved, never the machine's shared Redis (which other work uses)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PrivateRedis:
    def __init__(self, folder: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            message = "redis-server is not installed (apt-get install redis-server)"
            if os.environ.get("CI"):
                pytest.fail(message)
            pytest.skip(message)
        # The port is free when asked for, but another process (another pytest-xdist worker's
        # server, say) may take it before redis-server binds it: then it exits, and a new port is tried.
        for _attempt in range(5):
            self.port = _free_port()
            self.url = f"redis://127.0.0.1:{self.port}/0"
            self.process = subprocess.Popen(
                [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                 "--dir", str(folder)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            deadline = time.monotonic() + 20
            while not self.answers():
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    break
                time.sleep(0.05)
            else:
                if self._is_ours():
                    return
                self.stop()  # another server answered on that port; ours could not bind it
        pytest.fail(f"the private redis-server did not start (last port tried: {self.port})")

    def answers(self) -> bool:
        from redis import Redis
        from redis.exceptions import RedisError

        try:
            return bool(Redis.from_url(self.url, socket_connect_timeout=0.5, socket_timeout=0.5).ping())
        except RedisError:
            return False

    def _is_ours(self) -> bool:
        from redis import Redis

        info = Redis.from_url(self.url, socket_connect_timeout=0.5, socket_timeout=0.5).info("server")
        return bool(info.get("process_id") == self.process.pid and self.process.poll() is None)

    @contextmanager
    def stalled(self) -> Iterator[None]:
        """The server frozen (SIGSTOP): connections are accepted by the kernel, nothing answers."""
        os.kill(self.process.pid, signal.SIGSTOP)
        try:
            yield
        finally:
            os.kill(self.process.pid, signal.SIGCONT)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGCONT)
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@contextmanager
def private_redis(folder: Path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(folder)
    try:
        yield server
    finally:
        server.stop()
