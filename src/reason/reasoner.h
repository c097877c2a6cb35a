/* reasoner.h — failure-mode rules bound to a plant and run tick by tick over its data.
 *
 * Binding (aj_reasoner_bind): every mode `on asset T` gets one instance per asset of
 * template T that has a tag for each of the mode's required signal roles; every mode
 * `on zone` one instance per area that has, for each required signal, at least one tag of
 * its kind (and gas). Temperatures of an asset are judged relative to the air temperature
 * of its site when the site has a weather station (a temperature tag without asset).
 * Binding again after the plant changed adds what is new and keeps every existing
 * instance, with its learned baselines, whose tags did not change.
 *
 * Data: the engine hands each good-quality point of a bound tag to the tag's feed
 * (aj_rfeed_add), which keeps per-tick means. aj_reasoner_advance evaluates every tick
 * that the watermark has passed, for every instance, from those means only — so the same
 * data gives the same results at any speed (docs/reasoning.md "Determinism").
 *
 * Threads: none of its own; the engine calls everything from its thread (or a tool from
 * its only one). Ownership: the reasoner owns the rules given to aj_reasoner_new, its
 * instances and feeds; aj_rplant data is only read during aj_reasoner_bind. */
#ifndef AJ_REASONER_H
#define AJ_REASONER_H

#include "base/err.h"
#include "reason/instance.h"
#include "reason/rules.h"

#include <stdbool.h>
#include <stdint.h>

#define AJ_REASONER_INSTANCES_MAX 100000
/* Ticks evaluated by one advance at most; a longer jump of the watermark (a gap in the
 * data) evaluates only the last AJ_REASONER_CATCHUP_TICKS ticks. */
#define AJ_REASONER_CATCHUP_TICKS 720
#define AJ_RFEED_RING             4
/* Tags whose alarms one instance's owner may hold suppressed. */
#define AJ_RBOUND_USER_TAGS 32

/* ---- the plant, as the binder sees it (borrowed) -------------------------------------- */

typedef struct aj_rplant_tag {
    int64_t id;
    const char *key;
    const char *kind;
    const char *role; /* NULL: no asset role */
    const char *gas;  /* detectors; NULL otherwise */
    int64_t asset_id; /* 0: none */
    int64_t area_id;  /* 0: none (then the asset's area counts) */
    int64_t site_id;
    bool has_range;
    double range_lo, range_hi;
} aj_rplant_tag;

typedef struct aj_rplant_asset {
    int64_t id;
    const char *code;
    const char *template_name;
    int64_t area_id;
    int64_t site_id;
} aj_rplant_asset;

typedef struct aj_rplant_area {
    int64_t id;
    const char *code;
    int64_t site_id;
} aj_rplant_area;

typedef struct aj_rplant {
    int64_t enterprise_id;
    const aj_rplant_tag *tags;
    int n_tags;
    const aj_rplant_asset *assets;
    int n_assets;
    const aj_rplant_area *areas;
    int n_areas;
} aj_rplant;

/* ---- per-tag feed ------------------------------------------------------------------------ */

typedef struct aj_rfeed {
    int64_t tag_id;
    int64_t cur_idx; /* tick index of the open sum (tick k covers (k-1)·TICK, k·TICK]) */
    double cur_sum;
    uint32_t cur_n;
    int64_t idx[AJ_RFEED_RING]; /* closed ticks: index and mean */
    double mean[AJ_RFEED_RING];
    uint8_t head, n;
} aj_rfeed;

/* A good-quality point of the feed's tag (points of a tag come in time order). */
void aj_rfeed_add(aj_rfeed *f, int64_t t_ns, double value);

/* ---- the reasoner ---------------------------------------------------------------------------- */

/* One bound instance and what names it. */
typedef struct aj_rbound {
    aj_rinst *inst;
    int mode_index;
    int64_t enterprise_id, site_id;
    int64_t scope_id;    /* asset or area id */
    char scope_code[65]; /* its code, e.g. "P-101" */
    aj_rfeed **feeds;    /* per channel (+ ambient last), owned by the reasoner */
    int n_feeds;
    double *values; /* scratch for one tick */
    bool is_stale;  /* not found by the latest bind (kept, but fed no more) */
    /* the other modes bound to the same asset or zone (a ring through next_sibling; itself
     * when alone): while one of them is raised, this one's baselines do not learn */
    struct aj_rbound *next_sibling;
    /* what the owner keeps about it (the engine: its open incident, its open sensor
     * check, the tags whose alarms the incident suppresses); opaque to the reasoner and
     * carried over when a bind replaces the instance */
    int64_t user_id, user_diag_id;
    int64_t user_tags[AJ_RBOUND_USER_TAGS];
    int n_user_tags;
} aj_rbound;

/* What changed on an instance at a tick: its level, the uncorroborated flag, or — while
 * its level is raised — which evidence is present (from == the current level then). */
typedef void (*aj_rchange_fn)(void *ctx, aj_rbound *b, int64_t t_ns, aj_rlevel from, bool was_uncorroborated);

/* Hears every evaluated tick of every instance (tuning tools: the terms' normal range);
 * index: the instance's aj_reasoner_bound index. */
typedef void (*aj_rtick_fn)(void *ctx, int index, const aj_rbound *b, int64_t t_ns);

typedef struct aj_reasoner aj_reasoner;

/* A reasoner over the rules (taken over: freed with the reasoner). NULL on no memory. */
aj_reasoner *aj_reasoner_new(aj_rules *rules);
void aj_reasoner_free(aj_reasoner *r);

const aj_rules *aj_reasoner_rules(const aj_reasoner *r);

/* Binds the modes to the plant of one enterprise (see above). AJ_ETOOBIG past
 * AJ_REASONER_INSTANCES_MAX (what fitted stays bound). */
aj_err aj_reasoner_bind(aj_reasoner *r, const aj_rplant *plant);

/* The feed of a bound tag, NULL for a tag no instance uses. Stable address. */
aj_rfeed *aj_reasoner_feed(aj_reasoner *r, int64_t tag_id);

/* Evaluates every tick ending at or before watermark_ns not evaluated yet; fn (may be
 * NULL) hears of each change. */
void aj_reasoner_advance(aj_reasoner *r, int64_t watermark_ns, aj_rchange_fn fn, void *ctx);

/* Sets (fn NULL: clears) the observer of every tick. */
void aj_reasoner_observe_ticks(aj_reasoner *r, aj_rtick_fn fn, void *ctx);

int aj_reasoner_n_bound(const aj_reasoner *r);
aj_rbound *aj_reasoner_bound(aj_reasoner *r, int i);

/* Tick evaluations so far (statistics). */
uint64_t aj_reasoner_ticks(const aj_reasoner *r);

#endif
