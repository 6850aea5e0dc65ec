#!/usr/bin/env python3
"""Protocol-level checks of front.py that librdkafka 2.0.2 does not exercise (stdlib only).

librdkafka 2.0.2 uses ApiVersions v3, SaslHandshake v1 and SaslAuthenticate v0; this also checks
ApiVersions v0, SaslAuthenticate v1 and v2 (flexible), the v0 handshake with a raw token, an
unsupported mechanism, a request before authentication and, unless CDX_WIRE_AUTO_CREATE is true,
that Metadata v4..v12 requests asking for auto-creation do not create the topic. Needs a running chain:
    scripts/wire/check_front.py [STATE_DIR]      (reads STATE/env.json; default /tmp/cdx-wire)
Prints one line per check and 'N passed, N failed'; exits 1 if any failed.
"""

import json
import os
import socket
import ssl
import struct
import sys

state = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("CDX_WIRE_DIR", "/tmp/cdx-wire")
with open(os.path.join(state, "env.json")) as f:
    env = json.load(f)
host, port = env["CDX_WIRE_BOOTSTRAP"].rsplit(":", 1)
USER, PASS = env["CDX_WIRE_USERNAME"], env["CDX_WIRE_PASSWORD"]


def uvarint(n):
    out = bytearray()
    while True:
        b, n = n & 0x7F, n >> 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def read_uvarint(buf, pos):
    shift = result = 0
    while True:
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7


def string(s):
    return struct.pack(">h", len(s)) + s.encode()


class Conn:
    def __init__(self):
        ctx = ssl.create_default_context(cafile=env["CDX_WIRE_CA"])
        raw = socket.create_connection((host, int(port)), timeout=10)
        self.s = ctx.wrap_socket(raw, server_hostname="localhost")
        self.corr = 100

    def send(self, api_key, version, body, flexible=False):
        self.corr += 1
        head = struct.pack(">hhi", api_key, version, self.corr) + string("check-front")
        if flexible:
            head += b"\x00"
        self.raw(head + body)
        return self.corr

    def raw(self, payload):
        self.s.sendall(struct.pack(">i", len(payload)) + payload)

    def recv(self):
        head = self._exact(4)
        if head is None:
            return None
        return self._exact(struct.unpack(">i", head)[0])

    def _exact(self, n):
        buf = b""
        while len(buf) < n:
            try:
                chunk = self.s.recv(n - len(buf))
            except (ConnectionError, ssl.SSLError):
                return None
            if not chunk:
                return None
            buf += chunk
        return buf

    def handshake(self, version=1, mechanism="PLAIN"):
        corr = self.send(17, version, string(mechanism))
        r = self.recv()
        assert struct.unpack_from(">i", r)[0] == corr, "handshake correlation id"
        return struct.unpack_from(">h", r, 4)[0]

    def authenticate(self, version, user, password):
        token = b"\x00" + user.encode() + b"\x00" + password.encode()
        if version >= 2:
            body = uvarint(len(token) + 1) + token + b"\x00"
        else:
            body = struct.pack(">i", len(token)) + token
        corr = self.send(36, version, body, flexible=version >= 2)
        r = self.recv()
        assert struct.unpack_from(">i", r)[0] == corr, "authenticate correlation id"
        pos = 5 if version >= 2 else 4  # v2: response header has tagged fields
        err = struct.unpack_from(">h", r, pos)[0]
        pos += 2
        if version >= 2:
            n, pos = read_uvarint(r, pos)
            msg = None if n == 0 else r[pos : pos + n - 1].decode()
        else:
            n = struct.unpack_from(">h", r, pos)[0]
            msg = None if n < 0 else r[pos + 2 : pos + 2 + n].decode()
        return err, msg

    def metadata_ok(self):
        corr = self.send(3, 1, struct.pack(">i", -1))  # Metadata v1, all topics
        r = self.recv()
        return r is not None and struct.unpack_from(">i", r)[0] == corr

    def closed(self):
        self.s.settimeout(5)
        return self.recv() is None


def api_versions(conn, version):
    # v3: client_software_name, client_software_version (compact strings), tagged fields
    body = (uvarint(12) + b"check-front" + uvarint(2) + b"1" + b"\x00") if version >= 3 else b""
    corr = conn.send(18, version, body, flexible=version >= 3)
    r = conn.recv()
    assert struct.unpack_from(">i", r)[0] == corr, "api versions correlation id"
    err = struct.unpack_from(">h", r, 4)[0]
    pos = 6
    keys = {}
    if version >= 3:
        n, pos = read_uvarint(r, pos)
        n -= 1
    else:
        n = struct.unpack_from(">i", r, pos)[0]
        pos += 4
    for _ in range(n):
        k, lo, hi = struct.unpack_from(">hhh", r, pos)
        pos += 6
        if version >= 3:
            tags, pos = read_uvarint(r, pos)
            assert tags == 0
        keys[k] = (lo, hi)
    return err, keys


