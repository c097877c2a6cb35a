/* reason_cli.c — `anjian reason replay`: runs the failure-mode library over a simulated
 * plant in-process, without a server, and prints what the reasoner concludes.
 *
 * The simulator (src/sim) computes every tag of the plant step by step; each value goes
 * through the same data-quality checks as in the engine (src/engine/quality.c), good points
 * go to the reasoner's feeds, and the reasoner is advanced to the engine's watermark
 * (newest time − AJ_ENGINE_LATENESS_NS) after every step — so the conclusions are those the
 * server would reach on the same data (docs/reasoning.md "Replay"). Used to develop and
 * test rules, and by bench/reasoning.
 *
 * Output: one JSON object per line and per change of an instance (level or the
 * uncorroborated flag): time, mode, scope, levels, posterior, time to failure and the state
 * of every piece of evidence. A summary goes to stderr. */
#include "base/fileread.h"
#include "base/jsonutil.h"
#include "base/timeutil.h"
#include "cli/cli.h"
#include "cli/reason_terms.h"
#include "engine/alarm.h"
#include "engine/alarm_defs.h"
#include "engine/engine.h"
#include "engine/quality.h"
#include "reason/reasoner.h"
#include "reason/rules_load.h"
#include "sim/sim.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REPLAY_DEFAULT_PLANT    "plants/demo-chemical.json"
#define REPLAY_DEFAULT_RULES    "rules"
#define REPLAY_DEFAULT_START    "2026-12-01T00:00:00Z"
#define REPLAY_DEFAULT_DURATION "24h"

static void usage(FILE *out) {
    fprintf(
        out,
        "usage: anjian reason replay [options]\n\n"
        "Runs the failure-mode rules over a simulated plant, in-process, and prints every\n"
        "change of a mode's level on an asset or zone as a JSON line.\n\n"
        "  --plant FILE      plant file (default " REPLAY_DEFAULT_PLANT ")\n"
        "  --rules PATH      rules directory or file (default " REPLAY_DEFAULT_RULES ")\n"
        "  --scenario FILE   faults to inject (docs/simulator.md); default none\n"
        "  --seed N          simulator seed (default 1)\n"
        "  --start TIME      RFC 3339 (default " REPLAY_DEFAULT_START ")\n"
        "  --duration D      event time to simulate, e.g. 24h (default " REPLAY_DEFAULT_DURATION ")\n"
        "  --labels FILE     write the simulator's ground-truth labels there\n"
        "  --evidence-all    print every piece of evidence, not only the present ones\n"
        "  --bindings        first print each mode's binding (mode, asset or zone, tags)\n"
        "  --alarms          also run the plant's limit alarms (GB/T 50493 gas defaults, the plant\n"
        "                    file's tags[].alarms) and print their journal entries and activations;\n"
        "                    an incident suppresses the alarms of its present evidence's tags\n"
        "  --limit-alarms F  with --alarms: more alarms, {\"TAG KEY\": [alarm, ...]} in the plant file's\n"
        "                    alarm form; they replace a tag's alarms of the same kind\n"
        "  --tag-stats FILE  write each tag's count, minimum, maximum and mean of good points (JSON)\n"
        "  --term-stats FILE write each piece of evidence's term range while its asset runs, per\n"
        "                    mode and asset/zone (JSON): the normal scatter a threshold must clear\n");
}

/* ---- the plant file as the binder's view --------------------------------------------- */

typedef struct replay_plant {
    aj_rplant view;
    aj_rplant_tag *tags;
    aj_rplant_asset *assets;
    aj_rplant_area *areas;
} replay_plant;

static int64_t index_of_code(json_t *list, const char *code) {
    size_t i;
    json_t *it;
    if (!code) return 0;
    json_array_foreach(list, i, it) {
        const char *c = json_string_value(json_object_get(it, "code"));
        if (c && !strcmp(c, code)) return (int64_t)i + 1;
    }
    return 0;
}

