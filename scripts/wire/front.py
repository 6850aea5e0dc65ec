#!/usr/bin/env python3
"""TLS + SASL/PLAIN front for a plaintext Kafka backend (stdlib only: asyncio + ssl).

Listens on 127.0.0.1:--listen-port with TLS (--cert/--key). Per client connection:
  * ApiVersions (18): forwarded to the backend, the response relayed (SaslHandshake 17 and
    SaslAuthenticate 36 are made sure to be advertised, clamped to the versions handled here).
  * SaslHandshake (17, v0/v1): answered here; mechanisms ["PLAIN"], error 0 for PLAIN,
    33 UNSUPPORTED_SASL_MECHANISM otherwise.
  * SaslAuthenticate (36, v0..v2; v2 is the flexible encoding), or the raw token after a v0
    handshake: PLAIN "authzid\\0user\\0pass" checked against --username/--password. Success:
    error 0, then bytes are relayed both ways to the backend untouched (with --deny-auto-create,
    Metadata requests get their allow_auto_topic_creation flag cleared, nothing else changes).
    Failure: error 58 SASL_AUTHENTICATION_FAILED, "Authentication failed: Invalid username or
    password", and the connection is closed.
  * Anything else before authentication: the connection is closed.
Each client connection gets its own backend connection (127.0.0.1:--backend-port, plaintext).
A second user (--late-username/--late-password) is accepted only --late-after seconds after its first
attempt, as a newly created Confluent Cloud API key becomes active a while after it is created.

Logs one short line per event to stderr; never logs the password.
"""

import argparse
import asyncio
import hmac
import itertools
import signal
import ssl
import struct
import sys
import time

API_METADATA = 3
API_SASL_HANDSHAKE = 17
API_API_VERSIONS = 18
API_SASL_AUTHENTICATE = 36

ERR_NONE = 0
ERR_UNSUPPORTED_SASL_MECHANISM = 33
ERR_ILLEGAL_SASL_STATE = 34
ERR_SASL_AUTHENTICATION_FAILED = 58
AUTH_FAILED_MESSAGE = "Authentication failed: Invalid username or password"

# Versions this front implements itself; advertised ranges are clamped to these.
HANDLED_VERSIONS = {API_SASL_HANDSHAKE: (0, 1), API_SASL_AUTHENTICATE: (0, 2)}

MAX_FRAME = 100 * 1024 * 1024
PRE_AUTH_MAX_FRAME = 1024 * 1024


def log(msg):
    print(f"front: {msg}", file=sys.stderr, flush=True)


class ProtocolError(Exception):
    pass


# ---- encoding helpers ----------------------------------------------------------------------------


def uvarint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


class Reader:
    def __init__(self, buf, pos=0):
        self.buf = buf
        self.pos = pos

    def take(self, n):
        if n < 0 or self.pos + n > len(self.buf):
            raise ProtocolError("truncated message")
        b = self.buf[self.pos : self.pos + n]
        self.pos += n
        return b

    def int16(self):
        return struct.unpack(">h", self.take(2))[0]

    def int32(self):
        return struct.unpack(">i", self.take(4))[0]

    def uvarint(self):
        shift = 0
        result = 0
        while True:
            if shift > 28:
                raise ProtocolError("varint too long")
            b = self.take(1)[0]
            result |= (b & 0x7F) << shift
            if not b & 0x80:
                return result
            shift += 7

    def nullable_string(self):
        n = self.int16()
        return None if n < 0 else self.take(n).decode("utf-8", "replace")

    def string(self):
        s = self.nullable_string()
        if s is None:
            raise ProtocolError("null string")
        return s

    def bytes32(self):
        n = self.int32()
        return None if n < 0 else self.take(n)

    def compact_bytes(self):
        n = self.uvarint()
        return None if n == 0 else self.take(n - 1)

    def skip_tagged_fields(self):
        for _ in range(self.uvarint()):
            self.uvarint()  # tag
            self.take(self.uvarint())  # size + data

    def rest(self):
        return self.buf[self.pos :]


def is_flexible_request(api_key, api_version):
    if api_key == API_METADATA:
        return api_version >= 9
    if api_key == API_API_VERSIONS:
        return api_version >= 3
    if api_key == API_SASL_AUTHENTICATE:
        return api_version >= 2
    return False  # SaslHandshake is never flexible; other keys are not parsed here


