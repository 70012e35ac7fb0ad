/* fast_backend.c: the integration tests' own fast MCP backend (the `backend_c` fixture).
 *
 * Why it exists: several tests need a backend that costs almost nothing per request and per
 * connection, so that what they measure (mcp-edge's memory, its handshake admission, pipelining
 * back-pressure, the SDK client going through it) is mcp-edge and not the backend. The Python
 * servers are far too slow for that. It lives in the repository so the tests never depend on a
 * file outside it; conftest.py compiles it with `cc` once per session.
 *
 *   cc -O2 -Wall -Wextra -o fast_backend fast_backend.c && ./fast_backend --port 9000 --result-bytes 512
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
 *     must read before it is read from again); idle connections hold no buffers.
 * Without any of the options below, every answer above is exactly what it always was.
 *
 * Options for the gateway tests (each changes only what it says):
 *   --name NAME       serverInfo name (else bench-backend); capabilities gain prompts and
 *                     resources; tools/call answers "NAME:TOOL:" + the `text` argument (or, when
 *                     there is none, the --result-bytes filler); a tool that is not listed is
 *                     refused with -32602 "Unknown tool: TOOL"; prompts/list (greet, summary),
 *                     prompts/get ("NAME:greet:WHO"), resources/list (fast://NAME/readme,
 *                     fast://NAME/data.json), resources/templates/list (fast://NAME/items/{id}),
 *                     resources/read (unknown URI: -32002 legacy, -32602 modern, data {uri}) and
 *                     logging/setLevel (legacy) are served. NAME is [A-Za-z0-9_.-]{1,64}.
 *   --tools N         tools/list lists N tools: echo, tool1, ..., tool(N-1)
 *   --page-size K     tools/list pages K tools at a time; nextCursor is an opaque string; a
 *                     cursor it did not make -> -32602 "Invalid cursor"
 *   --ttl-ms N        modern cacheable results carry ttlMs N and cacheScope "public" (default
 *                     ttlMs 0, cacheScope "private")
 *   --require-session legacy messages other than initialize need an Mcp-Session-Id that this
 *                     process issued: missing -> 400, unknown -> 404 (JSON-RPC -32600, id null,
 *                     like the SDK's server). initialize issues a random id per session; DELETE
 *                     with a known id ends it (200), unknown -> 404, missing -> 400. Sessions live
 *                     in memory only: a restarted backend answers 404 to the old ones.
 *   --legacy-only     an old server: a modern request (MCP-Protocol-Version not a handshake
 *                     version) -> 400 -32022, data {supported: the four handshake versions,
 *                     requested}
 *   --modern-only     a 2026-07-28-only server: every legacy-era POST (initialize included, and
 *                     notifications) -> 400 -32022, data {supported: ["2026-07-28"], requested:
 *                     initialize's params.protocolVersion, else the MCP-Protocol-Version header,
 *                     else "2025-03-26", the version the spec assumes when the header is absent}
 *   --stdio           newline-delimited JSON-RPC on stdin/stdout instead of HTTP, same answers;
 *                     the era comes from params._meta["io.modelcontextprotocol/protocolVersion"]
 *                     (legacy when absent or a handshake version), no header checks, no sessions;
 *                     exits on end of input; one line on stderr at start
 *   --stats-file PATH JSON counts of messages by era and method ({"legacy": {"tools/call": 3},
 *                     "modern": {...}, "http": {"DELETE": 1}, "total": N, ...}), written (to a
 *                     temporary file, then renamed) at exit on SIGTERM/SIGINT/end of input and on
 *                     SIGUSR1. Every parsed message counts, refused ones too; "(response)" for a
 *                     client's response, "(invalid)" for a body that is not a JSON object.
 *
 * The modern era (2026-07-28), on HTTP: a POST whose MCP-Protocol-Version header is not one of
 * the handshake versions is served statelessly (no session), checked like a strict modern
 * server (the ladder of the SDK's server, first failure wins):
 *   Accept without application/json (or a wildcard) -> 406; malformed JSON -> 400 -32700;
 *   a notification -> 202 (400 -32022 if the version is not 2026-07-28); a batch or a response
 *   -> 400 -32600; a routing header given twice -> 400 -32020; params._meta without
 *   io.modelcontextprotocol/protocolVersion or .../clientCapabilities -> 400 -32602; the header
 *   version differing from _meta's, Mcp-Method missing or differing from the method, Mcp-Name
 *   missing or differing from params.name (tools/call, prompts/get) or params.uri
 *   (resources/read) -> 400 -32020 (=?base64?...?= header values are decoded); a version other
 *   than 2026-07-28 -> 400 -32022 with data {supported, requested}. Then: server/discover ->
 *   {supportedVersions, capabilities, ttlMs, cacheScope}; every result carries resultType
 *   "complete" and _meta io.modelcontextprotocol/serverInfo; the cacheable results (discover, the
 *   four lists, resources/read) carry ttlMs and cacheScope; initialize, ping and logging/setLevel
 *   do not exist (-32601). Error statuses: -32601 -> 404, -32700/-32600/-32602/-32020/-32022 ->
 *   400, others 200. GET and DELETE -> 405 in this era. In the legacy era server/discover is
 *   -32601 (a legacy session cannot discover), and every JSON-RPC error is HTTP 200 as before. */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_HEAD (64 * 1024)
#define MAX_BODY (8 * 1024 * 1024)
#define OUT_HIGH (256 * 1024)
#define SESSION_ID "bench-session-1"
#define MODERN "2026-07-28"
#define PV_KEY "io.modelcontextprotocol/protocolVersion"
#define CAPS_KEY "io.modelcontextprotocol/clientCapabilities"

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

/* ---- options ---- */

static const char *server_name = "bench-backend";
static int named;            /* --name: prompts, resources, "NAME:TOOL:" texts, unknown tools refused */
static long ntools = -1;     /* --tools N; -1: echo, add, lorem */
static long page_size;       /* --page-size K; 0: one page */
static long ttl_ms;          /* --ttl-ms N */
static int legacy_only, modern_only, require_session;
static const char *stats_path;

