/* scenario.c — scenario files: parsing and validation against the plant.
 *
 * A scenario (format "anjian-scenario", docs/simulator.md) is untrusted input: it is
 * parsed with bounded nesting (aj_json_parse), every member is checked, and every
 * reference (asset, tag, area, leak point) is resolved against the simulator's plant,
 * including what a fault type needs there (a motor_overheat a motor, an inerting oxygen
 * detectors). Errors name the JSONPath of the offending member. Parsing fills a scratch
 * array and installs it (with the weather and the noise factor) only when the whole file
 * is valid. What the faults do at run time is in faults.c.
 */
#include "base/jsonutil.h"
#include "sim/sim_int.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* What a fault type is aimed at. */
typedef enum {
    TARGET_ASSET, /* "asset" */
    TARGET_TAG,   /* "tag": a sensor fault */
    TARGET_LEAK,  /* "leak" point or "asset" (its position) */
    TARGET_SPACE, /* "area" or a gas_detector_group "asset" */
    TARGET_NONE   /* the whole site (typhoon) */
} target_kind;

/* Per fault type: target, default development, magnitude default and bounds (units in
 * docs/simulator.md; a NAN default is computed from the target tag's range). */
typedef struct fault_spec {
    target_kind target;
    sim_development development;
    double magnitude_default, magnitude_min, magnitude_max;
} fault_spec;

static const fault_spec specs[SIM_F_COUNT] = {
    [SIM_F_SEAL_FAILURE] = {TARGET_ASSET, SIM_DEV_LINEAR, 1.0, 0, 10},
    [SIM_F_BEARING_WEAR] = {TARGET_ASSET, SIM_DEV_LINEAR, 1.0, 0, 10},
    [SIM_F_FLANGE_MICRO_LEAK] = {TARGET_LEAK, SIM_DEV_LINEAR, 10.0, 0, 10000},
    [SIM_F_REACTOR_COOLING_LOSS] = {TARGET_ASSET, SIM_DEV_LINEAR, 0.8, 0, 1},
    [SIM_F_TANK_OVERFILL] = {TARGET_ASSET, SIM_DEV_LINEAR, 1.5, 0, 100},
    [SIM_F_STUCK] = {TARGET_TAG, SIM_DEV_STEP, 0, 0, 0},
    [SIM_F_DRIFT] = {TARGET_TAG, SIM_DEV_LINEAR, NAN, -1e9, 1e9},
    [SIM_F_TYPHOON] = {TARGET_NONE, SIM_DEV_STEP, 2.0, 0, 4},
    [SIM_F_CAVITATION] = {TARGET_ASSET, SIM_DEV_LINEAR, 1.0, 0, 4},
    [SIM_F_MOTOR_OVERHEAT] = {TARGET_ASSET, SIM_DEV_LINEAR, 1.0, 0, 3},
    [SIM_F_COMPRESSOR_SURGE] = {TARGET_ASSET, SIM_DEV_LINEAR, 1.0, 0, 1},
    [SIM_F_HX_FOULING] = {TARGET_ASSET, SIM_DEV_LINEAR, 1.0, 0, 1.5},
    [SIM_F_HX_TUBE_LEAK] = {TARGET_ASSET, SIM_DEV_LINEAR, 1.0, 0, 5},
    [SIM_F_CONFINED_SPACE_INERTING] = {TARGET_SPACE, SIM_DEV_LINEAR, 0.3, 0, 2},
    [SIM_F_TOXIC_RELEASE] = {TARGET_LEAK, SIM_DEV_LINEAR, 2.0, 0, 10000},
    [SIM_F_SPIKE] = {TARGET_TAG, SIM_DEV_STEP, NAN, -1e9, 1e9},
    [SIM_F_LOAD_STEP] = {TARGET_ASSET, SIM_DEV_STEP, -0.3, -0.8, 0.8},
};

/* Spike spacing when "every" is not given: one a minute on average. */
#define SPIKE_EVERY_NS_DEFAULT (60LL * 1000000000LL)

void aj_sim_weather_defaults(sim_weather_cfg *w) {
    w->air_mean = 8.0; /* Shanghai, December */
    w->air_amp = 4.0;
    w->wind_speed = 3.0;
    w->wind_from = 330.0; /* winter monsoon, NNW */
    w->wind_var = 20.0;
    w->humidity_mean = 72.0;
}