/* Ids: position in its family + 1; one site (1), one enterprise (1). Strings point into doc. */
static aj_err plant_view(json_t *doc, replay_plant *p) {
    json_t *tags = json_object_get(doc, "tags"), *assets = json_object_get(doc, "assets"),
           *areas = json_object_get(doc, "areas");
    size_t nt = json_array_size(tags), na = json_array_size(assets), nr = json_array_size(areas);
    p->tags = calloc(nt + 1, sizeof *p->tags);
    p->assets = calloc(na + 1, sizeof *p->assets);
    p->areas = calloc(nr + 1, sizeof *p->areas);
    if (!p->tags || !p->assets || !p->areas) return AJ_ENOMEM;
    size_t i;
    json_t *it;
    json_array_foreach(areas, i, it) {
        p->areas[i] = (aj_rplant_area){(int64_t)i + 1, json_string_value(json_object_get(it, "code")), 1};
    }
    json_array_foreach(assets, i, it) {
        p->assets[i] = (aj_rplant_asset){
            .id = (int64_t)i + 1,
            .code = json_string_value(json_object_get(it, "code")),
            .template_name = json_string_value(json_object_get(it, "template")),
            .area_id = index_of_code(areas, json_string_value(json_object_get(it, "area"))),
            .site_id = 1,
        };
    }
    json_array_foreach(tags, i, it) {
        json_t *range = json_object_get(it, "range");
        aj_rplant_tag *t = &p->tags[i];
        *t = (aj_rplant_tag){
            .id = (int64_t)i + 1,
            .key = json_string_value(json_object_get(it, "key")),
            .kind = json_string_value(json_object_get(it, "kind")),
            .role = json_string_value(json_object_get(it, "role")),
            .gas = json_string_value(json_object_get(it, "gas")),
            .asset_id = index_of_code(assets, json_string_value(json_object_get(it, "asset"))),
            .area_id = index_of_code(areas, json_string_value(json_object_get(it, "area"))),
            .site_id = 1,
        };
        if (json_array_size(range) == 2) {
            t->has_range = true;
            t->range_lo = json_number_value(json_array_get(range, 0));
            t->range_hi = json_number_value(json_array_get(range, 1));
        }
    }
    p->view = (aj_rplant){1, p->tags, (int)nt, p->assets, (int)na, p->areas, (int)nr};
    return AJ_OK;
}

static void plant_view_free(replay_plant *p) {
    free(p->tags);
    free(p->assets);
    free(p->areas);
}

/* ---- output ---------------------------------------------------------------------------- */

static const char *level_name(aj_rlevel l) {
    return l == AJ_RLEVEL_DIAGNOSIS ? "diagnosis" : l == AJ_RLEVEL_WARNING ? "early_warning" : "none";
}

static const char *state_name(aj_ev_state s) {
    return s == AJ_EV_PRESENT ? "present" : s == AJ_EV_ABSENT ? "absent" : "unknown";
}

struct replay_tag;

typedef struct replay_ctx {
    const replay_plant *plant;
    struct replay_tag *tags;
    bool is_evidence_all;
    long n_changes, n_incidents, n_uncorroborated;
    long n_activations, n_visible_activations;
    int64_t next_suppressor;
} replay_ctx;

static void suppress_evidence_tags(replay_ctx *c, aj_rbound *b, int64_t t_ns);

static json_t *num_or_null(double v) {
    return isfinite(v) ? json_real(round(v * 1000) / 1000) : json_null();
}

