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
    fprintf(out,
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
            "  --evidence-all!   print every piece of evidence, not only the present ones\n");
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

typedef struct replay_ctx {
    const replay_plant *plant;
    bool is_evidence_all;
    long n_changes, n_incidents, n_uncorroborated;
} replay_ctx;

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
    json_t *line =
        json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:o, s:o, s:i, s:o}", "t", t, "mode", m->id, "scope",
                  b->scope_code, "from", level_name(from), "level", level_name(in->level), "uncorroborated",
                  in->is_uncorroborated, "posterior", num_or_null(in->posterior), "ttf_h",
                  num_or_null(in->ttf_hours), "signals", in->n_corroborating, "evidence", ev);
    if (in->is_uncorroborated && in->lone_signal >= 0)
        json_object_set_new(line, "lone_signal", json_string(m->signals[in->lone_signal].id));
    char *s = json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
    if (s) puts(s);
    free(s);
    json_decref(line);
}

/* ---- the run --------------------------------------------------------------------------- */

typedef struct replay_tag {
    long sim_index; /* -1: the simulator does not model it */
    aj_quality_config qcfg;
    aj_quality_state q;
    aj_rfeed *feed; /* NULL: no rule uses it */
} replay_tag;

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
    FILE *labels = NULL;
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
    aj_sim_begin(sim, &so, labels);
    int64_t n_steps = so.duration_ns / so.step_ns, t = so.start_ns;
    for (int64_t k = 0; k < n_steps; k++) {
        aj_sim_step(sim);
        t = aj_sim_time_ns(sim);
        for (int i = 0; i < plant.view.n_tags; i++) {
            replay_tag *rt = &tags[i];
            if (rt->sim_index < 0 || !rt->feed) continue;
            /* as the server receives it: line protocol with 3 decimals (sim.c fmt_value) */
            double v = aj_sim_tag_value(sim, (size_t)rt->sim_index);
            if (fabs(v) < 1e15) v = (double)llround(v * 1000.0) / 1000.0;
            aj_point p = {.tag_id = plant.tags[i].id, .t_ns = t, .value = v, .quality = AJ_QUALITY_GOOD};
            aj_point out[AJ_QUALITY_OUT_MAX];
            size_t n_out = 0;
            if (aj_quality_check(&rt->q, &rt->qcfg, &p, out, &n_out, ignore_quality_event, NULL) != AJ_OK)
                continue;
            for (size_t j = 0; j < n_out; j++)
                if (out[j].quality == AJ_QUALITY_GOOD) aj_rfeed_add(rt->feed, out[j].t_ns, out[j].value);
        }
        aj_reasoner_advance(r, t - AJ_ENGINE_LATENESS_NS, on_change, &ctx);
    }
    aj_reasoner_advance(r, t, on_change, &ctx);
    fprintf(stderr,
            "anjian reason replay: %d modes bound to %d assets/zones, %lld steps, %llu ticks; %ld changes, "
            "%ld incidents opened, %ld uncorroborated\n",
            rules->n_modes, aj_reasoner_n_bound(r), (long long)n_steps,
            (unsigned long long)aj_reasoner_ticks(r), ctx.n_changes, ctx.n_incidents, ctx.n_uncorroborated);
    rc = AJ_EXIT_OK;
done:
    if (labels) fclose(labels);
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
    static const char *const allowed[] = {"plant",    "rules",  "scenario",      "seed",  "start",
                                          "duration", "labels", "evidence-all!", "help!", NULL};
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
