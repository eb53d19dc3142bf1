#!/usr/bin/env python3
"""`systemctl reload parley` (SIGHUP) renews a TLS listener's certificate in place: a keep-alive
TLS connection opened before the reload keeps working (on the old certificate), a new connection
gets the new certificate, and the expiry gauge follows. A reload with a broken certificate keeps
the one in use, logs a clear error and the process stays up; SIGTERM still ends it with 0.
(The WebSocket case is net_tls_test's reload test, on the server itself.)
Usage: parley_reload_test.py PARLEY SOURCE_DIR"""
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time


def der_of(pem_file: str) -> bytes:
    with open(pem_file) as f:
        text = f.read()
    end = "-----END CERTIFICATE-----"
    return ssl.PEM_cert_to_DER_cert(text[: text.index(end) + len(end)] + "\n")


def connect(port: int, ca: str) -> ssl.SSLSocket:
    ctx = ssl.create_default_context(cafile=ca)
    raw = socket.create_connection(("127.0.0.1", port), timeout=10)
    return ctx.wrap_socket(raw, server_hostname="localhost")


def served_der(port: int) -> bytes:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        with ctx.wrap_socket(raw) as s:
            return s.getpeercert(binary_form=True)


def get(s: ssl.SSLSocket, path: str) -> tuple[int, bytes]:
    """One keep-alive request on an open connection."""
    s.sendall(f"GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n".encode())
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(4096)
        if not chunk:
            raise AssertionError(f"connection closed before the response to {path}")
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    lines = head.decode().split("\r\n")
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = s.recv(4096)
        if not chunk:
            raise AssertionError("connection closed in the body")
        body += chunk
    return int(lines[0].split()[1]), body[:length]


def main() -> int:
    parley, src = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as tmp:
        make_ca = os.path.join(src, "examples/config/make-test-ca.sh")
        for name in ("old", "new"):
            time.sleep(1.1 if name == "new" else 0)  # notAfter has 1 s resolution: the gauge must move
            subprocess.run([make_ca, os.path.join(tmp, name), "localhost", "127.0.0.1"], check=True,
                           stdout=subprocess.DEVNULL)
        tls = os.path.join(tmp, "tls")
        os.mkdir(tls)

        def install(name: str) -> None:
            # As an operator renews: new files at the configured paths (the key 0600).
            for f in ("server.pem", "server.key"):
                shutil.copyfile(os.path.join(tmp, name, f), os.path.join(tls, f + ".tmp"))
                os.chmod(os.path.join(tls, f + ".tmp"), 0o600)
                os.replace(os.path.join(tls, f + ".tmp"), os.path.join(tls, f))

        install("old")
        config = os.path.join(tmp, "parley.toml")
        with open(config, "w") as f:
            f.write('[[net.listeners]]\nname = "ops"\naddress = "127.0.0.1"\nport = 0\n'
                    'tls_cert_file = "tls/server.pem"\ntls_key = { file = "tls/server.key" }\n')
        ready = os.path.join(tmp, "ready.json")
        log = open(os.path.join(tmp, "serve.log"), "w+")
        proc = subprocess.Popen([parley, "serve", "--config", config, "--ready-file", ready],
                                stdout=log, stderr=subprocess.STDOUT)

        def log_text() -> str:
            log.seek(0)
            return log.read()

        def wait_log(text: str, count: int) -> None:
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                if log_text().count(text) >= count:
                    return
                if proc.poll() is not None:
                    raise AssertionError(f"parley exited ({proc.returncode}) while waiting for '{text}'")
                time.sleep(0.05)
            raise AssertionError(f"no log line '{text}'")

        def expiry_gauge(port: int) -> str:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            with ctx.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=10)) as s:
                status, body = get(s, "/metrics")
            assert status == 200, status
            return [l for l in body.decode().splitlines()
                    if l.startswith("parley_tls_certificate_expiry_timestamp_seconds{")][0]

        try:
            deadline = time.monotonic() + 30
            while not (os.path.exists(ready) and os.path.getsize(ready) > 0):
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError("parley serve did not become ready")
                time.sleep(0.05)
            with open(ready) as f:
                port = int(json.load(f)["health"].split(":")[2].split("/")[0])

            # Before: the old certificate, and a keep-alive connection open on it.
            kept = connect(port, os.path.join(tmp, "old", "ca.pem"))
            if get(kept, "/healthz")[0] != 200:
                raise AssertionError("/healthz before the reload")
            if served_der(port) != der_of(os.path.join(tmp, "old", "server.pem")):
                raise AssertionError("not the old certificate at start")

            # Renewal: new files, SIGHUP.
            gauge_old = expiry_gauge(port)
            install("new")
            proc.send_signal(signal.SIGHUP)
            wait_log("TLS certificate reloaded from", 1)
            wait_log("SIGHUP: reload complete", 1)
            if served_der(port) != der_of(os.path.join(tmp, "new", "server.pem")):
                raise AssertionError("a new connection does not see the new certificate")
            if get(kept, "/healthz")[0] != 200:
                raise AssertionError("the connection opened before the reload did not survive it")
            if kept.getpeercert(binary_form=True) != der_of(os.path.join(tmp, "old", "server.pem")):
                raise AssertionError("the open connection changed certificate")
            gauge_new = expiry_gauge(port)
            if gauge_new == gauge_old:
                raise AssertionError(f"the expiry gauge did not follow the new certificate: {gauge_new}")

            # A broken renewal: a key that is not the certificate's. Old (new) certificate stays.
            shutil.copyfile(os.path.join(tmp, "old", "server.key"), os.path.join(tls, "server.key"))
            proc.send_signal(signal.SIGHUP)
            wait_log("TLS reload failed, the previous certificate stays in use", 1)
            wait_log("SIGHUP: reload incomplete", 1)
            if proc.poll() is not None:
                raise AssertionError("parley exited after a broken reload")
            if served_der(port) != der_of(os.path.join(tmp, "new", "server.pem")):
                raise AssertionError("a broken reload replaced the certificate in use")
            if get(kept, "/healthz")[0] != 200:
                raise AssertionError("the open connection did not survive the broken reload")
            if expiry_gauge(port) != gauge_new:
                raise AssertionError("the expiry gauge moved on a failed reload")
            text = log_text()
            for secret in ("PRIVATE KEY",):
                if secret in text:
                    raise AssertionError("key material in the log")
            kept.close()

            proc.send_signal(signal.SIGTERM)
            rc = proc.wait(timeout=30)
            if rc != 0:
                raise AssertionError(f"exit code {rc}")
        except (AssertionError, OSError, ssl.SSLError) as e:
            proc.kill()
            proc.wait()
            print(f"FAILED: {e!r}\n{log_text()}", file=sys.stderr)
            return 1
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    print("reload: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