static void on_change(void *vctx, aj_rbound *b, int64_t t_ns, aj_rlevel from, bool was_uncorroborated) {
    replay_ctx *c = vctx;
    const aj_rinst *in = b->inst;
    const aj_rule_mode *m = in->mode;
    c->n_changes++;
    if (from == AJ_RLEVEL_NONE && in->level != AJ_RLEVEL_NONE) c->n_incidents++;
    if (!was_uncorroborated && in->is_uncorroborated) c->n_uncorroborated++;
    char t[40];
    aj_time_format_ms(t_ns / 1000000, t, sizeof t);
    json_t *ev = json_array();
    for (int e = 0; e < m->n_evidence; e++) {
        const aj_rev_view *v = &in->view[e];
        if (v->state != AJ_EV_PRESENT && !c->is_evidence_all) continue;
        json_t *o = json_pack("{s:s, s:s, s:o, s:o}", "id", m->evidence[e].id, "state", state_name(v->state),
                              "value", num_or_null(v->term), "expected", num_or_null(v->expected));
        if (v->channel >= 0) {
            int64_t tag_id = in->chans[v->channel].spec.tag_id;
            const char *key =
                tag_id >= 1 && tag_id <= c->plant->view.n_tags ? c->plant->tags[tag_id - 1].key : NULL;
            json_object_set_new(o, "tag", key ? json_string(key) : json_null());
        }
        char since[40];
        aj_time_format_ms(v->since_ns / 1000000, since, sizeof since);
        json_object_set_new(o, "since", json_string(since));
        json_array_append_new(ev, o);
    }
    if (in->level != AJ_RLEVEL_NONE) suppress_evidence_tags(c, b, t_ns);
    json_t *line = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:o, s:o, s:i, s:o}", "type", "reasoning",
                             "t", t, "mode", m->id, "scope", b->scope_code, "from", level_name(from), "level",
                             level_name(in->level), "uncorroborated", in->is_uncorroborated, "posterior",
                             num_or_null(in->posterior), "ttf_h", num_or_null(in->ttf_hours), "signals",
                             in->n_corroborating, "evidence", ev);
    if (in->is_uncorroborated && in->lone_signal >= 0)
        json_object_set_new(line, "lone_signal", json_string(m->signals[in->lone_signal].id));
    char *s = json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
    if (s) puts(s);
    free(s);
    json_decref(line);
}

/* One line per bound instance: {"type":"binding","mode","scope","scope_type","tags":[...]}. */
static void print_bindings(aj_reasoner *r, const replay_plant *p) {
    for (int i = 0; i < aj_reasoner_n_bound(r); i++) {
        const aj_rbound *b = aj_reasoner_bound(r, i);
        const aj_rinst *in = b->inst;
        json_t *tags = json_array();
        for (int c = 0; c < in->n_chans; c++) {
            int64_t id = in->chans[c].spec.tag_id;
            if (id >= 1 && id <= p->view.n_tags)
                json_array_append_new(tags, json_string(p->tags[id - 1].key));
        }
        json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:o}", "type", "binding", "mode", in->mode->id, "scope",
                              b->scope_code, "scope_type",
                              in->mode->scope == AJ_RULE_ON_ASSET ? "asset" : "zone", "tags", tags);
        char *text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
        if (text) puts(text);
        free(text);
        json_decref(o);
    }
}

/* ---- the run --------------------------------------------------------------------------- */

#define REPLAY_ALARMS_PER_TAG 8

typedef struct replay_alarm {
    aj_alarm a;
    aj_alarm_def_row row;
    int tag; /* index in the plant's tags */
    bool is_suppressed;
    bool was_active; /* condition at the last look */
} replay_alarm;

typedef struct replay_tag {
    long sim_index; /* -1: the simulator does not model it */
    aj_quality_config qcfg;
    aj_quality_state q;
    aj_rfeed *feed; /* NULL: no rule uses it */
    replay_alarm *alarms[REPLAY_ALARMS_PER_TAG];
    int n_alarms;
    long n_good; /* --tag-stats */
    double min, max, sum;
} replay_tag;

/* ---- limit alarms (--alarms) ------------------------------------------------------------------ */

typedef struct alarm_ctx {
    replay_ctx *c;
    replay_alarm *ra;
} alarm_ctx;

static alarm_ctx *alarm_ctxs; /* one per alarm, same order as made */

static void on_alarm_entry(void *vctx, const aj_alarm_entry *en) {
    alarm_ctx *ac = vctx;
    replay_ctx *c = ac->c;
    const replay_alarm *ra = ac->ra;
    bool visible = en->to == AJ_ALARM_UNACK || en->to == AJ_ALARM_ACKED || en->to == AJ_ALARM_LATCHED;
    char t[40];
    aj_time_format_ms(en->t_ns / 1000000, t, sizeof t);
    json_t *line = json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:b, s:o, s:f}", "type", "alarm", "t", t, "tag",
        c->plant->tags[ra->tag].key, "kind", aj_alarm_def_row_kind_name(&ra->row), "priority",
        aj_alarm_priority_name(en->priority), "from", aj_alarm_state_name(en->from), "to",
        aj_alarm_state_name(en->to), "cause", aj_alarm_cause_name(en->cause), "condition",
        en->is_condition_active, "visible", visible, "value", num_or_null(en->value), "limit", en->limit);
    char *text = json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
    if (text) puts(text);
    free(text);
    json_decref(line);
}

