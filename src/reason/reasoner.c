/* reasoner.c — binds failure modes to a plant and evaluates them per tick (reasoner.h). */
#include "reason/reasoner.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- feeds ---------------------------------------------------------------------------- */

static int64_t tick_index(int64_t t_ns) { /* tick k covers ((k-1)·TICK, k·TICK] */
    int64_t q = t_ns / AJ_RINST_TICK_NS;  /* truncates toward zero: the ceiling when t < 0 */
    if (t_ns % AJ_RINST_TICK_NS > 0) q++;
    return q;
}

static void feed_close(aj_rfeed *f) {
    if (f->cur_n == 0) return;
    int at;
    if (f->n == AJ_RFEED_RING) {
        at = f->head;
        f->head = (uint8_t)((f->head + 1) % AJ_RFEED_RING);
    } else {
        at = (f->head + f->n) % AJ_RFEED_RING;
        f->n++;
    }
    f->idx[at] = f->cur_idx;
    f->mean[at] = f->cur_sum / f->cur_n;
}

void aj_rfeed_add(aj_rfeed *f, int64_t t_ns, double value) {
    if (!isfinite(value)) return;
    int64_t k = tick_index(t_ns);
    if (k != f->cur_idx) {
        if (k < f->cur_idx) return; /* out of order: the engine does not send these */
        feed_close(f);
        f->cur_idx = k;
        f->cur_sum = 0;
        f->cur_n = 0;
    }
    f->cur_sum += value;
    f->cur_n++;
}

static double feed_mean(const aj_rfeed *f, int64_t k) {
    if (f->cur_idx == k) return f->cur_n ? f->cur_sum / f->cur_n : NAN;
    for (int i = 0; i < f->n; i++) {
        int at = (f->head + i) % AJ_RFEED_RING;
        if (f->idx[at] == k) return f->mean[at];
    }
    return NAN;
}

/* ---- reasoner ---------------------------------------------------------------------------- */

struct aj_reasoner {
    aj_rules *rules;
    aj_rbound **bound;
    int n_bound, cap_bound;
    aj_rfeed **feeds; /* open addressing by tag id, capacity cap_feeds (power of two) */
    int n_feeds, cap_feeds;
    int64_t next_tick; /* index of the next tick to evaluate; INT64_MIN before the first */
    uint64_t n_ticks;
    aj_rtick_fn tick_fn;
    void *tick_ctx;
};

void aj_reasoner_observe_ticks(aj_reasoner *r, aj_rtick_fn fn, void *ctx) {
    r->tick_fn = fn;
    r->tick_ctx = ctx;
}

aj_reasoner *aj_reasoner_new(aj_rules *rules) {
    aj_reasoner *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    r->rules = rules;
    r->next_tick = INT64_MIN;
    return r;
}

static void free_bound(aj_rbound *b) {
    if (!b) return;
    aj_rinst_free(b->inst);
    free(b->feeds);
    free(b->values);
    free(b);
}

void aj_reasoner_free(aj_reasoner *r) {
    if (!r) return;
    for (int i = 0; i < r->n_bound; i++) free_bound(r->bound[i]);
    free(r->bound);
    for (int i = 0; i < r->cap_feeds; i++) free(r->feeds[i]);
    free(r->feeds);
    aj_rules_free(r->rules);
    free(r);
}

const aj_rules *aj_reasoner_rules(const aj_reasoner *r) {
    return r->rules;
}

int aj_reasoner_n_bound(const aj_reasoner *r) {
    return r->n_bound;
}

aj_rbound *aj_reasoner_bound(aj_reasoner *r, int i) {
    assert(i >= 0 && i < r->n_bound);
    return r->bound[i];
}

uint64_t aj_reasoner_ticks(const aj_reasoner *r) {
    return r->n_ticks;
}

static uint64_t mix(uint64_t x) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return x;
}

aj_rfeed *aj_reasoner_feed(aj_reasoner *r, int64_t tag_id) {
    if (!r->cap_feeds) return NULL;
    uint32_t mask = (uint32_t)r->cap_feeds - 1;
    for (uint32_t i = (uint32_t)mix((uint64_t)tag_id) & mask;; i = (i + 1) & mask) {
        if (!r->feeds[i]) return NULL;
        if (r->feeds[i]->tag_id == tag_id) return r->feeds[i];
    }
}

