/* fast_backend.c: the integration tests' own fast MCP backend (the `backend_c` fixture).
 *
 * Why it exists: several tests need a backend that costs almost nothing per request and per
 * connection, so that what they measure (mcp-edge's memory, its handshake admission, pipelining
 * back-pressure, the SDK client going through it) is mcp-edge and not the backend. The Python
 * servers are far too slow for that. It lives in the repository so the tests never depend on a
 * file outside it; conftest.py compiles it with `cc` once per session.
 *
 *   cc -O2 -o fast_backend fast_backend.c && ./fast_backend --port 9000 --result-bytes 512
 *
 * What it is: a single-threaded, non-blocking, edge-triggered epoll HTTP/1.1 server on
 * 127.0.0.1 that answers JSON-RPC like a Streamable-HTTP MCP server with JSON responses only.
 *   - keep-alive, pipelined requests answered in order, bodies by Content-Length only
 *     (Transfer-Encoding -> 501 and close); anything but POST -> 405 with Allow: POST
 *   - only the top-level "id" and "method" of the body matter; the id is echoed byte for byte
 *   - initialize -> InitializeResult + `Mcp-Session-Id: bench-session-1` (the session id is
 *     never checked afterwards); notifications and client responses -> 202, empty body;
 *     tools/list -> echo, add, lorem; tools/call -> one text item of --result-bytes characters;
 *     ping -> {}; other methods -> -32601; malformed JSON -> 400 with -32700
 *   - bounded: a request head over 64 KiB or a body over 8 MiB closes the connection, and no
 *     further pipelined request is parsed while 256 KiB of answers wait unsent (the client
 *     must read before it is read from again); idle connections hold no buffers. */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_HEAD (64 * 1024)
#define MAX_BODY (8 * 1024 * 1024)
#define OUT_HIGH (256 * 1024)
#define SESSION_ID "bench-session-1"

typedef struct { const char *p; size_t n; } span;
#define LIT(s) ((span){(s), sizeof(s) - 1})

typedef struct {
    int fd;
    int closing;   /* answer what is queued, then close (bad request or Connection: close) */
    int peer_done; /* the client sent FIN: answer what is complete, then close */
    char *in;
    size_t in_len, in_cap;
    char *out;
    size_t out_off, out_len, out_cap; /* unsent bytes are out[out_off, out_len) */
} conn;

static char *lorem; /* the tools/call text, --result-bytes characters */
static size_t lorem_len = 512;

static const char TOOLS[] =
    "{\"tools\":["
    "{\"name\":\"echo\",\"description\":\"Echo the text back\",\"inputSchema\":{\"type\":\"object\","
    "\"properties\":{\"text\":{\"type\":\"string\"}}}},"
    "{\"name\":\"add\",\"description\":\"Add two numbers\",\"inputSchema\":{\"type\":\"object\","
    "\"properties\":{\"a\":{\"type\":\"number\"},\"b\":{\"type\":\"number\"}}}},"
    "{\"name\":\"lorem\",\"description\":\"Filler text of a fixed length\",\"inputSchema\":{\"type\":\"object\","
    "\"properties\":{}}}]}";

/* ---- output ---- */

static size_t pending(const conn *c) { return c->out_len - c->out_off; }

static void out_put(conn *c, const char *p, size_t n) {
    if (c->out_len + n > c->out_cap) {
        if (c->out_off) { /* slide the unsent part to the front before growing */
            memmove(c->out, c->out + c->out_off, pending(c));
            c->out_len -= c->out_off;
            c->out_off = 0;
        }
        size_t cap = c->out_cap ? c->out_cap : 4096;
        while (c->out_len + n > cap) cap *= 2;
        if (cap != c->out_cap) {
            char *q = realloc(c->out, cap);
            if (!q) { perror("realloc"); exit(1); }
            c->out = q, c->out_cap = cap;
        }
    }
    memcpy(c->out + c->out_len, p, n);
    c->out_len += n;
}

/* Queues one response whose body is the concatenation of the given pieces. */
static void reply(conn *c, int status, const char *extra_headers, const span *body, int pieces) {
    size_t len = 0;
    for (int i = 0; i < pieces; i++) len += body[i].n;
    const char *reason = status == 200 ? "OK" : status == 202 ? "Accepted" : status == 400 ? "Bad Request"
                       : status == 405 ? "Method Not Allowed" : status == 413 ? "Content Too Large"
                       : status == 431 ? "Request Header Fields Too Large" : "Not Implemented";
    char head[256];
    int hn = snprintf(head, sizeof head, "HTTP/1.1 %d %s\r\n%sContent-Length: %zu\r\n%s\r\n", status, reason,
                      len ? "Content-Type: application/json\r\n" : "", len, extra_headers ? extra_headers : "");
    out_put(c, head, (size_t)hn);
    for (int i = 0; i < pieces; i++) out_put(c, body[i].p, body[i].n);
}

