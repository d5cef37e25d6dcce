#!/usr/bin/env python3
"""Checks the API against its OpenAPI document with Schemathesis, every check on.

Usage: api-contract.py STEWARD_BINARY

Starts `steward serve --demo` in a folder of its own on a free loopback port, runs `st run` against
the document it serves (`/api/v1/openapi.yaml`) with the demo's DPO token, a fixed seed (so a
failure can be replayed) and a bounded number of examples per operation, and stops the server.
Exits with Schemathesis's code: 0 when every check passed.
"""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

EXAMPLES = os.environ.get("STEWARD_API_CONTRACT_EXAMPLES", "5")
SEED = os.environ.get("STEWARD_API_CONTRACT_SEED", "2026")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    binary = os.path.abspath(sys.argv[1])
    here = os.path.dirname(os.path.abspath(__file__))
    st = os.path.join(os.path.dirname(sys.executable), "st")
    folder = tempfile.mkdtemp(prefix="steward-contract.")
    port = free_port()
    log = open(os.path.join(folder, "serve.log"), "w+")
    environment = {k: v for k, v in os.environ.items() if not k.startswith("STEWARD_")}
    environment["LOG_LEVEL"] = "error"
    server = subprocess.Popen(
        [binary, "serve", "--demo", "--port", str(port)], cwd=folder, env=environment, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        token = None
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and token is None:
            if server.poll() is not None:
                log.seek(0)
                print(f"serve --demo exited:\n{log.read()}")
                return 1
            log.flush()
            log.seek(0)
            for line in log.read().splitlines():
                if line.startswith("Demo DPO token"):
                    token = line.split()[-1]
            time.sleep(0.2)
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                if urllib.request.urlopen(f"{base}/readyz", timeout=2).status == 200:
                    break
            except OSError:
                time.sleep(0.2)
        if token is None:
            print("serve --demo printed no token")
            return 1
        result = subprocess.run(
            [
                st, "--config-file", os.path.join(here, "schemathesis.toml"), "run", f"{base}/api/v1/openapi.yaml",
                "--header", f"Authorization: Bearer {token}", "--checks", "all", "--max-examples", EXAMPLES,
                "--seed", SEED, "--workers", "2", "--no-color",
            ],
            cwd=folder,
        )
        return result.returncode
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
