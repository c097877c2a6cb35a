/* arena.c — bump allocation in a list of blocks (arena.h).
 *
 * Each block is one malloc: a header, then the bytes handed out from `used` up to
 * `cap`. Allocation takes from the newest block or starts a new one; nothing moves, so
 * pointers stay valid until aj_arena_free walks the list and frees every block.
 */
#include "base/arena.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct block {
    struct block *prev;
    size_t used, cap;
    alignas(max_align_t) unsigned char bytes[];
} block;

struct aj_arena {
    block *top;
    size_t n_used;
};

aj_arena *aj_arena_new(void) {
    return calloc(1, sizeof(aj_arena));
}

void aj_arena_free(aj_arena *a) {
    if (!a) return;
    for (block *b = a->top, *prev; b; b = prev) {
        prev = b->prev;
        free(b);
    }
    free(a);
}

static size_t round_up(size_t n) {
    size_t align = alignof(max_align_t);
    return (n + align - 1) / align * align;
}

void *aj_arena_alloc(aj_arena *a, size_t n) {
    if (n > SIZE_MAX / 2) return NULL;
    size_t want = round_up(n ? n : 1);
    block *b = a->top;
    if (!b || b->cap - b->used < want) {
        size_t cap = want > AJ_ARENA_BLOCK_BYTES ? want : AJ_ARENA_BLOCK_BYTES;
        b = malloc(sizeof(block) + cap);
        if (!b) return NULL;
        b->prev = a->top;
        b->used = 0;
        b->cap = cap;
        a->top = b;
    }
    void *p = b->bytes + b->used;
    b->used += want;
    a->n_used += want;
    memset(p, 0, want);
    return p;
}

char *aj_arena_strdup(aj_arena *a, const char *s) {
    size_t n = strlen(s) + 1;
    char *p = aj_arena_alloc(a, n);
    if (p) memcpy(p, s, n);
    return p;
}

size_t aj_arena_used(const aj_arena *a) {
    return a->n_used;
}