static void reply_error(conn *c, int status, int code, const char *message) {
    char body[160];
    int n = snprintf(body, sizeof body, "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":%d,\"message\":\"%s\"}}",
                     code, message);
    span s = {body, (size_t)n};
    reply(c, status, NULL, &s, 1);
}

/* ---- JSON: just enough to validate a body and find its top-level members ---- */

static const char *ws(const char *p, const char *e) {
    while (p < e && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) p++;
    return p;
}

/* Returns the end of the JSON value starting at p, or NULL if it is malformed. */
static const char *skip_value(const char *p, const char *e, int depth) {
    if (p >= e || depth > 64) return NULL;
    if (*p == '"') {
        for (p++; p < e; p++) {
            if (*p == '"') return p + 1;
            if (*p == '\\') p++;
            else if ((unsigned char)*p < 0x20) return NULL;
        }
        return NULL;
    }
    if (*p == '{' || *p == '[') {
        char close = *p == '{' ? '}' : ']';
        p = ws(p + 1, e);
        if (p < e && *p == close) return p + 1;
        for (;;) {
            if (close == '}') { /* "key" : */
                if (p >= e || *p != '"' || !(p = skip_value(p, e, depth + 1))) return NULL;
                p = ws(p, e);
                if (p >= e || *p != ':') return NULL;
                p = ws(p + 1, e);
            }
            if (!(p = skip_value(p, e, depth + 1))) return NULL;
            p = ws(p, e);
            if (p < e && *p == close) return p + 1;
            if (p >= e || *p != ',') return NULL;
            p = ws(p + 1, e);
        }
    }
    static const char *const words[] = {"true", "false", "null"};
    for (int i = 0; i < 3; i++) {
        size_t n = strlen(words[i]);
        if ((size_t)(e - p) >= n && memcmp(p, words[i], n) == 0) return p + n;
    }
    const char *start = p; /* a number, loosely: sign, digits, fraction, exponent characters */
    int digits = 0;
    for (; p < e && strchr("+-.eE0123456789", *p); p++) digits += *p >= '0' && *p <= '9';
    return digits && (*start == '-' || (*start >= '0' && *start <= '9')) ? p : NULL;
}

/* Finds the values of the given keys among an object's own members (nested ones are not
 * looked into); a key that is absent gets p == NULL. Returns -1 unless obj is an object. */
static int members(span obj, const char *const *keys, span *vals, int nkeys) {
    const char *p = ws(obj.p, obj.p + obj.n), *e = obj.p + obj.n;
    for (int i = 0; i < nkeys; i++) vals[i] = (span){NULL, 0};
    if (p >= e || *p != '{' || skip_value(p, e, 0) == NULL) return -1;
    p = ws(p + 1, e);
    while (p < e && *p == '"') {
        const char *k = p, *kend = skip_value(p, e, 1);
        p = ws(kend, e) + 1; /* past ':' (the object was validated above) */
        p = ws(p, e);
        const char *v = p;
        p = skip_value(p, e, 1);
        for (int i = 0; i < nkeys; i++)
            if ((size_t)(kend - k) == strlen(keys[i]) + 2 && memcmp(k + 1, keys[i], (size_t)(kend - k) - 2) == 0)
                vals[i] = (span){v, (size_t)(p - v)};
        p = ws(p, e);
        if (p < e && *p == ',') p = ws(p + 1, e);
    }
    return 0;
}

static int is_str(span s, const char *text) {
    size_t n = strlen(text);
    return s.p && s.n == n + 2 && s.p[0] == '"' && memcmp(s.p + 1, text, n) == 0;
}

/* ---- MCP ---- */

