#include <nghttp2/nghttp2.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* The allocator mcp-edge gives nghttp2 (nghttp2_session_server_new3). Blocks of
 * CEDGE_H2_MAP_MIN bytes or more, in practice the 16 KiB outbound frame buffer every session
 * allocates when it is created, are mapped: the pages an idle session never writes stay out
 * of the resident set, about 12 KiB per idle HTTP/2 connection. Smaller blocks come from
 * malloc. Each block starts with a 16-byte header (its size, and whether it is mapped), so
 * returned pointers keep malloc's 16-byte alignment. */
#define CEDGE_H2_MAP_MIN 16384

typedef struct { size_t size; size_t mapped; } cedge_h2_block;

static inline void *cedge_h2_alloc(size_t size) {
    if (size > SIZE_MAX - sizeof(cedge_h2_block)) return NULL;
    size_t total = size + sizeof(cedge_h2_block);
    cedge_h2_block *block;
    if (size >= CEDGE_H2_MAP_MIN) {
        void *pages = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (pages == MAP_FAILED) return NULL;
        block = (cedge_h2_block *)pages;
        block->mapped = 1;
    } else {
        block = (cedge_h2_block *)malloc(total);
        if (block == NULL) return NULL;
        block->mapped = 0;
    }
    block->size = size;
    return block + 1;
}

static inline void cedge_h2_release(void *ptr) {
    if (ptr == NULL) return;
    cedge_h2_block *block = (cedge_h2_block *)ptr - 1;
    if (block->mapped) munmap(block, block->size + sizeof(cedge_h2_block));
    else free(block);
}

static inline void *cedge_h2_malloc(size_t size, void *user_data) {
    (void)user_data;
    return cedge_h2_alloc(size);
}

static inline void cedge_h2_free(void *ptr, void *user_data) {
    (void)user_data;
    cedge_h2_release(ptr);
}

static inline void *cedge_h2_calloc(size_t count, size_t size, void *user_data) {
    (void)user_data;
    if (size != 0 && count > SIZE_MAX / size) return NULL;
    void *ptr = cedge_h2_alloc(count * size);
    /* Mapped pages are already zero: writing them would make them resident. */
    if (ptr != NULL && !((cedge_h2_block *)ptr - 1)->mapped) memset(ptr, 0, count * size);
    return ptr;
}

static inline void *cedge_h2_realloc(void *ptr, size_t size, void *user_data) {
    (void)user_data;
    if (ptr == NULL) return cedge_h2_alloc(size);
    cedge_h2_block *old = (cedge_h2_block *)ptr - 1;
    if (!old->mapped && size < CEDGE_H2_MAP_MIN) {
        cedge_h2_block *block = (cedge_h2_block *)realloc(old, size + sizeof(cedge_h2_block));
        if (block == NULL) return NULL;
        block->size = size;
        return block + 1;
    }
    void *moved = cedge_h2_alloc(size);
    if (moved == NULL) return NULL;
    memcpy(moved, ptr, old->size < size ? old->size : size);
    cedge_h2_release(ptr);
    return moved;
}

static inline nghttp2_mem *cedge_nghttp2_mem(void) {
    static nghttp2_mem mem = { NULL, cedge_h2_malloc, cedge_h2_free, cedge_h2_calloc, cedge_h2_realloc };
    return &mem;
}
