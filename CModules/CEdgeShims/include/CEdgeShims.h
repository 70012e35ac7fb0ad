// What Swift cannot import on its own: the epoll/eventfd/timerfd headers that Glibc's module
// leaves out, child-process spawning (spawn.c), and OpenSSL's function-like macros. Nothing
// here holds state.
#ifndef CEDGE_SHIMS_H
#define CEDGE_SHIMS_H

#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/ssl.h>

// epoll constants as plain integers (the enum in <sys/epoll.h> imports awkwardly).
static const uint32_t cedge_EPOLLIN = EPOLLIN;
static const uint32_t cedge_EPOLLOUT = EPOLLOUT;
static const uint32_t cedge_EPOLLERR = EPOLLERR;
static const uint32_t cedge_EPOLLHUP = EPOLLHUP;
static const uint32_t cedge_EPOLLRDHUP = EPOLLRDHUP;
static const uint32_t cedge_EPOLLET = EPOLLET;

/// epoll_event is packed on x86_64; these accessors avoid misaligned reads from Swift.
uint32_t cedge_epoll_event_events(const struct epoll_event *ev);
uint64_t cedge_epoll_event_data(const struct epoll_event *ev);
int cedge_epoll_ctl(int epfd, int op, int fd, uint32_t events, uint64_t data);
size_t cedge_epoll_event_size(void);

/// glibc's malloc_trim(3) (<malloc.h> is not in Swift's Glibc module): returns freed heap pages
/// of every arena to the kernel. Returns 1 when memory was released.
int cedge_malloc_trim(size_t pad);
/// Heap bytes allocated and not yet freed, in every arena and in mmap'd chunks (mallinfo2).
size_t cedge_malloc_in_use(void);

/// accept4 is a GNU extension Swift's Glibc module does not export.
int cedge_accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags);
/// pthread_setname_np, also GNU-only.
int cedge_set_thread_name(const char *name);

// Child processes (spawn.c).
#include <sys/types.h>
/// The step of `cedge_spawn` that failed.
enum {
    CEDGE_SPAWN_PIPE = 1,
    CEDGE_SPAWN_FORK = 2,
    CEDGE_SPAWN_SETUP = 3,
    CEDGE_SPAWN_CHDIR = 4,
    CEDGE_SPAWN_EXEC = 5,
};
/// Starts `file` (searched in `search_path` when it has no slash; NULL: a default PATH) with
/// `argv` and exactly `envp`, in `cwd` (NULL: ours), its stdin/stdout/stderr connected to pipes.
/// The child gets default signal dispositions and an empty signal mask, its own process group,
/// PR_SET_PDEATHSIG = SIGKILL (tied to the calling thread), and no descriptor above 2.
/// On success returns the pid and stores our ends (stdin's write end, stdout's and stderr's read
/// ends; non-blocking, close-on-exec) in `parent_ends`; the exec has happened by then. On
/// failure returns -1 with the step (CEDGE_SPAWN_*) and its errno; nothing is left open or
/// unreaped.
pid_t cedge_spawn(const char *file, char *const argv[], char *const envp[], const char *search_path,
                  const char *cwd, int parent_ends[3], int *failed_step, int *failed_errno);
/// pidfd_open(2) (Linux 5.3): a close-on-exec descriptor that polls readable once `pid` exits.
/// -1 with errno (ENOSYS on older kernels).
int cedge_pidfd_open(pid_t pid);
/// Whether our child `pid` has exited, without blocking: 0 still running; 1 exited with
/// `*status` as its exit code; 2 killed by signal `*status`; -1 with errno (ECHILD: not ours, or
/// already reaped). With `reap` 0 the child is left a zombie (its pid stays reserved).
int cedge_child_state(pid_t pid, int reap, int *status);

// OpenSSL macros.
long cedge_SSL_CTX_set_mode(SSL_CTX *ctx, long mode);
long cedge_SSL_set_mode(SSL *ssl, long mode);
long cedge_SSL_clear_mode(SSL *ssl, long mode);
long cedge_SSL_CTX_set_read_ahead(SSL_CTX *ctx, int yes);
// Watches the reads of the socket BIO under `ssl`: after each one, *drained is 1 when it
// returned fewer bytes than asked (the socket's receive queue was emptied), else 0.
int cedge_SSL_watch_reads(SSL *ssl, unsigned char *drained);
long cedge_SSL_CTX_set_options(SSL_CTX *ctx, uint64_t options);
int cedge_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int version);
long cedge_SSL_CTX_set_session_cache_mode(SSL_CTX *ctx, long mode);
int cedge_SSL_CTX_set_tlsext_servername_callback(SSL_CTX *ctx, int (*cb)(SSL *, int *, void *));
int cedge_SSL_CTX_set_tlsext_servername_arg(SSL_CTX *ctx, void *arg);
int cedge_SSL_CTX_set1_groups_list(SSL_CTX *ctx, const char *list);
long cedge_SSL_CTX_set_num_tickets(SSL_CTX *ctx, size_t n);
int cedge_SSL_set_tlsext_host_name(SSL *ssl, const char *name);
uint64_t cedge_SSL_OP_NO_RENEGOTIATION(void);
uint64_t cedge_SSL_OP_CIPHER_SERVER_PREFERENCE(void);
uint64_t cedge_SSL_OP_PRIORITIZE_CHACHA(void);
uint64_t cedge_SSL_OP_NO_COMPRESSION(void);
long cedge_SSL_MODE_RELEASE_BUFFERS(void);
long cedge_SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER(void);
long cedge_SSL_MODE_ENABLE_PARTIAL_WRITE(void);

// OpenSSL macros used by EdgeTLS (certificate names, session cache, error reasons, tests).
#include <openssl/err.h>
#include <openssl/x509v3.h>
int cedge_SSL_CTX_set_max_proto_version(SSL_CTX *ctx, int version);
long cedge_SSL_CTX_sess_set_cache_size(SSL_CTX *ctx, long size);
int cedge_ERR_GET_REASON(unsigned long error);
void cedge_OPENSSL_free(void *pointer);
int cedge_sk_GENERAL_NAME_num(const GENERAL_NAMES *names);
const GENERAL_NAME *cedge_sk_GENERAL_NAME_value(const GENERAL_NAMES *names, int index);
int cedge_ERR_GET_LIB(unsigned long error);
uint64_t cedge_SSL_OP_IGNORE_UNEXPECTED_EOF(void);

#endif