static void handle_rpc(conn *c, span body) {
    static const char *const keys[] = {"id", "method", "params", "result", "error"};
    span f[5];
    const char *end = body.p ? skip_value(ws(body.p, body.p + body.n), body.p + body.n, 0) : NULL;
    if (!end || ws(end, body.p + body.n) != body.p + body.n) { reply_error(c, 400, -32700, "Parse error"); return; }
    if (members(body, keys, f, 5) < 0) { reply_error(c, 400, -32600, "Invalid Request: not an object"); return; }
    span id = f[0], method = f[1], params = f[2];
    if (!method.p) { /* a client's response to a server request is accepted like a notification */
        if (id.p && (f[3].p || f[4].p)) reply(c, 202, NULL, NULL, 0);
        else reply_error(c, 400, -32600, "Invalid Request");
        return;
    }
    if (!id.p) { reply(c, 202, NULL, NULL, 0); return; }
    if (!(id.p[0] == '"' || id.p[0] == '-' || (id.p[0] >= '0' && id.p[0] <= '9'))) {
        reply_error(c, 400, -32600, "Invalid Request: the id must be a string or a number");
        return;
    }
    span out[5] = {LIT("{\"jsonrpc\":\"2.0\",\"id\":"), id};
    int n = 2;
    const char *headers = NULL;
    if (is_str(method, "initialize")) {
        /* The client's version when it is one we know, else the one we speak best. */
        static const char *const known[] = {"2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"};
        static const char *const pk[] = {"protocolVersion"};
        span version = LIT("2025-06-18"), v;
        if (params.p && members(params, pk, &v, 1) == 0)
            for (int i = 0; i < 4; i++)
                if (is_str(v, known[i])) version = (span){known[i], strlen(known[i])};
        out[n++] = LIT(",\"result\":{\"protocolVersion\":\"");
        out[n++] = version;
        out[n++] = LIT("\",\"capabilities\":{\"tools\":{}},"
                       "\"serverInfo\":{\"name\":\"bench-backend\",\"version\":\"1.0.0\"}}}");
        headers = "Mcp-Session-Id: " SESSION_ID "\r\n";
    } else if (is_str(method, "tools/list")) {
        out[n++] = LIT(",\"result\":");
        out[n++] = (span){TOOLS, sizeof TOOLS - 1};
        out[n++] = LIT("}");
    } else if (is_str(method, "tools/call")) {
        out[n++] = LIT(",\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"");
        out[n++] = (span){lorem, lorem_len};
        out[n++] = LIT("\"}],\"isError\":false}}");
    } else if (is_str(method, "ping")) {
        out[n++] = LIT(",\"result\":{}}");
    } else {
        out[n++] = LIT(",\"error\":{\"code\":-32601,\"message\":\"Method not found\"}}");
    }
    reply(c, 200, headers, out, n);
}

/* ---- HTTP/1.1 ---- */

/* Answers the complete requests in the input buffer, in order, while at most OUT_HIGH bytes
 * wait unsent. Returns -1 when the connection must close after what is queued, 1 when it
 * stopped at OUT_HIGH with input left, else 0. */
static int process(conn *c) {
    size_t off = 0;
    int rc = 0;
    for (;;) {
        if (pending(c) > OUT_HIGH) { rc = off < c->in_len; break; }
        char *start = c->in + off;
        size_t avail = c->in_len - off;
        char *end = avail ? memmem(start, avail, "\r\n\r\n", 4) : NULL;
        if (!end) {
            if (avail > MAX_HEAD) { reply(c, 431, "Connection: close\r\n", NULL, 0); rc = -1; }
            break;
        }
        size_t head_len = (size_t)(end - start) + 4, body_len = 0;
        int has_length = 0, bad = 0, chunked = 0, close_after = 0, post = head_len > 5 && memcmp(start, "POST ", 5) == 0;
        /* Header lines start after each '\n' up to the blank line; end[1] is the head's last '\n'. */
        for (char *line = (char *)memchr(start, '\n', head_len) + 1; line < end + 2;
             line = (char *)memchr(line, '\n', (size_t)(end + 2 - line)) + 1) {
            if (strncasecmp(line, "content-length:", 15) == 0) {
                char *v = line + 15, *stop;
                while (*v == ' ' || *v == '\t') v++;
                unsigned long long len = strtoull(v, &stop, 10);
                while (*stop == ' ' || *stop == '\t') stop++;
                bad |= has_length || *v < '0' || *v > '9' || *stop != '\r' || len > MAX_BODY;
                body_len = (size_t)len, has_length = 1;
            } else if (strncasecmp(line, "transfer-encoding:", 18) == 0) {
                chunked = 1;
            } else if (strncasecmp(line, "connection:", 11) == 0) {
                close_after = memmem(line, (size_t)((char *)memchr(line, '\n', (size_t)(end + 2 - line)) - line), "close", 5) != NULL;
            }
        }
        if (chunked) { reply(c, 501, "Connection: close\r\n", NULL, 0); rc = -1; break; }
        if (bad) { reply(c, body_len > MAX_BODY ? 413 : 400, "Connection: close\r\n", NULL, 0); rc = -1; break; }
        if (avail < head_len + body_len) break; /* the rest of the body is still to come */
        if (post) handle_rpc(c, (span){start + head_len, body_len});
        else reply(c, 405, "Allow: POST\r\n", NULL, 0);
        off += head_len + body_len;
        if (close_after) { c->closing = 1; break; }
    }
    if (off) {
        memmove(c->in, c->in + off, c->in_len - off);
        c->in_len -= off;
    }
    if (c->in_len == 0 && c->in) { free(c->in); c->in = NULL; c->in_cap = 0; } /* idle: hold nothing */
    return rc;
}

/* Sends what is queued: 0 when all of it went, 1 when the socket is full, -1 on an error. */
static int flush(conn *c) {
    while (pending(c)) {
        ssize_t w = send(c->fd, c->out + c->out_off, pending(c), MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) return errno == EAGAIN || errno == EWOULDBLOCK ? 1 : -1;
        c->out_off += (size_t)w;
    }
    free(c->out);
    c->out = NULL, c->out_off = c->out_len = c->out_cap = 0;
    return 0;
}

/* Runs a connection until it would block. Returns -1 when it is finished and must be closed. */
static int serve(conn *c) {
    for (;;) {
        int more = 0;
        if (!c->closing) {
            int p = process(c);
            if (p < 0) c->closing = 1;
            more = p > 0;
        }
        int f = flush(c);
        if (f < 0) return -1;
        if (f == 1 && (c->closing || c->peer_done || pending(c) > OUT_HIGH)) return 0; /* EPOLLOUT brings us back */
        if (more) continue;                                  /* requests still waiting in the input */
        if (c->closing || c->peer_done) return -1;           /* everything is answered and sent */
        if (c->in_len == c->in_cap) {
            size_t cap = c->in_cap ? c->in_cap * 2 : 16384;
            if (cap > MAX_HEAD + MAX_BODY + 16384) return -1; /* cannot happen: process() limits it */
            char *q = realloc(c->in, cap);
            if (!q) return -1;
            c->in = q, c->in_cap = cap;
        }
        ssize_t r = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len, 0);
        if (r > 0) c->in_len += (size_t)r;
        else if (r == 0) c->peer_done = 1;
        else if (errno == EAGAIN || errno == EWOULDBLOCK) {
            if (c->in_len == 0 && c->in) { free(c->in); c->in = NULL; c->in_cap = 0; }
            return 0;
        } else if (errno != EINTR) return -1;
    }
}