static void put_feed(aj_rfeed **table, int cap, aj_rfeed *f) {
    uint32_t mask = (uint32_t)cap - 1;
    uint32_t i = (uint32_t)mix((uint64_t)f->tag_id) & mask;
    while (table[i]) i = (i + 1) & mask;
    table[i] = f;
}

/* The feed of tag_id, made when new. */
static aj_rfeed *feed_for(aj_reasoner *r, int64_t tag_id) {
    aj_rfeed *f = aj_reasoner_feed(r, tag_id);
    if (f) return f;
    if ((r->n_feeds + 1) * 2 > r->cap_feeds) {
        int cap = r->cap_feeds ? r->cap_feeds * 2 : 256;
        aj_rfeed **t = calloc((size_t)cap, sizeof *t);
        if (!t) return NULL;
        for (int i = 0; i < r->cap_feeds; i++)
            if (r->feeds[i]) put_feed(t, cap, r->feeds[i]);
        free(r->feeds);
        r->feeds = t;
        r->cap_feeds = cap;
    }
    f = calloc(1, sizeof *f);
    if (!f) return NULL;
    f->tag_id = tag_id;
    f->cur_idx = INT64_MIN;
    put_feed(r->feeds, r->cap_feeds, f);
    r->n_feeds++;
    return f;
}

/* ---- binding ------------------------------------------------------------------------------ */

static bool is_temperature(const char *kind) {
    return kind && (!strcmp(kind, "temperature") || !strcmp(kind, "ir_temperature"));
}

/* Temperatures of machines that follow the air (a seal, a bearing, a winding, a casing seen
 * by an infrared camera): judged relative to the site's air temperature. A process
 * temperature (a reactor under control, a heat exchanger's streams, a tank's contents) is
 * not: it follows the process. */
static bool follows_air(const aj_rplant_tag *t) {
    static const char *const roles[] = {"seal_temp", "bearing_temp", "winding_temp", "ir_max", NULL};
    if (!is_temperature(t->kind) || !t->role) return false;
    for (int i = 0; roles[i]; i++)
        if (!strcmp(t->role, roles[i])) return true;
    return false;
}

/* Smallest baseline scale of a tag: a resolution below which deviations are noise. */
static double scale_floor_of(const aj_rplant_tag *t) {
    if (is_temperature(t->kind)) return 0.05;
    if (t->has_range && t->range_hi > t->range_lo) return 0.002 * (t->range_hi - t->range_lo);
    return 1e-3;
}

/* The plant indexed for binding: tags by asset and by area (a tag without its own area
 * is in its asset's), so binding costs O(tags log tags), not modes × assets × tags. */
typedef struct plant_index {
    const aj_rplant *p;
    int64_t *tag_area;       /* effective area per tag */
    int *by_asset, *by_area; /* tag indexes sorted by asset id / by effective area */
} plant_index;

static const aj_rplant *sort_plant;
static const int64_t *sort_area;

static int cmp_by_asset(const void *a, const void *b) {
    int64_t x = sort_plant->tags[*(const int *)a].asset_id, y = sort_plant->tags[*(const int *)b].asset_id;
    return x < y ? -1 : x > y ? 1 : *(const int *)a - *(const int *)b;
}

static int cmp_by_area(const void *a, const void *b) {
    int64_t x = sort_area[*(const int *)a], y = sort_area[*(const int *)b];
    return x < y ? -1 : x > y ? 1 : *(const int *)a - *(const int *)b;
}

static int cmp_asset_id(const void *a, const void *b) {
    int64_t x = ((const aj_rplant_asset *)a)->id, y = ((const aj_rplant_asset *)b)->id;
    return x < y ? -1 : x > y;
}

static void index_free(plant_index *ix) {
    free(ix->tag_area);
    free(ix->by_asset);
    free(ix->by_area);
}

