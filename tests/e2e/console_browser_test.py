#!/usr/bin/env python3
"""The operator console in a real browser (Debian's chromium, driven by chromium-driver through
python3-selenium), against the real binary.

    console_browser_test.py BINARY SCREENSHOT_FOLDER

Starts `BINARY serve --port 0` on a scratch SQLite file, fills it through the API (1,000
products, one with history), and checks what a person does and sees:
  - the console loads, with no error in the browser's log;
  - a product is found with the search box and opened: its stock states, batches, holds,
    movements and chart;
  - an allocation made through the API shows on the page without a reload (GET /events);
  - a cancel made through the API gives the stock back on the page, again without a reload;
  - the pages of 1,000 products, and a product with 10,000 movements (the time it takes to open
    is printed);
  - with every event stream taken, the page says it is not live, and goes live once one frees.
Screenshots of each step are saved in SCREENSHOT_FOLDER (console-*.png), to be looked at.

Only 127.0.0.1 is spoken to; the browser gets no other network (--host-resolver-rules).
"""

import http.client
import json
import os
import shutil
import socket
import sys
import tempfile
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from allocation_process import AllocationProcess

UPDATE_TIMEOUT_S = 10  # how long the page may take to show a change: it should take well under 1 s
BUSY_MOVEMENTS = 10_000
MAX_EVENT_STREAMS = 16  # GET /events streams open at once (adapters/event_stream/)


class Server(AllocationProcess):
    """`allocation serve` on a scratch SQLite file (allocation_process.py), and the test's
    keep-alive connection to it."""

    def __init__(self, binary, folder):
        super().__init__(binary, ["serve", "--host", "127.0.0.1", "--port", "0",
                                  "--db", "sqlite:" + os.path.join(folder, "console.db")], folder)
        self.url = f"http://127.0.0.1:{self.port}"
        self.connection = None
        self.last_used = 0.0

    def call(self, method, path, body=None):
        """One request on the test's keep-alive connection; the answer's JSON (None for none)."""
        # The service closes a connection idle for 5 s (HttpApi keep_alive_timeout): one idle for
        # nearly that long may be closed while this request is on its way (RemoteDisconnected, in
        # a CI run whose browser took 5 s to start), so it is replaced beforehand.
        if self.connection is not None and time.monotonic() - self.last_used > 3:
            self.connection.close()
            self.connection = None
        if self.connection is None:
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        data = None if body is None else json.dumps(body).encode()
        self.connection.request(method, path, body=data, headers={"Content-Type": "application/json"})
        response = self.connection.getresponse()
        text = response.read()
        self.last_used = time.monotonic()
        if response.status >= 400:
            raise RuntimeError(f"{method} {path}: {response.status} {text[:200]!r}")
        return json.loads(text) if text else None


def fill(server):
    """1,000 products of a shop; LAMP with two warehouses, an incoming batch, a history and a
    hold."""
    for i in range(1000):
        sku = f"SKU-{i:04d}"
        server.call("POST", "/add_batch", {"ref": f"b-{sku}", "sku": sku, "qty": 20 + i})
    server.call("PUT", "/warehouses/north", {"priority": 1})
    server.call("POST", "/add_batch", {"ref": "lamp-main", "sku": "LAMP", "qty": 40})
    server.call("POST", "/add_batch", {"ref": "lamp-north", "sku": "LAMP", "qty": 25,
                                       "warehouse": "north", "expires": "2031-06-30"})
    server.call("POST", "/add_batch", {"ref": "lamp-ship", "sku": "LAMP", "qty": 30,
                                       "eta": "2031-01-15"})
    for i in range(12):
        server.call("POST", "/allocate", {"orderid": f"order-{i}", "sku": "LAMP", "qty": 1 + i % 4})
    for i in range(0, 12, 3):
        server.call("POST", f"/orders/order-{i}/cancel")
    server.call("POST", "/change_batch_quantity", {"ref": "lamp-main", "qty": 36})
    server.call("POST", "/reservations", {"id": "checkout-7", "sku": "LAMP", "qty": 2, "ttl_s": 900})


