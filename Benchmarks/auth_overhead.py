#!/usr/bin/env python3
"""What authentication and rules cost a passthrough request: one mcp-edge (one worker, TLS,
HTTP/2) with the same backend behind two routes, /open/mcp (no auth) and /auth/mcp (a JWT
checked against a JWKS file, three rules), measured in one run with rounds interleaved.

The load is ../shared/bench/bench.py's small-h2 workload (h2load -n 60000 -c 32 -m 8, a
tools/call with a 512-byte result, the same headers), plus `Authorization: Bearer <ES256 JWT>`
on /auth/mcp and on "open+token" (the open route, the same requests: the token is forwarded). Figures per route (medians over rounds): req/s, mcp-edge's CPU time per request
(user+sys from /proc, the least noisy figure), p50/p99 from h2load's request log.

  Tests/IntegrationTests/.venv/bin/python Benchmarks/auth_overhead.py [--rounds 5] [--json out.json]

Needs h2load, cc, openssl, a release build (.build/release/mcp-edge) and the integration
tests' venv (PyJWT, cryptography). The backend is the project's own fast backend.
"""
import argparse, json, os, signal, socket, statistics, subprocess, sys, tempfile, time

import jwt
from cryptography.hazmat.primitives.asymmetric import ec

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TICK = os.sysconf("SC_CLK_TCK")
BODY = {"jsonrpc": "2.0", "id": 7, "method": "tools/call",
        "params": {"name": "echo", "arguments": {"text": "hello from the benchmark"}}}
HEADERS = ["content-type: application/json", "accept: application/json, text/event-stream",
           "mcp-session-id: bench-session-1", "mcp-protocol-version: 2025-06-18"]
LOAD = ["-n", "60000", "-c", "32", "-m", "8"]
RESOURCE = "https://mcp.example.test/auth/mcp"
ISSUER = "https://idp.example.test"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc, timeout=20):
    end = time.time() + timeout
    while time.time() < end:
        if proc.poll() is not None:
            sys.exit(f"process exited early: {proc.args}")
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    sys.exit(f"port {port} did not open")