/* ---- durations ---------------------------------------------------------------------------- */

static bool parse_duration0(const char *s, bool allow_plus, int64_t *ns) {
    if (!s) return false;
    if (allow_plus && *s == '+') s++;
    if (!*s) return false;
    int64_t total = 0;
    while (*s) {
        if (*s < '0' || *s > '9') return false;
        int64_t n = 0;
        while (*s >= '0' && *s <= '9') {
            if (n > INT64_MAX / 10 - 10) return false;
            n = n * 10 + (*s++ - '0');
        }
        int64_t unit;
        if (!strncmp(s, "ms", 2))
            unit = 1000000LL, s += 2;
        else if (*s == 's')
            unit = 1000000000LL, s++;
        else if (*s == 'm')
            unit = 60LL * 1000000000LL, s++;
        else if (*s == 'h')
            unit = 3600LL * 1000000000LL, s++;
        else if (*s == 'd')
            unit = 86400LL * 1000000000LL, s++;
        else
            return false;
        if (n > (INT64_MAX - total) / unit) return false;
        total += n * unit;
    }
    *ns = total;
    return true;
}

bool aj_sim_parse_duration(const char *s, bool allow_plus, int64_t *ns) {
    int64_t v;
    if (!parse_duration0(s, allow_plus, &v) || v <= 0) return false;
    *ns = v;
    return true;
}

/* ---- parsing --------------------------------------------------------------------------------- */

typedef struct parser {
    const aj_sim *s;
    char *err;
    size_t errlen;
    bool is_failed;
} parser;

static void fail(parser *p, const char *path, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void fail(parser *p, const char *path, const char *fmt, ...) {
    if (p->is_failed) return; /* the first error is reported */
    p->is_failed = true;
    int n = snprintf(p->err, p->errlen, "%s: ", path);
    if (n < 0 || (size_t)n >= p->errlen) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
    va_end(ap);
}

static bool keys_ok(parser *p, const json_t *obj, const char *path, const char *const *allowed) {
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)obj, key, v) {
        bool is_known = false;
        for (int i = 0; allowed[i]; i++)
            if (!strcmp(allowed[i], key)) is_known = true;
        if (!is_known) {
            char sub[200];
            snprintf(sub, sizeof sub, "%s.%.60s", path, key);
            fail(p, sub, "unknown member");
            return false;
        }
    }
    return true;
}

/* Optional string member; false (and an error) when present but not a string. */
static bool get_str(parser *p, const json_t *obj, const char *path, const char *key, const char **out) {
    json_t *v = json_object_get(obj, key);
    *out = NULL;
    if (!v) return true;
    if (!json_is_string(v)) {
        char sub[200];
        snprintf(sub, sizeof sub, "%s.%s", path, key);
        fail(p, sub, "must be a string");
        return false;
    }
    *out = json_string_value(v);
    return true;
}

static bool get_num(parser *p, const json_t *obj, const char *path, const char *key, double lo, double hi,
                    double *out) {
    json_t *v = json_object_get(obj, key);
    if (!v) return true;
    char sub[200];
    snprintf(sub, sizeof sub, "%s.%s", path, key);
    if (!json_is_number(v)) {
        fail(p, sub, "must be a number");
        return false;
    }
    double d = json_number_value(v);
    if (!isfinite(d) || d < lo || d > hi) {
        fail(p, sub, "must be between %g and %g", lo, hi);
        return false;
    }
    *out = d;
    return true;
}

static bool get_offset(parser *p, const json_t *obj, const char *path, const char *key, bool is_duration,
                       int64_t *out) {
    const char *str;
    if (!get_str(p, obj, path, key, &str)) return false;
    if (!str) return true;
    char sub[200];
    snprintf(sub, sizeof sub, "%s.%s", path, key);
    int64_t v;
    bool ok = is_duration ? aj_sim_parse_duration(str, false, &v) : parse_duration0(str, true, &v);
    if (!ok || v > AJ_SIM_DURATION_NS_MAX) {
        fail(p, sub,
             is_duration ? "not a duration such as \"2h\", \"30m\" or \"90s\""
                         : "not an offset such as \"+2h\", \"+30m\" or \"+0s\"");
        return false;
    }
    *out = v;
    return true;
}