static const char *const HANDSHAKE[] = {"2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"};

static const char *const DEFAULT_TOOLS[] = {
    "{\"name\":\"echo\",\"description\":\"Echo the text back\",\"inputSchema\":{\"type\":\"object\","
    "\"properties\":{\"text\":{\"type\":\"string\"}}}}",
    "{\"name\":\"add\",\"description\":\"Add two numbers\",\"inputSchema\":{\"type\":\"object\","
    "\"properties\":{\"a\":{\"type\":\"number\"},\"b\":{\"type\":\"number\"}}}}",
    "{\"name\":\"lorem\",\"description\":\"Filler text of a fixed length\",\"inputSchema\":{\"type\":\"object\","
    "\"properties\":{}}}"};
static char **tool_json, **tool_name; /* the listed tools, built at start */
static size_t tool_count;

/* ---- a growable byte buffer: every answer body is built in `sb` ---- */

typedef struct { char *p; size_t n, cap; } buf;
static buf sb;

static void bput(buf *b, const char *p, size_t n) {
    if (b->n + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (b->n + n > cap) cap *= 2;
        char *q = realloc(b->p, cap);
        if (!q) { perror("realloc"); exit(1); }
        b->p = q, b->cap = cap;
    }
    if (n) memcpy(b->p + b->n, p, n);
    b->n += n;
}
static void bstr(buf *b, const char *s) { bput(b, s, strlen(s)); }
static void bspan(buf *b, span s) { bput(b, s.p, s.n); }
static void bfmt(buf *b, const char *fmt, ...) {
    char tmp[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n > 0) bput(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}
/* A JSON string holding the bytes p[0..n) (header values: visible ASCII, escaped anyway). */
static void bjson(buf *b, const char *p, size_t n) {
    bput(b, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)p[i];
        if (ch == '"' || ch == '\\') { bput(b, "\\", 1); bput(b, p + i, 1); }
        else if (ch < 0x20) bfmt(b, "\\u%04x", ch);
        else bput(b, p + i, 1);
    }
    bput(b, "\"", 1);
}

/* ---- statistics (--stats-file) ---- */

enum { ERA_LEGACY, ERA_MODERN, ERA_HTTP };
static const char *const ERA_NAMES[] = {"legacy", "modern", "http"};
typedef struct { int era; char name[64]; unsigned long n; } stat_entry;
static stat_entry stats[256];
static int nstats;
static unsigned long stats_total;

static void count(int era, const char *p, size_t n) {
    if (!stats_path) return;
    stats_total++;
    if (n >= sizeof stats[0].name) p = "(long)", n = 6;
    for (int i = 0; i < nstats; i++)
        if (stats[i].era == era && strlen(stats[i].name) == n && memcmp(stats[i].name, p, n) == 0) { stats[i].n++; return; }
    if (nstats == (int)(sizeof stats / sizeof stats[0])) return; /* cannot happen in tests: 256 distinct methods */
    stats[nstats].era = era;
    memcpy(stats[nstats].name, p, n);
    stats[nstats].name[n] = '\0';
    stats[nstats++].n = 1;
}

static void write_stats(void) {
    if (!stats_path) return;
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp.%d", stats_path, (int)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f) { perror(tmp); return; }
    fprintf(f, "{\"pid\":%d,\"name\":\"%s\",\"total\":%lu", (int)getpid(), server_name, stats_total);
    for (int era = 0; era < 3; era++) {
        fprintf(f, ",\"%s\":{", ERA_NAMES[era]);
        int first = 1;
        for (int i = 0; i < nstats; i++)
            if (stats[i].era == era) { fprintf(f, "%s\"%s\":%lu", first ? "" : ",", stats[i].name, stats[i].n); first = 0; }
        fputc('}', f);
    }
    fputs("}\n", f);
    if (fclose(f) != 0 || rename(tmp, stats_path) != 0) perror(stats_path);
}

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
                       : status == 404 ? "Not Found" : status == 405 ? "Method Not Allowed"
                       : status == 406 ? "Not Acceptable" : status == 413 ? "Content Too Large"
                       : status == 431 ? "Request Header Fields Too Large" : "Not Implemented";
    char head[256];
    int hn = snprintf(head, sizeof head, "HTTP/1.1 %d %s\r\n%sContent-Length: %zu\r\n%s\r\n", status, reason,
                      len ? "Content-Type: application/json\r\n" : "", len, extra_headers ? extra_headers : "");
    out_put(c, head, (size_t)hn);
    for (int i = 0; i < pieces; i++) out_put(c, body[i].p, body[i].n);
}

/* ---- JSON: just enough to validate a body and find the members of its objects ---- */

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
    for (int i = 0; i < nkeys; i++) vals[i] = (span){NULL, 0};
    if (!obj.p) return -1;
    const char *p = ws(obj.p, obj.p + obj.n), *e = obj.p + obj.n;
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

/* The value of one member of an object (p == NULL when absent or obj is not an object). */
static span get(span obj, const char *key) {
    const char *const keys[] = {key};
    span v;
    members(obj, keys, &v, 1);
    return v;
}

static int is_str(span s, const char *text) {
    size_t n = strlen(text);
    return s.p && s.n == n + 2 && s.p[0] == '"' && memcmp(s.p + 1, text, n) == 0;
}

/* The characters between a JSON string's quotes, still escaped (safe to paste into another
 * JSON string). Returns 0 unless v is a string. */
static int inner(span v, span *out) {
    if (!v.p || v.n < 2 || v.p[0] != '"') return 0;
    *out = (span){v.p + 1, v.n - 2};
    return 1;
}

static int span_eq(span a, const char *s) { return a.p && a.n == strlen(s) && memcmp(a.p, s, a.n) == 0; }

static int handshake_version(span v) {
    for (int i = 0; i < 4; i++)
        if (span_eq(v, HANDSHAKE[i])) return 1;
    return 0;
}

