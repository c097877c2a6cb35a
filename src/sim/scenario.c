/* scenario.c — scenario files: parsing, fault development, effects and ground truth.
 *
 * A scenario (format "anjian-scenario", docs/simulator.md) is untrusted input: it is
 * parsed with bounded nesting (aj_json_parse), every member is checked, and every
 * reference (asset, tag, area) is resolved against the simulator's plant. Errors name
 * the JSONPath of the offending member. Parsing fills a scratch array and installs it
 * only when the whole file is valid.
 *
 * Fault life cycle, evaluated at every sample from its offsets (event time only):
 *
 *   none --onset--> onset --(0 < p < 1)--> developing --(p >= 1)--> failed
 *     any active phase --clear_at--> cleared (effects stop, sensor faults release)
 *
 * p = (t − onset) / duration; severity = p (linear), (e^(4p) − 1)/(e^4 − 1)
 * (exponential) or 1 from onset (step). A label is written on every phase change and
 * each time the severity passes another tenth while developing.
 */
#include "base/jsonutil.h"
#include "base/timeutil.h"
#include "sim/sim_int.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static const char *const fault_names[SIM_F_COUNT] = {
    "seal_failure", "bearing_wear", "flange_micro_leak", "reactor_cooling_loss", "tank_overfill", "stuck",
    "drift",        "typhoon"};

static const char *const phase_names[] = {"none", "onset", "developing", "failed", "cleared"};

/* Default magnitude per fault type (see docs/simulator.md for the units). */
static const double magnitude_default[SIM_F_COUNT] = {1.0, 1.0, 10.0, 0.8, 1.5, 0.0, 0.0, 2.0};
static const double magnitude_max[SIM_F_COUNT] = {10.0, 10.0, 10000.0, 1.0, 100.0, 0.0, 1e9, 4.0};

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
        return t == SIM_T_PUMP || t == SIM_T_COMPRESSOR || t == SIM_T_MOTOR;
    case SIM_F_REACTOR_COOLING_LOSS:
        return t == SIM_T_REACTOR;
    case SIM_F_TANK_OVERFILL:
        return t == SIM_T_TANK;
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
        fail(p, path,
             "a flange_micro_leak needs \"leak\": {\"x\", \"y\", \"area\"} or an \"asset\" with a position");
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
    } else {
        f->substance = nearest_detector_gas(p->s, f->lx, f->ly);
    }
    f->ir_asset = nearest_with_role(p->s, f->lx, f->ly, false);
    f->press_asset = nearest_with_role(p->s, f->lx, f->ly, true);
    return true;
}

static bool parse_target(parser *p, const json_t *fo, const char *path, sim_fault *f) {
    const char *asset, *tag;
    if (!get_str(p, fo, path, "asset", &asset) || !get_str(p, fo, path, "tag", &tag)) return false;
    char sub[200];
    if (asset) {
        snprintf(sub, sizeof sub, "%s.asset", path);
        f->asset = find_asset(p->s, asset);
        if (f->asset < 0) {
            fail(p, sub, "no asset \"%.64s\" in the plant", asset);
            return false;
        }
        if (!template_fits(f->type, p->s->assets[f->asset].tmpl)) {
            fail(p, sub, "a %s cannot happen on asset \"%.64s\" (wrong template)", fault_names[f->type],
                 asset);
            return false;
        }
    }
    if (tag) {
        snprintf(sub, sizeof sub, "%s.tag", path);
        f->tag = aj_sim_tag_find(p->s, tag);
        if (f->tag < 0) {
            fail(p, sub, "no tag \"%.64s\" in the plant", tag);
            return false;
        }
    }
    bool is_sensor = f->type == SIM_F_STUCK || f->type == SIM_F_DRIFT;
    if (is_sensor && (f->tag < 0 || asset)) {
        fail(p, path, "a %s fault needs \"tag\" (and no \"asset\")", fault_names[f->type]);
        return false;
    }
    if (!is_sensor && tag) {
        snprintf(sub, sizeof sub, "%s.tag", path);
        fail(p, sub, "only stuck and drift faults target a tag");
        return false;
    }
    if (f->type == SIM_F_FLANGE_MICRO_LEAK) return parse_leak(p, fo, path, f);
    if (json_object_get(fo, "leak")) {
        snprintf(sub, sizeof sub, "%s.leak", path);
        fail(p, sub, "only flange_micro_leak faults have a leak point");
        return false;
    }
    if (json_object_get(fo, "substance")) {
        snprintf(sub, sizeof sub, "%s.substance", path);
        fail(p, sub, "only flange_micro_leak faults have a substance");
        return false;
    }
    if (!is_sensor && f->type != SIM_F_TYPHOON && f->asset < 0) {
        fail(p, path, "a %s fault needs \"asset\"", fault_names[f->type]);
        return false;
    }
    return true;
}

