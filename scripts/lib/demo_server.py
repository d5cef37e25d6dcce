"""Starts `steward serve --demo` for a test script, in a folder of its own on a free loopback port,
and stops it again: the one way the API contract and browser tests run the demo.

    with DemoServer(binary, wanted={"token": r"Demo DPO token \\(shown once\\): (stw_\\S+)"}) as demo:
        demo.base, demo.found["token"]

`environment` adds STEWARD_ settings (say, an SMTP relay) to serve's. It waits (up to two minutes)
until serve has printed every pattern of `wanted` and /readyz answers,
raising DemoServerError with what serve printed if it exits or never does.
"""

import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request


class DemoServerError(Exception):
    pass


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class DemoServer:
    def __init__(self, binary, wanted, database=None, prefix="steward-demo.", environment=None):
        self.binary = os.path.abspath(binary)
        self.environment = environment or {}
        self.wanted = wanted
        self.database = database
        self.folder = tempfile.mkdtemp(prefix=prefix)
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.found = {}
        self.server = None

    def __enter__(self):
        self.log = open(os.path.join(self.folder, "serve.log"), "w+")
        environment = {k: v for k, v in os.environ.items() if not k.startswith("STEWARD_")}
        environment["LOG_LEVEL"] = "error"
        if self.database:
            environment["STEWARD_DATABASE_URL"] = self.database
        environment.update(self.environment)
        self.server = subprocess.Popen(
            [self.binary, "serve", "--demo", "--port", str(self.port)],
            cwd=self.folder,
            env=environment,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        try:
            self._wait()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def printed(self):
        self.log.flush()
        self.log.seek(0)
        return self.log.read()

    def _wait(self):
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.server.poll() is not None:
                raise DemoServerError(f"serve --demo exited:\n{self.printed()}")
            text = self.printed()
            for name, pattern in self.wanted.items():
                match = re.search(pattern, text)
                if match:
                    self.found[name] = match.group(1)
            if len(self.found) == len(self.wanted):
                break
            time.sleep(0.2)
        missing = sorted(set(self.wanted) - set(self.found))
        if missing:
            raise DemoServerError(f"serve --demo printed no {', '.join(missing)} within 120 s:\n{self.printed()}")
        while time.monotonic() < deadline:
            try:
                if urllib.request.urlopen(f"{self.base}/readyz", timeout=2).status == 200:
                    return
            except OSError:
                time.sleep(0.2)
        raise DemoServerError("serve --demo did not become ready within 120 s")

    def __exit__(self, *exception):
        if self.server:
            self.server.terminate()
            try:
                self.server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.server.kill()
        shutil.rmtree(self.folder, ignore_errors=True)
        return False