static int find_asset(const aj_sim *s, const char *code) {
    for (size_t i = 0; i < s->n_assets; i++)
        if (!strcmp(s->assets[i].code, code)) return (int)i;
    return -1;
}

static bool area_exists(const aj_sim *s, const char *code) {
    for (size_t i = 0; i < s->n_areas; i++)
        if (!strcmp(s->areas[i], code)) return true;
    return false;
}

/* Nearest asset to (x, y) within 30 m that has a tag of role (or, for pressure, any of
 * the pressure roles); -1 when none. */
static int nearest_with_role(const aj_sim *s, double x, double y, bool is_pressure) {
    int best = -1;
    double best_d2 = 30.0 * 30.0;
    for (size_t i = 0; i < s->n_assets; i++) {
        const sim_asset *a = &s->assets[i];
        bool has = is_pressure
                       ? (a->role_tag[SIM_R_PRESSURE] >= 0 || a->role_tag[SIM_R_DISCHARGE_PRESSURE] >= 0)
                       : a->role_tag[SIM_R_IR_MAX] >= 0;
        if (!has || !a->has_xy) continue;
        double d2 = (a->x - x) * (a->x - x) + (a->y - y) * (a->y - y);
        if (d2 <= best_d2) best_d2 = d2, best = (int)i;
    }
    return best;
}

/* Gas of the detector nearest to (x, y) (combustible or toxic), -1 when none. */
static int nearest_detector_gas(const aj_sim *s, double x, double y) {
    int best = -1;
    double best_d2 = INFINITY;
    for (size_t i = 0; i < s->n_tags; i++) {
        const sim_tag *t = &s->tags[i];
        if ((t->model != SIM_M_DET_LEL && t->model != SIM_M_DET_PPM) || t->substance < 0) continue;
        double d2 = (t->x - x) * (t->x - x) + (t->y - y) * (t->y - y);
        if (d2 < best_d2) best_d2 = d2, best = t->substance;
    }
    return best;
}

static bool template_fits(sim_fault_type type, sim_template t) {
    switch (type) {
    case SIM_F_SEAL_FAILURE:
        return t == SIM_T_PUMP || t == SIM_T_COMPRESSOR;
    case SIM_F_BEARING_WEAR:
    case SIM_F_MOTOR_OVERHEAT:
        return t == SIM_T_PUMP || t == SIM_T_COMPRESSOR || t == SIM_T_MOTOR;
    case SIM_F_REACTOR_COOLING_LOSS:
        return t == SIM_T_REACTOR;
    case SIM_F_TANK_OVERFILL:
        return t == SIM_T_TANK;
    case SIM_F_CAVITATION:
        return t == SIM_T_PUMP;
    case SIM_F_COMPRESSOR_SURGE:
        return t == SIM_T_COMPRESSOR;
    case SIM_F_HX_FOULING:
    case SIM_F_HX_TUBE_LEAK:
        return t == SIM_T_HX;
    case SIM_F_CONFINED_SPACE_INERTING:
        return t == SIM_T_GD_GROUP;
    case SIM_F_LOAD_STEP: /* assets whose load drives their signals (a motor follows its parent) */
        return t == SIM_T_PUMP || t == SIM_T_COMPRESSOR || t == SIM_T_HX || t == SIM_T_PIPE_RACK;
    default:
        return true;
    }
}