static int hexval(char ch) {
    return ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10 : -1;
}

static size_t put_utf8(char *o, unsigned long cp) {
    if (cp < 0x80) { o[0] = (char)cp; return 1; }
    if (cp < 0x800) { o[0] = (char)(0xC0 | cp >> 6); o[1] = (char)(0x80 | (cp & 0x3F)); return 2; }
    if (cp < 0x10000) { o[0] = (char)(0xE0 | cp >> 12); o[1] = (char)(0x80 | (cp >> 6 & 0x3F)); o[2] = (char)(0x80 | (cp & 0x3F)); return 3; }
    o[0] = (char)(0xF0 | cp >> 18); o[1] = (char)(0x80 | (cp >> 12 & 0x3F));
    o[2] = (char)(0x80 | (cp >> 6 & 0x3F)); o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Decodes the escaped characters of a JSON string (see inner) into out. Returns the length, or
 * -1 when it does not fit or an escape is malformed. */
static long unescape(span s, char *out, size_t cap) {
    size_t o = 0;
    for (size_t i = 0; i < s.n; i++) {
        if (o + 4 > cap) return -1;
        if (s.p[i] != '\\') { out[o++] = s.p[i]; continue; }
        if (++i >= s.n) return -1;
        char ch = s.p[i];
        const char *simple = strchr("\"\\/bfnrt", ch);
        if (simple && ch) { out[o++] = "\"\\/\b\f\n\r\t"[simple - "\"\\/bfnrt"]; continue; }
        if (ch != 'u' || i + 4 >= s.n) return -1;
        unsigned long cp = 0;
        for (int k = 1; k <= 4; k++) {
            int h = hexval(s.p[i + k]);
            if (h < 0) return -1;
            cp = cp << 4 | (unsigned long)h;
        }
        i += 4;
        if (cp >= 0xD800 && cp < 0xDC00 && i + 6 < s.n && s.p[i + 1] == '\\' && s.p[i + 2] == 'u') {
            unsigned long lo = 0;
            for (int k = 3; k <= 6; k++) {
                int h = hexval(s.p[i + k]);
                if (h < 0) return -1;
                lo = lo << 4 | (unsigned long)h;
            }
            if (lo >= 0xDC00 && lo < 0xE000) { cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00); i += 6; }
        }
        o += put_utf8(out + o, cp);
    }
    return (long)o;
}

/* A header value as bytes: =?base64?...?= is decoded (RFC 4648, padding optional). */
static long header_bytes(span h, char *out, size_t cap) {
    if (h.n >= 12 && memcmp(h.p, "=?base64?", 9) == 0 && memcmp(h.p + h.n - 2, "?=", 2) == 0) {
        static const char A[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        unsigned long acc = 0;
        int bits = 0;
        size_t o = 0;
        for (size_t i = 9; i < h.n - 2; i++) {
            if (h.p[i] == '=') break;
            const char *q = h.p[i] ? strchr(A, h.p[i]) : NULL;
            if (!q) return -1;
            acc = acc << 6 | (unsigned long)(q - A), bits += 6;
            if (bits >= 8) {
                if (o >= cap) return -1;
                out[o++] = (char)(acc >> (bits - 8) & 0xFF), bits -= 8;
            }
        }
        return (long)o;
    }
    if (h.n > cap) return -1;
    memcpy(out, h.p, h.n);
    return (long)h.n;
}

/* Whether a header value (decoded) equals a JSON string value (unescaped). */
static int header_matches(span header, span json_string) {
    static char a[8192], b[8192];
    span in;
    if (!header.p || !inner(json_string, &in)) return 0;
    long na = header_bytes(header, a, sizeof a), nb = unescape(in, b, sizeof b);
    return na >= 0 && na == nb && memcmp(a, b, (size_t)na) == 0;
}

/* ---- sessions (--require-session) ---- */

static char (*sessions)[40];
static size_t nsessions, sessions_cap;

static const char *new_session(void) {
    unsigned char r[16];
    if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r) { perror("getrandom"); exit(1); }
    if (nsessions == sessions_cap) {
        sessions_cap = sessions_cap ? sessions_cap * 2 : 64;
        sessions = realloc(sessions, sessions_cap * sizeof *sessions);
        if (!sessions) { perror("realloc"); exit(1); }
    }
    char *s = sessions[nsessions++];
    memcpy(s, "fb-", 3);
    for (int i = 0; i < 16; i++) snprintf(s + 3 + 2 * i, 3, "%02x", r[i]);
    return s;
}

static long find_session(span id) {
    for (size_t i = 0; i < nsessions; i++)
        if (span_eq(id, sessions[i])) return (long)i;
    return -1;
}

/* ---- MCP ---- */

/* What the HTTP layer learnt from the request head; zero for stdio. */
typedef struct {
    int http;
    span version, method, name, session; /* MCP-Protocol-Version, Mcp-Method, Mcp-Name, Mcp-Session-Id */
    const char *duplicated;              /* a routing header that appears more than once */
    int accept_json;                     /* Accept admits application/json */
} head_info;

/* An answer: HTTP status, extra header lines, body in sb (empty: no body). */
typedef struct { int status; char headers[128]; } answer;

static int modern_status(int code) {
    return code == -32601 ? 404 : (code == -32700 || code == -32600 || code == -32602 || code == -32020 || code == -32022) ? 400 : 200;
}

/* {"jsonrpc":"2.0","id":ID,"error":{"code":C,"message":"M"[,"data":D]}}; id NULL -> null. */
static void error_body(span id, int code, const char *message, span message_tail, span data) {
    sb.n = 0;
    bstr(&sb, "{\"jsonrpc\":\"2.0\",\"id\":");
    if (id.p) bspan(&sb, id); else bstr(&sb, "null");
    bfmt(&sb, ",\"error\":{\"code\":%d,\"message\":\"%s", code, message);
    if (message_tail.p) bspan(&sb, message_tail);
    bstr(&sb, "\"");
    if (data.p) { bstr(&sb, ",\"data\":"); bspan(&sb, data); }
    bstr(&sb, "}}");
}