def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def h2load(url, extra_headers, body_file, log_file):
    if os.path.exists(log_file):
        os.remove(log_file)
    cmd = ["h2load", *LOAD, "-d", body_file, "--log-file", log_file]
    for h in HEADERS + extra_headers:
        cmd += ["-H", h]
    out = subprocess.run(cmd + [url], capture_output=True, text=True, timeout=600).stdout
    res = {"ok": 0, "failed": 0, "secs": 0.0}
    for line in out.splitlines():
        if line.startswith("finished in"):
            text = line.split()[2].rstrip(",")
            for unit, scale in (("us", 1e-6), ("ms", 1e-3), ("s", 1.0)):
                if text.endswith(unit):
                    res["secs"] = float(text[: -len(unit)]) * scale
                    break
        elif line.startswith("requests:"):
            w = line.replace(",", "").split()
            res["ok"], res["failed"] = int(w[7]), int(w[9])
    lat = sorted(int(l.split("\t")[2]) for l in open(log_file) if l.count("\t") == 2 and l.split("\t")[1] == "200")
    res["p50"] = lat[len(lat) // 2] / 1000 if lat else float("nan")
    res["p99"] = lat[int(len(lat) * 0.99)] / 1000 if lat else float("nan")
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--json")
    a = ap.parse_args()
    binary = os.path.join(ROOT, ".build", "release", "mcp-edge")
    if not os.path.exists(binary):
        sys.exit("no release build: make build")
    work = tempfile.mkdtemp(prefix="edge-auth-bench-")
    procs = []
    try:
        backend = os.path.join(work, "backend")
        subprocess.run(["cc", "-O2", "-o", backend, os.path.join(ROOT, "Tests/IntegrationTests/servers/fast_backend.c")],
                       check=True)
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                        "-keyout", f"{work}/key.pem", "-out", f"{work}/cert.pem", "-days", "1", "-subj", "/CN=localhost"],
                       check=True, capture_output=True)
        key = ec.generate_private_key(ec.SECP256R1())
        jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(key.public_key()))
        jwk["kid"] = "bench"
        open(f"{work}/jwks.json", "w").write(json.dumps({"keys": [jwk]}))
        token = jwt.encode({"iss": ISSUER, "aud": RESOURCE, "sub": "alice", "tenant": "acme", "groups": ["dev"],
                            "scope": "mcp:tools", "exp": int(time.time()) + 3600}, key, algorithm="ES256",
                           headers={"kid": "bench"})
        body_file = f"{work}/body.json"
        open(body_file, "w").write(json.dumps(BODY))
        bport, port = free_port(), free_port()
        procs.append(subprocess.Popen([backend, "--port", str(bport), "--result-bytes", "512"],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        wait_port(bport, procs[-1])
        open(f"{work}/edge.yaml", "w").write(f"""workers: 1
listeners:
  - {{name: bench, address: "127.0.0.1:{port}", tls: {{certificate: {work}/cert.pem, key: {work}/key.pem}}}}
servers:
  backend: {{url: "http://127.0.0.1:{bport}/mcp"}}
routes:
  - {{path: /open/mcp, passthrough: backend}}
  - path: /auth/mcp
    passthrough: backend
    auth:
      resource: {RESOURCE}
      authorization_servers: [{ISSUER}]
      jwt: {{issuer: {ISSUER}, jwks_file: {work}/jwks.json}}
    rules:
      - deny: {{subjects: [mallory]}}
      - allow: {{groups: [dev], servers: [backend]}}
      - allow: {{tenants: [globex], servers: [backend]}}
""")
        edge = subprocess.Popen([binary, "run", "--config", f"{work}/edge.yaml"], stdout=subprocess.DEVNULL,
                                stderr=open(f"{work}/edge.log", "w"))
        procs.append(edge)
        wait_port(port, edge)
        bearer = [f"authorization: Bearer {token}"]
        routes = {"open": ([], f"https://127.0.0.1:{port}/open/mcp"),
                  "open+token": (bearer, f"https://127.0.0.1:{port}/open/mcp"),
                  "auth": (bearer, f"https://127.0.0.1:{port}/auth/mcp")}
        results = {name: [] for name in routes}
        for name, (extra, url) in routes.items():  # warm-up (and the first-seen token)
            h2load(url, extra, body_file, f"{work}/lat.log")
        for r in range(a.rounds):
            for name, (extra, url) in (list(routes.items()) if r % 2 == 0 else list(reversed(routes.items()))):
                c0 = cpu_seconds(edge.pid)
                res = h2load(url, extra, body_file, f"{work}/lat.log")
                res["cpu"] = cpu_seconds(edge.pid) - c0
                results[name].append(res)
        summary = {}
        print(f"# auth_overhead.py: {a.rounds} rounds, h2load {' '.join(LOAD)}, TLS HTTP/2, one worker")
        print(f"{'route':10} {'req/s':>9} {'failed':>7} {'cpu-us/req':>11} {'p50 ms':>8} {'p99 ms':>8}")
        for name, rs in results.items():
            m = lambda f: statistics.median(f(x) for x in rs)
            summary[name] = {"rps": m(lambda x: x["ok"] / x["secs"] if x["secs"] else 0),
                             "failed": sum(x["failed"] for x in rs),
                             "cpu_us": m(lambda x: x["cpu"] / x["ok"] * 1e6 if x["ok"] else float("nan")),
                             "p50": m(lambda x: x["p50"]), "p99": m(lambda x: x["p99"])}
            s = summary[name]
            print(f"{name:10} {s['rps']:9.0f} {s['failed']:7d} {s['cpu_us']:11.2f} {s['p50']:8.2f} {s['p99']:8.2f}")
        checking = summary["auth"]["cpu_us"] / summary["open+token"]["cpu_us"] - 1
        carrying = summary["auth"]["cpu_us"] / summary["open"]["cpu_us"] - 1
        print(f"auth + rules vs the same requests on the open route (the token forwarded): {checking * 100:+.1f} % CPU per request")
        print(f"auth + rules vs requests without a token on the open route: {carrying * 100:+.1f} % CPU per request"
              " (includes receiving the token: HTTP/2 clients send Authorization never indexed, HPACK-decoded every time)")
        if a.json:
            json.dump(summary, open(a.json, "w"), indent=2)
    finally:
        for p in reversed(procs):
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()


if __name__ == "__main__":
    main()
