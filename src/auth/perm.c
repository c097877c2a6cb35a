/* perm.c — permission names <-> bits (see perm.h). */
#include "auth/perm.h"

#include <string.h>

static const char *const perm_names[] = {
#define X(id, name) name,
    AJ_PERM_MAP(X)
#undef X
};

uint32_t aj_perm_from_name(const char *name) {
    for (int i = 0; i < AJ_PERM_COUNT; i++)
        if (strcmp(perm_names[i], name) == 0) return 1u << i;
    return 0;
}

const char *aj_perm_name(int i) {
    return (i >= 0 && i < AJ_PERM_COUNT) ? perm_names[i] : "?";
}