static void rpc_error(answer *a, int modern, span id, int code, const char *message, span tail, span data) {
    error_body(id, code, message, tail, data);
    a->status = modern ? modern_status(code) : 200;
}

/* -32022: data {supported, requested}. */
static void unsupported_version(answer *a, span id, int legacy_list, const char *requested, size_t rn) {
    static buf data;
    data.n = 0;
    bstr(&data, "{\"supported\":[");
    if (legacy_list)
        for (int i = 0; i < 4; i++) bfmt(&data, "%s\"%s\"", i ? "," : "", HANDSHAKE[i]);
    else bstr(&data, "\"" MODERN "\"");
    bstr(&data, "],\"requested\":");
    bjson(&data, requested, rn);
    bstr(&data, "}");
    error_body(id, -32022, "Unsupported protocol version", (span){0}, (span){data.p, data.n});
    a->status = 400;
}

static void caps(buf *b) {
    bstr(b, named ? "{\"tools\":{},\"prompts\":{},\"resources\":{}}" : "{\"tools\":{}}");
}

/* Result framing: open, members, close. A modern result gains resultType and serverInfo, and a
 * cacheable one ttlMs and cacheScope. */
static void result_open(span id) {
    sb.n = 0;
    bstr(&sb, "{\"jsonrpc\":\"2.0\",\"id\":");
    bspan(&sb, id);
    bstr(&sb, ",\"result\":{");
}
static void result_close(int modern, int cacheable) {
    if (modern) {
        const char *sep = sb.p[sb.n - 1] == '{' ? "" : ",";
        if (cacheable) bfmt(&sb, "%s\"ttlMs\":%ld,\"cacheScope\":\"%s\"", sep, ttl_ms, ttl_ms > 0 ? "public" : "private"), sep = ",";
        bfmt(&sb, "%s\"resultType\":\"complete\",\"_meta\":{\"io.modelcontextprotocol/serverInfo\":"
                  "{\"name\":\"%s\",\"version\":\"1.0.0\"}}", sep, server_name);
    }
    bstr(&sb, "}}");
}

/* The listed tool called `name` (the escaped characters of a JSON string), or -1. */
static int tool_index(span name) {
    static char tmp[256];
    long n = unescape(name, tmp, sizeof tmp);
    for (size_t i = 0; n >= 0 && i < tool_count; i++)
        if (span_eq((span){tmp, (size_t)n}, tool_name[i])) return (int)i;
    return -1;
}

static void tools_list(answer *a, int modern, span id, span params) {
    size_t from = 0, to = tool_count;
    span cursor = get(params, "cursor"), cur;
    if (cursor.p && !(cursor.n == 4 && memcmp(cursor.p, "null", 4) == 0)) { /* null counts as no cursor */
        char *stop;
        if (!inner(cursor, &cur) || cur.n < 5 || memcmp(cur.p, "page.", 5) != 0 || cur.n > 20) goto bad;
        char num[24];
        memcpy(num, cur.p + 5, cur.n - 5);
        num[cur.n - 5] = '\0';
        unsigned long v = strtoul(num, &stop, 10);
        if (*stop || stop == num || v == 0 || v >= tool_count) goto bad;
        from = v;
    }
    if (page_size > 0 && to - from > (size_t)page_size) to = from + (size_t)page_size;
    result_open(id);
    bstr(&sb, "\"tools\":[");
    for (size_t i = from; i < to; i++) {
        if (i > from) bstr(&sb, ",");
        bstr(&sb, tool_json[i]);
    }
    bstr(&sb, "]");
    if (to < tool_count) bfmt(&sb, ",\"nextCursor\":\"page.%zu\"", to);
    result_close(modern, 1);
    return;
bad:
    rpc_error(a, modern, id, -32602, "Invalid cursor", (span){0}, (span){0});
}

static void tools_call(answer *a, int modern, span id, span params) {
    span name = get(params, "name"), tool, text = {0};
    if (named) {
        if (!inner(name, &tool)) { rpc_error(a, modern, id, -32602, "Invalid params: tools/call needs a name", (span){0}, (span){0}); return; }
        if (tool_index(tool) < 0) { rpc_error(a, modern, id, -32602, "Unknown tool: ", tool, (span){0}); return; }
        inner(get(get(params, "arguments"), "text"), &text);
    }
    result_open(id);
    bstr(&sb, "\"content\":[{\"type\":\"text\",\"text\":\"");
    if (named) { bstr(&sb, server_name); bstr(&sb, ":"); bspan(&sb, tool); bstr(&sb, ":"); }
    if (text.p) bspan(&sb, text); else bput(&sb, lorem, lorem_len);
    bstr(&sb, "\"}],\"isError\":false");
    result_close(modern, 0);
}

static void prompts_list(int modern, span id) {
    result_open(id);
    bfmt(&sb, "\"prompts\":[{\"name\":\"greet\",\"description\":\"%s greets someone\","
              "\"arguments\":[{\"name\":\"who\",\"description\":\"who to greet\",\"required\":false}]},"
              "{\"name\":\"summary\",\"description\":\"%s summarises itself\"}]", server_name, server_name);
    result_close(modern, 1);
}

static void prompts_get(answer *a, int modern, span id, span params) {
    span name = get(params, "name"), who = {0};
    inner(get(get(params, "arguments"), "who"), &who);
    result_open(id);
    if (is_str(name, "greet")) {
        bfmt(&sb, "\"description\":\"%s greets someone\",\"messages\":[{\"role\":\"user\",\"content\":"
                  "{\"type\":\"text\",\"text\":\"%s:greet:", server_name, server_name);
        if (who.p) bspan(&sb, who); else bstr(&sb, "world");
        bstr(&sb, "\"}}]");
    } else if (is_str(name, "summary")) {
        bfmt(&sb, "\"messages\":[{\"role\":\"user\",\"content\":{\"type\":\"text\",\"text\":\"%s:summary:\"}}]", server_name);
    } else {
        span n = {0};
        inner(name, &n);
        rpc_error(a, modern, id, -32602, "Unknown prompt: ", n, (span){0});
        return;
    }
    result_close(modern, 0);
}