static aj_err index_build(plant_index *ix, const aj_rplant *p) {
    memset(ix, 0, sizeof *ix);
    ix->p = p;
    size_t n = p->n_tags ? (size_t)p->n_tags : 1;
    ix->tag_area = calloc(n, sizeof *ix->tag_area);
    ix->by_asset = calloc(n, sizeof *ix->by_asset);
    ix->by_area = calloc(n, sizeof *ix->by_area);
    aj_rplant_asset *assets = calloc(p->n_assets ? (size_t)p->n_assets : 1, sizeof *assets);
    if (!ix->tag_area || !ix->by_asset || !ix->by_area || !assets) {
        free(assets);
        index_free(ix);
        return AJ_ENOMEM;
    }
    if (p->n_assets) memcpy(assets, p->assets, sizeof *assets * (size_t)p->n_assets);
    qsort(assets, (size_t)p->n_assets, sizeof *assets, cmp_asset_id);
    for (int i = 0; i < p->n_tags; i++) {
        const aj_rplant_tag *t = &p->tags[i];
        int64_t area = t->area_id;
        if (!area && t->asset_id) {
            aj_rplant_asset key = {.id = t->asset_id};
            const aj_rplant_asset *a =
                bsearch(&key, assets, (size_t)p->n_assets, sizeof *assets, cmp_asset_id);
            if (a) area = a->area_id;
        }
        ix->tag_area[i] = area;
        ix->by_asset[i] = ix->by_area[i] = i;
    }
    free(assets);
    sort_plant = p; /* qsort has no context argument; binding runs on one thread */
    sort_area = ix->tag_area;
    qsort(ix->by_asset, (size_t)p->n_tags, sizeof *ix->by_asset, cmp_by_asset);
    qsort(ix->by_area, (size_t)p->n_tags, sizeof *ix->by_area, cmp_by_area);
    return AJ_OK;
}