def fill_busy(server, movements):
    """BUSY, a SKU with `movements` movements: a batch received, then one allocation each."""
    server.call("POST", "/add_batch", {"ref": "busy-1", "sku": "BUSY", "qty": movements})
    for i in range(movements - 1):
        server.call("POST", "/allocate", {"orderid": f"busy-{i}", "sku": "BUSY", "qty": 1})


def event_stream_metrics(port):
    """What GET /metrics says of GET /events: for a failure's message."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.sendall(b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    data = b""
    while True:
        piece = sock.recv(65536)
        if not piece:
            break
        data += piece
    return [line for line in data.decode().splitlines()
            if line.startswith("allocation_http_requests_total") and '"/events"' in line]


def open_streams(port, count):
    """`count` GET /events on sockets of their own, left open once their answers began; a stream
    refused (one a closed page held is freed within a second) is asked for again, for 10 s."""
    streams = []
    deadline = time.monotonic() + 10
    while len(streams) < count:
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        sock.sendall(b"GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        if sock.recv(4096).startswith(b"HTTP/1.1 200"):
            streams.append(sock)
            continue
        sock.close()
        if time.monotonic() > deadline:
            raise RuntimeError(f"GET /events refused with {len(streams)} streams open: "
                           + repr(event_stream_metrics(port)))
        time.sleep(0.05)
    return streams


def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     "--window-size=1600,1100", "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
                     "--no-first-run", "--disable-background-networking", "--disable-sync",
                     "--disable-component-update", "--disable-default-apps"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def main():
    binary, screenshots = sys.argv[1], sys.argv[2]
    os.makedirs(screenshots, exist_ok=True)
    failures = []

    def check(condition, what):
        print(("ok   " if condition else "FAIL ") + what, flush=True)
        if not condition:
            failures.append(what)

    folder = tempfile.mkdtemp(prefix="allocation-console-")
    server = Server(binary, folder)
    driver = None
    try:
        fill(server)
        driver = browser()
        wait = WebDriverWait(driver, UPDATE_TIMEOUT_S, poll_frequency=0.05)

        # The page redraws what it shows as changes arrive: what is read is read in one script,
        # and a click on an element redrawn meanwhile is tried again on the new one.
        def text(selector):
            return driver.execute_script(
                "const e = document.querySelector(arguments[0]); return e ? e.innerText : null;",
                selector)

        def click(selector):
            def clicked(d):
                d.find_element(By.CSS_SELECTOR, selector).click()
                return True
            WebDriverWait(driver, UPDATE_TIMEOUT_S, poll_frequency=0.05,
                          ignored_exceptions=(StaleElementReferenceException,
                                              NoSuchElementException)).until(clicked)

        def screenshot(name):
            driver.execute_script("window.scrollTo(0, 0);")
            driver.save_screenshot(os.path.join(screenshots, name))

        def first_sku():
            return driver.execute_script(
                "const e = document.querySelector('#products tbody tr[data-sku]');"
                " return e ? e.dataset.sku : null;")

        def available():
            return text("#state-available .value")

        driver.get(server.url + "/")
        wait.until(lambda d: text("#live") == "live")
        wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#products tbody tr[data-sku]")) == 25)
        check(True, "the console loads: the first page of 25 products, and the live stream open")
        screenshot("console-loaded.png")

        # Find the product with the search box, and open it.
        driver.find_element(By.ID, "search").send_keys("LAMP")
        click("#search-form button")
        wait.until(lambda d: first_sku() == "LAMP")
        click('#products tbody tr[data-sku="LAMP"]')
        product = server.call("GET", "/products/LAMP")
        wait.until(lambda d: available() == str(product["available"]))
        check(True, f"LAMP found and opened: available {product['available']}")
        batches = text("#batches tbody").split("\n")
        check(len(batches) == 3 and any("north" in b and "2031-06-30" in b for b in batches),
              f"its batches, with warehouse and expiry: {batches}")
        wait.until(lambda d: "checkout-7" in (text("#holds tbody") or ""))
        check(True, "its live hold, checkout-7")
        movements = server.call("GET", "/products/LAMP/movements?limit=1000")["movements"]
        wait.until(lambda d: text("#movement-count") == f"({len(movements)})")
        check(driver.execute_script("return document.querySelectorAll('#chart path.line').length") == 1,
              f"its chart of available units, from its {len(movements)} movements")
        screenshot("console-product.png")

        # A change through the API shows without a reload.
        driver.execute_script("window.notReloaded = true;")
        before = int(available())
        answer = server.call("POST", "/allocate", {"orderid": "browser-1", "sku": "LAMP", "qty": 5})
        check(answer["batchref"] is not None, f"allocated through the API: {answer}")
        wait.until(lambda d: available() == str(before - 5))
        check(driver.execute_script("return window.notReloaded === true;"),
              f"available went from {before} to {before - 5} on the page, without a reload")
        wait.until(lambda d: "line allocated" in (text("#events") or ""))
        check("browser-1" in text("#events"), "the change is in the live list, naming the order")
        driver.find_element(By.ID, "orderid").send_keys("browser-1")
        click("#order-form button")
        wait.until(lambda d: "allocated" in (text("#order") or ""))
        check(True, "the order's line, allocated")
        screenshot("console-allocated.png")

        # Cancelling gives the stock back, on the page.
        server.call("POST", "/orders/browser-1/cancel")
        wait.until(lambda d: available() == str(before))
        wait.until(lambda d: "cancelled" in (text("#order") or ""))
        check(driver.execute_script("return window.notReloaded === true;"),
              f"cancelled through the API: available back to {before}, the line cancelled, no reload")
        screenshot("console-cancelled.png")

        # Paging through 1,000 products.
        click("#first")
        wait.until(lambda d: text("#page-info").startswith("LAMP … SKU-0023"))
        for _ in range(3):
            shown = text("#page-info")
            click("#next")
            wait.until(lambda d: text("#page-info") != shown)
        check(text("#page-info") == "SKU-0074 … SKU-0098", f"three pages on: {text('#page-info')}")

        # A product with 10,000 movements: how long it takes to open is printed, not asserted.
        fill_busy(server, BUSY_MOVEMENTS)
        driver.find_element(By.ID, "search").clear()
        driver.find_element(By.ID, "search").send_keys("BUSY")
        click("#search-form button")
        wait.until(lambda d: first_sku() == "BUSY")
        opened = time.monotonic()
        click('#products tbody tr[data-sku="BUSY"]')
        WebDriverWait(driver, 60, poll_frequency=0.05).until(
            lambda d: f"{BUSY_MOVEMENTS} movements" in (text("#chart-note") or ""))
        seconds = time.monotonic() - opened
        check(text("#movement-count") == f"(newest 200 of {BUSY_MOVEMENTS})",
              f"BUSY opened with its {BUSY_MOVEMENTS} movements charted in {seconds:.2f} s")
        before = int(available())
        server.call("POST", "/allocate", {"orderid": "busy-last", "sku": "BUSY", "qty": 1})
        updated = time.monotonic()
        wait.until(lambda d: available() == str(before - 1))
        check(f"{BUSY_MOVEMENTS + 1} movements" in text("#chart-note"),
              f"and one more allocation showed in {time.monotonic() - updated:.2f} s")
        screenshot("console-busy.png")

        # Every stream taken (16, by other clients): the page says it is not live, and goes live
        # once one frees. The browser logs the refused stream: its log is read before.
        errors = [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
        driver.get("about:blank")  # the page's own stream ends
        held = open_streams(server.port, MAX_EVENT_STREAMS)
        driver.get(server.url + "/")
        wait.until(lambda d: text("#live") == "not live: retrying")
        for sock in held:
            sock.close()
        wait.until(lambda d: text("#live") == "live")
        check(True, "refused a stream while 16 were open, it said so, and went live once one freed")
        check(not errors, f"no error in the browser's log: {errors}")
    except Exception as error:  # a wait that timed out, a page that broke: say what was seen
        failures.append(f"{type(error).__name__}: {error}")
        print(f"FAIL {type(error).__name__}: {error}", flush=True)
        if driver:
            driver.save_screenshot(os.path.join(screenshots, "console-failure.png"))
            print("browser log:", driver.get_log("browser"))
    finally:
        if driver:
            driver.quit()
        code = server.terminate()
        if code != 0:
            failures.append(f"the server exited {code}")
        if failures:
            print("--- the server's log ---\n" + server.log()[-4000:])
        shutil.rmtree(folder, ignore_errors=True)
    print(f"{len(failures)} failures; screenshots in {screenshots}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
