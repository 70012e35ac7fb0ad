#define _GNU_SOURCE
#include "CEdgeShims.h"

int cedge_accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags) { return accept4(fd, addr, len, flags); }
#include <malloc.h>
int cedge_malloc_trim(size_t pad) { return malloc_trim(pad); }
size_t cedge_malloc_in_use(void) {
    struct mallinfo2 info = mallinfo2();
    return info.uordblks + info.hblkhd;
}

#include <pthread.h>
int cedge_set_thread_name(const char *name) { return pthread_setname_np(pthread_self(), name); }

uint32_t cedge_epoll_event_events(const struct epoll_event *ev) { return ev->events; }
uint64_t cedge_epoll_event_data(const struct epoll_event *ev) { return ev->data.u64; }
size_t cedge_epoll_event_size(void) { return sizeof(struct epoll_event); }
int cedge_epoll_ctl(int epfd, int op, int fd, uint32_t events, uint64_t data) {
    struct epoll_event ev;
    ev.events = events;
    ev.data.u64 = data;
    return epoll_ctl(epfd, op, fd, &ev);
}

long cedge_SSL_CTX_set_mode(SSL_CTX *ctx, long mode) { return SSL_CTX_set_mode(ctx, mode); }
long cedge_SSL_set_mode(SSL *ssl, long mode) { return SSL_set_mode(ssl, mode); }
long cedge_SSL_clear_mode(SSL *ssl, long mode) { return SSL_clear_mode(ssl, mode); }
long cedge_SSL_CTX_set_read_ahead(SSL_CTX *ctx, int yes) { return SSL_CTX_set_read_ahead(ctx, yes); }

static long cedge_read_watch(BIO *bio, int oper, const char *argp, size_t len, int argi, long argl,
                             int ret, size_t *processed) {
    (void)argp; (void)argi; (void)argl;
    if (oper == (BIO_CB_READ | BIO_CB_RETURN)) {
        unsigned char *drained = (unsigned char *)BIO_get_callback_arg(bio);
        if (drained != NULL) *drained = ret > 0 && processed != NULL && *processed < len;
    }
    return ret;
}

int cedge_SSL_watch_reads(SSL *ssl, unsigned char *drained) {
    BIO *rbio = SSL_get_rbio(ssl);
    if (rbio == NULL) return 0;
    BIO_set_callback_arg(rbio, (char *)drained);
    BIO_set_callback_ex(rbio, cedge_read_watch);
    return 1;
}
long cedge_SSL_CTX_set_options(SSL_CTX *ctx, uint64_t options) { return (long)SSL_CTX_set_options(ctx, options); }
int cedge_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int version) { return SSL_CTX_set_min_proto_version(ctx, version); }
long cedge_SSL_CTX_set_session_cache_mode(SSL_CTX *ctx, long mode) { return SSL_CTX_set_session_cache_mode(ctx, mode); }
int cedge_SSL_CTX_set_tlsext_servername_callback(SSL_CTX *ctx, int (*cb)(SSL *, int *, void *)) {
    return (int)SSL_CTX_set_tlsext_servername_callback(ctx, cb);
}
int cedge_SSL_CTX_set_tlsext_servername_arg(SSL_CTX *ctx, void *arg) { return (int)SSL_CTX_set_tlsext_servername_arg(ctx, arg); }
int cedge_SSL_CTX_set1_groups_list(SSL_CTX *ctx, const char *list) { return (int)SSL_CTX_set1_groups_list(ctx, list); }
long cedge_SSL_CTX_set_num_tickets(SSL_CTX *ctx, size_t n) { return SSL_CTX_set_num_tickets(ctx, n); }
int cedge_SSL_set_tlsext_host_name(SSL *ssl, const char *name) { return (int)SSL_set_tlsext_host_name(ssl, name); }
uint64_t cedge_SSL_OP_NO_RENEGOTIATION(void) { return SSL_OP_NO_RENEGOTIATION; }
uint64_t cedge_SSL_OP_CIPHER_SERVER_PREFERENCE(void) { return SSL_OP_CIPHER_SERVER_PREFERENCE; }
uint64_t cedge_SSL_OP_PRIORITIZE_CHACHA(void) { return SSL_OP_PRIORITIZE_CHACHA; }
uint64_t cedge_SSL_OP_NO_COMPRESSION(void) { return SSL_OP_NO_COMPRESSION; }
long cedge_SSL_MODE_RELEASE_BUFFERS(void) { return SSL_MODE_RELEASE_BUFFERS; }
long cedge_SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER(void) { return SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER; }
long cedge_SSL_MODE_ENABLE_PARTIAL_WRITE(void) { return SSL_MODE_ENABLE_PARTIAL_WRITE; }

int cedge_SSL_CTX_set_max_proto_version(SSL_CTX *ctx, int version) { return (int)SSL_CTX_set_max_proto_version(ctx, version); }
long cedge_SSL_CTX_sess_set_cache_size(SSL_CTX *ctx, long size) { return SSL_CTX_sess_set_cache_size(ctx, size); }
int cedge_ERR_GET_REASON(unsigned long error) { return ERR_GET_REASON(error); }
void cedge_OPENSSL_free(void *pointer) { OPENSSL_free(pointer); }
int cedge_sk_GENERAL_NAME_num(const GENERAL_NAMES *names) { return sk_GENERAL_NAME_num(names); }
const GENERAL_NAME *cedge_sk_GENERAL_NAME_value(const GENERAL_NAMES *names, int index) { return sk_GENERAL_NAME_value(names, index); }
int cedge_ERR_GET_LIB(unsigned long error) { return ERR_GET_LIB(error); }
uint64_t cedge_SSL_OP_IGNORE_UNEXPECTED_EOF(void) { return SSL_OP_IGNORE_UNEXPECTED_EOF; }
