/* topic.h — Sparkplug B topic names (Eclipse Sparkplug 3.0, 4.1 "Topic Namespace Elements"):
 *
 *     spBv1.0/<group_id>/<message_type>/<edge_node_id>[/<device_id>]
 *     spBv1.0/STATE/<host_id>
 *
 * NBIRTH, NDEATH, NDATA and NCMD name an edge node (4 levels); DBIRTH, DDEATH, DDATA and DCMD
 * a device of one (5 levels); STATE a host application (3 levels). Pure: no allocation, no
 * I/O; the parsed ids are copied into the caller's struct.
 */
#ifndef AJ_SPARKPLUG_TOPIC_H
#define AJ_SPARKPLUG_TOPIC_H

#include "base/err.h"
#include "base/limits.h"

#include <stdbool.h>
#include <stddef.h>

#define AJ_SP_NAMESPACE "spBv1.0"

/* Message types, in the specification's order. */
typedef enum aj_sp_msg_type {
    AJ_SP_NBIRTH = 0,
    AJ_SP_NDEATH,
    AJ_SP_DBIRTH,
    AJ_SP_DDEATH,
    AJ_SP_NDATA,
    AJ_SP_DDATA,
    AJ_SP_NCMD,
    AJ_SP_DCMD,
    AJ_SP_STATE,
    AJ_SP_MSG_TYPE_COUNT
} aj_sp_msg_type;

/* "NBIRTH", ..., "STATE"; "?" out of range. */
const char *aj_sp_msg_type_name(aj_sp_msg_type type);
/* True for the types that name a device (DBIRTH, DDEATH, DDATA, DCMD). */
bool aj_sp_msg_type_is_device(aj_sp_msg_type type);

typedef struct aj_sp_topic {
    aj_sp_msg_type type;
    char group[AJ_SP_ID_LEN_MAX + 1];  /* "" for STATE */
    char node[AJ_SP_ID_LEN_MAX + 1];   /* the edge node; for STATE the host id */
    char device[AJ_SP_ID_LEN_MAX + 1]; /* "" unless aj_sp_msg_type_is_device(type) */
} aj_sp_topic;

/* Parses topic (len bytes, NUL not needed). On success fills *out. On failure returns
 * AJ_EINVAL and writes one precise reason into err, e.g.
 *   `level 3 "NDATAX" is not a message type (NBIRTH, NDEATH, DBIRTH, DDEATH, NDATA, DDATA,
 *    NCMD, DCMD or STATE)`
 *   `DDATA needs 5 levels (spBv1.0/group/DDATA/node/device), not 4`
 * An id is 1 to AJ_SP_ID_LEN_MAX bytes without '+', '#' or NUL (the specification forbids the
 * wildcards; '/' separates the levels). */
aj_err aj_sp_topic_parse(const char *topic, size_t len, aj_sp_topic *out, char *err, size_t errlen);

/* True when s (len bytes) can be a group, edge node, device or host id: 1 to
 * AJ_SP_ID_LEN_MAX bytes of valid UTF-8 without '/', '+', '#' or control characters. */
bool aj_sp_id_ok(const char *s, size_t len);

/* True when s[0..len) is valid UTF-8 (no overlong forms, no surrogates, at most U+10FFFF). */
bool aj_sp_utf8_ok(const char *s, size_t len);

/* Writes "spBv1.0/<group>/<TYPE>/<node>[/<device>]" (device NULL or "" for node types) into
 * out; false when it does not fit. */
bool aj_sp_topic_format(char *out, size_t outlen, const char *group, aj_sp_msg_type type, const char *node,
                        const char *device);

#endif
