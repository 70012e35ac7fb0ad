#!/usr/bin/env python3
"""Memory per idle keep-alive client connection: opens N connections to mcp-edge (TLS or
plaintext; HTTP/1.1, or HTTP/2 with --http2), sends one request on each and keeps them open,
then reports how much the process's RSS grew per connection. `--target nginx|haproxy` measures a
peer the same way, with the benchmark kit's configuration (TLS only) and keep-alive timeouts
long enough to hold. --http2 needs the `h2` package: run it with the integration tests' venv.

  Benchmarks/idle_connections.py [--connections 10000] [--plaintext] [--bin .build/release/mcp-edge]
  Benchmarks/idle_connections.py --target nginx
  Tests/IntegrationTests/.venv/bin/python Benchmarks/idle_connections.py --http2 [--target nginx]
"""
import argparse, os, resource, socket, ssl, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
BENCH = os.environ.get("BENCH_DIR", os.path.join(ROOT, "..", "shared", "bench"))
BODY = b'{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"echo","arguments":{}}}'


def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p


def rss_kib(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def wait_port(port):
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close(); return
        except OSError:
            time.sleep(0.05)
    sys.exit(f"nothing listens on {port}")


def peer_command(a, work, port, bport):
    """nginx or HAProxy with the benchmark kit's template, allowed to hold the idle connections."""
    vals = {"dir": work, "port": port, "backend_port": bport, "cert": f"{work}/cert.pem",
            "key": f"{work}/key.pem", "pem": f"{work}/both.pem"}
    with open(f"{work}/both.pem", "w") as both:
        both.write(open(f"{work}/cert.pem").read() + open(f"{work}/key.pem").read())
    template = open(os.path.join(BENCH, "nginx.conf.tmpl" if a.target == "nginx" else "haproxy.cfg.tmpl")).read()
    for key, value in vals.items():
        template = template.replace("{" + key + "}", str(value))
    if a.target == "nginx":
        template = template.replace("worker_connections 4096;", f"worker_connections {a.connections + 200};")
        template = template.replace("keepalive_requests 1000000;", "keepalive_requests 1000000; keepalive_timeout 10m;")
        open(f"{work}/nginx.conf", "w").write(template)
        return ["nginx", "-c", f"{work}/nginx.conf"]
    template = template.replace("maxconn 8192", f"maxconn {a.connections + 200}")
    template = template.replace("timeout client 60s", "timeout client 10m\n    timeout http-keep-alive 10m")
    open(f"{work}/haproxy.cfg", "w").write(template)
    return ["haproxy", "-db", "-f", f"{work}/haproxy.cfg"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--connections", type=int, default=10000)
    ap.add_argument("--plaintext", action="store_true")
    ap.add_argument("--http2", action="store_true", help="HTTP/2 (h2 by ALPN; h2c with --plaintext)")
    ap.add_argument("--bin", default=os.path.join(ROOT, ".build", "release", "mcp-edge"))
    ap.add_argument("--target", choices=["edge", "nginx", "haproxy"], default="edge")
    a = ap.parse_args()
    if a.plaintext and a.target != "edge":
        sys.exit("--plaintext measures mcp-edge only; the peers' benchmark configurations use TLS")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    work = tempfile.mkdtemp(prefix="mcp-edge-idle-")
    subprocess.run(["cc", "-O2", "-o", f"{work}/backend", os.path.join(BENCH, "backend.c")], check=True)
    subprocess.run(["sh", os.path.join(BENCH, "certs.sh"), work], check=True)
    bport, port = free_port(), free_port()
    tls = "" if a.plaintext else f"\n    tls: {{certificate: {work}/cert.pem, key: {work}/key.pem}}"
    open(f"{work}/edge.yaml", "w").write(f"""workers: 1
listeners:
  - address: 127.0.0.1:{port}{tls}
servers:
  b: {{url: "http://127.0.0.1:{bport}/mcp"}}
routes:
  - path: /mcp
    passthrough: b
limits: {{max_connections_per_worker: {a.connections + 100}}}
timeouts: {{idle_keepalive: 10m}}
""")
    procs = [subprocess.Popen([f"{work}/backend", "--port", str(bport), "--result-bytes", "64"], stdout=subprocess.DEVNULL)]
    wait_port(bport)
    edge = subprocess.Popen(peer_command(a, work, port, bport) if a.target != "edge"
                            else [a.bin, "run", "--config", f"{work}/edge.yaml"], stdout=subprocess.DEVNULL)
    procs.append(edge)
    conns = []
    try:
        wait_port(port)
        ctx = ssl.create_default_context(cafile=f"{work}/cert.pem")
        ctx.set_alpn_protocols(["h2"] if a.http2 else ["http/1.1"])
        request = (b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                   b"Accept: application/json, text/event-stream\r\nContent-Length: %d\r\n\r\n%s" % (len(BODY), BODY))

        def one():
            s = socket.create_connection(("127.0.0.1", port), 10)
            if not a.plaintext:
                s = ctx.wrap_socket(s, server_hostname="127.0.0.1")
            s.sendall(request)
            data = b""
            while b"\r\n\r\n" not in data or not data.rstrip().endswith(b"}"):
                chunk = s.recv(65536)
                if not chunk:
                    raise RuntimeError("closed")
                data += chunk
            assert data.startswith(b"HTTP/1.1 200"), data[:100]
            return s

        def one_h2():
            import h2.config, h2.connection, h2.events
            s = socket.create_connection(("127.0.0.1", port), 10)
            if not a.plaintext:
                s = ctx.wrap_socket(s, server_hostname="127.0.0.1")
            conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
            conn.initiate_connection()
            sid = conn.get_next_available_stream_id()
            conn.send_headers(sid, [(":method", "POST"), (":path", "/mcp"), (":authority", "127.0.0.1"),
                                    (":scheme", "http" if a.plaintext else "https"),
                                    ("content-type", "application/json"), ("content-length", str(len(BODY))),
                                    ("accept", "application/json, text/event-stream")])
            conn.send_data(sid, BODY, end_stream=True)
            s.sendall(conn.data_to_send())
            status, ended = None, False
            while not ended:
                data = s.recv(65536)
                if not data:
                    raise RuntimeError("closed")
                for event in conn.receive_data(data):
                    if isinstance(event, h2.events.ResponseReceived):
                        status = dict(event.headers)[b":status"]
                    ended = ended or isinstance(event, h2.events.StreamEnded)
                s.sendall(conn.data_to_send())
            assert status == b"200", status
            return s

        if a.http2:
            one = one_h2
        for _ in range(50):  # warm up: pools, first buffers
            one().close()
        time.sleep(0.5)
        before = rss_kib(edge.pid)
        for _ in range(a.connections):
            conns.append(one())
        time.sleep(3.0)  # quiet connections give memory back on mcp-edge's 1 s sweeps
        after = rss_kib(edge.pid)
        kind = ("h2c" if a.plaintext else "HTTP/2 TLS") if a.http2 else ("plaintext" if a.plaintext else "TLS")
        print(f"{a.target}: {a.connections} idle keep-alive {kind} connections: RSS {before} KiB -> {after} KiB, "
              f"{(after - before) / a.connections:.2f} KiB per connection")
    finally:
        for s in conns:
            s.close()
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(10)


if __name__ == "__main__":
    main()
