#!/usr/bin/env python3
"""Crashes and restarts PostgreSQL under two `steward serve` nodes, and checks they come through it.

Usage: restart-under-load.py STEWARD_BINARY PG_BIN_DIR

Starts a PostgreSQL cluster of its own (fsync on, as in production) on a free loopback port, two
`steward serve` nodes on it, and clients sending gate decisions to both. Then, three times: stops the
server with `pg_ctl stop -m immediate` (a crash: no shutdown checkpoint, crash recovery on start),
starts it again 5 s later, and requires each node to answer a decision again within 10 s of the
restart without being restarted itself. Last, with the database down and requests in flight, sends
SIGTERM to both nodes and requires each to exit within 10 s. Then every decision a node acknowledged
(HTTP 200) must be in the audit log, and `steward audit verify` must pass.

Exits 0 when everything holds, 1 naming what did not.
"""

import http.client
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

RECOVERY_LIMIT = 10.0
STOP_LIMIT = 10.0
TRIALS = 3
DECISION = json.dumps(
    {
        "system": "council_website",
        "categories": ["user.device.cookie_id"],
        "purpose": "website_analytics",
        "recipient": "webstats_analytics",
    }
).encode()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """A throwaway PostgreSQL cluster, run as the postgres user when this runs as root."""

    def __init__(self, bin_dir, root):
        self.bin_dir = bin_dir
        self.root = root
        os.makedirs(root)
        self.data = os.path.join(root, "data")
        self.port = free_port()
        self.user = None
        if os.geteuid() == 0:
            try:
                pwd.getpwnam("postgres")
            except KeyError:
                subprocess.run(["useradd", "--system", "--home-dir", root, "postgres"], check=True)
            self.user = "postgres"
            shutil.chown(root, user="postgres")
        self.run("initdb", "-D", self.data, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8")
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def run(self, tool, *arguments, check=True):
        command = [os.path.join(self.bin_dir, tool), *arguments]
        if self.user:
            command = ["runuser", "-u", self.user, "--", *command]
        return subprocess.run(command, check=check, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def start(self):
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c max_connections=100"
        self.run("pg_ctl", "-D", self.data, "-l", os.path.join(self.root, "server.log"), "-w", "-o", options, "start")

    def crash(self):
        self.run("pg_ctl", "-D", self.data, "-m", "immediate", "stop")

    def query(self, sql):
        result = self.run("psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-At", "-c", sql)
        return result.stdout.split()

    def remove(self):
        self.run("pg_ctl", "-D", self.data, "-m", "immediate", "stop", check=False)


class Node:
    """One `steward serve` process, and the clients sending it decisions."""

    def __init__(self, name, binary, workdir, database_url, demo):
        self.name = name
        self.port = free_port()
        environment = dict(os.environ, STEWARD_DATABASE_URL=database_url, LOG_LEVEL="warning")
        arguments = [binary, "serve", "--port", str(self.port)] + (["--demo"] if demo else [])
        self.log = open(os.path.join(workdir, f"{name}.log"), "w+")
        self.process = subprocess.Popen(arguments, cwd=workdir, env=environment, stdout=self.log, stderr=subprocess.STDOUT)
        self.acknowledged = []
        self.failures = 0
        self.last_success = 0.0
        self.lock = threading.Lock()

    def request(self, method, path, body=None, token=None, timeout=3.0):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            headers = {"Content-Type": "application/json"}
            if token:
                headers["Authorization"] = f"Bearer {token}"
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def wait_ready(self, limit=120.0):
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"{self.name} exited during start-up:\n{self.output()}")
            try:
                if self.request("GET", "/readyz")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise SystemExit(f"{self.name} was not ready within {limit:.0f} s:\n{self.output()}")

    def readiness(self):
        try:
            status, body = self.request("GET", "/readyz", timeout=5.0)
            return status, json.loads(body).get("status")
        except (OSError, ValueError) as error:
            return None, str(error)

    def output(self):
        self.log.flush()
        self.log.seek(0)
        return self.log.read()[-4000:]

    def decide(self, token):
        try:
            status, body = self.request("POST", "/api/v1/decisions", DECISION, token)
        except OSError:
            status, body = None, b""
        with self.lock:
            if status == 200:
                self.acknowledged.append(json.loads(body)["id"])
                self.last_success = time.monotonic()
            else:
                self.failures += 1

    def load(self, token, stop):
        while not stop.is_set():
            self.decide(token)


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    binary, bin_dir = os.path.abspath(sys.argv[1]), sys.argv[2]
    root = tempfile.mkdtemp(prefix="steward-restart.")
    os.chmod(root, 0o755)
    cluster = Cluster(bin_dir, os.path.join(root, "pg"))
    workdir = os.path.join(root, "steward")
    os.makedirs(workdir)
    nodes = []
    problems = []
    try:
        cluster.start()
        first = Node("node-1", binary, workdir, cluster.url, demo=True)
        nodes.append(first)
        first.wait_ready()
        token = None
        for _ in range(50):
            for line in first.output().splitlines():
                if "token" in line and "stw_" in line:
                    token = line[line.index("stw_") :].split()[0]
            if token:
                break
            time.sleep(0.1)
        if not token:
            raise SystemExit(f"node-1 printed no demo token:\n{first.output()}")
        second = Node("node-2", binary, workdir, cluster.url, demo=False)
        nodes.append(second)
        second.wait_ready()

        stop = threading.Event()
        clients = [threading.Thread(target=node.load, args=(token, stop), daemon=True) for node in nodes for _ in range(4)]
        for client in clients:
            client.start()
        time.sleep(3)
        for trial in range(1, TRIALS + 1):
            before = {node.name: len(node.acknowledged) for node in nodes}
            cluster.crash()
            crashed = time.monotonic()
            time.sleep(1.5)
            answers = {}
            askers = [threading.Thread(target=lambda n=node: answers.__setitem__(n.name, n.readiness())) for node in nodes]
            for asker in askers:
                asker.start()
            for asker in askers:
                asker.join()
            for node in nodes:
                print(f"  {node.name} during the outage: /readyz {answers[node.name]}", flush=True)
                if answers[node.name][0] != 503:
                    problems.append(f"trial {trial}: {node.name} said {answers[node.name]} on /readyz with the database down")
            time.sleep(max(0.0, 5.0 - (time.monotonic() - crashed)))
            cluster.start()
            restarted = time.monotonic()
            print(f"trial {trial}: PostgreSQL crashed and was restarted {restarted - crashed:.1f} s later", flush=True)
            while time.monotonic() - restarted < RECOVERY_LIMIT + 5:
                if all(node.last_success > restarted for node in nodes):
                    break
                time.sleep(0.05)
            for node in nodes:
                if node.process.poll() is not None:
                    problems.append(f"trial {trial}: {node.name} exited (code {node.process.returncode})")
                elif node.last_success <= restarted:
                    problems.append(f"trial {trial}: {node.name} answered no decision within {RECOVERY_LIMIT + 5:.0f} s of the restart")
                else:
                    took = node.last_success - restarted
                    print(f"  {node.name} answered again {took:.2f} s after the restart ({len(node.acknowledged) - before[node.name]} acknowledged this trial)", flush=True)
                    if took > RECOVERY_LIMIT:
                        problems.append(f"trial {trial}: {node.name} took {took:.1f} s to answer again (limit {RECOVERY_LIMIT:.0f} s)")
            time.sleep(2)
            for node in nodes:
                readiness = node.readiness()
                if readiness[0] != 200:
                    problems.append(f"trial {trial}: {node.name} said {readiness} on /readyz after it recovered")

        # SIGTERM with the database down and requests waiting on it.
        cluster.crash()
        time.sleep(1)
        for node in nodes:
            node.process.send_signal(signal.SIGTERM)
        signalled = time.monotonic()
        for node in nodes:
            try:
                node.process.wait(timeout=max(0.1, STOP_LIMIT - (time.monotonic() - signalled)))
                print(f"{node.name} stopped {time.monotonic() - signalled:.2f} s after SIGTERM (exit code {node.process.returncode})", flush=True)
            except subprocess.TimeoutExpired:
                problems.append(f"{node.name} did not stop within {STOP_LIMIT:.0f} s of SIGTERM")
                node.process.kill()
        stop.set()
        for client in clients:
            client.join(timeout=5)

        cluster.start()
        logged = set(cluster.query("SELECT object FROM audit_entries WHERE object LIKE 'decision/%'"))
        acknowledged = [f"decision/{identifier}" for node in nodes for identifier in node.acknowledged]
        lost = [identifier for identifier in acknowledged if identifier not in logged]
        print(f"{len(acknowledged)} decisions acknowledged, {len(logged)} in the audit log, {len(lost)} acknowledged and missing", flush=True)
        if lost:
            problems.append(f"{len(lost)} acknowledged decisions are not in the audit log, e.g. {lost[:3]}")
        if len(acknowledged) < 100:
            problems.append(f"only {len(acknowledged)} decisions were acknowledged: the load did not run")
        verify = subprocess.run(
            [binary, "audit", "verify"],
            cwd=workdir,
            env=dict(os.environ, STEWARD_DATABASE_URL=cluster.url),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        print(verify.stdout.strip(), flush=True)
        if verify.returncode != 0:
            problems.append("steward audit verify failed")
    finally:
        for node in nodes:
            if node.process.poll() is None:
                node.process.kill()
        cluster.remove()
    if problems:
        for node in nodes:
            print(f"--- {node.name} log (end) ---\n{node.output()}")
        for problem in problems:
            print(f"FAILED: {problem}")
        return 1
    shutil.rmtree(root, ignore_errors=True)
    print("PostgreSQL restarts under load: every node answered again in time, stopped in time, and lost nothing")
    return 0


if __name__ == "__main__":
    sys.exit(main())