/* Counts raw activations (the condition rising, hidden or not) and the visible ones; the
 * journal itself has no entry for a condition that changes beneath a hidden layer. A rise
 * is printed as {"type":"activation", ...}. */
static void note_condition(replay_ctx *c, replay_alarm *ra, int64_t t_ns) {
    aj_alarm_status st;
    aj_alarm_get_status(&ra->a, &st);
    if (st.is_condition_active && !ra->was_active) {
        bool visible =
            st.state == AJ_ALARM_UNACK || st.state == AJ_ALARM_ACKED || st.state == AJ_ALARM_LATCHED;
        c->n_activations++;
        if (visible) c->n_visible_activations++;
        char t[40];
        aj_time_format_ms(t_ns / 1000000, t, sizeof t);
        printf("{\"type\":\"activation\",\"t\":\"%s\",\"tag\":\"%s\",\"kind\":\"%s\",\"priority\":\"%s\","
               "\"visible\":%s}\n",
               t, c->plant->tags[ra->tag].key, aj_alarm_def_row_kind_name(&ra->row),
               aj_alarm_priority_name(ra->row.def.priority), visible ? "true" : "false");
    }
    ra->was_active = st.is_condition_active;
}

/* Adds (or replaces by kind) one definition on tag i. */
static bool add_alarm(replay_tag *rt, int i, const aj_alarm_def_row *row) {
    for (int k = 0; k < rt->n_alarms; k++) {
        if (rt->alarms[k]->row.def.kind == row->def.kind) {
            rt->alarms[k]->row = *row;
            aj_alarm_def_row_fix(&rt->alarms[k]->row);
            return true;
        }
    }
    if (rt->n_alarms == REPLAY_ALARMS_PER_TAG) return false;
    replay_alarm *ra = calloc(1, sizeof *ra);
    if (!ra) return false;
    ra->row = *row;
    aj_alarm_def_row_fix(&ra->row);
    ra->tag = i;
    rt->alarms[rt->n_alarms++] = ra;
    return true;
}

static bool add_alarm_list(replay_tag *rt, int i, const json_t *list, const char *path) {
    size_t k;
    json_t *it;
    json_array_foreach(list, k, it) {
        char sub[300], err[300];
        snprintf(sub, sizeof sub, "%s[%zu]", path, k);
        aj_alarm_def_row row;
        if (aj_alarm_def_from_json(it, sub, &row, err, sizeof err) != AJ_OK) {
            fprintf(stderr, "anjian reason replay: %s\n", err);
            return false;
        }
        if (!add_alarm(rt, i, &row)) return false;
    }
    return true;
}

