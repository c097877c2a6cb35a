/* map.h — which Sparkplug B metrics feed which anjian tags (docs/sparkplug.md "The map").
 *
 * A map is data (JSON, format "anjian-sparkplug-map"): groups, their edge nodes, the nodes'
 * devices, and for each node and device an object from metric name to tag key:
 *
 *   {"format": "anjian-sparkplug-map", "version": 1,
 *    "groups": [{"group": "Plant1",
 *                "nodes": [{"node": "Gateway1",
 *                           "metrics": {"Uptime": "P1.GW1.uptime"},
 *                           "devices": [{"device": "PLC1",
 *                                        "metrics": {"Tank/Level": "P1.T1.level"}}]}]}]}
 *
 * It is parsed once, strictly, into an aj_sp_map that never changes afterwards. Metrics the
 * map does not name are not stored (the adapter counts them).
 *
 * Layout: nodes, devices and metrics are flat arrays. A node's devices are contiguous (in
 * file order), and so are the metrics of one node or device (sorted by name, for lookups);
 * nodes are in file order, group by group. Ownership: one arena owns everything (freed with
 * aj_sp_map_free); any number of threads may read a map at once.
 */
#ifndef AJ_SPARKPLUG_MAP_H
#define AJ_SPARKPLUG_MAP_H

#include "base/err.h"
#include "base/limits.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct aj_sp_map_metric {
    const char *name; /* the Sparkplug metric name: 1 to AJ_SP_METRIC_NAME_MAX bytes of UTF-8 */
    const char *tag;  /* the tag key, unique in the map */
    int node;         /* index into aj_sp_map.nodes */
    int device;       /* index into aj_sp_map.devices; -1 for a metric of the node itself */
} aj_sp_map_metric;

typedef struct aj_sp_map_device {
    const char *device; /* the device id, unique in its node */
    int node;           /* index into aj_sp_map.nodes */
    int index_in_node;  /* its position in the node's "devices" */
    int first_metric;   /* its metrics: metrics[first_metric .. first_metric + n_metrics) */
    int n_metrics;
} aj_sp_map_device;

typedef struct aj_sp_map_node {
    const char *group;  /* the group id */
    const char *node;   /* the edge node id, unique in its group */
    int group_index;    /* its group's position in "groups" */
    int index_in_group; /* its position in the group's "nodes" */
    int first_device;   /* its devices: devices[first_device .. first_device + n_devices) */
    int n_devices;
    int first_metric; /* its own metrics */
    int n_metrics;
} aj_sp_map_node;

typedef struct aj_sp_map {
    const char *const *groups; /* group ids, in file order, unique */
    int n_groups;
    const aj_sp_map_node *nodes;
    int n_nodes;
    const aj_sp_map_device *devices;
    int n_devices;
    const aj_sp_map_metric *metrics;
    int n_metrics;
    const int *node_order;  /* node indices sorted by (group, node), for aj_sp_map_find_node */
    struct aj_arena *arena; /* owns everything above and the map itself */
} aj_sp_map;

/* Parses and checks a map from JSON text (len bytes, NUL not needed). On success *out is a
 * new map the caller frees with aj_sp_map_free. On failure *out is NULL, nothing is left
 * allocated and err holds the first problem as "JSONPATH: what is wrong", e.g.
 *   `$.groups[0].nodes[1].devices[0].metrics["Tank/Level"]: tag "P1.T1.level" is fed by
 *    $.groups[0].nodes[0].metrics["Level"] already (one metric per tag)`
 * Errors: AJ_EJSON, AJ_EINVAL, AJ_ETOOBIG (more groups, nodes, devices or metrics than
 * src/base/limits.h allows), AJ_ENOMEM. */
aj_err aj_sp_map_parse(const char *json, size_t len, aj_sp_map **out, char *err, size_t errlen);

/* Reads the file at path (at most AJ_SP_MAP_FILE_MAX bytes) and parses it; errors start
 * with "PATH: ". Adds AJ_EIO and AJ_ETOOBIG (file too large). */
aj_err aj_sp_map_load(const char *path, aj_sp_map **out, char *err, size_t errlen);

/* Frees the map and everything in it. NULL is a no-op. */
void aj_sp_map_free(aj_sp_map *map);

/* True when every invariant the parser guarantees holds. For asserts and fuzzing. */
bool aj_sp_map_ok(const aj_sp_map *map);

/* The node of group/node, or -1. O(log n). */
int aj_sp_map_find_node(const aj_sp_map *map, const char *group, const char *node);
/* The device (index into map->devices) of node with this id, or -1. Linear in the node's devices. */
int aj_sp_map_find_device(const aj_sp_map *map, int node, const char *device);
/* The metric (index into map->metrics) named name of device (index into map->devices), or of
 * node itself when device is -1; -1 when the map does not name it. O(log n). */
int aj_sp_map_find_metric(const aj_sp_map *map, int node, int device, const char *name);

/* "$.groups[G].nodes[N]" (device -1) or "$.groups[G].nodes[N].devices[D]" into out. */
void aj_sp_map_path(const aj_sp_map *map, int node, int device, char out[AJ_JC_PATH_LEN]);

#endif