/* [*from, *to) of the tags of the scope in the index's order. */
static const int *scope_tags(const plant_index *ix, bool is_asset, int64_t id, int *n) {
    const int *order = is_asset ? ix->by_asset : ix->by_area;
    int lo = 0, hi = ix->p->n_tags;
    while (lo < hi) { /* first position with key >= id */
        int mid = (lo + hi) / 2;
        int64_t k = is_asset ? ix->p->tags[order[mid]].asset_id : ix->tag_area[order[mid]];
        if (k < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    int end = lo;
    while (end < ix->p->n_tags &&
           (is_asset ? ix->p->tags[order[end]].asset_id : ix->tag_area[order[end]]) == id)
        end++;
    *n = end - lo;
    return order + lo;
}

static int64_t ambient_of(const aj_rplant *p, int64_t site_id) {
    for (int i = 0; i < p->n_tags; i++) {
        const aj_rplant_tag *t = &p->tags[i];
        if (t->site_id == site_id && !t->asset_id && t->kind && !strcmp(t->kind, "temperature")) return t->id;
    }
    return 0;
}

static bool tag_matches(const aj_rule_mode *m, int j, const aj_rplant_tag *t) {
    const aj_rule_signal *s = &m->signals[j];
    if (m->scope == AJ_RULE_ON_ASSET) return t->role && !strcmp(t->role, s->role);
    if (!t->kind || strcmp(t->kind, s->kind) != 0) return false;
    return !s->gas || (t->gas && !strcasecmp(t->gas, s->gas));
}

static aj_rbound *find_bound(aj_reasoner *r, int mode_index, int64_t scope_id) {
    for (int i = 0; i < r->n_bound; i++)
        if (r->bound[i]->mode_index == mode_index && r->bound[i]->scope_id == scope_id) return r->bound[i];
    return NULL;
}

static bool same_channels(const aj_rbound *b, const aj_rchan_spec *specs, int n, int64_t ambient) {
    const aj_rinst *in = b->inst;
    if (in->n_chans != n || in->ambient_tag_id != ambient) return false;
    for (int i = 0; i < n; i++)
        if (in->chans[i].spec.tag_id != specs[i].tag_id || in->chans[i].spec.signal != specs[i].signal)
            return false;
    return true;
}

/* Binds mode mi to one asset or area; AJ_OK also when it does not apply there. */
static aj_err bind_one(aj_reasoner *r, const plant_index *ix, int mi, int64_t scope_id, int64_t site_id,
                       const char *code, int64_t ambient_id) {
    const aj_rplant *p = ix->p;
    const aj_rule_mode *m = &r->rules->modes[mi];
    aj_rchan_spec specs[AJ_RINST_CHANNELS_MAX];
    int n = 0, n_scope;
    const int *in_scope = scope_tags(ix, m->scope == AJ_RULE_ON_ASSET, scope_id, &n_scope);
    for (int j = 0; j < m->n_signals; j++) {
        int found = 0;
        for (int k = 0; k < n_scope && n < AJ_RINST_CHANNELS_MAX; k++) {
            const aj_rplant_tag *t = &p->tags[in_scope[k]];
            if (!tag_matches(m, j, t)) continue;
            specs[n++] = (aj_rchan_spec){.signal = j,
                                         .tag_id = t->id,
                                         .range_lo = t->has_range ? t->range_lo : NAN,
                                         .range_hi = t->has_range ? t->range_hi : NAN,
                                         .scale_floor = scale_floor_of(t),
                                         .use_ambient = m->scope == AJ_RULE_ON_ASSET && follows_air(t)};
            found++;
        }
        if (!found && !m->signals[j].is_optional) return AJ_OK; /* the mode does not apply here */
    }
    bool any_ambient = false;
    for (int i = 0; i < n; i++) any_ambient |= specs[i].use_ambient;
    int64_t ambient = any_ambient ? ambient_id : 0;
    aj_rbound *old = find_bound(r, mi, scope_id);
    if (old && same_channels(old, specs, n, ambient)) {
        old->is_stale = false;
        return AJ_OK;
    }
    if (!old && r->n_bound >= AJ_REASONER_INSTANCES_MAX) return AJ_ETOOBIG;
    aj_rbound *b = calloc(1, sizeof *b);
    if (!b) return AJ_ENOMEM;
    b->mode_index = mi;
    b->enterprise_id = p->enterprise_id;
    b->site_id = site_id;
    b->scope_id = scope_id;
    snprintf(b->scope_code, sizeof b->scope_code, "%s", code ? code : "");
    b->inst = aj_rinst_new(m, scope_id, specs, n, ambient);
    b->n_feeds = n + (ambient ? 1 : 0);
    b->feeds = calloc((size_t)b->n_feeds + 1, sizeof *b->feeds);
    b->values = calloc((size_t)b->n_feeds + 1, sizeof *b->values);
    aj_err err = b->inst && b->feeds && b->values ? AJ_OK : AJ_ENOMEM;
    for (int i = 0; !err && i < b->n_feeds; i++) {
        b->feeds[i] = feed_for(r, i < n ? specs[i].tag_id : ambient);
        if (!b->feeds[i]) err = AJ_ENOMEM;
    }
    if (err) {
        free_bound(b);
        return err;
    }
    if (old) { /* its tags changed: the new instance replaces it (what it learned is lost) */
        b->user_id = old->user_id;
        b->user_diag_id = old->user_diag_id;
        memcpy(b->user_tags, old->user_tags, sizeof b->user_tags);
        b->n_user_tags = old->n_user_tags;
        for (int i = 0; i < r->n_bound; i++)
            if (r->bound[i] == old) r->bound[i] = b;
        free_bound(old);
    } else {
        if (r->n_bound == r->cap_bound) {
            int cap = r->cap_bound ? r->cap_bound * 2 : 64;
            aj_rbound **g = realloc(r->bound, sizeof *g * (size_t)cap);
            if (!g) {
                free_bound(b);
                return AJ_ENOMEM;
            }
            r->bound = g;
            r->cap_bound = cap;
        }
        r->bound[r->n_bound++] = b;
    }
    return AJ_OK;
}

/* The weather station's air temperature of each site (first temperature tag without an
 * asset), looked up once per bind. */
typedef struct site_ambient {
    int64_t site_id, tag_id;
} site_ambient;

static int64_t ambient_for(site_ambient *cache, int *n_cache, const aj_rplant *p, int64_t site_id) {
    for (int i = 0; i < *n_cache; i++)
        if (cache[i].site_id == site_id) return cache[i].tag_id;
    int64_t id = ambient_of(p, site_id);
    if (*n_cache < 64) cache[(*n_cache)++] = (site_ambient){site_id, id};
    return id;
}

/* Orders instances by enterprise, kind of scope and scope id. */
static int by_scope(const void *x, const void *y) {
    const aj_rbound *a = *(aj_rbound *const *)x, *b = *(aj_rbound *const *)y;
    int ka = a->inst->mode->scope, kb = b->inst->mode->scope;
    if (a->enterprise_id != b->enterprise_id) return a->enterprise_id < b->enterprise_id ? -1 : 1;
    if (ka != kb) return ka < kb ? -1 : 1;
    if (a->scope_id != b->scope_id) return a->scope_id < b->scope_id ? -1 : 1;
    return 0;
}

/* Links the live instances of each asset or zone into their sibling rings (after every
 * bind, which may have replaced instances). Out of memory: every instance alone. */
static void link_siblings(aj_reasoner *r) {
    for (int i = 0; i < r->n_bound; i++) r->bound[i]->next_sibling = r->bound[i];
    assert(r->n_bound >= 0);
    size_t cap = r->n_bound > 0 ? (size_t)r->n_bound : 1;
    aj_rbound **order = malloc(sizeof *order * cap);
    if (!order) return;
    int n = 0;
    for (int i = 0; i < r->n_bound; i++)
        if (!r->bound[i]->is_stale) order[n++] = r->bound[i];
    qsort(order, (size_t)n, sizeof *order, by_scope);
    for (int i = 0; i < n;) {
        int j = i + 1;
        while (j < n && by_scope(&order[i], &order[j]) == 0) j++;
        for (int k = i; k < j; k++) order[k]->next_sibling = order[k + 1 < j ? k + 1 : i];
        i = j;
    }
    free(order);
}

aj_err aj_reasoner_bind(aj_reasoner *r, const aj_rplant *p) {
    for (int i = 0; i < r->n_bound; i++)
        if (r->bound[i]->enterprise_id == p->enterprise_id) r->bound[i]->is_stale = true;
    plant_index ix;
    aj_err err = index_build(&ix, p);
    if (err) return err;
    site_ambient cache[64];
    int n_cache = 0;
    for (int mi = 0; !err && mi < r->rules->n_modes; mi++) {
        const aj_rule_mode *m = &r->rules->modes[mi];
        if (m->scope == AJ_RULE_ON_ASSET) {
            for (int a = 0; !err && a < p->n_assets; a++) {
                const aj_rplant_asset *as = &p->assets[a];
                if (as->template_name && !strcmp(as->template_name, m->template_name))
                    err = bind_one(r, &ix, mi, as->id, as->site_id, as->code,
                                   ambient_for(cache, &n_cache, p, as->site_id));
            }
        } else {
            for (int a = 0; !err && a < p->n_areas; a++)
                err = bind_one(r, &ix, mi, p->areas[a].id, p->areas[a].site_id, p->areas[a].code, 0);
        }
    }
    index_free(&ix);
    link_siblings(r);
    return err;
}

/* ---- evaluation ---------------------------------------------------------------------------- */

static void evaluate(aj_reasoner *r, int64_t k, aj_rchange_fn fn, void *ctx) {
    int64_t t = k * AJ_RINST_TICK_NS;
    for (int i = 0; i < r->n_bound; i++) {
        aj_rbound *b = r->bound[i];
        if (b->is_stale) continue;
        bool held = false;
        for (const aj_rbound *s = b->next_sibling; s && s != b; s = s->next_sibling)
            held |= s->inst->level != AJ_RLEVEL_NONE;
        b->inst->is_held = held;
        for (int c = 0; c < b->n_feeds; c++) b->values[c] = feed_mean(b->feeds[c], k);
        aj_rlevel from = b->inst->level;
        bool was = b->inst->is_uncorroborated;
        uint32_t mask = b->inst->present_mask;
        aj_rinst_tick(b->inst, t, b->values);
        /* a change of level or of the sensor-check flag; while a mode is raised, also a
         * change of which evidence is present (the incident's chain follows it) */
        bool evidence_moved = b->inst->level != AJ_RLEVEL_NONE && b->inst->present_mask != mask;
        if (fn && (b->inst->level != from || b->inst->is_uncorroborated != was || evidence_moved))
            fn(ctx, b, t, from, was);
        if (r->tick_fn) r->tick_fn(r->tick_ctx, i, b, t);
    }
    r->n_ticks++;
}

void aj_reasoner_advance(aj_reasoner *r, int64_t wm, aj_rchange_fn fn, void *ctx) {
    if (wm == INT64_MIN || r->n_bound == 0) return;
    int64_t last = wm >= 0 ? wm / AJ_RINST_TICK_NS : -((-wm + AJ_RINST_TICK_NS - 1) / AJ_RINST_TICK_NS);
    if (r->next_tick == INT64_MIN) r->next_tick = last;
    if (last - r->next_tick >= AJ_REASONER_CATCHUP_TICKS) r->next_tick = last - AJ_REASONER_CATCHUP_TICKS + 1;
    for (; r->next_tick <= last; r->next_tick++) evaluate(r, r->next_tick, fn, ctx);
}
