#!/usr/bin/env python3
"""`parley serve` speaks systemd's notify protocol (Type=notify): on a NOTIFY_SOCKET it sends
READY=1 once listening, WATCHDOG=1 at half of WATCHDOG_USEC, STOPPING=1 at SIGTERM, then exits 0;
SIGHUP on the way is a reload: RELOADING=1 (with MONOTONIC_USEC) then READY=1, and the process stays.
Without NOTIFY_SOCKET it runs as before (the other serve tests). Usage: TEST PARLEY"""
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time


def main() -> int:
    parley = sys.argv[1]
    with tempfile.TemporaryDirectory() as tmp:
        config = os.path.join(tmp, "parley.toml")
        with open(config, "w") as f:
            f.write('[[net.listeners]]\nname = "ops"\naddress = "127.0.0.1"\nport = 0\n')
        path = os.path.join(tmp, "notify")
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.bind(path)
        sock.settimeout(0.2)
        env = dict(os.environ, NOTIFY_SOCKET=path, WATCHDOG_USEC="400000")
        env.pop("WATCHDOG_PID", None)
        ready = os.path.join(tmp, "ready.json")
        log = open(os.path.join(tmp, "serve.log"), "w+")
        proc = subprocess.Popen([parley, "serve", "--config", config, "--ready-file", ready], env=env,
                                stdout=log, stderr=subprocess.STDOUT)
        seen = []
        try:
            def wait_for(word: str, seconds: float) -> bool:
                deadline = time.monotonic() + seconds
                while time.monotonic() < deadline:
                    try:
                        msg = sock.recv(4096).decode()
                    except socket.timeout:
                        continue
                    seen.append(msg)
                    if word in msg.split("\n"):
                        return True
                return False

            if not wait_for("READY=1", 20):
                raise AssertionError("no READY=1")
            if not os.path.exists(ready):
                raise AssertionError("READY=1 before the ready file: the listeners were not up")
            # Several pings at the 200 ms period (WATCHDOG_USEC / 2), not one.
            start = len(seen)
            for _ in range(3):
                if not wait_for("WATCHDOG=1", 5):
                    raise AssertionError("no WATCHDOG=1 after READY")
            if sum("WATCHDOG=1" in m for m in seen[start:]) < 3:
                raise AssertionError("fewer than three pings")
            # SIGHUP is a reload (reload.hpp): RELOADING=1, then READY=1 again; the process stays.
            proc.send_signal(signal.SIGHUP)
            if not wait_for("RELOADING=1", 10):
                raise AssertionError("no RELOADING=1 at SIGHUP")
            if not any(line.startswith("MONOTONIC_USEC=") for line in seen[-1].split("\n")):
                raise AssertionError("RELOADING=1 without MONOTONIC_USEC=")
            if not wait_for("READY=1", 10):
                raise AssertionError("no READY=1 after the reload")
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                log.seek(0)
                if "SIGHUP: reload complete" in log.read():
                    break
                time.sleep(0.05)
            else:
                raise AssertionError("no log line for the reload")
            if not wait_for("WATCHDOG=1", 5) or proc.poll() is not None:
                raise AssertionError("the process did not survive SIGHUP")
            proc.send_signal(signal.SIGTERM)
            if not wait_for("STOPPING=1", 20):
                raise AssertionError("no STOPPING=1 at SIGTERM")
            rc = proc.wait(timeout=30)
            if rc != 0:
                raise AssertionError(f"exit code {rc}")
        except AssertionError as e:
            proc.kill()
            proc.wait()
            log.seek(0)
            print(f"FAILED: {e}; messages: {seen}\n{log.read()}", file=sys.stderr)
            return 1
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    print("systemd notify: ok", seen[0].replace("\n", " "))
    return 0


if __name__ == "__main__":
    sys.exit(main())
