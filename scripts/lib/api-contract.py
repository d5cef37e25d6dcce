#!/usr/bin/env python3
"""Checks the API against its OpenAPI document with Schemathesis, every check on.

Usage: api-contract.py STEWARD_BINARY

Starts `steward serve --demo` in a folder of its own on a free loopback port, runs `st run` against
the document it serves (`/api/v1/openapi.yaml`) with the demo's DPO token, a fixed seed (so a
failure can be replayed) and a bounded number of examples per operation, and stops the server.
Exits with Schemathesis's code: 0 when every check passed.
"""

import os
import subprocess
import sys

from demo_server import DemoServer, DemoServerError

EXAMPLES = os.environ.get("STEWARD_API_CONTRACT_EXAMPLES", "5")
SEED = os.environ.get("STEWARD_API_CONTRACT_SEED", "2026")
TOKEN = r"Demo DPO token \(shown once\): (stw_\S+)"


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    here = os.path.dirname(os.path.abspath(__file__))
    st = os.path.join(os.path.dirname(sys.executable), "st")
    try:
        with DemoServer(sys.argv[1], wanted={"token": TOKEN}, prefix="steward-contract.") as demo:
            result = subprocess.run(
                [
                    st, "--config-file", os.path.join(here, "schemathesis.toml"), "run", f"{demo.base}/api/v1/openapi.yaml",
                    "--header", f"Authorization: Bearer {demo.found['token']}", "--checks", "all", "--max-examples", EXAMPLES,
                    "--seed", SEED, "--workers", "2", "--no-color",
                ],
                cwd=demo.folder,
            )
            return result.returncode
    except DemoServerError as failure:
        print(failure)
        return 1


if __name__ == "__main__":
    sys.exit(main())