static bool parse_leak(parser *p, const json_t *fo, const char *path, sim_fault *f) {
    const json_t *leak = json_object_get(fo, "leak");
    char lp[160];
    snprintf(lp, sizeof lp, "%s.leak", path);
    if (leak) {
        static const char *const keys[] = {"x", "y", "area", NULL};
        if (!json_is_object(leak)) {
            fail(p, lp, "must be an object {\"x\", \"y\", \"area\"}");
            return false;
        }
        if (!keys_ok(p, leak, lp, keys)) return false;
        double x = NAN, y = NAN;
        const char *area;
        if (!get_num(p, leak, lp, "x", -1e7, 1e7, &x) || !get_num(p, leak, lp, "y", -1e7, 1e7, &y))
            return false;
        if (isnan(x) || isnan(y)) {
            fail(p, lp, "needs \"x\" and \"y\" (metres)");
            return false;
        }
        if (!get_str(p, leak, lp, "area", &area)) return false;
        if (area && !area_exists(p->s, area)) {
            char sub[200];
            snprintf(sub, sizeof sub, "%s.area", lp);
            fail(p, sub, "no area \"%.64s\" in the plant", area);
            return false;
        }
        f->lx = x, f->ly = y;
    } else if (f->asset >= 0 && p->s->assets[f->asset].has_xy) {
        f->lx = p->s->assets[f->asset].x, f->ly = p->s->assets[f->asset].y;
    } else {
        fail(p, path, "a %s needs \"leak\": {\"x\", \"y\", \"area\"} or an \"asset\" with a position",
             aj_sim_fault_names[f->type]);
        return false;
    }
    const char *sub_name;
    if (!get_str(p, fo, path, "substance", &sub_name)) return false;
    if (sub_name) {
        f->substance = aj_sim_substance_find(sub_name);
        if (f->substance < 0) {
            char sub[200];
            snprintf(sub, sizeof sub, "%s.substance", path);
            fail(p, sub, "unknown substance \"%.64s\"", sub_name);
            return false;
        }
    } else if (f->type == SIM_F_TOXIC_RELEASE) {
        f->substance = aj_sim_substance_find("H2S");
    } else {
        f->substance = nearest_detector_gas(p->s, f->lx, f->ly);
    }
    f->ir_asset = nearest_with_role(p->s, f->lx, f->ly, false);
    f->press_asset = nearest_with_role(p->s, f->lx, f->ly, true);
    return true;
}

/* "$.faults[i].member" into sub. */
static void member_path(char *sub, size_t n, const char *path, const char *member) {
    snprintf(sub, n, "%s.%s", path, member);
}

static bool resolve_asset(parser *p, const char *path, const char *code, sim_fault *f) {
    char sub[200];
    member_path(sub, sizeof sub, path, "asset");
    f->asset = find_asset(p->s, code);
    if (f->asset < 0) {
        fail(p, sub, "no asset \"%.64s\" in the plant", code);
        return false;
    }
    if (!template_fits(f->type, p->s->assets[f->asset].tmpl)) {
        fail(p, sub, "a %s cannot happen on asset \"%.64s\" (wrong template)", aj_sim_fault_names[f->type],
             code);
        return false;
    }
    return true;
}

static bool resolve_area(parser *p, const char *path, const char *code, sim_fault *f) {
    char sub[200];
    member_path(sub, sizeof sub, path, "area");
    if (f->type != SIM_F_CONFINED_SPACE_INERTING) {
        fail(p, sub, "only confined_space_inerting faults target an area");
        return false;
    }
    f->area = -1;
    for (size_t i = 0; i < p->s->n_areas; i++)
        if (!strcmp(p->s->areas[i], code)) f->area = (int)i;
    if (f->area < 0) {
        fail(p, sub, "no area \"%.64s\" in the plant", code);
        return false;
    }
    return true;
}

/* Members that only some types have: "tag", "leak", "substance", "every". */
static bool members_fit(parser *p, const json_t *fo, const char *path, const sim_fault *f,
                        const char *asset) {
    target_kind tk = specs[f->type].target;
    char sub[200];
    if (tk == TARGET_TAG && (f->tag < 0 || asset)) {
        fail(p, path, "a %s fault needs \"tag\" (and no \"asset\")", aj_sim_fault_names[f->type]);
        return false;
    }
    static const struct {
        const char *member;
        target_kind tk;
        const char *msg;
    } only[] = {
        {"tag", TARGET_TAG, "only stuck, drift and spike faults target a tag"},
        {"leak", TARGET_LEAK, "only flange_micro_leak and toxic_release faults have a leak point"},
        {"substance", TARGET_LEAK, "only flange_micro_leak and toxic_release faults have a substance"},
    };
    for (size_t i = 0; i < sizeof only / sizeof only[0]; i++) {
        if (tk == only[i].tk || !json_object_get(fo, only[i].member)) continue;
        member_path(sub, sizeof sub, path, only[i].member);
        fail(p, sub, "%s", only[i].msg);
        return false;
    }
    if (f->type != SIM_F_SPIKE && json_object_get(fo, "every")) {
        member_path(sub, sizeof sub, path, "every");
        fail(p, sub, "only spike faults have \"every\"");
        return false;
    }
    return true;
}