static void resources_list(int modern, span id) {
    result_open(id);
    bfmt(&sb, "\"resources\":[{\"uri\":\"fast://%s/readme\",\"name\":\"readme\",\"description\":\"%s's readme\","
              "\"mimeType\":\"text/plain\"},{\"uri\":\"fast://%s/data.json\",\"name\":\"data\",\"mimeType\":"
              "\"application/json\"}]", server_name, server_name, server_name);
    result_close(modern, 1);
}

static void templates_list(int modern, span id) {
    result_open(id);
    bfmt(&sb, "\"resourceTemplates\":[{\"uriTemplate\":\"fast://%s/items/{id}\",\"name\":\"item\","
              "\"description\":\"an item of %s\",\"mimeType\":\"text/plain\"}]", server_name, server_name);
    result_close(modern, 1);
}

static void resources_read(answer *a, int modern, span id, span params) {
    span uri = get(params, "uri"), u = {0};
    char prefix[128];
    int pn = snprintf(prefix, sizeof prefix, "fast://%s/", server_name);
    if (inner(uri, &u) && u.n > (size_t)pn && memcmp(u.p, prefix, (size_t)pn) == 0) {
        span rest = {u.p + pn, u.n - (size_t)pn};
        const char *mime = NULL;
        static buf text;
        text.n = 0;
        if (span_eq(rest, "readme")) mime = "text/plain", bfmt(&text, "%s:readme", server_name);
        else if (span_eq(rest, "data.json")) mime = "application/json", bfmt(&text, "{\\\"backend\\\":\\\"%s\\\"}", server_name);
        else if (rest.n > 6 && memcmp(rest.p, "items/", 6) == 0) {
            mime = "text/plain";
            bfmt(&text, "%s:item:", server_name);
            bput(&text, rest.p + 6, rest.n - 6);
        }
        if (mime) {
            result_open(id);
            bstr(&sb, "\"contents\":[{\"uri\":");
            bspan(&sb, uri);
            bfmt(&sb, ",\"mimeType\":\"%s\",\"text\":\"", mime);
            bput(&sb, text.p, text.n);
            bstr(&sb, "\"}]");
            result_close(modern, 1);
            return;
        }
    }
    static buf data;
    data.n = 0;
    bstr(&data, "{\"uri\":");
    if (uri.p) bspan(&data, uri); else bstr(&data, "null");
    bstr(&data, "}");
    rpc_error(a, modern, id, modern ? -32602 : -32002, "Resource not found", (span){0}, (span){data.p, data.n});
}

/* A request with a valid id, in either era, after the era's checks. */
static void dispatch(answer *a, int modern, span id, span method, span params) {
    if (is_str(method, "initialize") && !modern) {
        /* The client's version when it is one we know, else the one we speak best. */
        span version = LIT("2025-06-18"), v = get(params, "protocolVersion");
        for (int i = 0; i < 4; i++)
            if (is_str(v, HANDSHAKE[i])) version = (span){HANDSHAKE[i], strlen(HANDSHAKE[i])};
        result_open(id);
        bstr(&sb, "\"protocolVersion\":\"");
        bspan(&sb, version);
        bstr(&sb, "\",\"capabilities\":");
        caps(&sb);
        bfmt(&sb, ",\"serverInfo\":{\"name\":\"%s\",\"version\":\"1.0.0\"}", server_name);
        result_close(0, 0);
        snprintf(a->headers, sizeof a->headers, "Mcp-Session-Id: %s\r\n", require_session ? new_session() : SESSION_ID);
    } else if (is_str(method, "server/discover") && modern) {
        result_open(id);
        bstr(&sb, "\"supportedVersions\":[\"" MODERN "\"],\"capabilities\":");
        caps(&sb);
        result_close(1, 1);
    } else if (is_str(method, "tools/list")) {
        tools_list(a, modern, id, params);
    } else if (is_str(method, "tools/call")) {
        tools_call(a, modern, id, params);
    } else if (is_str(method, "ping") && !modern) {
        result_open(id);
        result_close(0, 0);
    } else if (named && is_str(method, "logging/setLevel") && !modern) {
        result_open(id);
        result_close(0, 0);
    } else if (named && is_str(method, "prompts/list")) {
        prompts_list(modern, id);
    } else if (named && is_str(method, "prompts/get")) {
        prompts_get(a, modern, id, params);
    } else if (named && is_str(method, "resources/list")) {
        resources_list(modern, id);
    } else if (named && is_str(method, "resources/templates/list")) {
        templates_list(modern, id);
    } else if (named && is_str(method, "resources/read")) {
        resources_read(a, modern, id, params);
    } else {
        rpc_error(a, modern, id, -32601, "Method not found", (span){0}, (span){0});
    }
}

static int valid_id(span id) { return id.p[0] == '"' || id.p[0] == '-' || (id.p[0] >= '0' && id.p[0] <= '9'); }