results = []


def check(name, fn):
    try:
        ok = fn()
    except Exception as e:  # noqa: BLE001 - a check that raises has failed
        ok = False
        name += f" ({type(e).__name__}: {e})"
    results.append(ok)
    print(f"{'ok  ' if ok else 'FAIL'} {name}")


def apiversions_v0():
    err, keys = api_versions(Conn(), 0)
    return err == 0 and keys.get(17) == (0, 1) and keys.get(36, (0, -1))[1] >= 0


def apiversions_v3():
    err, keys = api_versions(Conn(), 3)
    return err == 0 and 17 in keys and 36 in keys and 3 in keys


def auth_ok(version):
    def run():
        c = Conn()
        api_versions(c, 3)
        if c.handshake(1) != 0:
            return False
        err, msg = c.authenticate(version, USER, PASS)
        return err == 0 and msg is None and c.metadata_ok()
    return run


def auth_bad(version):
    def run():
        c = Conn()
        if c.handshake(1) != 0:
            return False
        err, msg = c.authenticate(version, USER, PASS + "x")
        return (err == 58 and msg == "Authentication failed: Invalid username or password"
                and c.closed())
    return run


def raw_v0(good):
    def run():
        c = Conn()
        if c.handshake(0) != 0:
            return False
        c.raw(b"\x00" + USER.encode() + b"\x00" + (PASS if good else "nope").encode())
        if not good:
            return c.closed()
        r = c.recv()
        return r == b"" and c.metadata_ok()
    return run


def bad_mechanism():
    return Conn().handshake(1, "SCRAM-SHA-256") == 33


def request_before_auth():
    c = Conn()
    c.send(3, 1, struct.pack(">i", -1))
    return c.closed()


def authenticate_before_handshake():
    err, _ = Conn().authenticate(1, USER, PASS)
    return err == 34


def metadata_no_auto_create(version):
    def run():
        name = f"check-absent-v{version}-{os.getpid()}"
        c = Conn()
        c.handshake(1)
        if c.authenticate(1, USER, PASS)[0] != 0:
            return False
        if version >= 9:
            entry = (b"\x00" * 16 if version >= 10 else b"") + uvarint(len(name) + 1) + name.encode()
            body = uvarint(2) + entry + b"\x00" + b"\x01"  # topics, allow_auto_topic_creation
            body += (b"\x00" if version < 11 else b"") + b"\x00" + b"\x00"  # authz flags, tags
        else:
            body = struct.pack(">i", 1) + string(name) + b"\x01"
            body += b"\x00\x00" if version >= 8 else b""
        corr = c.send(3, version, body, flexible=version >= 9)
        r = c.recv()
        if r is None or struct.unpack_from(">i", r)[0] != corr:
            return False
        corr = c.send(3, 1, struct.pack(">i", -1))  # all topics
        r = c.recv()
        return struct.unpack_from(">i", r)[0] == corr and name.encode() not in r
    return run


check("ApiVersions v0 relayed, advertises SaslHandshake 0..1 and SaslAuthenticate", apiversions_v0)
check("ApiVersions v3 (flexible) relayed", apiversions_v3)
for v in (0, 1, 2):
    check(f"SaslAuthenticate v{v}, good credentials, then Metadata relayed", auth_ok(v))
    check(f"SaslAuthenticate v{v}, wrong password: error 58 + message, connection closed", auth_bad(v))
check("SaslHandshake v0 + raw token, good credentials", raw_v0(True))
check("SaslHandshake v0 + raw token, wrong password: connection closed", raw_v0(False))
check("SaslHandshake SCRAM-SHA-256: error 33", bad_mechanism)
check("Metadata before authentication: connection closed", request_before_auth)
check("SaslAuthenticate before SaslHandshake: error 34", authenticate_before_handshake)
if env.get("CDX_WIRE_AUTO_CREATE") == "false":
    for v in (4, 8, 9, 10, 12):
        check(f"Metadata v{v} for an absent topic with allow_auto_topic_creation: not created",
              metadata_no_auto_create(v))

passed = sum(results)
print(f"{passed} passed, {len(results) - passed} failed")
sys.exit(0 if passed == len(results) else 1)
