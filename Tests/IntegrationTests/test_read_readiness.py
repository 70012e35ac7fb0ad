"""mcp-edge stops reading a client socket once a read comes back short (the socket is empty)
and waits for the next readable event, instead of reading again only to hear EAGAIN. These
tests cover what that shortcut must not lose: bytes that arrive later, and a client's
end-of-stream that arrives together with its request."""

from __future__ import annotations

import json
import socket
import ssl
import time

import pytest

from conftest import require_edge
from helpers.wire import ACCEPT_BOTH, client_context, connect, jsonrpc, read_head


def _request(body: bytes) -> bytes:
    return (b"POST /mcp HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\n"
            b"accept: " + ACCEPT_BOTH.encode() + b"\r\ncontent-length: %d\r\n\r\n" % len(body) + body)


def _closed_within(s: socket.socket, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        s.settimeout(max(0.05, deadline - time.monotonic()))
        try:
            if not s.recv(65536):
                return True
        except (socket.timeout, TimeoutError):
            return False
        except OSError:
            return True
    return False


@pytest.mark.parametrize("tls", [True, False], ids=["tls", "plain"])
def test_request_in_pieces_is_answered(tls, edge_factory, backend_c, cafile):
    # Each piece is read short; the next one must still be seen.
    edge = edge_factory({"c": backend_c.url})
    require_edge(edge)
    request = _request(json.dumps(jsonrpc("tools/call", 7)).encode())
    s = connect(edge.port(tls), client_context(cafile, ["http/1.1"]) if tls else None)
    try:
        for piece in (request[:10], request[10:60], request[60:-5], request[-5:]):
            s.sendall(piece)
            time.sleep(0.1)
        status, head, _ = read_head(s)
        assert status == 200, head
    finally:
        s.close()


@pytest.mark.parametrize("tls", [True, False], ids=["tls", "plain"])
def test_end_of_stream_with_the_request_closes_at_once(tls, edge_factory, backend_c, cafile):
    # The request and the client's FIN come in one wake-up: the short read must not hide the
    # FIN, or the connection would sit open until idle_keepalive (60 s) runs out.
    edge = edge_factory({"c": backend_c.url}, timeouts={"idle_keepalive": "60s"})
    require_edge(edge)
    s = connect(edge.port(tls), client_context(cafile, ["http/1.1"]) if tls else None)
    try:
        # Corked, the request waits in the send queue and leaves with the FIN in one segment.
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 1)
        s.sendall(_request(json.dumps(jsonrpc("tools/call", 8)).encode()))
        socket.socket.shutdown(s, socket.SHUT_WR)  # FIN without close_notify, as clients do
        assert _closed_within(s, 5), "the edge did not notice the client's end of stream"
        edge.assert_alive()
    finally:
        s.close()


def test_end_of_stream_with_the_last_handshake_flight_closes_at_once(edge_factory, backend_c, cafile):
    # The client's Finished, its request and its FIN arrive in one segment, so epoll reports
    # the hang-up while the handshake is still being driven. The HTTP/1.1 connection taking
    # over must still read to end-of-stream after the request.
    edge = edge_factory({"c": backend_c.url}, timeouts={"idle_keepalive": "60s"})
    require_edge(edge)
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    ctx = client_context(cafile, ["http/1.1"])
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3  # the client speaks last in the handshake
    tls = ctx.wrap_bio(incoming, outgoing, server_hostname="localhost")
    s = socket.create_connection(("127.0.0.1", edge.port(True)), timeout=10)
    try:
        while True:
            try:
                tls.do_handshake()
                break
            except ssl.SSLWantReadError:
                if outgoing.pending:
                    s.sendall(outgoing.read())
                data = s.recv(65536)
                assert data, "the edge closed during the handshake"
                incoming.write(data)
        tls.write(_request(json.dumps(jsonrpc("tools/call", 9)).encode()))
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 1)
        s.sendall(outgoing.read())  # Finished and the request, held back until the FIN
        socket.socket.shutdown(s, socket.SHUT_WR)
        # Whether it answers first or drops the request (the client hung up), it must close.
        assert _closed_within(s, 5), "the edge did not notice the client's end of stream"
        edge.assert_alive()
    finally:
        s.close()