/* The modern ladder (see the top of the file), then dispatch. */
static void handle_modern(answer *a, const head_info *h, span id, span method, span params) {
    span meta = get(params, "_meta"), pv = get(meta, PV_KEY);
    if (h->http && h->duplicated) {
        rpc_error(a, 1, id, -32020, h->duplicated, LIT(" header appears more than once"), (span){0});
        return;
    }
    if (!pv.p || !get(meta, CAPS_KEY).p) {
        rpc_error(a, 1, id, -32602, "params._meta is missing the required envelope key(s): " PV_KEY
                  " and/or " CAPS_KEY, (span){0}, (span){0});
        return;
    }
    if (h->http) {
        if (!header_matches(h->version, pv)) {
            rpc_error(a, 1, id, -32020, "mcp-protocol-version header does not match the request envelope's protocol version", (span){0}, (span){0});
            return;
        }
        if (!header_matches(h->method, method)) {
            rpc_error(a, 1, id, -32020, "mcp-method header does not match the request body's method", (span){0}, (span){0});
            return;
        }
        int by_name = is_str(method, "tools/call") || is_str(method, "prompts/get");
        span named_value = by_name ? get(params, "name") : is_str(method, "resources/read") ? get(params, "uri") : (span){0};
        if (named_value.p && !header_matches(h->name, named_value)) {
            rpc_error(a, 1, id, -32020, by_name ? "mcp-name header does not match the request body's 'name' parameter"
                                                : "mcp-name header does not match the request body's 'uri' parameter", (span){0}, (span){0});
            return;
        }
    }
    span v;
    if (!inner(pv, &v)) { rpc_error(a, 1, id, -32602, "the protocol-version envelope value must be a string", (span){0}, (span){0}); return; }
    if (!span_eq(v, MODERN)) {
        static char tmp[512];
        long n = unescape(v, tmp, sizeof tmp);
        if (n < 0) n = 0;
        unsupported_version(a, id, 0, tmp, (size_t)n);
        return;
    }
    dispatch(a, 1, id, method, params);
}

/* One JSON-RPC message (an HTTP POST body or a stdio line): the answer's status, headers and
 * body (in sb; sb.n == 0: no body). */
static void handle_message(span body, const head_info *h, answer *a) {
    static const char *const keys[] = {"id", "method", "params", "result", "error"};
    span f[5] = {{0}};
    sb.n = 0;
    a->status = 200;
    a->headers[0] = '\0';
    const char *e = body.p + body.n;
    const char *end = body.p ? skip_value(ws(body.p, e), e, 0) : NULL;
    int is_json = end && ws(end, e) == e;
    int is_object = is_json && members(body, keys, f, 5) == 0;
    span id = f[0], method = f[1], params = f[2];
    if (!is_object) id = method = params = (span){0};

    /* The era: the header on HTTP, params._meta's protocol version on stdio. */
    span version = {0}, pv;
    if (h->http) version = h->version;
    else if (inner(get(get(params, "_meta"), PV_KEY), &pv)) version = pv;
    int modern = version.p && !handshake_version(version);

    span counted = is_object ? LIT("(response)") : LIT("(invalid)");
    if (method.p && !inner(method, &counted)) counted = LIT("(invalid)");
    count(modern ? ERA_MODERN : ERA_LEGACY, counted.p, counted.n);

    if (modern && legacy_only) {
        static char tmp[512];
        long n = header_bytes(version, tmp, sizeof tmp);
        unsupported_version(a, id.p && valid_id(id) ? id : (span){0}, 1, tmp, n < 0 ? 0 : (size_t)n);
        return;
    }
    if (modern && h->http && !h->accept_json) { a->status = 406; return; }
    if (!is_json) { error_body((span){0}, -32700, "Parse error", (span){0}, (span){0}); a->status = 400; return; }

    if (modern) {
        if (!is_object || !method.p) {
            error_body((span){0}, -32600, "Body must be a single JSON-RPC request or notification object", (span){0}, (span){0});
            a->status = 400;
        } else if (!id.p) { /* a notification: acknowledged and dropped, if the version is served */
            if (span_eq(version, MODERN)) a->status = 202;
            else {
                static char tmp[512];
                long n = header_bytes(version, tmp, sizeof tmp);
                unsupported_version(a, (span){0}, 0, tmp, n < 0 ? 0 : (size_t)n);
            }
        } else if (!valid_id(id)) {
            error_body((span){0}, -32600, "Invalid Request: the id must be a string or a number", (span){0}, (span){0});
            a->status = 400;
        } else {
            handle_modern(a, h, id, method, params);
        }
        return;
    }

    /* The legacy (handshake) era. */
    if (modern_only) {
        span req = {0};
        if (is_str(method, "initialize")) inner(get(params, "protocolVersion"), &req);
        else if (version.p) req = version;
        if (!req.p) req = LIT("2025-03-26");
        static char tmp[512];
        long n = unescape(req, tmp, sizeof tmp);
        unsupported_version(a, id.p && valid_id(id) ? id : (span){0}, 0, tmp, n < 0 ? 0 : (size_t)n);
        return;
    }
    if (require_session && h->http && !is_str(method, "initialize")) {
        if (!h->session.p) { error_body((span){0}, -32600, "Bad Request: Missing session ID", (span){0}, (span){0}); a->status = 400; return; }
        if (find_session(h->session) < 0) { error_body((span){0}, -32600, "Session not found", (span){0}, (span){0}); a->status = 404; return; }
    }
    if (!is_object) { error_body((span){0}, -32600, "Invalid Request: not an object", (span){0}, (span){0}); a->status = 400; return; }
    if (!method.p) { /* a client's response to a server request is accepted like a notification */
        if (id.p && (f[3].p || f[4].p)) a->status = 202;
        else { error_body((span){0}, -32600, "Invalid Request", (span){0}, (span){0}); a->status = 400; }
        return;
    }
    if (!id.p) { a->status = 202; return; }
    if (!valid_id(id)) {
        error_body((span){0}, -32600, "Invalid Request: the id must be a string or a number", (span){0}, (span){0});
        a->status = 400;
        return;
    }
    dispatch(a, 0, id, method, params);
}

/* ---- HTTP/1.1 ---- */

/* The value of a header line "Name: value\r\n" if its name is `name` (with the colon). */
static int header_line(const char *line, const char *lim, const char *name, span *out) {
    size_t n = strlen(name);
    if ((size_t)(lim - line) < n || strncasecmp(line, name, n) != 0) return 0;
    const char *v = line + n, *stop = memchr(v, '\n', (size_t)(lim - v));
    if (!stop) stop = lim;
    while (v < stop && (*v == ' ' || *v == '\t')) v++;
    while (stop > v && (stop[-1] == '\r' || stop[-1] == ' ' || stop[-1] == '\t')) stop--;
    *out = (span){v, (size_t)(stop - v)};
    return 1;
}