/* motor_overheat on a pump or compressor: the fault is its motor's (the motor asset whose
 * parent it is); the labels then name the motor. */
static bool resolve_motor(parser *p, const char *path, sim_fault *f) {
    const aj_sim *s = p->s;
    if (s->assets[f->asset].tmpl == SIM_T_MOTOR) return true;
    for (size_t i = 0; i < s->n_assets; i++) {
        if (s->assets[i].tmpl == SIM_T_MOTOR && s->assets[i].parent == f->asset) {
            f->asset = (int)i;
            return true;
        }
    }
    char sub[200];
    member_path(sub, sizeof sub, path, "asset");
    fail(p, sub, "\"%.64s\" has no motor (no asset of template motor has it as parent)",
         s->assets[f->asset].code);
    return false;
}

/* confined_space_inerting: an "area" or a gas_detector_group "asset", with oxygen
 * detectors there. */
static bool space_fits(parser *p, const char *path, sim_fault *f) {
    const aj_sim *s = p->s;
    if ((f->area >= 0) == (f->asset >= 0)) {
        fail(
            p, path,
            "a confined_space_inerting fault needs \"area\" or a gas_detector_group \"asset\" (one of them)");
        return false;
    }
    int n_o2 = 0;
    for (size_t i = 0; i < s->n_tags; i++) {
        const sim_tag *t = &s->tags[i];
        if (t->model == SIM_M_DET_O2 && (f->area >= 0 ? t->area == f->area : t->asset == f->asset)) n_o2++;
    }
    if (n_o2 > 0) return true;
    char sub[200];
    member_path(sub, sizeof sub, path, f->area >= 0 ? "area" : "asset");
    if (f->area >= 0)
        fail(p, sub, "no oxygen detectors in area \"%s\"", s->areas[f->area]);
    else
        fail(p, sub, "no oxygen detectors in group \"%s\"", s->assets[f->asset].code);
    return false;
}

static bool parse_target(parser *p, const json_t *fo, const char *path, sim_fault *f) {
    const char *asset, *tag, *area;
    if (!get_str(p, fo, path, "asset", &asset) || !get_str(p, fo, path, "tag", &tag) ||
        !get_str(p, fo, path, "area", &area))
        return false;
    if (asset && !resolve_asset(p, path, asset, f)) return false;
    if (tag) {
        f->tag = aj_sim_tag_find(p->s, tag);
        if (f->tag < 0) {
            char sub[200];
            member_path(sub, sizeof sub, path, "tag");
            fail(p, sub, "no tag \"%.64s\" in the plant", tag);
            return false;
        }
    }
    if (area && !resolve_area(p, path, area, f)) return false;
    if (!members_fit(p, fo, path, f, asset)) return false;
    switch (specs[f->type].target) {
    case TARGET_LEAK:
        return parse_leak(p, fo, path, f);
    case TARGET_SPACE:
        return space_fits(p, path, f);
    case TARGET_ASSET:
        if (f->asset < 0) {
            fail(p, path, "a %s fault needs \"asset\"", aj_sim_fault_names[f->type]);
            return false;
        }
        return f->type != SIM_F_MOTOR_OVERHEAT || resolve_motor(p, path, f);
    case TARGET_TAG:
    case TARGET_NONE:
        break;
    }
    return true;
}

static bool parse_type(parser *p, const char *path, const char *type, sim_fault *f) {
    char sub[200], names[400];
    member_path(sub, sizeof sub, path, "type");
    if (!type) {
        fail(p, sub, "required");
        return false;
    }
    for (int i = 0; i < SIM_F_COUNT; i++) {
        if (strcmp(aj_sim_fault_names[i], type) != 0) continue;
        f->type = (sim_fault_type)i;
        return true;
    }
    size_t n = 0;
    for (int i = 0; i < SIM_F_COUNT && n < sizeof names; i++)
        n += (size_t)snprintf(names + n, sizeof names - n, "%s%s", i ? ", " : "", aj_sim_fault_names[i]);
    fail(p, sub, "unknown fault type \"%.64s\" (%s)", type, names);
    return false;
}

