"""`allocation` run as a child process by the Python end-to-end tests, on 127.0.0.1."""

import ctypes
import os
import re
import signal
import subprocess
import time

START_TIMEOUT_S = 20
# What `allocation serve` logs once it listens; group 1 is the port.
SERVING = r"serving on http://[^:]+:(\d+)"


def die_with_parent():
    """Runs in the child before exec: the process is killed if the test dies."""
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


class AllocationProcess:
    """`allocation ARGS...`, its log in `folder`, waited for until the log says `ready` (a
    pattern whose group 1 is the port). No ALLOCATION_* setting of the caller's but the test
    servers' reaches it: the test configures it on the command line. Start it before the test
    has threads of its own: preexec_fn is not safe once threads run. wait=False returns at once,
    for a caller that must start something it needs first; wait_until_ready() then waits."""

    def __init__(self, binary, args, folder, ready=SERVING, wait=True):
        self.log_path = os.path.join(folder, args[0] + ".log")
        self.ready = ready
        self.port = None
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("ALLOCATION_") or k.startswith("ALLOCATION_TEST_")}
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen([binary] + args, stdin=subprocess.DEVNULL, stdout=log,
                                            stderr=subprocess.STDOUT, env=env,
                                            preexec_fn=die_with_parent)
        if wait:
            self.wait_until_ready()

    def wait_until_ready(self):
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            match = re.search(self.ready, self.log())
            if match:
                self.port = int(match.group(1))
                return
            if self.process.poll() is not None:
                raise RuntimeError("allocation exited at start:\n" + self.log())
            time.sleep(0.02)
        self.terminate()
        raise RuntimeError("allocation did not start:\n" + self.log())

    def log(self):
        with open(self.log_path, encoding="utf-8", errors="replace") as f:
            return f.read()

    def terminate(self, timeout=10):
        """SIGTERM, as an operator would; SIGKILL if it has not exited within `timeout` s.
        Returns its exit code (negative: the signal that ended it)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode
