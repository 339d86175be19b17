#!/usr/bin/env python3
"""Checks that the live server answers what docs/openapi.json says, and says what it answers.

    openapi_conformance_test.py BINARY OPENAPI_JSON

Starts `BINARY serve --port 0` on a scratch SQLite file, and on a scratch schema of the test
PostgreSQL server when ALLOCATION_TEST_PG is set (tools/test-servers.sh). For every operation and
every status the document lists, it provokes that status with a real request, then checks the
status, the Content-Type, the body against the response's schema and the documented headers. It
fails when:
  - an answer differs from the case's expectation or from the document;
  - the server answers a status the document does not list for the operation;
  - a (path, method, status) of the document has no case: document and test stay in step.

The 503s need a database that stops answering: on PostgreSQL the server reaches its database
through a TCP relay of this test, which the test cuts. Without PostgreSQL they are skipped, unless
ALLOCATION_REQUIRE_SERVERS is set (as `make test` does): then that is a failure.

Only 127.0.0.1 is spoken to. Requests are raw HTTP/1.1 on a socket of their own, because what is
checked here (chunked bodies, many header fields, bytes that are not UTF-8 in a path) is what a
client library would normalise away.
"""

import copy
import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from typing import Callable, Optional

import jsonschema

from allocation_process import AllocationProcess

REQUEST_TIMEOUT_S = 10  # each connect, send or receive of a request
MAX_EVENT_STREAMS = 16  # GET /events streams open at once (adapters/event_stream/)
RUN_DEADLINE_S = 240  # every case of every backend; ctest's timeout is above it
STOP_TIMEOUT_S = 10

MAX_BODY = 64 * 1024
EXPIRED_HOLDS = 5  # the 410 cases, which each end up with a hold that expired
MAX_TARGET = 8 * 1024
WRONG_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


# --- The document ---------------------------------------------------------------------------


class Document:
    """docs/openapi.json, with $refs resolved and schemas turned into JSON Schema."""

    def __init__(self, path):
        with open(path, encoding="utf-8") as f:
            self.root = json.load(f)

    def resolve(self, node):
        """Follows $refs (to the document itself only) until a node that is not one."""
        for _ in range(16):  # bounded: a cycle of $refs is a broken document
            if not isinstance(node, dict) or "$ref" not in node:
                return node
            pointer = node["$ref"]
            if not pointer.startswith("#/"):
                raise ValueError("only local $refs are supported: " + pointer)
            node = self.root
            for part in pointer[2:].split("/"):
                node = node[part.replace("~1", "/").replace("~0", "~")]
        raise ValueError("$ref chain too long")

    def json_schema(self, schema):
        """An OpenAPI 3.0 schema as a JSON Schema (draft 4): $refs inlined, `nullable` turned
        into a type list, since JSON Schema has no `nullable` and would refuse null otherwise."""
        schema = copy.deepcopy(self.resolve(schema))
        if isinstance(schema, dict):
            if "properties" in schema:
                schema["properties"] = {k: self.json_schema(v)
                                        for k, v in schema["properties"].items()}
            for key in ("items", "additionalProperties", "not"):
                if isinstance(schema.get(key), dict):
                    schema[key] = self.json_schema(schema[key])
            for key in ("allOf", "anyOf", "oneOf"):
                if key in schema:
                    schema[key] = [self.json_schema(s) for s in schema[key]]
            if schema.pop("nullable", False):
                if "type" in schema:
                    schema["type"] = [schema["type"], "null"]
                if "enum" in schema:
                    schema["enum"] = schema["enum"] + [None]
        return schema

    def operations(self):
        """(path, METHOD, operation) for every operation."""
        for path, item in self.root["paths"].items():
            for method, operation in item.items():
                if method in ("get", "put", "post", "delete", "options", "head", "patch", "trace"):
                    yield path, method.upper(), operation

    def operation(self, path, method):
        return self.root["paths"][path][method.lower()]

    def methods(self, path):
        return {m for p, m, _ in self.operations() if p == path}

    def documented(self):
        """Every (path, METHOD, status) the document promises."""
        return {
            (path, method, status)
            for path, method, operation in self.operations()
            for status in operation["responses"]
        }


def validation_errors(schema, value):
    """What is wrong with `value` under the JSON Schema `schema`; empty when it is valid."""
    validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())
    return [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}"
            for e in validator.iter_errors(value)]


# --- Raw HTTP ---------------------------------------------------------------------------------


@dataclass
class Reply:
    status: int = 0
    headers: dict = field(default_factory=dict)  # names in lower case
    body: bytes = b""
    error: str = ""  # set when no answer was read
    sent: object = None  # the JSON value the request carried, when it was one

    def describe(self):
        if self.error:
            return "no answer: " + self.error
        text = self.body[:200].decode("utf-8", "replace").replace("\n", " ")
        return f"{self.status} {text}"


@dataclass
class Request:
    method: str
    target: str  # already percent-encoded
    body: Optional[bytes] = None  # None: no body and no Content-Length
    headers: list = field(default_factory=list)  # (name, value), sent in this order
    content_type: Optional[str] = "application/json"  # sent when there is a body
    chunked: bool = False
    timeout: float = REQUEST_TIMEOUT_S

    def encode(self, port):
        lines = [f"{self.method} {self.target} HTTP/1.1", f"Host: 127.0.0.1:{port}",
                 "Connection: close"]
        if self.body is not None and self.content_type is not None:
            lines.append("Content-Type: " + self.content_type)
        if self.body is not None:
            lines.append("Transfer-Encoding: chunked" if self.chunked
                         else f"Content-Length: {len(self.body)}")
        lines += [f"{name}: {value}" for name, value in self.headers]
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        if self.body is None:
            return head
        if not self.chunked:
            return head + self.body
        chunks = b""
        for start in range(0, len(self.body), 8192):
            piece = self.body[start:start + 8192]
            chunks += f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
        return head + chunks + b"0\r\n\r\n"


def send(port, request):
    """Sends one request on a new connection and reads the answer."""
    try:
        sock = socket.create_connection(("127.0.0.1", port), timeout=request.timeout)
    except OSError as error:
        return Reply(error=f"cannot connect: {error}")
    try:
        try:
            sock.sendall(request.encode(port))
        except OSError:
            pass  # the server may answer (413, 431) and close before taking it all: read that
        response = http.client.HTTPResponse(sock, method=request.method)
        response.begin()
        body = response.read()
        return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, body)
    except (OSError, http.client.HTTPException) as error:
        return Reply(error=f"{type(error).__name__}: {error}")
    finally:
        sock.close()


# --- The server and its database ----------------------------------------------------------------


class Relay:
    """A TCP relay on 127.0.0.1 between the server and PostgreSQL. cut() drops every connection
    and refuses new ones: to the server, the database stopped answering (hence its 503s),
    without touching the PostgreSQL server that other tests share."""

    def __init__(self, upstream_port):
        self.upstream_port = upstream_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.is_cut = False
        self.sockets = []
        self.lock = threading.Lock()

    def start(self):
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return  # closed
            with self.lock:
                if self.is_cut:
                    client.close()
                    continue
                try:
                    upstream = socket.create_connection(("127.0.0.1", self.upstream_port), 5)
                    upstream.settimeout(None)
                except OSError:
                    client.close()
                    continue
                self.sockets += [client, upstream]
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client), daemon=True).start()

    @staticmethod
    def _pump(source, target):
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        for s in (source, target):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def cut(self):
        with self.lock:
            self.is_cut = True
            for s in self.sockets:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()
            self.sockets = []

    def close(self):
        self.cut()
        self.listener.close()


def psql(url, sql):
    """Runs SQL on the test PostgreSQL server with Debian's psql (no Python driver needed)."""
    program = shutil.which("psql") or next(iter(sorted(
        os.path.join("/usr/lib/postgresql", v, "bin/psql")
        for v in os.listdir("/usr/lib/postgresql"))), "psql")
    subprocess.run([program, "-q", "-v", "ON_ERROR_STOP=1", "-d", url,
                    "-c", "SET client_min_messages = warning", "-c", sql],
                   check=True, stdout=subprocess.DEVNULL, timeout=30)


def loopback_postgres():
    """ALLOCATION_TEST_PG when it is a server on 127.0.0.1; None when it is not set."""
    url = os.environ.get("ALLOCATION_TEST_PG")
    if not url:
        return None
    parsed = urllib.parse.urlsplit(url)
    if parsed.hostname not in ("127.0.0.1", "localhost"):
        raise RuntimeError("ALLOCATION_TEST_PG is not on 127.0.0.1: this test talks to no other host")
    return parsed


def relayed_url(pg, port, schema):
    """The test server's URL, through the relay on `port`, on `schema` (as search_path)."""
    userinfo = pg.netloc.rpartition("@")[0]
    netloc = (userinfo + "@" if userinfo else "") + f"127.0.0.1:{port}"
    query = "&".join(filter(None, [pg.query, f"options=-csearch_path%3D{schema}"]))
    return pg._replace(netloc=netloc, query=query).geturl()


class Backend:
    """A scratch database, the server on it, and what the cases need to reach them."""

    def __init__(self, name, binary):
        self.name = name
        self.binary = binary
        self.folder = tempfile.mkdtemp(prefix="allocation-openapi-")
        self.relay = None
        self.schema = None
        self.server = None

    def start(self):
        if self.name == "sqlite":
            url = f"sqlite:{self.folder}/allocation.db"
        else:
            # A schema of its own on the shared server, as tests/support/scratch_database.cpp
            # makes, reached through the relay so that the test can take it away.
            pg = loopback_postgres()
            self.schema = f"openapi_{os.getpid()}"
            psql(pg.geturl(), f"CREATE SCHEMA {self.schema}")
            self.relay = Relay(pg.port or 5432)
            url = relayed_url(pg, self.relay.port, self.schema)
        # The server first, before the relay's thread (allocation_process.py); it waits for the
        # relay to answer.
        self.server = AllocationProcess(
            self.binary, ["serve", "--host", "127.0.0.1", "--port", "0", "--db", url],
            self.folder, wait=False)
        if self.relay:
            self.relay.start()
        self.server.wait_until_ready()

    def cut_database(self):
        self.relay.cut()

    def stop(self):
        if self.server:
            self.server.terminate(STOP_TIMEOUT_S)
        if self.relay:
            self.relay.close()
        if self.schema:
            try:
                psql(loopback_postgres().geturl(), f"DROP SCHEMA {self.schema} CASCADE")
            except (subprocess.SubprocessError, OSError) as error:
                print(f"note: scratch schema {self.schema} left behind: {error}")
        shutil.rmtree(self.folder, ignore_errors=True)


# --- Cases --------------------------------------------------------------------------------------


class SetupFailed(Exception):
    pass


class Api:
    """What a case uses: requests to the server, and unique names so that cases do not meet."""

    def __init__(self, backend):
        self.backend = backend
        self.counter = 0
        self.expired = []  # (id, sku) of holds whose time ran out, for the 410 cases

    def unique(self, prefix):
        self.counter += 1
        return f"{prefix}-{self.counter}"

    def send(self, request):
        return send(self.backend.server.port, request)

    def post(self, path, value, **options):
        reply = self.send(Request("POST", path, json.dumps(value).encode(), **options))
        reply.sent = value
        return reply

    def get(self, path, **options):
        return self.send(Request("GET", path, **options))

    def setup(self, reply, status):
        """A request a case needs before its own: it must work, or the case says why not."""
        if reply.status != status:
            raise SetupFailed(f"expected {status}, got {reply.describe()}")
        return json.loads(reply.body) if reply.body else None  # none for a 204

    def batch(self, sku=None, qty=10):
        ref, sku = self.unique("batch"), sku or self.unique("sku")
        self.setup(self.post("/add_batch", {"ref": ref, "sku": sku, "qty": qty}), 201)
        return ref, sku

    def line(self, qty=1, stock=10):
        """An allocate body for a new order, on a new product of `stock` units."""
        _, sku = self.batch(qty=stock)
        return {"orderid": self.unique("order"), "sku": sku, "qty": qty}

    def hold(self, qty=1, stock=10, ttl_s=900):
        """A live hold of `qty` on a new product of `stock` units: its POST /reservations body
        (with its id) and answer."""
        _, sku = self.batch(qty=stock)
        value = {"id": self.unique("hold"), "sku": sku, "qty": qty, "ttl_s": ttl_s}
        return value, self.setup(self.post("/reservations", value), 201)

    def expired_hold(self):
        """(id, sku) of a hold whose time ran out. The first call makes one for each 410 case
        (ttl_s 1, the least) and waits once, just over the second they last, on the real clock."""
        if not self.expired:
            _, sku = self.batch(qty=EXPIRED_HOLDS)
            for _ in range(EXPIRED_HOLDS):
                value = {"id": self.unique("hold"), "sku": sku, "qty": 1, "ttl_s": 1}
                self.setup(self.post("/reservations", value), 201)
                self.expired.append((value["id"], sku))
            time.sleep(1.2)
        return self.expired.pop(0)


@dataclass
class Case:
    path: str  # the documented path: the answer is checked against its operation's responses
    method: str  # the documented method (a 405 case sends another one)
    status: int
    name: str
    run: Callable  # (Api) -> Reply
    check: Optional[Callable] = None  # (answer's JSON, JSON sent) -> what is wrong, or None
    needs_outage: bool = False  # run once the database stopped answering
    # A 400 for what the request schema cannot know (a hold of another SKU): the body sent is
    # not checked against it.
    beyond_schema: bool = False

    @property
    def key(self):
        return (self.path, self.method, str(self.status))

    def label(self):
        return f"{self.method} {self.path} {self.status} {self.name}"


def quoted(identifier):
    """A path segment: UTF-8, every byte but unreserved ones percent-encoded (/ too)."""
    return urllib.parse.quote(identifier, safe="")


def padded_json(value, size):
    """`value` as JSON of exactly `size` bytes: spaces before the closing brace."""
    text = json.dumps(value).encode()
    return text[:-1] + b" " * (size - len(text)) + b"}"


def duplicate_key(value):
    """`value` as JSON with its first key given twice (with the same value)."""
    key = next(iter(value))
    return json.dumps(value)[:-1].encode() + f", {json.dumps(key)}: {json.dumps(value[key])}}}".encode()


def without(value, key):
    return {k: v for k, v in value.items() if k != key}


def example_target(path):
    return (path.replace("{orderid}", "some-order").replace("{sku}", "some-sku")
            .replace("{ref}", "some-batch").replace("{id}", "some-hold"))


def every_route_cases(document):
    """What holds on every documented path: 405 for each other method, 414, 431, and 413 for a
    body over 64 KiB on the routes that take none (post_route_cases has the others')."""
    cases = []
    for path, method, _ in document.operations():
        target = example_target(path)
        body = b"{}" if method in ("POST", "PATCH") else None

        def sending(m, t, b=None, headers=()):
            return lambda api: api.send(Request(m, t, b, headers=list(headers)))

        for wrong in WRONG_METHODS:
            if wrong not in document.methods(path):
                wrong_body = b"{}" if wrong in ("POST", "PUT", "PATCH") else None
                cases.append(Case(path, method, 405, f"{wrong} instead",
                                  sending(wrong, target, wrong_body)))
        cases += [
            Case(path, method, 414, "request target over 8 KiB",
                 sending(method, target + "?pad=" + "a" * MAX_TARGET, body)),
            Case(path, method, 431, "one header field of 64 KiB",
                 sending(method, target, body, [("X-Large", "a" * MAX_BODY)])),
            Case(path, method, 431, "1000 header fields",
                 sending(method, target, body, [(f"X-Field-{i}", "v") for i in range(1000)])),
        ]
        if method in ("GET", "DELETE"):
            cases.append(Case(path, method, 413, "body over 64 KiB",
                              sending(method, target, b" " * (MAX_BODY + 1))))
    return cases


def post_route_cases(path, success, valid_body, method="POST", target=None):
    """What holds on every route that takes a body: its size limit however it is sent, its media
    type, malformed bodies. `valid_body(api)` makes a body the route accepts with `success`;
    `target(api)`, the path to send it to (default: `path` itself)."""
    def sending(name, status, encode, **options):
        def run(api):
            sent_to = target(api) if target else path
            return api.send(Request(method, sent_to, encode(valid_body(api)), **options))
        return Case(path, method, status, name, run)

    def as_json(value):
        return json.dumps(value).encode()

    def at_limit(value):
        return padded_json(value, MAX_BODY)

    def over_limit(value):
        return padded_json(value, MAX_BODY + 1)

    return [
        sending("body of exactly 64 KiB", success, at_limit),
        sending("chunked body of exactly 64 KiB", success, at_limit, chunked=True),
        sending("body over 64 KiB", 413, over_limit),
        sending("chunked body over 64 KiB", 413, over_limit, chunked=True),
        sending("no Content-Type", success, as_json, content_type=None),
        sending("application/json; charset=utf-8", success, as_json,
                content_type="application/json; charset=utf-8"),
        sending("application/vnd.shop+json", success, as_json,
                content_type="application/vnd.shop+json"),
        sending("text/plain", 415, as_json, content_type="text/plain"),
        sending("application/x-www-form-urlencoded", 415, as_json,
                content_type="application/x-www-form-urlencoded"),
        sending("application/json; charset=latin-1", 415, as_json,
                content_type="application/json; charset=latin-1"),
        sending("malformed JSON", 400, lambda value: as_json(value)[:-1]),
        sending("not an object", 400, lambda value: as_json([value])),
        sending("duplicate key", 400, duplicate_key),
        sending("empty body", 400, lambda value: b""),
        # Neither Content-Length nor chunked: HTTP/1.1 says there is no body (RFC 9112 6.3), so
        # the answer is due at once, not after the server's read timeout.
        Case(path, method, 400, "no body at all (no Content-Length)",
             lambda api: api.send(Request(method, target(api) if target else path, None,
                                          timeout=3))),
    ]


def posting(path, status, name, make_body, check=None):
    """A case that POSTs the JSON value `make_body(api)` to `path`."""
    return Case(path, "POST", status, name, lambda api: api.post(path, make_body(api)), check)


def add_batch_cases():
    def batch(api, **changes):
        return {"ref": api.unique("batch"), "sku": api.unique("sku"), "qty": 10, **changes}

    def again(api, **changes):
        value = batch(api)
        api.setup(api.post("/add_batch", value), 201)
        return {**value, **changes}

    def case(status, name, make_body):
        return posting("/add_batch", status, name, make_body)

    return post_route_cases("/add_batch", 201, batch) + [
        case(201, "warehouse batch (no eta)", batch),
        case(201, "shipment (eta)", lambda api: batch(api, eta="2031-05-01")),
        case(201, "eta null", lambda api: batch(api, eta=None)),
        case(201, "qty 0", lambda api: batch(api, qty=0)),
        case(201, "ref of 255 characters of 2 bytes each",
             lambda api: batch(api, ref=api.unique("r").rjust(255, "é"))),
        case(201, "the same batch again", again),
        case(409, "the same ref with another qty", lambda api: again(api, qty=11)),
        case(400, "missing field qty", lambda api: without(batch(api), "qty")),
        case(400, "qty a string", lambda api: batch(api, qty="10")),
        case(400, "qty negative", lambda api: batch(api, qty=-1)),
        case(400, "qty over 2147483647", lambda api: batch(api, qty=2**31)),
        case(400, "eta not a real date", lambda api: batch(api, eta="2031-02-30")),
        case(400, "empty ref", lambda api: batch(api, ref="")),
        case(400, "ref of 256 characters", lambda api: batch(api, ref="r" * 256)),
        case(400, "control character in sku", lambda api: batch(api, sku="a\u0001b")),
        case(201, "in a warehouse, with an expiry date",
             lambda api: batch(api, warehouse="east", expires="2031-05-01")),
        case(201, "warehouse and expires null", lambda api: batch(api, warehouse=None, expires=None)),
        case(409, "the same ref in another warehouse", lambda api: again(api, warehouse="east")),
        case(400, "expires not a real date", lambda api: batch(api, expires="2031-02-30")),
        case(400, "warehouse empty", lambda api: batch(api, warehouse="")),
        case(400, "warehouse not a string", lambda api: batch(api, warehouse=7)),
    ]


def allocate_cases():
    def again(api, qty):
        value = api.line(qty=2)
        api.setup(api.post("/allocate", value), 202)
        return {**value, "qty": qty}

    def names_the_line(body, sent):
        missing = [p for p in (sent["orderid"], sent["sku"], "2") if p not in body["message"]]
        return f"the message does not name {missing}" if missing else None

    def is_invalid_sku(body, sent):
        expected = "Invalid sku " + sent["sku"]
        return None if body["message"] == expected else f"the message is not {expected!r}"

    def case(status, name, make_body, check=None):
        return posting("/allocate", status, name, make_body, check)

    def with_hold(api, qty=2):
        value, _ = api.hold(qty=2)
        return {"orderid": api.unique("order"), "sku": value["sku"], "qty": qty,
                "reservation": value["id"]}

    def takes_the_held_batch(body, sent):  # the product has one batch: the held one
        return None if body["batchref"] else f"batchref {body['batchref']}"

    def names_the_hold(body, sent):
        missing = [p for p in (sent["reservation"], sent["sku"]) if p not in body["message"]]
        return f"the message does not name {missing}" if missing else None

    def used_hold(api):
        value = with_hold(api)
        api.setup(api.post("/allocate", value), 202)
        return {**value, "orderid": api.unique("order")}

    def expired_hold(api):
        hold, sku = api.expired_hold()
        return {"orderid": api.unique("order"), "sku": sku, "qty": 1, "reservation": hold}

    return post_route_cases("/allocate", 202, lambda api: api.line()) + [
        case(202, "allocated", lambda api: api.line()),
        case(202, "out of stock (batchref null)", lambda api: api.line(qty=11, stock=10)),
        case(202, "the same line again, same qty", lambda api: again(api, 2)),
        case(409, "the same line again, another qty", lambda api: again(api, 3), names_the_line),
        case(400, "unknown sku",
             lambda api: {"orderid": api.unique("order"), "sku": api.unique("no-sku"), "qty": 1},
             is_invalid_sku),
        case(400, "qty 0", lambda api: api.line(qty=0)),
        case(400, "missing field orderid", lambda api: without(api.line(), "orderid")),
        case(400, "orderid not a string", lambda api: {**api.line(), "orderid": 7}),
        case(202, "with a hold: takes the held batch", with_hold, takes_the_held_batch),
        case(202, "with a hold, more than it holds", lambda api: with_hold(api, qty=3)),
        Case("/allocate", "POST", 400, "a hold of another SKU",
             lambda api: api.post("/allocate", {**with_hold(api), "sku": api.batch()[1]}),
             names_the_hold, beyond_schema=True),
        case(400, "reservation not a string", lambda api: {**api.line(), "reservation": 7}),
        case(400, "reservation empty", lambda api: {**api.line(), "reservation": ""}),
        case(404, "an unknown hold", lambda api: {**api.line(), "reservation": api.unique("no-hold")}),
        case(404, "a hold used already", used_hold),
        case(410, "an expired hold", expired_hold, says_expired),
        case(202, "click and collect", lambda api: {**api.line(), "warehouse": "store"}),
        case(400, "warehouse empty", lambda api: {**api.line(), "warehouse": ""}),
        case(400, "warehouse not a string", lambda api: {**api.line(), "warehouse": 1}),
        case(202, "split across two batches", split_line, lists_two_parts),
        case(202, "split, and the product cannot cover the line", lambda api: {
            **api.line(qty=11, stock=10), "split": True}),
        case(400, "split not a boolean", lambda api: {**api.line(), "split": "yes"}),
    ]


def split_line(api):
    """An allocate body with split for 8 units of a product of two batches of 5."""
    _, sku = api.batch(qty=5)
    api.batch(sku=sku, qty=5)
    return {"orderid": api.unique("order"), "sku": sku, "qty": 8, "split": True}


def lists_two_parts(body, sent):
    parts = [part["qty"] for part in body.get("allocations", [])]
    return None if parts == [5, 3] else f"parts {parts}, not [5, 3]"


def change_batch_quantity_cases():
    def change(api, qty=5):
        ref, _ = api.batch()
        return {"ref": ref, "qty": qty}

    def below_allocated(api):
        ref, sku = api.batch(qty=10)
        api.setup(api.post("/allocate", {"orderid": api.unique("order"), "sku": sku, "qty": 8}), 202)
        return {"ref": ref, "qty": 1}

    def case(status, name, make_body):
        return posting("/change_batch_quantity", status, name, make_body)

    return post_route_cases("/change_batch_quantity", 200, change) + [
        case(200, "changed", change),
        case(200, "below what is allocated (reallocates)", below_allocated),
        case(404, "unknown batch", lambda api: {"ref": api.unique("no-batch"), "qty": 1}),
        case(400, "qty negative", lambda api: change(api, qty=-1)),
        case(400, "missing field ref", lambda api: {"qty": 1}),
    ]


def deallocate_cases():
    def allocated(api):
        line = api.line(qty=2)
        api.setup(api.post("/allocate", line), 202)
        return {"orderid": line["orderid"], "sku": line["sku"]}

    def released_already(api):
        value = allocated(api)
        api.setup(api.post("/deallocate", value), 200)
        return value

    def released(expected):
        def check(body, sent):
            return None if body["released"] == expected else f"released {body['released']}"
        return check

    def case(status, name, make_body, check=None):
        return posting("/deallocate", status, name, make_body, check)

    return post_route_cases("/deallocate", 200, allocated) + [
        case(200, "an allocated line", allocated,
             lambda body, sent: None if [p["qty"] for p in body["released"]] == [2]
             else f"released {body['released']}"),
        case(200, "released already: nothing more", released_already, released([])),
        case(404, "an order with no line of the SKU",
             lambda api: {"orderid": api.unique("no-order"), "sku": api.batch()[1]}),
        case(404, "an unknown SKU", lambda api: {"orderid": "o", "sku": api.unique("no-sku")}),
        case(400, "missing field sku", lambda api: without(allocated(api), "sku")),
        case(400, "orderid not a string", lambda api: {**allocated(api), "orderid": 7}),
    ]


def cancel_order_cases():
    path = "/orders/{orderid}/cancel"

    def cancelling(status, name, make_orderid, check=None):
        return Case(path, "POST", status, name,
                    lambda api: api.send(Request(
                        "POST", "/orders/" + quoted(make_orderid(api)) + "/cancel", b"")), check)

    def ordered(api):
        orderid = api.unique("order")
        make_order(api, orderid)
        return orderid

    def cancelled_already(api):
        orderid = ordered(api)
        api.setup(api.send(Request("POST", "/orders/" + quoted(orderid) + "/cancel", b"")), 200)
        return orderid

    def released(count):
        def check(body, sent):
            n = len(body["released"])
            return None if n == count else f"{n} parts released, expected {count}"
        return check

    return [
        cancelling(200, "an order with a line", ordered, released(1)),
        cancelling(200, "cancelled already: nothing more", cancelled_already, released(0)),
        cancelling(404, "unknown order", lambda api: api.unique("no-order")),
        cancelling(400, "orderid of 256 characters", lambda api: "x" * 256),
        cancelling(400, "control character", lambda api: "a\u0001b"),
    ]


def set_product_policy_cases():
    def product(api):
        return "/products/" + quoted(api.batch()[1])

    def patching(status, name, value, make_target=product, check=None):
        return Case("/products/{sku}", "PATCH", status, name,
                    lambda api: patch(api, make_target(api), value), check)

    def patch(api, target, value):
        reply = api.send(Request("PATCH", target, json.dumps(value).encode()))
        reply.sent = value
        return reply

    def is_policy(expected):
        def check(body, sent):
            got = {k: body[k] for k in ("backorders", "low_stock_threshold")}
            return None if got == expected else f"the policy is {got}"
        return check

    return post_route_cases("/products/{sku}", 200, lambda api: {"backorders": True},
                            method="PATCH", target=product) + [
        patching(200, "backorders on", {"backorders": True}, check=is_policy(
            {"backorders": True, "low_stock_threshold": None})),
        patching(200, "a threshold", {"low_stock_threshold": 3}, check=is_policy(
            {"backorders": False, "low_stock_threshold": 3})),
        patching(200, "nothing given: unchanged", {}, check=is_policy(
            {"backorders": False, "low_stock_threshold": None})),
        patching(200, "threshold null: none", {"low_stock_threshold": None}),
        patching(404, "unknown sku", {"backorders": True},
                 lambda api: "/products/" + api.unique("no-sku")),
        patching(400, "negative threshold", {"low_stock_threshold": -1}),
        patching(400, "backorders a string", {"backorders": "yes"}),
        patching(400, "unknown field", {"backorder": True}),
        # The body is fine: only the path is refused (so the body is not checked as sent).
        Case("/products/{sku}", "PATCH", 400, "sku of 256 characters",
             lambda api: api.send(Request("PATCH", "/products/" + "x" * 256,
                                          b'{"backorders": true}'))),
    ]


def warehouse_cases():
    path = "/warehouses/{id}"

    def warehouse(api):
        return "/warehouses/" + quoted(api.unique("warehouse"))

    def putting(status, name, value, make_target=warehouse, check=None):
        def run(api):
            reply = api.send(Request("PUT", make_target(api), json.dumps(value).encode()))
            reply.sent = value
            return reply
        return Case(path, "PUT", status, name, run, check)

    def is_priority(expected):
        def check(body, sent):
            return None if body["priority"] == expected else f"the priority is {body['priority']}"
        return check

    def listed(body, sent):
        ids = [w["id"] for w in body["warehouses"]]
        return None if ids == sorted(ids) else f"not in id order: {ids}"

    return post_route_cases(path, 200, lambda api: {"priority": 1}, method="PUT",
                            target=warehouse) + [
        putting(200, "a priority", {"priority": 7}, check=is_priority(7)),
        putting(200, "the lowest 32-bit priority", {"priority": -2**31},
                check=is_priority(-2**31)),
        putting(200, "the highest 32-bit priority", {"priority": 2**31 - 1}),
        putting(400, "priority beyond 32 bits", {"priority": 2**31}),
        putting(400, "priority below 32 bits", {"priority": -2**31 - 1}),
        putting(400, "priority a string", {"priority": "1"}),
        putting(400, "priority missing", {}),
        putting(400, "unknown field", {"priority": 1, "rank": 2}),
        Case(path, "PUT", 400, "id of 256 characters",
             lambda api: api.send(Request("PUT", "/warehouses/" + "x" * 256, b'{"priority": 1}'))),
        Case("/warehouses", "GET", 200, "the list", lambda api: api.get("/warehouses"), listed),
    ]


def get_by_id_cases(path, make_existing):
    """GET /allocations/{orderid} and /products/{sku}; `make_existing(api, id)` makes `id` exist."""
    prefix = path.split("{")[0]

    def case(status, name, make_target):
        return Case(path, "GET", status, name, lambda api: api.get(make_target(api)))

    def existing(make_id):
        def target(api):
            identifier = make_id(api)
            make_existing(api, identifier)
            return prefix + quoted(identifier)
        return target

    return [
        case(200, "existing", existing(lambda api: api.unique("id"))),
        case(200, "id holding / (as %2F)", existing(lambda api: api.unique("a/b"))),
        case(200, "id of non-ASCII characters", existing(lambda api: api.unique("ünï-çødé"))),
        case(404, "unknown", lambda api: prefix + api.unique("unknown")),
        case(404, "unknown, 255 characters of 2 bytes each", lambda api: prefix + quoted("é" * 255)),
        case(400, "256 characters", lambda api: prefix + "x" * 256),
        case(400, "256 characters of 2 bytes each", lambda api: prefix + quoted("é" * 256)),
        case(400, "control character", lambda api: prefix + "a%01b"),
        case(400, "not UTF-8", lambda api: prefix + "a%FFb"),
    ]


EXPIRED_MESSAGE = re.compile(
    r"reservation \S+ expired at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


def says_expired(body, sent):
    """The 410's message: "reservation <id> expired at <RFC 3339 UTC time, milliseconds>"."""
    return None if EXPIRED_MESSAGE.fullmatch(body["message"]) else "not an expiry message"


def is_hold_of(body, sent):
    """A POST /reservations answer: the hold asked for, and a date-time with milliseconds."""
    wrong = [k for k in ("id", "sku", "qty") if k in sent and body[k] != sent[k]]
    if wrong:
        return f"{wrong} differ from what was asked"
    if not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", body["expires_at"]):
        return f"expires_at {body['expires_at']!r} is not RFC 3339 UTC with milliseconds"
    return None


def reserve_cases():
    """POST /reservations: a new hold, the same again, and each refusal."""
    def hold(api, **changes):
        _, sku = api.batch(qty=10)
        return {"id": api.unique("hold"), "sku": sku, "qty": 2, **changes}

    def again(api, **changes):
        value, _ = api.hold(qty=2)
        return {**value, **changes}

    def taken(api):
        value, _ = api.hold(qty=2)
        api.setup(api.send(Request("DELETE", "/reservations/" + quoted(value["id"]))), 204)
        return value

    def expired(api):
        hold_id, sku = api.expired_hold()
        return {"id": hold_id, "sku": sku, "qty": 1, "ttl_s": 1}

    def case(status, name, make_body, check=None):
        return posting("/reservations", status, name, make_body, check)

    return post_route_cases("/reservations", 201, hold) + [
        case(201, "held", hold, is_hold_of),
        case(201, "no id: the service makes one", lambda api: without(hold(api), "id"), is_hold_of),
        case(201, "ttl_s 86400", lambda api: hold(api, ttl_s=86400), is_hold_of),
        case(201, "id holding / and non-ASCII characters",
             lambda api: hold(api, id=api.unique("a/ünï")), is_hold_of),
        case(200, "the same hold again", again, is_hold_of),
        case(409, "the same id with another qty", lambda api: again(api, qty=3)),
        case(409, "the id of a released hold", taken),
        case(409, "more than the stock", lambda api: hold(api, qty=11)),
        case(410, "the id of an expired hold", expired, says_expired),
        case(400, "unknown sku", lambda api: {"sku": api.unique("no-sku"), "qty": 1}),
        case(400, "qty 0", lambda api: hold(api, qty=0)),
        case(400, "ttl_s 0", lambda api: hold(api, ttl_s=0)),
        case(400, "ttl_s over 86400", lambda api: hold(api, ttl_s=86401)),
        case(400, "ttl_s a string", lambda api: hold(api, ttl_s="900")),
        case(400, "missing field sku", lambda api: without(hold(api), "sku")),
        case(400, "id of 256 characters", lambda api: hold(api, id="h" * 256)),
        case(400, "empty id", lambda api: hold(api, id="")),
    ]


def reservation_cases():
    """GET and DELETE /reservations/{id}: a live hold, an ended one, an expired one, bad ids."""
    path = "/reservations/{id}"

    def case(method, status, name, make_id, check=None):
        return Case(path, method, status, name, lambda api: api.send(
            Request(method, "/reservations/" + quoted(make_id(api)))), check)

    def live(api):
        return api.hold(qty=1)[0]["id"]

    def released(api):
        hold_id = live(api)
        api.setup(api.send(Request("DELETE", "/reservations/" + quoted(hold_id))), 204)
        return hold_id

    def used(api):
        value, _ = api.hold(qty=1)
        line = {"orderid": api.unique("order"), "sku": value["sku"], "qty": 1,
                "reservation": value["id"]}
        api.setup(api.post("/allocate", line), 202)
        return value["id"]

    def expired(api):
        return api.expired_hold()[0]

    def live_slash(api):
        _, sku = api.batch()
        hold_id = api.unique("a/ünï")
        api.setup(api.post("/reservations", {"id": hold_id, "sku": sku, "qty": 1}), 201)
        return hold_id

    cases = []
    for method in ("GET", "DELETE"):
        cases += [
            case(method, 404, "unknown", lambda api: api.unique("no-hold")),
            case(method, 404, "released", released),
            case(method, 404, "used by an allocation", used),
            case(method, 410, "expired", expired, says_expired),
            case(method, 400, "256 characters", lambda api: "x" * 256),
            case(method, 400, "control character", lambda api: "a\u0001b"),
        ]
    return cases + [
        case("GET", 200, "live", live),
        case("GET", 200, "id holding / (as %2F) and non-ASCII", live_slash),
        case("DELETE", 204, "live", live),
        case("DELETE", 204, "id holding / (as %2F) and non-ASCII", live_slash),
    ]


def extend_reservation_cases():
    """POST /reservations/{id}/extend."""
    path = "/reservations/{id}/extend"

    def live(api):
        return "/reservations/" + quoted(api.hold(qty=1)[0]["id"]) + "/extend"

    def released(api):
        hold_id = api.hold(qty=1)[0]["id"]
        api.setup(api.send(Request("DELETE", "/reservations/" + quoted(hold_id))), 204)
        return "/reservations/" + quoted(hold_id) + "/extend"

    def expired(api):
        return "/reservations/" + quoted(api.expired_hold()[0]) + "/extend"

    def case(status, name, make_target, value, check=None):
        def run(api):
            reply = api.post(make_target(api), value)
            return reply
        return Case(path, "POST", status, name, run, check)

    def is_extended(body, sent):
        return is_hold_of(body, {})

    return post_route_cases(path, 200, lambda api: {"ttl_s": 60}, target=live) + [
        case(200, "extended", live, {"ttl_s": 60}, is_extended),
        case(200, "ttl_s 86400", live, {"ttl_s": 86400}, is_extended),
        case(404, "unknown", lambda api: "/reservations/" + api.unique("no-hold") + "/extend",
             {"ttl_s": 60}),
        case(404, "released", released, {"ttl_s": 60}),
        case(410, "expired", expired, {"ttl_s": 60}, says_expired),
        case(400, "missing field ttl_s", live, {}),
        case(400, "ttl_s 0", live, {"ttl_s": 0}),
        case(400, "ttl_s 1.5", live, {"ttl_s": 1.5}),
        case(400, "ttl_s null", live, {"ttl_s": None}),
        # The body is fine: only the path is refused (so the body is not checked as sent).
        Case(path, "POST", 400, "id of 256 characters",
             lambda api: api.send(Request("POST", "/reservations/" + "x" * 256 + "/extend",
                                          b'{"ttl_s": 60}'))),
    ]


def make_order(api, orderid):
    api.setup(api.post("/allocate", {**api.line(), "orderid": orderid}), 202)


def make_product(api, sku):
    api.batch(sku=sku)


def make_batch(api, ref):
    api.setup(api.post("/add_batch", {"ref": ref, "sku": api.unique("sku"), "qty": 10}), 201)


def products_cases():
    """GET /products: pages, and each bad query."""
    def case(status, name, query):
        return Case("/products", "GET", status, name, lambda api: api.get("/products" + query))

    def after_a_product(api):
        _, sku = api.batch()
        return api.get("/products?limit=1&after=" + quoted(sku[:-1]))

    return [
        case(200, "the first page", ""),
        case(200, "limit 1000", "?limit=1000"),
        Case("/products", "GET", 200, "a page of one after a SKU", after_a_product),
        case(200, "after past every SKU", "?after=" + quoted("\uffff")),
        case(400, "limit 0", "?limit=0"),
        case(400, "limit over 1000", "?limit=1001"),
        case(400, "limit not a number", "?limit=ten"),
        case(400, "after empty", "?after="),
        case(400, "after of 256 characters", "?after=" + "x" * 256),
        case(400, "after holding a control character", "?after=a%01b"),
        case(400, "after not UTF-8", "?after=a%FFb"),
    ]


def movements_cases():
    """GET /products/{sku}/movements: a page, the next ones, and each bad input."""
    def target(api, query="", sku=None):
        if sku is None:
            sku = api.unique("sku")
            api.batch(sku=sku)
        return "/products/" + quoted(sku) + "/movements" + query

    def with_lines(api):
        sku = api.unique("sku")
        api.batch(sku=sku)
        for _ in range(3):
            api.setup(api.post("/allocate", {"orderid": api.unique("order"), "sku": sku, "qty": 1}),
                      202)
        return target(api, "?limit=2", sku)

    def with_holds(api):
        """A hold used by an allocation, and one released: reserved and unreserved movements."""
        value, _ = api.hold(qty=2)
        sku = value["sku"]
        api.setup(api.post("/allocate", {"orderid": api.unique("order"), "sku": sku, "qty": 1,
                                         "reservation": value["id"]}), 202)
        other = api.setup(api.post("/reservations", {"sku": sku, "qty": 1}), 201)
        api.setup(api.send(Request("DELETE", "/reservations/" + quoted(other["id"]))), 204)
        return target(api, sku=sku)

    def names_the_holds(body, sent):
        of_holds = [m for m in body["movements"] if m["kind"] in ("reserved", "unreserved")]
        if len(of_holds) != 4:
            return f"{len(of_holds)} movements of holds, expected 4"
        unnamed = [m for m in of_holds if "reservation" not in m]
        return f"movements without their hold: {unnamed}" if unnamed else None

    def case(status, name, make_target):
        return Case("/products/{sku}/movements", "GET", status, name,
                    lambda api: api.get(make_target(api)))

    return [
        case(200, "the received batch", lambda api: target(api)),
        case(200, "a page with more after it", with_lines),
        Case("/products/{sku}/movements", "GET", 200, "holds reserved, used and released",
             lambda api: api.get(with_holds(api)), names_the_holds),
        case(200, "after and limit", lambda api: target(api, "?after=0&limit=1000")),
        case(404, "unknown", lambda api: target(api, sku=api.unique("unknown"))),
        case(400, "sku of 256 characters", lambda api: target(api, sku="x" * 256)),
        case(400, "after negative", lambda api: target(api, "?after=-1")),
        case(400, "after not a number", lambda api: target(api, "?after=abc")),
        case(400, "limit 0", lambda api: target(api, "?limit=0")),
        case(400, "limit over 1000", lambda api: target(api, "?limit=1001")),
    ]


def plain_get_cases(document):
    def is_the_document(body, sent):
        return None if body == document.root else "differs from docs/openapi.json (a stale build?)"

    return [
        Case("/health", "GET", 200, "healthy", lambda api: api.get("/health")),
        Case("/health/live", "GET", 200, "the process answers",
             lambda api: api.get("/health/live")),
        Case("/health/ready", "GET", 200, "database answers",
             lambda api: api.get("/health/ready")),
        Case("/version", "GET", 200, "the build", lambda api: api.get("/version")),
        Case("/metrics", "GET", 200, "metrics", lambda api: api.get("/metrics")),
        Case("/openapi.json", "GET", 200, "this document", lambda api: api.get("/openapi.json"),
             is_the_document),
        Case("/", "GET", 200, "the console", lambda api: api.get("/"), mentions("/console.js")),
        Case("/console.css", "GET", 200, "its styles", lambda api: api.get("/console.css")),
        Case("/console.js", "GET", 200, "its script", lambda api: api.get("/console.js"),
             mentions('new EventSource("/events")')),
    ]


def mentions(text):
    def check(body, sent):
        return None if text in body else f"does not mention {text!r}"
    return check


def open_event_stream(port):
    """GET /events on a socket of its own, left open: the socket and the answer's head with what
    came of its body by the first event (`retry:`), or the whole answer when it is not a stream."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=REQUEST_TIMEOUT_S)
    sock.sendall(f"GET /events HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
    received = b""
    while b"\r\n\r\n" not in received or (b"event-stream" in received
                                              and b"\n\n" not in received.split(b"\r\n\r\n", 1)[1]):
        piece = sock.recv(4096)
        if not piece:
            break
        received += piece
    head, _, body = received.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    if headers.get("transfer-encoding") == "chunked":  # the first chunk: its size line, then it
        body = body.split(b"\r\n", 1)[1].rsplit(b"\r\n", 1)[0] if b"\r\n" in body else body
    return sock, Reply(status, headers, body)


def event_stream_cases():
    def opened(api):
        sock, reply = open_event_stream(api.backend.server.port)
        sock.close()
        return reply

    def one_too_many(api):
        held = [open_event_stream(api.backend.server.port)[0] for _ in range(MAX_EVENT_STREAMS)]
        try:
            sock, reply = open_event_stream(api.backend.server.port)
            sock.close()
            return reply
        finally:
            for sock in held:
                sock.close()

    def starts_the_stream(body, sent):
        return None if body.startswith("retry: 1000") else f"begins {body[:40]!r}"

    return [
        Case("/events", "GET", 200, "the stream opens", opened, starts_the_stream),
        Case("/events", "GET", 503, f"{MAX_EVENT_STREAMS} streams open already", one_too_many),
    ]


def outage_cases():
    """503 on every route that reads or writes the database, once it stopped answering."""
    def case(path, method, run):
        return Case(path, method, 503, "database not answering", run, needs_outage=True)

    return [
        case("/add_batch", "POST", lambda api: api.post(
            "/add_batch", {"ref": api.unique("batch"), "sku": api.unique("sku"), "qty": 1})),
        case("/allocate", "POST", lambda api: api.post(
            "/allocate", {"orderid": api.unique("order"), "sku": api.unique("sku"), "qty": 1})),
        case("/change_batch_quantity", "POST", lambda api: api.post(
            "/change_batch_quantity", {"ref": api.unique("batch"), "qty": 1})),
        case("/deallocate", "POST", lambda api: api.post(
            "/deallocate", {"orderid": api.unique("order"), "sku": api.unique("sku")})),
        case("/products/{sku}", "PATCH", lambda api: api.send(Request(
            "PATCH", "/products/" + api.unique("sku"), b'{"backorders": true}'))),
        # Ids never asked for: no read cache can answer for the database.
        case("/allocations/{orderid}", "GET", lambda api: api.get("/allocations/" + api.unique("o"))),
        case("/products/{sku}", "GET", lambda api: api.get("/products/" + api.unique("sku"))),
        case("/orders/{orderid}", "GET", lambda api: api.get("/orders/" + api.unique("o"))),
        case("/orders/{orderid}/cancel", "POST", lambda api: api.send(Request(
            "POST", "/orders/" + api.unique("o") + "/cancel", b""))),
        case("/products/{sku}/movements", "GET",
             lambda api: api.get("/products/" + api.unique("sku") + "/movements")),
        case("/products", "GET", lambda api: api.get("/products?after=" + api.unique("sku"))),
        case("/batches/{ref}", "GET", lambda api: api.get("/batches/" + api.unique("batch"))),
        case("/reservations", "POST", lambda api: api.post(
            "/reservations", {"sku": api.unique("sku"), "qty": 1})),
        case("/reservations/{id}", "GET", lambda api: api.get("/reservations/" + api.unique("h"))),
        case("/reservations/{id}", "DELETE", lambda api: api.send(Request(
            "DELETE", "/reservations/" + api.unique("h")))),
        case("/reservations/{id}/extend", "POST", lambda api: api.post(
            "/reservations/" + api.unique("h") + "/extend", {"ttl_s": 60})),
        case("/health", "GET", lambda api: api.get("/health")),
        case("/health/ready", "GET", lambda api: api.get("/health/ready")),
        case("/warehouses/{id}", "PUT", lambda api: api.send(Request(
            "PUT", "/warehouses/" + api.unique("w"), b'{"priority": 1}'))),
        case("/warehouses", "GET", lambda api: api.get("/warehouses")),
    ]


def idempotency_cases():
    """422 on every route that changes something: an Idempotency-Key that answered one request,
    sent with another (SPEC §8). Each maker makes a new request the route answers `success` to:
    (method, target, JSON body or None)."""
    def body(value):
        return None if value is None else json.dumps(value).encode()

    def deallocation(api):
        line = api.line()
        api.setup(api.post("/allocate", line), 202)
        return "POST", "/deallocate", {"orderid": line["orderid"], "sku": line["sku"]}

    def cancel(api):
        orderid = api.unique("order")
        make_order(api, orderid)
        return "POST", "/orders/" + quoted(orderid) + "/cancel", None

    def hold_path(api, suffix=""):
        return "/reservations/" + quoted(api.hold()[0]["id"]) + suffix

    routes = [
        ("/add_batch", "POST", 201, lambda api: (
            "POST", "/add_batch", {"ref": api.unique("batch"), "sku": api.unique("sku"), "qty": 5})),
        ("/allocate", "POST", 202, lambda api: ("POST", "/allocate", api.line())),
        ("/change_batch_quantity", "POST", 200, lambda api: (
            "POST", "/change_batch_quantity", {"ref": api.batch()[0], "qty": 5})),
        ("/deallocate", "POST", 200, deallocation),
        ("/orders/{orderid}/cancel", "POST", 200, cancel),
        ("/products/{sku}", "PATCH", 200, lambda api: (
            "PATCH", "/products/" + quoted(api.batch()[1]), {"backorders": True})),
        ("/warehouses/{id}", "PUT", 200, lambda api: (
            "PUT", "/warehouses/" + quoted(api.unique("warehouse")), {"priority": 1})),
        ("/reservations", "POST", 201, lambda api: (
            "POST", "/reservations", {"sku": api.batch()[1], "qty": 1})),
        ("/reservations/{id}", "DELETE", 204, lambda api: ("DELETE", hold_path(api), None)),
        ("/reservations/{id}/extend", "POST", 200, lambda api: (
            "POST", hold_path(api, "/extend"), {"ttl_s": 600})),
    ]

    def reused(success, make):
        def run(api):
            key = [("Idempotency-Key", api.unique("key"))]
            method, target, value = make(api)
            api.setup(api.send(Request(method, target, body(value), headers=key)), success)
            method, target, value = make(api)
            reply = api.send(Request(method, target, body(value), headers=key))
            reply.sent = value
            return reply
        return run

    return [Case(path, method, 422, "its Idempotency-Key used by another request",
                 reused(success, make)) for path, method, success, make in routes]


def all_cases(document):
    return (every_route_cases(document) + add_batch_cases() + allocate_cases()
            + change_batch_quantity_cases() + deallocate_cases() + set_product_policy_cases()
            + cancel_order_cases() + get_by_id_cases("/orders/{orderid}", make_order)
            + get_by_id_cases("/allocations/{orderid}", make_order)
            + get_by_id_cases("/products/{sku}", make_product)
            + movements_cases() + products_cases()
            + get_by_id_cases("/batches/{ref}", make_batch)
            + reserve_cases() + reservation_cases() + extend_reservation_cases()
            + warehouse_cases() + plain_get_cases(document) + event_stream_cases()
            + idempotency_cases()
            + outage_cases())


# Paths the document does not have: 404 with the error body, whatever the method.
UNKNOWN_PATHS = [("GET", "/nothing-here"), ("POST", "/allocate/more"), ("DELETE", "/index.html"),
                 ("GET", "/allocations/"), ("GET", "/products/a/b")]


# --- Checking an answer against the document ----------------------------------------------------


def media_type(reply):
    return reply.headers.get("content-type", "").split(";")[0].strip().lower()


def check_body(document, content, reply):
    """The answer's Content-Type is one the response documents, and its body fits the schema."""
    if media_type(reply) not in content:
        return [f"Content-Type {reply.headers.get('content-type')!r}, documented: {sorted(content)}"]
    try:
        text = reply.body.decode("utf-8")
        value = json.loads(text) if media_type(reply).endswith("json") else text
    except ValueError as error:
        return [f"the body does not parse: {error}"]
    return validation_errors(document.json_schema(content[media_type(reply)]["schema"]), value)


def check_response(document, response, reply):
    """What is wrong with `reply` under a documented response object; [] when nothing is."""
    response = document.resolve(response)
    problems = [f"no {name} header" for name, header in response.get("headers", {}).items()
                if document.resolve(header).get("required") and name.lower() not in reply.headers]
    if "content" in response:
        problems += check_body(document, response["content"], reply)
    elif reply.body:
        problems.append("a body where the document has none")
    return problems


def check_allow(document, path, reply):
    allowed = {m.strip() for m in reply.headers.get("allow", "").split(",") if m.strip()}
    if allowed != document.methods(path):
        return [f"Allow {sorted(allowed)}, the path's methods are {sorted(document.methods(path))}"]
    return []


def check_request_body(document, case, reply):
    """The request schema agrees with the server: a body it took is valid under the schema, and
    a body it refused for a bad field is invalid under it (the unknown SKU aside: the schema
    cannot know the products)."""
    if (reply.sent is None or reply.status not in (200, 201, 202, 400) or "unknown sku" in case.name
            or case.beyond_schema):
        return []
    body = document.operation(case.path, case.method).get("requestBody")
    if body is None:
        return []
    errors = validation_errors(
        document.json_schema(document.resolve(body)["content"]["application/json"]["schema"]),
        reply.sent)
    if reply.status < 300 and errors:
        return [f"the server took a body the document refuses: {errors}"]
    if reply.status == 400 and not errors:
        return ["the server refused a body the document allows"]
    return []


def check_reply(document, case, reply):
    """Every problem with the answer to `case`; [] when it conforms."""
    if reply.error:
        return [reply.describe()]
    responses = document.operation(case.path, case.method)["responses"]
    problems = []
    if reply.status != case.status:
        problems.append(f"expected {case.status}, got {reply.describe()}")
    if str(reply.status) not in responses:
        return problems + [f"{reply.status} is not documented for {case.method} {case.path}"]
    problems += check_response(document, responses[str(reply.status)], reply)
    if reply.status == 405:
        problems += check_allow(document, case.path, reply)
    if not problems and case.check:
        body = reply.body.decode("utf-8", "replace")
        problem = case.check(json.loads(body) if media_type(reply).endswith("json") else body,
                             reply.sent)
        problems += [problem] if problem else []
    return problems + check_request_body(document, case, reply)


def check_unknown_path(document, reply):
    if reply.error:
        return [reply.describe()]
    if reply.status != 404:
        return [f"expected 404, got {reply.describe()}"]
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    return check_body(document, error, reply)


# --- Running ------------------------------------------------------------------------------------


class Results:
    def __init__(self):
        self.passed = self.failed = self.skipped = 0
        self.exercised = set()  # (path, METHOD, status) that a case ran for

    def record(self, label, problems):
        if problems:
            self.failed += 1
            print(f"FAIL {label}: " + "; ".join(problems), flush=True)
        else:
            self.passed += 1
            print(f"ok   {label}", flush=True)

    def fail(self, what):
        self.failed += 1
        print("FAIL " + what, flush=True)


def run_case(document, case, api):
    try:
        reply = case.run(api)
    except SetupFailed as error:
        return ["setup: " + str(error)]
    return check_reply(document, case, reply)


def run_cases(document, name, cases, api, results, deadline):
    for case in cases:
        if time.monotonic() > deadline:
            results.fail(f"{name}: out of time ({RUN_DEADLINE_S} s) before {case.label()}")
            return
        results.exercised.add(case.key)
        results.record(f"{name:<10} {case.label()}", run_case(document, case, api))


def run_backend(document, binary, name, cases, results, deadline):
    """Every case on one backend's server; the outage last, since the server does not recover
    from it within the test."""
    backend = Backend(name, binary)
    failed_before = results.failed
    try:
        backend.start()
        api = Api(backend)
        run_cases(document, name, [c for c in cases if not c.needs_outage], api, results, deadline)
        for method, target in UNKNOWN_PATHS:
            reply = api.send(Request(method, target, b"{}" if method == "POST" else None))
            results.record(f"{name:<10} {method} {target} 404 unknown path",
                           check_unknown_path(document, reply))
        if name == "postgresql":
            backend.cut_database()
            run_cases(document, name, [c for c in cases if c.needs_outage], api, results, deadline)
        if results.failed > failed_before:
            print(f"--- {name}: the end of the server's log ---")
            print("\n".join(backend.server.log().splitlines()[-15:]))
    except (RuntimeError, OSError, subprocess.SubprocessError) as error:
        results.fail(f"{name}: {error}")
    finally:
        backend.stop()


def check_coverage(document, cases, results, outage_possible):
    """Every documented (path, method, status) has a case, and the case ran."""
    documented = document.documented()
    for path, method, status in sorted(documented - {c.key for c in cases}):
        results.fail(f"{method} {path} {status}: documented, and no case provokes it")
    for path, method, status in sorted(documented & {c.key for c in cases} - results.exercised):
        if status == "503" and not outage_possible:
            results.skipped += 1
            print(f"skip {method} {path} 503: needs PostgreSQL (ALLOCATION_TEST_PG) to cut")
        else:
            results.fail(f"{method} {path} {status}: documented, and not exercised")


def postgres_wanted(results):
    """Whether to run on PostgreSQL too; a missing server fails when servers are required."""
    try:
        if loopback_postgres():
            return True
    except RuntimeError as error:
        results.fail(str(error))
        return False
    if os.environ.get("ALLOCATION_REQUIRE_SERVERS"):
        results.fail("ALLOCATION_REQUIRE_SERVERS is set and ALLOCATION_TEST_PG is not")
    return False


def main(argv):
    if len(argv) != 3:
        print("usage: openapi_conformance_test.py BINARY OPENAPI_JSON", file=sys.stderr)
        return 2
    binary, document = argv[1], Document(argv[2])
    cases = all_cases(document)
    results = Results()
    deadline = time.monotonic() + RUN_DEADLINE_S
    backends = ["sqlite"] + (["postgresql"] if postgres_wanted(results) else [])
    for name in backends:
        run_backend(document, binary, name, cases, results, deadline)
    check_coverage(document, cases, results, "postgresql" in backends)
    print(f"{results.passed} passed, {results.failed} failed"
          + (f", {results.skipped} skipped" if results.skipped else ""))
    return 1 if results.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
