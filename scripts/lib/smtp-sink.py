#!/usr/bin/env python3
"""A local SMTP server that stores every message it accepts, for Steward's mail tests.

It listens on 127.0.0.1 only, prints one line "PORT <n>" once it is listening, and runs until it is
killed. Each accepted message is saved as DIR/NNNN.eml (the bytes received after DATA) beside
DIR/NNNN.json holding the envelope: {"mail_from", "rcpt_tos", "auth_user"}, and DIR/NNNN.parsed.json
with the message as Python's email package reads it (decoded subject, addresses, text and html
parts, and any defects it found), so tests can check Steward's encoding against an independent
reader. The envelope file is written last, so a reader that sees it can read the others whole.

Recipients whose local part is "reject" are refused with 550, so tests can see a permanent failure.

Needs aiosmtpd (scripts/lib/python-env.sh installs it into a virtual environment).
"""

import argparse
import asyncio
import email
import email.policy
import json
import logging
import os
import signal
import ssl
import sys
import threading
import warnings

try:
    from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword
except ImportError:
    sys.stderr.write(
        "smtp-sink: the Python package aiosmtpd is missing. Source scripts/lib/python-env.sh "
        "(it sets STEWARD_TEST_SMTP_PYTHON), or run: python3 -m pip install aiosmtpd\n"
    )
    sys.exit(3)


class StoringHandler:
    """Writes each accepted message and its envelope to a folder, numbered in arrival order."""

    def __init__(self, directory, refuse_ehlo):
        self.directory = directory
        self.refuse_ehlo = refuse_ehlo
        self.count = 0

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        if self.refuse_ehlo:
            session.extended_smtp = False
            return ["502 5.5.1 EHLO not supported here"]
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local_part = address.rsplit("@", 1)[0]
        if local_part.lower() == "reject":
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        stem = os.path.join(self.directory, f"{self.count:04d}")
        content = envelope.original_content
        if content is None:
            content = envelope.content if isinstance(envelope.content, bytes) else envelope.content.encode()
        with open(stem + ".eml.tmp", "wb") as eml:
            eml.write(content)
        os.replace(stem + ".eml.tmp", stem + ".eml")
        with open(stem + ".parsed.json.tmp", "w", encoding="utf-8") as parsed:
            json.dump(read_message(content), parsed)
        os.replace(stem + ".parsed.json.tmp", stem + ".parsed.json")
        auth_user = None
        if session.authenticated and isinstance(session.auth_data, LoginPassword):
            auth_user = session.auth_data.login.decode("utf-8", "replace")
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "auth_user": auth_user,
        }
        with open(stem + ".json.tmp", "w", encoding="utf-8") as meta:
            json.dump(record, meta)
        os.replace(stem + ".json.tmp", stem + ".json")
        return "250 2.0.0 Message accepted"


def read_message(content):
    """The message as a strict reader sees it, or the reason it could not be read."""
    try:
        message = email.message_from_bytes(content, policy=email.policy.default)
        defects = []
        for part in message.walk():
            defects.extend(type(defect).__name__ for defect in part.defects)
            for name, value in part.items():
                defects.extend(f"{name}: {type(defect).__name__}" for defect in getattr(value, "defects", ()))

        def mailboxes(name):
            header = message[name]
            if header is None:
                return []
            return [{"name": mailbox.display_name or None, "address": mailbox.addr_spec} for mailbox in header.addresses]

        def body(subtype):
            part = message.get_body(preferencelist=(subtype,))
            return None if part is None else part.get_content().replace("\r\n", "\n")

        return {
            "subject": None if message["subject"] is None else str(message["subject"]),
            "from": mailboxes("from"),
            "to": mailboxes("to"),
            "content_type": message.get_content_type(),
            "text": body("plain"),
            "html": body("html"),
            "defects": defects,
            "error": None,
        }
    except Exception as error:  # noqa: BLE001 - any failure to read is what the test wants to see
        return {"error": f"{type(error).__name__}: {error}"}