/* Makes every tag's alarms: gas defaults, then the plant file's, then --limit-alarms. */
static bool build_alarms(replay_ctx *c, replay_tag *tags, json_t *doc, json_t *extra) {
    const replay_plant *p = c->plant;
    json_t *jtags = json_object_get(doc, "tags");
    int64_t next_id = 1;
    for (int i = 0; i < p->view.n_tags; i++) {
        const aj_rplant_tag *t = &p->tags[i];
        json_t *jt = json_array_get(jtags, (size_t)i);
        aj_alarm_def defs[4];
        size_t n = 0;
        double oel = json_number_value(json_object_get(jt, "oel"));
        if (t->has_range && aj_alarm_defaults_for_tag(t->kind ? t->kind : "", t->range_lo, t->range_hi, oel,
                                                      t->gas, defs, 4, &n) == AJ_OK) {
            for (size_t k = 0; k < n; k++) {
                aj_alarm_def_row row = {.def = defs[k]};
                if (!add_alarm(&tags[i], i, &row)) return false;
            }
        }
        char path[64];
        snprintf(path, sizeof path, "$.tags[%d].alarms", i);
        if (!add_alarm_list(&tags[i], i, json_object_get(jt, "alarms"), path)) return false;
        json_t *more = t->key && extra ? json_object_get(extra, t->key) : NULL;
        if (more && !add_alarm_list(&tags[i], i, more, t->key)) return false;
    }
    int total = 0;
    for (int i = 0; i < p->view.n_tags; i++) total += tags[i].n_alarms;
    alarm_ctxs = calloc((size_t)total + 1, sizeof *alarm_ctxs);
    if (!alarm_ctxs) return false;
    int k = 0;
    for (int i = 0; i < p->view.n_tags; i++) {
        for (int j = 0; j < tags[i].n_alarms; j++, k++) {
            replay_alarm *ra = tags[i].alarms[j];
            ra->row.def.id = next_id++;
            ra->row.def.tag_id = p->tags[i].id;
            alarm_ctxs[k] = (alarm_ctx){c, ra};
            if (aj_alarm_init(&ra->a, &ra->row.def, on_alarm_entry, &alarm_ctxs[k]) != AJ_OK) {
                fprintf(stderr, "anjian reason replay: tag %s: alarm %s is not valid\n", p->tags[i].key,
                        aj_alarm_def_row_kind_name(&ra->row));
                return false;
            }
        }
    }
    return true;
}

static void free_alarms(replay_tag *tags, int n) {
    for (int i = 0; tags && i < n; i++)
        for (int j = 0; j < tags[i].n_alarms; j++) {
            aj_alarm_clear(&tags[i].alarms[j]->a);
            free(tags[i].alarms[j]);
        }
    free(alarm_ctxs);
    alarm_ctxs = NULL;
}

/* As the engine does when an incident opens or grows: the process alarms of the tags folded
 * into it (present evidence, signals the mode explains) are suppressed by design (here for
 * the rest of the run: nobody resolves an incident in a replay). */
static void suppress_evidence_tags(replay_ctx *c, aj_rbound *b, int64_t t_ns) {
    if (!c->tags) return;
    const aj_rinst *in = b->inst;
    if (!b->user_id) b->user_id = ++c->next_suppressor;
    for (int sig = 0; sig < in->mode->n_signals; sig++) {
        if (!aj_rinst_signal_folded(in, sig)) continue;
        for (int ch = in->sig_first[sig]; ch < in->sig_first[sig + 1]; ch++) {
            int64_t id = in->chans[ch].spec.tag_id;
            if (id < 1 || id > c->plant->view.n_tags) continue;
            replay_tag *rt = &c->tags[id - 1];
            for (int j = 0; j < rt->n_alarms; j++) {
                replay_alarm *ra = rt->alarms[j];
                if (ra->is_suppressed) continue;
                int64_t t = t_ns > ra->a.now_ns ? t_ns : ra->a.now_ns; /* never behind its clock */
                if (aj_alarm_suppress(&ra->a, t, b->user_id) != AJ_OK) continue;
                ra->is_suppressed = true;
            }
        }
    }
}

static void ignore_quality_event(void *ctx, const aj_quality_event *ev) {
    (void)ctx;
    (void)ev;
}