static int accepts_json(span v) {
    return memmem(v.p, v.n, "application/json", 16) || memmem(v.p, v.n, "application/*", 13) || memmem(v.p, v.n, "*/*", 3);
}

/* DELETE under --require-session (legacy): ends a session this process issued. */
static void delete_session(conn *c, const head_info *h) {
    answer a = {200, ""};
    long i;
    sb.n = 0;
    if (!h->session.p) { error_body((span){0}, -32600, "Bad Request: Missing session ID", (span){0}, (span){0}); a.status = 400; }
    else if ((i = find_session(h->session)) < 0) { error_body((span){0}, -32600, "Session not found", (span){0}, (span){0}); a.status = 404; }
    else memcpy(sessions[i], sessions[--nsessions], sizeof sessions[0]);
    span s = {sb.p, sb.n};
    reply(c, a.status, NULL, &s, sb.n ? 1 : 0);
}

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
        head_info h = {.http = 1};
        int seen_version = 0, seen_method = 0, seen_name = 0;
        span hv;
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
            } else if (header_line(line, end + 2, "mcp-protocol-version:", &hv)) {
                if (seen_version++) h.duplicated = "mcp-protocol-version";
                h.version = hv;
            } else if (header_line(line, end + 2, "mcp-method:", &hv)) {
                if (seen_method++) h.duplicated = "mcp-method";
                h.method = hv;
            } else if (header_line(line, end + 2, "mcp-name:", &hv)) {
                if (seen_name++) h.duplicated = "mcp-name";
                h.name = hv;
            } else if (header_line(line, end + 2, "mcp-session-id:", &hv)) {
                h.session = hv;
            } else if (header_line(line, end + 2, "accept:", &hv)) {
                h.accept_json |= accepts_json(hv);
            }
        }
        if (chunked) { reply(c, 501, "Connection: close\r\n", NULL, 0); rc = -1; break; }
        if (bad) { reply(c, body_len > MAX_BODY ? 413 : 400, "Connection: close\r\n", NULL, 0); rc = -1; break; }
        if (avail < head_len + body_len) break; /* the rest of the body is still to come */
        if (post) {
            answer a;
            handle_message((span){start + head_len, body_len}, &h, &a);
            span s = {sb.p, sb.n};
            reply(c, a.status, a.headers[0] ? a.headers : NULL, &s, sb.n ? 1 : 0);
        } else {
            const char *sp = memchr(start, ' ', head_len);
            count(ERA_HTTP, start, sp ? (size_t)(sp - start) : 0);
            int modern = h.version.p && !handshake_version(h.version);
            if (require_session && !modern && head_len > 7 && memcmp(start, "DELETE ", 7) == 0) delete_session(c, &h);
            else reply(c, 405, require_session ? "Allow: POST, DELETE\r\n" : "Allow: POST\r\n", NULL, 0);
        }
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

/* ---- signals (--stats-file only): SIGUSR1 writes the counts, SIGTERM/SIGINT write and exit ---- */

static int signal_fd(void) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    if (sigprocmask(SIG_BLOCK, &set, NULL) < 0) { perror("sigprocmask"); exit(1); }
    int fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    if (fd < 0) { perror("signalfd"); exit(1); }
    return fd;
}

static void on_signals(int sfd) {
    struct signalfd_siginfo si;
    while (read(sfd, &si, sizeof si) == (ssize_t)sizeof si) {
        write_stats();
        if (si.ssi_signo != SIGUSR1) exit(0);
    }
}

/* ---- stdio ---- */

/* Answers one line; returns -1 when stdout is gone. */
static int stdio_line(span line) {
    static const head_info h = {0};
    if (line.n && line.p[line.n - 1] == '\r') line.n--;
    if (ws(line.p, line.p + line.n) == line.p + line.n) return 0; /* blank */
    answer a;
    handle_message(line, &h, &a);
    if (!sb.n) return 0;
    bput(&sb, "\n", 1);
    for (size_t o = 0; o < sb.n;) {
        ssize_t w = write(1, sb.p + o, sb.n - o);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        o += (size_t)w;
    }
    return 0;
}

static int serve_stdio(int sfd) {
    fprintf(stderr, "fast_backend: stdio, name %s, pid %d\n", server_name, (int)getpid());
    buf in = {0};
    int rc = 0;
    struct pollfd pf[2] = {{.fd = 0, .events = POLLIN}, {.fd = sfd, .events = POLLIN}};
    for (;;) {
        if (poll(pf, sfd >= 0 ? 2 : 1, -1) < 0) {
            if (errno == EINTR) continue;
            perror("poll");
            rc = 1;
            break;
        }
        if (sfd >= 0 && (pf[1].revents & POLLIN)) on_signals(sfd);
        if (!pf[0].revents) continue;
        if (in.n == in.cap) {
            if (in.cap > MAX_BODY) { fprintf(stderr, "fast_backend: a line over %d bytes\n", MAX_BODY); rc = 1; break; }
            char *q = realloc(in.p, in.cap + 65536);
            if (!q) { rc = 1; break; }
            in.p = q, in.cap += 65536;
        }
        size_t scanned = in.n;
        ssize_t r = read(0, in.p + in.n, in.cap - in.n);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) { /* end of input (or an error): answer an unterminated last line, then stop */
            if (in.n && stdio_line((span){in.p, in.n}) < 0) rc = 1;
            break;
        }
        in.n += (size_t)r;
        size_t from = 0;
        char *nl;
        while ((nl = memchr(in.p + scanned, '\n', in.n - scanned))) {
            if (stdio_line((span){in.p + from, (size_t)(nl - (in.p + from))}) < 0) { rc = 1; goto out; }
            from = scanned = (size_t)(nl - in.p) + 1;
        }
        memmove(in.p, in.p + from, in.n - from);
        in.n -= from;
    }