def deny_auto_create(payload):
    """For a Metadata request (v4+) with allow_auto_topic_creation=true, returns a copy with the
    flag cleared; otherwise returns payload unchanged. Cloud clusters run with
    auto.create.topics.enable=false, the backend would create any topic a client asks about."""
    if len(payload) < 4 or struct.unpack_from(">h", payload)[0] != API_METADATA:
        return payload
    try:
        _key, version, _corr, _client_id, r = parse_request_header(payload)
        if version < 4:
            return payload  # v0-3 have no flag (auto-creation per broker config)
        flexible = version >= 9
        count = (r.uvarint() - 1) if flexible else r.int32()
        for _ in range(max(count, 0)):
            if version >= 10:
                r.take(16)  # topic_id
            if flexible:
                r.take(max(r.uvarint() - 1, 0))
                r.skip_tagged_fields()
            else:
                r.take(max(r.int16(), 0))
        pos = r.pos
    except ProtocolError:
        return payload
    if pos >= len(payload) or payload[pos] == 0:
        return payload
    return payload[:pos] + b"\x00" + payload[pos + 1 :]


def parse_request_header(frame):
    """Returns (api_key, api_version, correlation_id, client_id, body_reader)."""
    r = Reader(frame)
    api_key = r.int16()
    api_version = r.int16()
    correlation_id = r.int32()
    client_id = r.nullable_string()
    if is_flexible_request(api_key, api_version):
        r.skip_tagged_fields()
    return api_key, api_version, correlation_id, client_id, r


def frame(payload):
    return struct.pack(">i", len(payload)) + payload


def response(correlation_id, body, flexible_header=False):
    head = struct.pack(">i", correlation_id) + (b"\x00" if flexible_header else b"")
    return frame(head + body)


def enc_string(s):
    b = s.encode()
    return struct.pack(">h", len(b)) + b


def sasl_handshake_response(correlation_id, error):
    body = struct.pack(">h", error) + struct.pack(">i", 1) + enc_string("PLAIN")
    return response(correlation_id, body)


def sasl_authenticate_response(correlation_id, version, error, message):
    if version >= 2:
        msg = b"\x00" if message is None else uvarint(len(message.encode()) + 1) + message.encode()
        body = struct.pack(">h", error) + msg + uvarint(1)  # empty auth_bytes
        body += struct.pack(">q", 0) + b"\x00"  # session_lifetime_ms, tagged fields
        return response(correlation_id, body, flexible_header=True)
    msg = struct.pack(">h", -1) if message is None else enc_string(message)
    body = struct.pack(">h", error) + msg + struct.pack(">i", 0)  # empty auth_bytes
    if version >= 1:
        body += struct.pack(">q", 0)  # session_lifetime_ms
    return response(correlation_id, body)


def patch_api_versions(payload, version):
    """Makes sure SaslHandshake/SaslAuthenticate are advertised, within HANDLED_VERSIONS.

    payload is the response frame body (correlation id first; ApiVersions responses always use
    response header v0). Returns the payload unchanged when it is an error response."""
    r = Reader(payload)
    correlation_id = r.int32()
    error = r.int16()
    if error != ERR_NONE:
        return payload
    flexible = version >= 3
    count = (r.uvarint() - 1) if flexible else r.int32()
    entries = []  # (api_key, min, max, raw tagged fields)
    for _ in range(max(count, 0)):
        key, vmin, vmax = r.int16(), r.int16(), r.int16()
        tags = b""
        if flexible:
            start = r.pos
            r.skip_tagged_fields()
            tags = payload[start : r.pos]
        entries.append([key, vmin, vmax, tags])
    tail = r.rest()  # throttle_time (v1+) and top-level tagged fields (v3), copied as they are
    seen = {e[0] for e in entries}
    for key, (hmin, hmax) in HANDLED_VERSIONS.items():
        if key not in seen:
            entries.append([key, hmin, hmax, b"\x00" if flexible else b""])
    for e in entries:
        if e[0] in HANDLED_VERSIONS:
            hmin, hmax = HANDLED_VERSIONS[e[0]]
            e[1], e[2] = hmin, min(max(e[2], hmin), hmax)
    out = struct.pack(">ih", correlation_id, error)
    out += uvarint(len(entries) + 1) if flexible else struct.pack(">i", len(entries))
    for key, vmin, vmax, tags in entries:
        out += struct.pack(">hhh", key, vmin, vmax) + tags
    return out + tail