static int replay(const aj_opts *op) {
    const char *plant_path = aj_opt(op, "plant") ? aj_opt(op, "plant") : REPLAY_DEFAULT_PLANT;
    const char *rules_path = aj_opt(op, "rules") ? aj_opt(op, "rules") : REPLAY_DEFAULT_RULES;
    char err[600];
    aj_sim_opts so = {.seed = 1, .step_ns = 1000000000LL, .speed = 0};
    int64_t ms;
    const char *start = aj_opt(op, "start") ? aj_opt(op, "start") : REPLAY_DEFAULT_START;
    if (!aj_time_parse(start, &ms)) {
        fprintf(stderr, "anjian reason replay: --start must be an RFC 3339 time (got \"%s\")\n", start);
        return AJ_EXIT_USAGE;
    }
    so.start_ns = ms * 1000000;
    const char *dur = aj_opt(op, "duration") ? aj_opt(op, "duration") : REPLAY_DEFAULT_DURATION;
    if (!aj_sim_parse_duration(dur, false, &so.duration_ns) || so.duration_ns <= 0) {
        fprintf(stderr, "anjian reason replay: --duration must be like 30m, 24h, 7d (got \"%s\")\n", dur);
        return AJ_EXIT_USAGE;
    }
    if (aj_opt(op, "seed")) {
        char *end;
        so.seed = strtoull(aj_opt(op, "seed"), &end, 10);
        if (*end || aj_opt(op, "seed")[0] == '-') {
            fprintf(stderr, "anjian reason replay: --seed must be a non-negative integer\n");
            return AJ_EXIT_USAGE;
        }
    }
    aj_rules *rules;
    if (aj_rules_load(rules_path, &rules, err, sizeof err)) {
        fprintf(stderr, "anjian reason replay: %s\n", err);
        return AJ_EXIT_FAIL;
    }
    aj_reasoner *r = aj_reasoner_new(rules);
    char *text = NULL;
    size_t len;
    json_t *doc = NULL;
    aj_sim *sim = NULL;
    replay_plant plant = {0};
    replay_tag *tags = NULL;
    FILE *labels = NULL, *stats = NULL, *terms_file = NULL;
    reason_terms *terms = NULL;
    int rc = AJ_EXIT_FAIL;
    if (!r) {
        aj_rules_free(rules);
        fprintf(stderr, "anjian reason replay: out of memory\n");
        return rc;
    }
    if (aj_file_read(plant_path, AJ_SIM_PLANT_BYTES_MAX, &text, &len, err, sizeof err)) {
        fprintf(stderr, "anjian reason replay: %s\n", err);
        goto done;
    }
    if (aj_json_parse(text, len, &doc, err, sizeof err)) {
        fprintf(stderr, "anjian reason replay: %s: %s\n", plant_path, err);
        goto done;
    }
    free(text);
    text = NULL;
    if (aj_sim_new(doc, &sim, err, sizeof err)) {
        fprintf(stderr, "anjian reason replay: %s: %s\n", plant_path, err);
        goto done;
    }
    if (aj_opt(op, "scenario")) {
        const char *sp = aj_opt(op, "scenario");
        if (aj_file_read(sp, AJ_SIM_SCENARIO_BYTES_MAX, &text, &len, err, sizeof err)) {
            fprintf(stderr, "anjian reason replay: %s\n", err);
            goto done;
        }
        if (aj_sim_load_scenario(sim, text, len, err, sizeof err)) {
            fprintf(stderr, "anjian reason replay: %s: %s\n", sp, err);
            goto done;
        }
    }
    if (plant_view(doc, &plant) || aj_reasoner_bind(r, &plant.view)) {
        fprintf(stderr, "anjian reason replay: binding the rules to the plant failed\n");
        goto done;
    }
    tags = calloc((size_t)plant.view.n_tags + 1, sizeof *tags);
    if (!tags) goto done;
    for (int i = 0; i < plant.view.n_tags; i++) {
        const aj_rplant_tag *t = &plant.tags[i];
        replay_tag *rt = &tags[i];
        rt->sim_index = t->key ? aj_sim_tag_find(sim, t->key) : -1;
        double lo = t->has_range ? t->range_lo : NAN, hi = t->has_range ? t->range_hi : NAN;
        if (aj_quality_config_defaults(t->kind ? t->kind : "", lo, hi, &rt->qcfg) != AJ_OK)
            aj_quality_config_defaults("status", NAN, NAN, &rt->qcfg);
        aj_quality_state_init(&rt->q, t->id);
        rt->feed = aj_reasoner_feed(r, t->id);
    }
    if (aj_opt(op, "labels") && !(labels = fopen(aj_opt(op, "labels"), "w"))) {
        fprintf(stderr, "anjian reason replay: cannot write %s\n", aj_opt(op, "labels"));
        goto done;
    }
    replay_ctx ctx = {.plant = &plant, .is_evidence_all = aj_opt(op, "evidence-all") != NULL};
    if (aj_opt(op, "bindings")) print_bindings(r, &plant);
    if (aj_opt(op, "tag-stats") && !(stats = fopen(aj_opt(op, "tag-stats"), "w"))) {
        fprintf(stderr, "anjian reason replay: cannot write %s\n", aj_opt(op, "tag-stats"));
        goto done;
    }
    if (aj_opt(op, "term-stats")) {
        if (!(terms_file = fopen(aj_opt(op, "term-stats"), "w"))) {
            fprintf(stderr, "anjian reason replay: cannot write %s\n", aj_opt(op, "term-stats"));
            goto done;
        }
        if (!(terms = reason_terms_new(r))) {
            fprintf(stderr, "anjian reason replay: out of memory\n");
            goto done;
        }
        aj_reasoner_observe_ticks(r, reason_terms_observe, terms);
    }
    bool with_alarms = aj_opt(op, "alarms") != NULL;
    json_t *extra = NULL;
    if (aj_opt(op, "limit-alarms")) {
        if (!with_alarms) {
            fprintf(stderr, "anjian reason replay: --limit-alarms needs --alarms\n");
            rc = AJ_EXIT_USAGE;
            goto done;
        }
        char *lt;
        size_t ll;
        if (aj_file_read(aj_opt(op, "limit-alarms"), AJ_SIM_PLANT_BYTES_MAX, &lt, &ll, err, sizeof err) ||
            aj_json_parse(lt, ll, &extra, err, sizeof err) || !json_is_object(extra)) {
            fprintf(stderr, "anjian reason replay: --limit-alarms %s: %s\n", aj_opt(op, "limit-alarms"),
                    extra ? "must be an object of tag keys" : err);
            free(lt);
            json_decref(extra);
            goto done;
        }
        free(lt);
    }
    if (with_alarms) {
        ctx.tags = tags;
        bool ok = build_alarms(&ctx, tags, doc, extra);
        json_decref(extra);
        if (!ok) goto done;
    }
    aj_sim_begin(sim, &so, labels);
    int64_t n_steps = so.duration_ns / so.step_ns, t = so.start_ns;
    for (int64_t k = 0; k < n_steps; k++) {
        aj_sim_step(sim);
        t = aj_sim_time_ns(sim);
        for (int i = 0; i < plant.view.n_tags; i++) {
            replay_tag *rt = &tags[i];
            if (rt->sim_index < 0 || (!rt->feed && !rt->n_alarms && !stats)) continue;
            /* as the server receives it: line protocol with 3 decimals (sim.c fmt_value) */
            double v = aj_sim_tag_value(sim, (size_t)rt->sim_index);
            if (fabs(v) < 1e15) v = (double)llround(v * 1000.0) / 1000.0;
            aj_point p = {.tag_id = plant.tags[i].id, .t_ns = t, .value = v, .quality = AJ_QUALITY_GOOD};
            aj_point out[AJ_QUALITY_OUT_MAX];
            size_t n_out = 0;
            if (aj_quality_check(&rt->q, &rt->qcfg, &p, out, &n_out, ignore_quality_event, NULL) != AJ_OK)
                continue;
            for (size_t j = 0; j < n_out; j++) {
                if (rt->feed && out[j].quality == AJ_QUALITY_GOOD)
                    aj_rfeed_add(rt->feed, out[j].t_ns, out[j].value);
                if (stats && out[j].quality == AJ_QUALITY_GOOD) {
                    double x = out[j].value;
                    if (!rt->n_good || x < rt->min) rt->min = x;
                    if (!rt->n_good || x > rt->max) rt->max = x;
                    rt->sum += x;
                    rt->n_good++;
                }
                for (int a = 0; a < rt->n_alarms; a++) {
                    replay_alarm *ra = rt->alarms[a];
                    aj_alarm_process(&ra->a, &out[j]);
                    note_condition(&ctx, ra, out[j].t_ns);
                }
            }
        }
        aj_reasoner_advance(r, t - AJ_ENGINE_LATENESS_NS, on_change, &ctx);
        for (int i = 0; with_alarms && i < plant.view.n_tags; i++) /* delays, at the watermark */
            for (int a = 0; a < tags[i].n_alarms; a++)
                if (aj_alarm_next_due(&tags[i].alarms[a]->a) <= t - AJ_ENGINE_LATENESS_NS) {
                    aj_alarm_advance(&tags[i].alarms[a]->a, t - AJ_ENGINE_LATENESS_NS);
                    note_condition(&ctx, tags[i].alarms[a], t - AJ_ENGINE_LATENESS_NS);
                }
    }
    aj_reasoner_advance(r, t, on_change, &ctx);
    fprintf(stderr,
            "anjian reason replay: %d modes bound to %d assets/zones, %lld steps, %llu ticks; %ld changes, "
            "%ld incidents opened, %ld uncorroborated",
            rules->n_modes, aj_reasoner_n_bound(r), (long long)n_steps,
            (unsigned long long)aj_reasoner_ticks(r), ctx.n_changes, ctx.n_incidents, ctx.n_uncorroborated);
    if (with_alarms)
        fprintf(stderr, "; alarm activations %ld, visible (not suppressed) %ld", ctx.n_activations,
                ctx.n_visible_activations);
    fputc('\n', stderr);
    if (stats) {
        json_t *o = json_object();
        for (int i = 0; i < plant.view.n_tags; i++) {
            const replay_tag *rt = &tags[i];
            if (!rt->n_good || !plant.tags[i].key) continue;
            json_object_set_new(o, plant.tags[i].key,
                                json_pack("{s:I, s:f, s:f, s:f}", "n", (json_int_t)rt->n_good, "min", rt->min,
                                          "max", rt->max, "mean", rt->sum / (double)rt->n_good));
        }
        int bad = json_dumpf(o, stats, JSON_INDENT(1) | JSON_REAL_PRECISION(8));
        bad |= fclose(stats);
        stats = NULL;
        json_decref(o);
        if (bad) {
            fprintf(stderr, "anjian reason replay: writing %s failed\n", aj_opt(op, "tag-stats"));
            goto done;
        }
    }
    if (terms) {
        bool ok = reason_terms_write(terms, r, terms_file);
        ok &= fclose(terms_file) == 0;
        terms_file = NULL;
        if (!ok) {
            fprintf(stderr, "anjian reason replay: writing %s failed\n", aj_opt(op, "term-stats"));
            goto done;
        }
    }
    rc = AJ_EXIT_OK;
done:
    reason_terms_free(terms);
    if (terms_file) fclose(terms_file);
    if (stats) fclose(stats);
    if (labels) fclose(labels);
    free_alarms(tags, plant.view.n_tags);
    free(tags);
    plant_view_free(&plant);
    aj_sim_free(sim);
    json_decref(doc);
    free(text);
    aj_reasoner_free(r);
    return rc;
}