out:
    free(in.p);
    write_stats();
    return rc;
}

/* ---- start ---- */

static int valid_name(const char *s) {
    size_t n = strlen(s);
    if (n == 0 || n > 64) return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || strchr("_.-", *s))) return 0;
    return 1;
}

static void build_tools(void) {
    size_t n = ntools < 0 ? 3 : (size_t)ntools;
    tool_json = calloc(n + 1, sizeof *tool_json);
    tool_name = calloc(n + 1, sizeof *tool_name);
    if (!tool_json || !tool_name) { perror("calloc"); exit(1); }
    for (size_t i = 0; i < n; i++) {
        char tmp[512];
        if (ntools < 0 || i == 0) {
            tool_json[i] = strdup(DEFAULT_TOOLS[i]);
            tool_name[i] = strdup(i == 0 ? "echo" : i == 1 ? "add" : "lorem");
        } else {
            snprintf(tmp, sizeof tmp, "{\"name\":\"tool%zu\",\"description\":\"Tool %zu of %s: answers %s:tool%zu:TEXT\","
                     "\"inputSchema\":{\"type\":\"object\",\"properties\":{\"text\":{\"type\":\"string\"}}}}",
                     i, i, server_name, server_name, i);
            tool_json[i] = strdup(tmp);
            snprintf(tmp, sizeof tmp, "tool%zu", i);
            tool_name[i] = strdup(tmp);
        }
    }
    tool_count = n;
}

int main(int argc, char **argv) {
    long port = 9000;
    int stdio = 0;
    for (int i = 1; i < argc; i++) {
        if (i + 1 < argc && strcmp(argv[i], "--port") == 0) port = strtol(argv[++i], NULL, 10);
        else if (i + 1 < argc && strcmp(argv[i], "--result-bytes") == 0) lorem_len = strtoul(argv[++i], NULL, 10);
        else if (i + 1 < argc && strcmp(argv[i], "--name") == 0) server_name = argv[++i], named = 1;
        else if (i + 1 < argc && strcmp(argv[i], "--tools") == 0) ntools = strtol(argv[++i], NULL, 10);
        else if (i + 1 < argc && strcmp(argv[i], "--page-size") == 0) page_size = strtol(argv[++i], NULL, 10);
        else if (i + 1 < argc && strcmp(argv[i], "--ttl-ms") == 0) ttl_ms = strtol(argv[++i], NULL, 10);
        else if (i + 1 < argc && strcmp(argv[i], "--stats-file") == 0) stats_path = argv[++i];
        else if (strcmp(argv[i], "--require-session") == 0) require_session = 1;
        else if (strcmp(argv[i], "--legacy-only") == 0) legacy_only = 1;
        else if (strcmp(argv[i], "--modern-only") == 0) modern_only = 1;
        else if (strcmp(argv[i], "--stdio") == 0) stdio = 1;
        else {
            fprintf(stderr, "usage: %s [--port N] [--result-bytes N] [--name NAME] [--tools N] [--page-size K] [--ttl-ms N]\n"
                            "       [--require-session] [--legacy-only | --modern-only] [--stdio] [--stats-file PATH]\n", argv[0]);
            return 2;
        }
    }
    if (port <= 0 || port > 65535 || lorem_len > MAX_BODY) { fprintf(stderr, "bad --port or --result-bytes\n"); return 2; }
    if (!valid_name(server_name)) { fprintf(stderr, "bad --name: 1 to 64 of [A-Za-z0-9_.-]\n"); return 2; }
    if (ntools < -1 || ntools > 1000000 || page_size < 0 || ttl_ms < 0 || (legacy_only && modern_only)) {
        fprintf(stderr, "bad --tools, --page-size or --ttl-ms, or both --legacy-only and --modern-only\n");
        return 2;
    }
    static const char words[] = "lorem ipsum dolor sit amet consectetur adipiscing elit ";
    lorem = malloc(lorem_len + 1);
    for (size_t i = 0; i < lorem_len; i++) lorem[i] = words[i % (sizeof words - 1)];
    build_tools();
    int sfd = stats_path ? signal_fd() : -1;
    if (stdio) {
        signal(SIGPIPE, SIG_IGN);
        return serve_stdio(sfd);
    }

    signal(SIGPIPE, SIG_IGN);
    struct rlimit rl; /* thousands of connections: take every descriptor we are allowed */
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }

    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1;
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                               .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (bind(lfd, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(lfd, 4096) < 0) { perror("listen"); return 1; }
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event lev = {.events = EPOLLIN, .data.ptr = NULL}; /* level-triggered: a refused accept is retried */
    epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &lev);
    static int signal_marker;
    if (sfd >= 0) {
        struct epoll_event sev = {.events = EPOLLIN, .data.ptr = &signal_marker};
        epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &sev);
    }
    fprintf(stderr, "fast_backend: listening on 127.0.0.1:%ld, tools/call text %zu bytes", port, lorem_len);
    if (named || ntools >= 0 || page_size || require_session || legacy_only || modern_only || stats_path)
        fprintf(stderr, ", name %s, %zu tools, page size %ld%s%s%s", server_name, tool_count, page_size,
                require_session ? ", sessions required" : "", legacy_only ? ", legacy only" : "", modern_only ? ", modern only" : "");
    fputc('\n', stderr);

    struct epoll_event evs[256];
    for (;;) {
        int n = epoll_wait(ep, evs, 256, -1);
        if (n < 0 && errno != EINTR) { perror("epoll_wait"); return 1; }
        for (int i = 0; i < n; i++) {
            conn *c = evs[i].data.ptr;
            if (!c) { accept_all(ep, lfd); continue; }
            if ((void *)c == &signal_marker) { on_signals(sfd); continue; }
            if ((evs[i].events & EPOLLERR) || serve(c) < 0) {
                close(c->fd); /* also removes it from the epoll set */
                free(c->in);
                free(c->out);
                free(c);
            }
        }
    }
}
