#!/usr/bin/env python3
"""Starts a server command and prints "<pid> <ms>": the time from the start of the process to
the first request it answered (GET URL with status 200). The server keeps running.

    first_answer.py URL -- COMMAND ARGS...
"""
import http.client
import subprocess
import sys
import time
import urllib.parse


def main():
    url = urllib.parse.urlsplit(sys.argv[1])
    command = sys.argv[sys.argv.index("--") + 1:]
    log = open(sys.argv[2], "w") if len(sys.argv) > 2 and sys.argv[2] != "--" else subprocess.DEVNULL
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=log, stderr=log, start_new_session=True)
    while time.perf_counter() - start < 30:
        if process.poll() is not None:
            sys.exit("the server exited with %d before answering" % process.returncode)
        try:
            connection = http.client.HTTPConnection(url.hostname, url.port, timeout=1)
            connection.request("GET", url.path or "/")
            if connection.getresponse().status == 200:
                print(process.pid, "%.1f" % ((time.perf_counter() - start) * 1000))
                return
        except OSError:
            time.sleep(0.001)
    process.kill()
    sys.exit("no answer within 30 s")


if __name__ == "__main__":
    main()