/* development, onset, duration, clear_at and (spike) every. */
static bool parse_timing(parser *p, const json_t *fo, const char *path, const char *dev, sim_fault *f) {
    char sub[200];
    f->development = specs[f->type].development;
    if (dev) {
        member_path(sub, sizeof sub, path, "development");
        if (!strcmp(dev, "linear"))
            f->development = SIM_DEV_LINEAR;
        else if (!strcmp(dev, "exponential"))
            f->development = SIM_DEV_EXPONENTIAL;
        else if (!strcmp(dev, "step"))
            f->development = SIM_DEV_STEP;
        else {
            fail(p, sub, "must be \"linear\", \"exponential\" or \"step\"");
            return false;
        }
    }
    f->duration_ns = 3600LL * 1000000000LL;
    f->every_ns = SPIKE_EVERY_NS_DEFAULT;
    if (!get_offset(p, fo, path, "onset", false, &f->onset_ns) ||
        !get_offset(p, fo, path, "duration", true, &f->duration_ns) ||
        !get_offset(p, fo, path, "clear_at", false, &f->clear_ns) ||
        !get_offset(p, fo, path, "every", true, &f->every_ns))
        return false;
    if (f->clear_ns >= 0 && f->clear_ns <= f->onset_ns) {
        member_path(sub, sizeof sub, path, "clear_at");
        fail(p, sub, "must be after onset");
        return false;
    }
    return true;
}

static bool parse_magnitude(parser *p, const json_t *fo, const char *path, sim_fault *f) {
    const fault_spec *sp = &specs[f->type];
    char sub[200];
    member_path(sub, sizeof sub, path, "magnitude");
    f->magnitude = sp->magnitude_default;
    if (isnan(f->magnitude)) { /* drift 5 %, spike 30 % of the tag's range */
        const sim_tag *t = &p->s->tags[f->tag];
        double share = f->type == SIM_F_SPIKE ? 0.3 : 0.05;
        f->magnitude = t->has_range ? share * (t->hi - t->lo) : 1.0;
    }
    if (f->type == SIM_F_STUCK) {
        if (!json_object_get(fo, "magnitude")) return true;
        fail(p, sub, "a stuck sensor has no magnitude");
        return false;
    }
    if (!get_num(p, fo, path, "magnitude", sp->magnitude_min, sp->magnitude_max, &f->magnitude)) return false;
    if (f->type == SIM_F_TYPHOON && f->magnitude != floor(f->magnitude)) {
        fail(p, sub, "the typhoon warning level is a whole number 0..4");
        return false;
    }
    return true;
}

static bool parse_fault(parser *p, const json_t *fo, const char *path, sim_fault *f) {
    static const char *const keys[] = {"id",        "type",      "asset",    "tag",         "area",
                                       "leak",      "substance", "onset",    "development", "duration",
                                       "magnitude", "every",     "clear_at", "description", NULL};
    if (!json_is_object(fo)) {
        fail(p, path, "must be an object");
        return false;
    }
    if (!keys_ok(p, fo, path, keys)) return false;
    memset(f, 0, sizeof *f);
    f->asset = -1, f->tag = -1, f->area = -1, f->substance = -1, f->ir_asset = -1, f->press_asset = -1;
    f->clear_ns = -1;
    const char *id, *type, *dev, *desc;
    if (!get_str(p, fo, path, "id", &id) || !get_str(p, fo, path, "type", &type) ||
        !get_str(p, fo, path, "development", &dev) || !get_str(p, fo, path, "description", &desc))
        return false;
    if (id) {
        if (!*id || strlen(id) > AJ_CODE_LEN_MAX) {
            char sub[200];
            member_path(sub, sizeof sub, path, "id");
            fail(p, sub, "must be 1-%d characters", AJ_CODE_LEN_MAX);
            return false;
        }
        snprintf(f->id, sizeof f->id, "%s", id);
    }
    return parse_type(p, path, type, f) && parse_target(p, fo, path, f) &&
           parse_timing(p, fo, path, dev, f) && parse_magnitude(p, fo, path, f);
}