def make_authenticator(user, password):
    def authenticate(server, session, envelope, mechanism, auth_data):
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        ok = auth_data.login == user.encode() and auth_data.password == password.encode()
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

    return authenticate


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="port to listen on; 0 picks a free one")
    parser.add_argument("--dir", required=True, help="folder to store received messages in")
    parser.add_argument("--auth", metavar="USER:PASS", help="require AUTH with these credentials")
    parser.add_argument(
        "--auth-mechanisms",
        metavar="LIST",
        default="LOGIN,PLAIN",
        help="comma-separated AUTH mechanisms to offer (default LOGIN,PLAIN)",
    )
    parser.add_argument("--tls-cert", help="PEM certificate; with --tls-key, offers and requires STARTTLS")
    parser.add_argument("--tls-key", help="PEM private key for --tls-cert")
    parser.add_argument(
        "--implicit-tls",
        action="store_true",
        help="with --tls-cert/--tls-key, speak TLS from the first byte instead of offering STARTTLS",
    )
    parser.add_argument(
        "--exit-with-stdin",
        action="store_true",
        help="exit when standard input closes, so the sink dies with the test process that holds the other end",
    )
    parser.add_argument("--refuse-ehlo", action="store_true", help="answer EHLO with 502 so clients fall back to HELO")
    arguments = parser.parse_args()
    if bool(arguments.tls_cert) != bool(arguments.tls_key):
        parser.error("--tls-cert and --tls-key go together")
    if arguments.implicit_tls and not arguments.tls_cert:
        parser.error("--implicit-tls needs --tls-cert and --tls-key")
    if arguments.auth is not None and ":" not in arguments.auth:
        parser.error("--auth takes USER:PASS")
    return arguments


async def serve(arguments):
    os.makedirs(arguments.dir, exist_ok=True)
    tls_context = None
    if arguments.tls_cert:
        tls_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls_context.load_cert_chain(arguments.tls_cert, arguments.tls_key)

    options = {
        "hostname": "steward-smtp-sink",
        "decode_data": False,
        "enable_SMTPUTF8": True,
    }
    if tls_context is not None and not arguments.implicit_tls:
        options.update(tls_context=tls_context, require_starttls=True)
    if arguments.auth is not None:
        user, password = arguments.auth.split(":", 1)
        offered = {name.strip().upper() for name in arguments.auth_mechanisms.split(",") if name.strip()}
        options.update(
            authenticator=make_authenticator(user, password),
            auth_required=True,
            # With implicit TLS the whole connection is encrypted, but aiosmtpd only knows about
            # STARTTLS, so it must not demand that before AUTH.
            auth_require_tls=tls_context is not None and not arguments.implicit_tls,
            auth_exclude_mechanism=[name for name in ("LOGIN", "PLAIN") if name not in offered],
        )

    handler = StoringHandler(arguments.dir, arguments.refuse_ehlo)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(handler, **options),
        host="127.0.0.1",
        port=arguments.port,
        ssl=tls_context if arguments.implicit_tls else None,
    )
    port = server.sockets[0].getsockname()[1]
    sys.stdout.write(f"PORT {port}\n")
    sys.stdout.flush()

    stopped = asyncio.Event()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signal_number, stopped.set)
    if arguments.exit_with_stdin:

        def wait_for_end_of_input():
            while sys.stdin.buffer.read(4096):
                pass
            loop.call_soon_threadsafe(stopped.set)

        threading.Thread(target=wait_for_end_of_input, daemon=True).start()
    await stopped.wait()
    server.close()
    # Newer Pythons wait here for open sessions to end; a test that stops the sink mid-session
    # should not wait on it for long.
    try:
        await asyncio.wait_for(server.wait_closed(), timeout=2)
    except asyncio.TimeoutError:
        pass


def main():
    # A parent that starts this script from a thread with signals blocked passes that mask on;
    # without this, SIGTERM would stay pending and the sink would never stop.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    arguments = parse_arguments()
    # Plain-text AUTH is what the tests ask for when TLS is off; aiosmtpd's warnings about it and its
    # per-session chatter would only bury real failures in the test output.
    warnings.filterwarnings("ignore", module="aiosmtpd")
    logging.getLogger("mail.log").setLevel(logging.ERROR)
    asyncio.run(serve(arguments))


if __name__ == "__main__":
    main()