static bool parse_fault(parser *p, const json_t *fo, const char *path, sim_fault *f) {
    static const char *const keys[] = {"id",        "type",        "asset",       "tag",      "leak",
                                       "substance", "onset",       "development", "duration", "magnitude",
                                       "clear_at",  "description", NULL};
    if (!json_is_object(fo)) {
        fail(p, path, "must be an object");
        return false;
    }
    if (!keys_ok(p, fo, path, keys)) return false;
    memset(f, 0, sizeof *f);
    f->asset = -1, f->tag = -1, f->substance = -1, f->ir_asset = -1, f->press_asset = -1, f->clear_ns = -1;
    const char *id, *type, *dev, *desc;
    char sub[200];
    if (!get_str(p, fo, path, "id", &id) || !get_str(p, fo, path, "type", &type) ||
        !get_str(p, fo, path, "development", &dev) || !get_str(p, fo, path, "description", &desc))
        return false;
    if (id) {
        if (!*id || strlen(id) > AJ_CODE_LEN_MAX) {
            snprintf(sub, sizeof sub, "%s.id", path);
            fail(p, sub, "must be 1-%d characters", AJ_CODE_LEN_MAX);
            return false;
        }
        snprintf(f->id, sizeof f->id, "%s", id);
    }
    snprintf(sub, sizeof sub, "%s.type", path);
    if (!type) {
        fail(p, sub, "required");
        return false;
    }
    int ti = -1;
    for (int i = 0; i < SIM_F_COUNT; i++)
        if (!strcmp(fault_names[i], type)) ti = i;
    if (ti < 0) {
        fail(p, sub,
             "unknown fault type \"%.64s\" (seal_failure, bearing_wear, flange_micro_leak, "
             "reactor_cooling_loss, tank_overfill, stuck, drift, typhoon)",
             type);
        return false;
    }
    f->type = (sim_fault_type)ti;
    if (!parse_target(p, fo, path, f)) return false;
    f->development = f->type == SIM_F_STUCK || f->type == SIM_F_TYPHOON ? SIM_DEV_STEP : SIM_DEV_LINEAR;
    if (dev) {
        snprintf(sub, sizeof sub, "%s.development", path);
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
    if (!get_offset(p, fo, path, "onset", false, &f->onset_ns) ||
        !get_offset(p, fo, path, "duration", true, &f->duration_ns) ||
        !get_offset(p, fo, path, "clear_at", false, &f->clear_ns))
        return false;
    if (f->clear_ns >= 0 && f->clear_ns <= f->onset_ns) {
        snprintf(sub, sizeof sub, "%s.clear_at", path);
        fail(p, sub, "must be after onset");
        return false;
    }
    f->magnitude = magnitude_default[f->type];
    if (f->type == SIM_F_DRIFT) {
        const sim_tag *t = &p->s->tags[f->tag];
        f->magnitude = t->has_range ? 0.05 * (t->hi - t->lo) : 1.0;
    }
    double lo = f->type == SIM_F_DRIFT ? -magnitude_max[f->type] : 0.0;
    if (f->type != SIM_F_STUCK &&
        !get_num(p, fo, path, "magnitude", lo, magnitude_max[f->type], &f->magnitude))
        return false;
    if (f->type == SIM_F_STUCK && json_object_get(fo, "magnitude")) {
        snprintf(sub, sizeof sub, "%s.magnitude", path);
        fail(p, sub, "a stuck sensor has no magnitude");
        return false;
    }
    if (f->type == SIM_F_TYPHOON && f->magnitude != floor(f->magnitude)) {
        snprintf(sub, sizeof sub, "%s.magnitude", path);
        fail(p, sub, "the typhoon warning level is a whole number 0..4");
        return false;
    }
    return true;
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

static bool parse_root(parser *p, const json_t *doc, sim_fault *faults, int *n_faults, sim_weather_cfg *w) {
    static const char *const keys[] = {"format", "version", "name", "description", "weather", "faults", NULL};
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
    bool ok = parse_root(&p, doc, faults, &n, &w);
    json_decref(doc);
    if (ok) {
        memcpy(s->faults, faults, (size_t)n * sizeof *faults);
        s->n_faults = n;
        s->wcfg = w;
    }
    free(faults);
    return ok ? AJ_OK : AJ_EINVAL;
}

/* ---- fault development and labels --------------------------------------------------------- */

static double severity_at(const sim_fault *f, double p) {
    if (f->development == SIM_DEV_STEP) return 1.0;
    if (p >= 1.0) return 1.0;
    if (p <= 0.0) return 0.0;
    if (f->development == SIM_DEV_EXPONENTIAL) return (exp(4.0 * p) - 1.0) / (exp(4.0) - 1.0);
    return p;
}

static void write_label(aj_sim *s, const sim_fault *f) {
    if (!s->labels) return;
    char ts[32];
    int64_t ms = s->t_ns / 1000000;
    aj_time_format_ms(ms, ts, sizeof ts);
    fprintf(s->labels, "{\"t\":\"%s\"", ts);
    if (f->id[0]) fprintf(s->labels, ",\"id\":\"%s\"", f->id);
    if (f->tag >= 0)
        fprintf(s->labels, ",\"tag\":\"%s\"", s->tags[f->tag].key);
    else if (f->asset >= 0)
        fprintf(s->labels, ",\"asset\":\"%s\"", s->assets[f->asset].code);
    if (f->type == SIM_F_FLANGE_MICRO_LEAK) {
        fprintf(s->labels, ",\"leak\":{\"x\":%.2f,\"y\":%.2f}", f->lx, f->ly);
        if (f->substance >= 0)
            fprintf(s->labels, ",\"substance\":\"%s\"", aj_sim_substances[f->substance].name);
    }
    if (f->type == SIM_F_TYPHOON)
        fprintf(s->labels, ",\"level\":%d", f->phase == SIM_PHASE_CLEARED ? 0 : (int)f->magnitude);
    fprintf(s->labels, ",\"fault\":\"%s\",\"phase\":\"%s\",\"severity\":%.3f}\n", fault_names[f->type],
            phase_names[f->phase], f->severity);
    s->n_labels++;
}

static void set_phase(aj_sim *s, sim_fault *f, sim_phase ph) {
    f->phase = ph;
    write_label(s, f);
}

/* Advances one fault to the current sample and writes its labels. */
static void fault_advance(aj_sim *s, sim_fault *f) {
    int64_t el = s->t_ns - s->o.start_ns;
    if (f->phase == SIM_PHASE_CLEARED || el < f->onset_ns) {
        f->severity = 0;
        return;
    }
    if (f->clear_ns >= 0 && el >= f->clear_ns) {
        f->severity = 0;
        if (f->phase != SIM_PHASE_NONE)
            set_phase(s, f, SIM_PHASE_CLEARED);
        else
            f->phase = SIM_PHASE_CLEARED;
        return;
    }
    double p = f->development == SIM_DEV_STEP ? 1.0 : (double)(el - f->onset_ns) / (double)f->duration_ns;
    f->severity = severity_at(f, p);
    if (f->phase == SIM_PHASE_NONE) {
        set_phase(s, f, SIM_PHASE_ONSET);
        f->decile = (int)floor(f->severity * 10);
    }
    if (p >= 1.0) {
        if (f->phase != SIM_PHASE_FAILED) set_phase(s, f, SIM_PHASE_FAILED);
        return;
    }
    int dec = (int)floor(f->severity * 10);
    if (f->phase == SIM_PHASE_ONSET && p > 0) {
        f->decile = dec;
        set_phase(s, f, SIM_PHASE_DEVELOPING);
    } else if (f->phase == SIM_PHASE_DEVELOPING && dec > f->decile) {
        f->decile = dec;
        write_label(s, f);
    }
}

static void fault_effects(aj_sim *s, sim_fault *f) {
    double sev = f->severity, m = f->magnitude;
    sim_asset *a = f->asset >= 0 ? &s->assets[f->asset] : NULL;
    switch (f->type) {
    case SIM_F_SEAL_FAILURE: /* the domain example: +12 ℃ seal, 2× +320 %, IR hot spot 8.3 ℃ */
        a->fx.seal_dt += 12.0 * sev * m;
        a->fx.vib2 += 3.2 * sev * m;
        a->fx.ir_dt += 8.3 * sev * m;
        a->fx.vib1 += 0.15 * sev * m;
        break;
    case SIM_F_BEARING_WEAR:
        a->fx.bearing_dt += 15.0 * sev * m;
        a->fx.vib1 += 1.5 * sev * m;
        a->fx.vib3 += 4.0 * sev * m;
        a->fx.current_frac += 0.03 * sev * m;
        break;
    case SIM_F_FLANGE_MICRO_LEAK: /* plume is computed by the detectors; here IR and pressure */
        if (sev > 0 && f->ir_asset >= 0) s->assets[f->ir_asset].fx.ir_dt += 3.0 * sev;
        if (sev > 0 && f->press_asset >= 0) s->assets[f->press_asset].fx.pressure_frac -= 0.04 * sev;
        break;
    case SIM_F_REACTOR_COOLING_LOSS:
        a->fx.cooling_loss += m * sev;
        break;
    case SIM_F_TANK_OVERFILL:
        a->fx.inflow_m_h += m * sev;
        break;
    case SIM_F_TYPHOON:
        if (sev > 0 && (int)m > s->typhoon_level) s->typhoon_level = (int)m;
        break;
    case SIM_F_STUCK:
    case SIM_F_DRIFT:
    case SIM_F_COUNT:
        break;
    }
}

void aj_sim_faults_apply(aj_sim *s) {
    for (size_t i = 0; i < s->n_assets; i++) memset(&s->assets[i].fx, 0, sizeof s->assets[i].fx);
    s->typhoon_level = 0;
    for (int i = 0; i < s->n_faults; i++) {
        fault_advance(s, &s->faults[i]);
        fault_effects(s, &s->faults[i]);
    }
}

void aj_sim_sensor_faults_apply(aj_sim *s) {
    for (int i = 0; i < s->n_faults; i++) {
        sim_fault *f = &s->faults[i];
        if (f->tag < 0) continue;
        sim_tag *t = &s->tags[f->tag];
        bool is_active = f->phase != SIM_PHASE_NONE && f->phase != SIM_PHASE_CLEARED;
        if (f->type == SIM_F_STUCK) {
            if (is_active && !t->is_stuck) t->is_stuck = true, t->stuck_value = t->value;
            if (!is_active) t->is_stuck = false;
            if (t->is_stuck) t->value = t->stuck_value;
        } else if (f->type == SIM_F_DRIFT && is_active) {
            double v = t->value + f->magnitude * f->severity;
            t->value = t->has_range ? fmin(fmax(v, t->lo), t->hi) : v;
        }
    }
}