int aj_cmd_reason(int argc, char **argv) {
    if (argc < 1 || !strcmp(argv[0], "--help") || !strcmp(argv[0], "-h")) {
        usage(argc < 1 ? stderr : stdout);
        return argc < 1 ? AJ_EXIT_USAGE : AJ_EXIT_OK;
    }
    if (strcmp(argv[0], "replay") != 0) {
        fprintf(stderr, "anjian reason: unknown subcommand \"%s\"\n", argv[0]);
        usage(stderr);
        return AJ_EXIT_USAGE;
    }
    static const char *const allowed[] = {"plant",     "rules",        "scenario",  "seed",
                                          "start",     "duration",     "labels",    "evidence-all!",
                                          "alarms!",   "limit-alarms", "tag-stats", "term-stats",
                                          "bindings!", "help!",        NULL};
    aj_opts op;
    char err[200];
    if (!aj_opts_parse(&op, argc - 1, argv + 1, allowed, err, sizeof err)) {
        fprintf(stderr, "anjian reason replay: %s\n", err);
        return AJ_EXIT_USAGE;
    }
    if (aj_opt(&op, "help")) {
        usage(stdout);
        return AJ_EXIT_OK;
    }
    if (op.n_pos) {
        fprintf(stderr, "anjian reason replay: unexpected argument \"%s\"\n", op.pos[0]);
        return AJ_EXIT_USAGE;
    }
    return replay(&op);
}
