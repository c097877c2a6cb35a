/* arena.h — a bump allocator whose memory is freed in one go.
 *
 * For data built once and dropped whole (a parsed catalogue, one request's scratch
 * space): everything allocated from an arena lives until aj_arena_free, and no single
 * allocation is ever freed on its own. Memory comes in blocks of at least
 * AJ_ARENA_BLOCK_BYTES; a larger request gets a block of its own.
 */
#ifndef AJ_ARENA_H
#define AJ_ARENA_H

#include <stddef.h>

#define AJ_ARENA_BLOCK_BYTES (16u * 1024u)

typedef struct aj_arena aj_arena;

/* A new, empty arena (freed with aj_arena_free), or NULL when out of memory. */
aj_arena *aj_arena_new(void);
/* Frees the arena and everything allocated from it. NULL is a no-op. */
void aj_arena_free(aj_arena *a);
/* n zeroed bytes aligned for any type, owned by the arena; NULL when out of memory.
 * n == 0 gives a valid unique pointer. */
void *aj_arena_alloc(aj_arena *a, size_t n);
/* An arena-owned copy of s (NUL-terminated); NULL when out of memory. */
char *aj_arena_strdup(aj_arena *a, const char *s);
/* Bytes handed out so far (for tests and memory accounting). */
size_t aj_arena_used(const aj_arena *a);

#endif