static bool parse_weather(parser *p, const json_t *w, sim_weather_cfg *out) {
    static const char *const keys[] = {"air_temp_mean",    "air_temp_amplitude", "wind_speed", "wind_from",
                                       "wind_variability", "humidity_mean",      NULL};
    if (!json_is_object(w)) {
        fail(p, "$.weather", "must be an object");
        return false;
    }
    return keys_ok(p, w, "$.weather", keys) &&
           get_num(p, w, "$.weather", "air_temp_mean", -40, 50, &out->air_mean) &&
           get_num(p, w, "$.weather", "air_temp_amplitude", 0, 20, &out->air_amp) &&
           get_num(p, w, "$.weather", "wind_speed", 0, 60, &out->wind_speed) &&
           get_num(p, w, "$.weather", "wind_from", 0, 360, &out->wind_from) &&
           get_num(p, w, "$.weather", "wind_variability", 0, 180, &out->wind_var) &&
           get_num(p, w, "$.weather", "humidity_mean", 0, 100, &out->humidity_mean);
}

static bool parse_root(parser *p, const json_t *doc, sim_fault *faults, int *n_faults, sim_weather_cfg *w,
                       double *noise) {
    static const char *const keys[] = {"format",  "version", "name",   "description",
                                       "weather", "noise",   "faults", NULL};
    if (!json_is_object(doc)) {
        fail(p, "$", "a scenario must be a JSON object");
        return false;
    }
    if (!keys_ok(p, doc, "$", keys)) return false;
    const char *fmt, *name, *desc;
    if (!get_str(p, doc, "$", "format", &fmt) || !get_str(p, doc, "$", "name", &name) ||
        !get_str(p, doc, "$", "description", &desc))
        return false;
    if (fmt && strcmp(fmt, "anjian-scenario") != 0) {
        fail(p, "$.format", "must be \"anjian-scenario\"");
        return false;
    }
    json_t *ver = json_object_get(doc, "version");
    if (ver && !(json_is_integer(ver) && json_integer_value(ver) == 1)) {
        fail(p, "$.version", "must be 1");
        return false;
    }
    json_t *wj = json_object_get(doc, "weather");
    if (wj && !parse_weather(p, wj, w)) return false;
    if (!get_num(p, doc, "$", "noise", AJ_SIM_NOISE_MIN, AJ_SIM_NOISE_MAX, noise)) return false;
    json_t *fa = json_object_get(doc, "faults");
    if (!fa) return true;
    if (!json_is_array(fa)) {
        fail(p, "$.faults", "must be an array");
        return false;
    }
    if (json_array_size(fa) > AJ_SIM_FAULTS_MAX) {
        fail(p, "$.faults", "at most %d faults", AJ_SIM_FAULTS_MAX);
        return false;
    }
    for (size_t i = 0; i < json_array_size(fa); i++) {
        char path[64];
        snprintf(path, sizeof path, "$.faults[%zu]", i);
        if (!parse_fault(p, json_array_get(fa, i), path, &faults[i])) return false;
    }
    *n_faults = (int)json_array_size(fa);
    return true;
}

aj_err aj_sim_load_scenario(aj_sim *s, const char *text, size_t len, char *err, size_t errlen) {
    parser p = {.s = s, .err = err, .errlen = errlen};
    if (errlen) err[0] = 0;
    if (len > AJ_SIM_SCENARIO_BYTES_MAX) {
        fail(&p, "$", "scenario larger than %u bytes", AJ_SIM_SCENARIO_BYTES_MAX);
        return AJ_ETOOBIG;
    }
    json_t *doc = NULL;
    char msg[AJ_SIM_ERR_LEN];
    if (aj_json_parse(text, len, &doc, msg, sizeof msg) != AJ_OK) {
        fail(&p, "$", "%s", msg);
        return AJ_EJSON;
    }
    sim_fault *faults = calloc(AJ_SIM_FAULTS_MAX, sizeof *faults);
    if (!faults) {
        json_decref(doc);
        return AJ_ENOMEM;
    }
    int n = 0;
    sim_weather_cfg w;
    aj_sim_weather_defaults(&w);
    double noise = 1.0;
    bool ok = parse_root(&p, doc, faults, &n, &w, &noise);
    json_decref(doc);
    if (ok) {
        memcpy(s->faults, faults, (size_t)n * sizeof *faults);
        s->n_faults = n;
        s->wcfg = w;
        s->noise_scale = noise;
    }
    free(faults);
    return ok ? AJ_OK : AJ_EINVAL;
}