static void accept_all(int ep, int lfd) {
    for (;;) {
        int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED) continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK) perror("accept4"); /* e.g. EMFILE: retried next wake-up */
            return;
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        conn *c = calloc(1, sizeof *c);
        if (!c) { close(fd); return; }
        c->fd = fd;
        struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, .data.ptr = c};
        if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0) { perror("epoll_ctl"); close(fd); free(c); }
        /* the first edge is reported by epoll_wait: the socket is writable at once */
    }
}

int main(int argc, char **argv) {
    long port = 9000;
    for (int i = 1; i < argc; i++) {
        if (i + 1 < argc && strcmp(argv[i], "--port") == 0) port = strtol(argv[++i], NULL, 10);
        else if (i + 1 < argc && strcmp(argv[i], "--result-bytes") == 0) lorem_len = strtoul(argv[++i], NULL, 10);
        else {
            fprintf(stderr, "usage: %s [--port N] [--result-bytes N]\n", argv[0]);
            return 2;
        }
    }
    if (port <= 0 || port > 65535 || lorem_len > MAX_BODY) { fprintf(stderr, "bad --port or --result-bytes\n"); return 2; }
    signal(SIGPIPE, SIG_IGN);
    struct rlimit rl; /* thousands of connections: take every descriptor we are allowed */
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    static const char words[] = "lorem ipsum dolor sit amet consectetur adipiscing elit ";
    lorem = malloc(lorem_len + 1);
    for (size_t i = 0; i < lorem_len; i++) lorem[i] = words[i % (sizeof words - 1)];

    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1;
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                               .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (bind(lfd, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(lfd, 4096) < 0) { perror("listen"); return 1; }
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event lev = {.events = EPOLLIN, .data.ptr = NULL}; /* level-triggered: a refused accept is retried */
    epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &lev);
    fprintf(stderr, "fast_backend: listening on 127.0.0.1:%ld, tools/call text %zu bytes\n", port, lorem_len);

    struct epoll_event evs[256];
    for (;;) {
        int n = epoll_wait(ep, evs, 256, -1);
        if (n < 0 && errno != EINTR) { perror("epoll_wait"); return 1; }
        for (int i = 0; i < n; i++) {
            conn *c = evs[i].data.ptr;
            if (!c) { accept_all(ep, lfd); continue; }
            if ((evs[i].events & EPOLLERR) || serve(c) < 0) {
                close(c->fd); /* also removes it from the epoll set */
                free(c->in);
                free(c->out);
                free(c);
            }
        }
    }
}