def check_plain(token, username, password):
    """Returns (ok, user) for a PLAIN token authzid\\0authcid\\0passwd."""
    parts = token.split(b"\x00")
    if len(parts) != 3:
        return False, None
    authzid, user, passwd = parts
    user_s = user.decode("utf-8", "replace")
    ok_user = hmac.compare_digest(user, username.encode())
    ok_pass = hmac.compare_digest(passwd, password.encode())
    ok_authz = authzid in (b"", user)
    return ok_user and ok_pass and ok_authz, user_s


# ---- connection handling -------------------------------------------------------------------------


async def read_frame(reader, limit):
    head = await reader.readexactly(4)
    (n,) = struct.unpack(">i", head)
    if n < 0 or n > limit:
        raise ProtocolError(f"bad frame size {n}")
    return await reader.readexactly(n)


async def pipe_requests(src, dst):
    """Client -> backend after authentication, frame by frame, clearing the Metadata
    allow_auto_topic_creation flag (--deny-auto-create)."""
    try:
        while True:
            try:
                payload = await read_frame(src, MAX_FRAME)
            except asyncio.IncompleteReadError:
                break
            dst.write(frame(deny_auto_create(payload)))
            await dst.drain()
    except (ConnectionError, ProtocolError, ssl.SSLError, OSError):
        pass
    finally:
        try:
            dst.close()
        except Exception:
            pass


async def pipe(src, dst):
    try:
        while True:
            data = await src.read(65536)
            if not data:
                break
            dst.write(data)
            await dst.drain()
    except (ConnectionError, asyncio.IncompleteReadError, ssl.SSLError, OSError):
        pass
    finally:
        try:
            dst.close()
        except Exception:
            pass


