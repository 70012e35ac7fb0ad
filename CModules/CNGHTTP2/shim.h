#include <nghttp2/nghttp2.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* The allocator mcp-edge gives nghttp2 (nghttp2_session_server_new3), one per session through
 * its user data, a cedge_h2_pages record.
 *
 * Blocks of CEDGE_H2_MAP_MIN bytes or more allocated while the session is being created are
 * mapped: in practice the 16 KiB outbound frame buffer every session keeps for its life.
 * Pages a session never writes stay out of the resident set, and an idle session gives the
 * written ones back with cedge_h2_pages_release (the buffer holds nothing between frames).
 * Mapped blocks carry no header, so the whole mapping can go; they are found in the record.
 * Every other block comes from malloc behind a 16-byte header (its size), so returned
 * pointers keep malloc's 16-byte alignment. */
#define CEDGE_H2_MAP_MIN 16384
#define CEDGE_H2_MAPPED_MAX 4

typedef struct {
    void *blocks[CEDGE_H2_MAPPED_MAX];
    size_t sizes[CEDGE_H2_MAPPED_MAX];
    /* Nonzero while nghttp2_session_server_new3 runs: only then are large blocks mapped. */
    int creating;
} cedge_h2_pages;

typedef struct { size_t size; size_t reserved; } cedge_h2_header;

static inline int cedge_h2_mapped_slot(const cedge_h2_pages *pages, const void *ptr) {
    for (int i = 0; i < CEDGE_H2_MAPPED_MAX; i++)
        if (pages->blocks[i] == ptr) return i;
    return -1;
}

static inline void *cedge_h2_alloc(size_t size, cedge_h2_pages *pages) {
    if (pages->creating && size >= CEDGE_H2_MAP_MIN) {
        int slot = cedge_h2_mapped_slot(pages, NULL);
        if (slot >= 0) {
            void *block = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            if (block == MAP_FAILED) return NULL;
            pages->blocks[slot] = block;
            pages->sizes[slot] = size;
            return block;
        }
    }
    if (size > SIZE_MAX - sizeof(cedge_h2_header)) return NULL;
    cedge_h2_header *header = (cedge_h2_header *)malloc(size + sizeof(cedge_h2_header));
    if (header == NULL) return NULL;
    header->size = size;
    return header + 1;
}

static inline size_t cedge_h2_size(const cedge_h2_pages *pages, void *ptr) {
    int slot = cedge_h2_mapped_slot(pages, ptr);
    return slot >= 0 ? pages->sizes[slot] : ((cedge_h2_header *)ptr - 1)->size;
}

static inline void cedge_h2_release(void *ptr, cedge_h2_pages *pages) {
    if (ptr == NULL) return;
    int slot = cedge_h2_mapped_slot(pages, ptr);
    if (slot >= 0) {
        munmap(ptr, pages->sizes[slot]);
        pages->blocks[slot] = NULL;
        pages->sizes[slot] = 0;
    } else {
        free((cedge_h2_header *)ptr - 1);
    }
}

static inline void *cedge_h2_malloc(size_t size, void *user_data) {
    return cedge_h2_alloc(size, (cedge_h2_pages *)user_data);
}

static inline void cedge_h2_free(void *ptr, void *user_data) {
    cedge_h2_release(ptr, (cedge_h2_pages *)user_data);
}

static inline void *cedge_h2_calloc(size_t count, size_t size, void *user_data) {
    cedge_h2_pages *pages = (cedge_h2_pages *)user_data;
    if (size != 0 && count > SIZE_MAX / size) return NULL;
    void *ptr = cedge_h2_alloc(count * size, pages);
    /* Mapped pages are already zero: writing them would make them resident. */
    if (ptr != NULL && cedge_h2_mapped_slot(pages, ptr) < 0) memset(ptr, 0, count * size);
    return ptr;
}

static inline void *cedge_h2_realloc(void *ptr, size_t size, void *user_data) {
    cedge_h2_pages *pages = (cedge_h2_pages *)user_data;
    if (ptr == NULL) return cedge_h2_alloc(size, pages);
    if (cedge_h2_mapped_slot(pages, ptr) < 0) {
        if (size > SIZE_MAX - sizeof(cedge_h2_header)) return NULL;
        cedge_h2_header *header = (cedge_h2_header *)realloc((cedge_h2_header *)ptr - 1, size + sizeof(cedge_h2_header));
        if (header == NULL) return NULL;
        header->size = size;
        return header + 1;
    }
    void *moved = cedge_h2_alloc(size, pages);
    if (moved == NULL) return NULL;
    size_t old = cedge_h2_size(pages, ptr);
    memcpy(moved, ptr, old < size ? old : size);
    cedge_h2_release(ptr, pages);
    return moved;
}

/* The allocator for one session; `pages` must be zeroed and outlive the session. */
static inline nghttp2_mem cedge_nghttp2_mem(cedge_h2_pages *pages) {
    nghttp2_mem mem = { pages, cedge_h2_malloc, cedge_h2_free, cedge_h2_calloc, cedge_h2_realloc };
    return mem;
}

/* Gives back the written pages of the session's mapped blocks. Call only while the session
 * has nothing to send (nghttp2_session_want_write is 0): their bytes are dead then. */
static inline void cedge_h2_pages_release(cedge_h2_pages *pages) {
    for (int i = 0; i < CEDGE_H2_MAPPED_MAX; i++)
        if (pages->blocks[i] != NULL) madvise(pages->blocks[i], pages->sizes[i], MADV_DONTNEED);
}

/* Resident bytes of the session's mapped blocks (tests). */
static inline size_t cedge_h2_pages_resident(const cedge_h2_pages *pages) {
    size_t resident = 0;
    long page = sysconf(_SC_PAGESIZE);
    for (int i = 0; i < CEDGE_H2_MAPPED_MAX; i++) {
        if (pages->blocks[i] == NULL) continue;
        size_t count = (pages->sizes[i] + (size_t)page - 1) / (size_t)page;
        unsigned char vector[64];
        if (count > sizeof vector || mincore(pages->blocks[i], pages->sizes[i], vector) != 0) continue;
        for (size_t p = 0; p < count; p++) resident += (vector[p] & 1) ? (size_t)page : 0;
    }
    return resident;
}