class Front:
    def __init__(self, args):
        self.args = args
        self.ids = itertools.count(1)
        self.late_first_seen = {}  # user -> time.monotonic() of its first authentication attempt

    async def open_backend(self):
        return await asyncio.open_connection("127.0.0.1", self.args.backend_port)

    async def handle(self, creader, cwriter):
        cid = next(self.ids)
        peer = cwriter.get_extra_info("peername")
        tag = f"conn {cid} from {peer[0]}:{peer[1]}" if peer else f"conn {cid}"
        backend = None
        try:
            backend = await self.authenticate(tag, creader, cwriter)
            if backend is None:
                return
            breader, bwriter = backend
            upstream = pipe_requests if self.args.deny_auto_create else pipe
            await asyncio.gather(upstream(creader, bwriter), pipe(breader, cwriter))
        except asyncio.IncompleteReadError:
            log(f"{tag}: client closed before authentication")
        except ProtocolError as e:
            log(f"{tag}: protocol error: {e}")
        except (ConnectionError, ssl.SSLError, OSError) as e:
            log(f"{tag}: {type(e).__name__}: {e}")
        finally:
            for w in (cwriter, backend[1] if backend else None):
                if w is not None:
                    try:
                        w.close()
                    except Exception:
                        pass

    def check(self, token):
        """The main user, or the late user once --late-after seconds have passed since its first
        attempt: a new Confluent Cloud API key that takes a while to become active."""
        ok, user = check_plain(token, self.args.username, self.args.password)
        if ok or not self.args.late_username:
            return ok, user
        late_ok, user = check_plain(token, self.args.late_username, self.args.late_password)
        if not late_ok:
            return False, user
        now = time.monotonic()
        first = self.late_first_seen.setdefault(user, now)
        active = now - first >= self.args.late_after
        if not active:
            log(f"late user {user!r} not active yet ({now - first:.1f} of {self.args.late_after:.1f} s)")
        return active, user

    async def authenticate(self, tag, creader, cwriter):
        """Runs the pre-auth exchange. Returns the backend (reader, writer) once authenticated,
        None when the connection is to be closed."""
        backend = None
        handshake_version = None  # set once a PLAIN SaslHandshake succeeded
        while True:
            payload = await read_frame(creader, PRE_AUTH_MAX_FRAME)
            if handshake_version == 0:
                # v0 handshake: the next frame is the raw PLAIN token, not a Kafka request.
                ok, user = self.check(payload)
                if not ok:
                    log(f"{tag}: authentication failed (raw token) for user {user!r}")
                    return None
                log(f"{tag}: authenticated user {user!r} (raw token)")
                cwriter.write(frame(b""))
                await cwriter.drain()
                return backend or await self.open_backend()

            api_key, version, corr, _client_id, body = parse_request_header(payload)
            if api_key == API_API_VERSIONS:
                if backend is None:
                    backend = await self.open_backend()
                breader, bwriter = backend
                bwriter.write(frame(payload))
                await bwriter.drain()
                resp = await read_frame(breader, MAX_FRAME)
                cwriter.write(frame(patch_api_versions(resp, version)))
                await cwriter.drain()
            elif api_key == API_SASL_HANDSHAKE:
                mechanism = body.string()
                if mechanism == "PLAIN" and version <= 1:
                    cwriter.write(sasl_handshake_response(corr, ERR_NONE))
                    handshake_version = version
                else:
                    log(f"{tag}: unsupported SASL mechanism {mechanism!r} (v{version})")
                    cwriter.write(sasl_handshake_response(corr, ERR_UNSUPPORTED_SASL_MECHANISM))
                await cwriter.drain()
            elif api_key == API_SASL_AUTHENTICATE and version <= 2:
                if handshake_version is None:
                    log(f"{tag}: SaslAuthenticate before SaslHandshake")
                    cwriter.write(sasl_authenticate_response(
                        corr, version, ERR_ILLEGAL_SASL_STATE, "SaslHandshake required first"))
                    await cwriter.drain()
                    return None
                token = body.compact_bytes() if version >= 2 else body.bytes32()
                ok, user = self.check(token or b"")
                if not ok:
                    log(f"{tag}: authentication failed for user {user!r} (SaslAuthenticate v{version})")
                    cwriter.write(sasl_authenticate_response(
                        corr, version, ERR_SASL_AUTHENTICATION_FAILED, AUTH_FAILED_MESSAGE))
                    await cwriter.drain()
                    return None
                log(f"{tag}: authenticated user {user!r} (SaslAuthenticate v{version})")
                cwriter.write(sasl_authenticate_response(corr, version, ERR_NONE, None))
                await cwriter.drain()
                return backend or await self.open_backend()
            else:
                log(f"{tag}: request api_key={api_key} v{version} before authentication; closing")
                return None


def ssl_exception_handler(loop, context):
    exc = context.get("exception")
    if isinstance(exc, (ssl.SSLError, ConnectionError)):
        log(f"TLS: {context.get('message', '')}: {exc}")
        return
    loop.default_exception_handler(context)


async def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--listen-port", type=int, required=True)
    p.add_argument("--cert", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--backend-port", type=int, required=True)
    p.add_argument("--username", required=True)
    p.add_argument("--password", required=True)
    p.add_argument("--late-username", help="a second user, accepted only --late-after seconds after its "
                   "first attempt (a new API key that is not active yet)")
    p.add_argument("--late-password")
    p.add_argument("--late-after", type=float, default=0.0)
    p.add_argument("--deny-auto-create", action="store_true",
                   help="clear allow_auto_topic_creation in Metadata requests (like a Cloud "
                        "cluster with auto.create.topics.enable=false); otherwise bytes are "
                        "relayed untouched after authentication")
    args = p.parse_args()

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(args.cert, args.key)

    loop = asyncio.get_running_loop()
    loop.set_exception_handler(ssl_exception_handler)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)

    front = Front(args)
    server = await asyncio.start_server(
        front.handle, "127.0.0.1", args.listen_port, ssl=ctx, ssl_handshake_timeout=10
    )
    log(f"listening on 127.0.0.1:{args.listen_port} (TLS, SASL/PLAIN user {args.username!r}) "
        f"-> backend 127.0.0.1:{args.backend_port}"
        f"{' (topic auto-creation denied)' if args.deny_auto_create else ''}")
    async with server:
        await stop.wait()
    log("stopping")


if __name__ == "__main__":
    asyncio.run(main())
