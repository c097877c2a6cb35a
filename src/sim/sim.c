/* sim.c — the simulator object: loading the plant, the run loop, line protocol output.
 *
 * Loading copies what the models need from the plant document (validated first with
 * aj_plant_validate) into flat arrays: assets, tags (with their line-protocol prefix
 * "measurement field=" precomputed), area codes. A run is begin + one step per sample:
 *
 *   step k:  t = start + k·step  →  faults (phases, labels, effects)  →  models
 *            (weather, assets, tags)  →  sensor faults (stuck, drift, spike) on single tags
 *
 * Output is formatted by hand (fixed 3 decimals, trailing zeros trimmed; integer ns
 * timestamps) into one staging buffer handed to the sinks (aj_sim_sink: the file sink
 * here, the HTTP sender in sender.c) in chunks of whole lines, at least once per sample
 * so a sink sees sample boundaries: formatting, not physics, is the hot path, and a
 * hand-written formatter is both faster than printf and byte-stable. The file sink
 * buffers again and writes in 1 MiB chunks. --speed only decides where the loop sleeps
 * and the sinks flush; it never changes what is written.
 */
#include "plant/plant_file.h"
#include "sim/sim_int.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- plant validation lookups ----------------------------------------------------------------- */

static const char *const template_roles_table[][11] = {
    {"centrifugal_pump", "seal_temp", "vib_1x", "vib_2x", "vib_3x", "ir_max", "motor_current",
     "discharge_pressure", "suction_pressure", "flow", "bearing_temp"},
    {"compressor", "suction_pressure", "discharge_pressure", "flow", "vib_1x", "vib_2x", "bearing_temp",
     "motor_current", "surge_margin"},
    {"storage_tank", "level", "temperature", "pressure", "high_level_switch"},
    {"reactor", "temperature", "pressure", "coolant_flow", "coolant_temp", "agitator_current", "level"},
    {"heat_exchanger", "inlet_temp_hot", "outlet_temp_hot", "inlet_temp_cold", "outlet_temp_cold",
     "pressure_drop", "flow"},
    {"pipe_rack", "pressure", "temperature", "ir_max"},
    {"motor", "winding_temp", "current", "vib_1x", "bearing_temp"},
    {"loading_arm", "flow", "pressure", "position"},
    {"gas_detector_group", "gas"},
    {"valve", "position", "pressure"},
};

static aj_err lk_template_roles(void *ctx, const char *code, const json_t **roles) {
    json_t *t = json_object_get((json_t *)ctx, code);
    if (!t) return AJ_ENOTFOUND;
    *roles = t;
    return AJ_OK;
}

static aj_err lk_role_exists(void *ctx, const char *role) {
    static const char *const roles[] = {"admin",     "safety_manager", "operator", "unit_leader", "worker",
                                        "attendant", "approver",       "supplier", "regulator"};
    for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++)
        if (!strcmp(roles[i], role)) return AJ_OK;
    return AJ_ENOTFOUND;
}

/* The simulator has no enterprise: organisations referenced but not in the file are
 * taken to exist there. */
static aj_err lk_org_parent(void *ctx, const char *code, const char **parent) {
    *parent = NULL;
    return AJ_OK;
}

static aj_err validate_plant(const json_t *plant, char *err, size_t errlen) {
    json_t *templates = json_object();
    if (!templates) return AJ_ENOMEM;
    for (size_t i = 0; i < sizeof template_roles_table / sizeof template_roles_table[0]; i++) {
        json_t *arr = json_array();
        for (int k = 1; k < 11 && template_roles_table[i][k]; k++)
            json_array_append_new(arr, json_string(template_roles_table[i][k]));
        json_object_set_new(templates, template_roles_table[i][0], arr);
    }
    aj_plant_lookup lk = {.ctx = templates,
                          .template_roles = lk_template_roles,
                          .role_exists = lk_role_exists,
                          .org_parent = lk_org_parent};
    aj_plant_report *rep = aj_plant_report_new();
    if (!rep) {
        json_decref(templates);
        return AJ_ENOMEM;
    }
    aj_err e = aj_plant_validate(plant, &lk, rep);
    if (e == AJ_EINVAL && rep->n_listed > 0)
        snprintf(err, errlen, "invalid plant file (%d error(s)), first: %s: %s", rep->n_errors,
                 rep->errors[0].path, rep->errors[0].message);
    else if (e)
        snprintf(err, errlen, "cannot validate the plant file: %s", aj_err_message(e));
    aj_plant_report_free(rep);
    json_decref(templates);
    return e;
}

/* ---- loading ------------------------------------------------------------------------------------ */

static const char *jstr(const json_t *o, const char *k) {
    return json_string_value(json_object_get(o, k));
}

static bool jnum(const json_t *o, const char *k, double *out) {
    json_t *v = json_object_get(o, k);
    if (!json_is_number(v)) return false;
    *out = json_number_value(v);
    return true;
}

/* Escapes s into out (line protocol: backslash before each char in specials). */
static size_t escape(char *out, const char *s, size_t n, const char *specials) {
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (strchr(specials, s[i])) out[o++] = '\\';
        out[o++] = s[i];
    }
    return o;
}

static void make_prefix(sim_tag *t) {
    const char *dot = strrchr(t->key, '.');
    size_t o;
    if (dot && dot != t->key && dot[1]) {
        o = escape(t->prefix, t->key, (size_t)(dot - t->key), ", ");
        t->prefix[o++] = ' ';
        o += escape(t->prefix + o, dot + 1, strlen(dot + 1), ",= ");
    } else {
        o = escape(t->prefix, t->key, strlen(t->key), ", ");
        memcpy(t->prefix + o, " value", 6);
        o += 6;
    }
    t->prefix[o++] = '=';
    t->prefix[o] = 0;
    t->prefix_len = (unsigned)o;
}

static sim_model tag_model(const char *kind, const char *key, bool has_asset) {
    if (!strcmp(kind, "gas_combustible_lel")) return SIM_M_DET_LEL;
    if (!strcmp(kind, "gas_toxic_ppm")) return SIM_M_DET_PPM;
    if (!strcmp(kind, "oxygen_pct")) return SIM_M_DET_O2;
    if (has_asset) return SIM_M_ASSET;
    const char *dot = strrchr(key, '.');
    const char *name = dot ? dot + 1 : key;
    if (!strcmp(name, "typhoon_warning") || !strcmp(name, "typhoon_level")) return SIM_M_TYPHOON;
    if (!strcmp(kind, "wind_speed")) return SIM_M_WIND_SPEED;
    if (!strcmp(kind, "wind_direction")) return SIM_M_WIND_DIR;
    if (!strcmp(kind, "humidity")) return SIM_M_HUMIDITY;
    if (!strcmp(kind, "temperature")) return SIM_M_AIR_TEMP;
    return SIM_M_CONSTANT;
}

static int asset_index(const aj_sim *s, const char *code) {
    if (!code) return -1;
    for (size_t i = 0; i < s->n_assets; i++)
        if (!strcmp(s->assets[i].code, code)) return (int)i;
    return -1;
}

static int area_index(const aj_sim *s, const char *code) {
    if (!code) return -1;
    for (size_t i = 0; i < s->n_areas; i++)
        if (!strcmp(s->areas[i], code)) return (int)i;
    return -1;
}

static void load_assets(aj_sim *s, const json_t *arr) {
    for (size_t i = 0; i < s->n_assets; i++) {
        const json_t *o = json_array_get(arr, i);
        sim_asset *a = &s->assets[i];
        snprintf(a->code, sizeof a->code, "%s", jstr(o, "code"));
        a->tmpl = aj_sim_template_parse(jstr(o, "template"));
        a->has_xy = jnum(o, "x", &a->x) && jnum(o, "y", &a->y);
        a->area = area_index(s, jstr(o, "area"));
        for (int r = 0; r < SIM_R_COUNT; r++) a->role_tag[r] = -1;
    }
    for (size_t i = 0; i < s->n_assets; i++)
        s->assets[i].parent = asset_index(s, jstr(json_array_get(arr, i), "parent"));
}

static void load_tags(aj_sim *s, const json_t *arr) {
    for (size_t i = 0; i < s->n_tags; i++) {
        const json_t *o = json_array_get(arr, i);
        sim_tag *t = &s->tags[i];
        snprintf(t->key, sizeof t->key, "%s", jstr(o, "key"));
        make_prefix(t);
        t->asset = asset_index(s, jstr(o, "asset"));
        t->area = area_index(s, jstr(o, "area"));
        if (t->area < 0 && t->asset >= 0) t->area = s->assets[t->asset].area;
        const char *role = jstr(o, "role");
        t->role = role ? aj_sim_role_parse(role) : SIM_R_NONE;
        t->model = tag_model(jstr(o, "kind"), t->key, t->asset >= 0 && t->role != SIM_R_NONE);
        json_t *range = json_object_get(o, "range");
        t->has_range = json_is_array(range);
        if (t->has_range) {
            t->lo = json_number_value(json_array_get(range, 0));
            t->hi = json_number_value(json_array_get(range, 1));
        }
        const char *gas = jstr(o, "gas");
        t->substance = gas ? aj_sim_substance_find(gas) : -1;
        if (!(jnum(o, "x", &t->x) && jnum(o, "y", &t->y)) && t->asset >= 0) {
            t->x = s->assets[t->asset].x;
            t->y = s->assets[t->asset].y;
        }
        if (t->asset >= 0 && t->role != SIM_R_NONE) {
            sim_asset *a = &s->assets[t->asset];
            if (a->role_tag[t->role] < 0) a->role_tag[t->role] = (long)i;
            const char *unit = jstr(o, "unit");
            if (a->tmpl == SIM_T_TANK && t->role == SIM_R_PRESSURE && unit && !strcmp(unit, "MPa"))
                a->is_pressurised = true;
        }
    }
}

aj_err aj_sim_new(const json_t *plant, aj_sim **out, char *err, size_t errlen) {
    *out = NULL;
    if (errlen) err[0] = 0;
    aj_err e = validate_plant(plant, err, errlen);
    if (e) return e;
    const json_t *assets = json_object_get(plant, "assets"), *tags = json_object_get(plant, "tags");
    const json_t *areas = json_object_get(plant, "areas");
    if (json_array_size(tags) > AJ_SIM_TAGS_MAX) {
        snprintf(err, errlen, "more than %d tags", AJ_SIM_TAGS_MAX);
        return AJ_ETOOBIG;
    }
    aj_sim *s = calloc(1, sizeof *s);
    if (!s) return AJ_ENOMEM;
    s->n_assets = json_array_size(assets);
    s->n_tags = json_array_size(tags);
    s->n_areas = json_array_size(areas);
    s->assets = calloc(s->n_assets + 1, sizeof *s->assets);
    s->tags = calloc(s->n_tags + 1, sizeof *s->tags);
    s->areas = calloc(s->n_areas + 1, sizeof *s->areas);
    if (!s->assets || !s->tags || !s->areas) {
        aj_sim_free(s);
        return AJ_ENOMEM;
    }
    for (size_t i = 0; i < s->n_areas; i++)
        snprintf(s->areas[i], sizeof s->areas[i], "%s", jstr(json_array_get(areas, i), "code"));
    load_assets(s, assets);
    load_tags(s, tags);
    double lon = 0;
    if (jnum(json_object_get(plant, "site"), "lon", &lon)) s->solar_offset_h = lon / 15.0;
    aj_sim_weather_defaults(&s->wcfg);
    s->noise_scale = 1.0;
    *out = s;
    return AJ_OK;
}

void aj_sim_free(aj_sim *s) {
    if (!s) return;
    free(s->assets);
    free(s->tags);
    free(s->areas);
    free(s);
}

/* ---- stepping ---------------------------------------------------------------------------------- */

void aj_sim_begin(aj_sim *s, const aj_sim_opts *o, FILE *labels) {
    s->o = *o;
    s->labels = labels;
    s->n_labels = 0;
    s->k = 0;
    s->t_ns = o->start_ns;
    s->dt_s = (double)o->step_ns / 1e9;
    s->is_first = true;
    aj_rng_seed(&s->rng, o->seed);
    aj_sim_faults_begin(s);
    for (size_t i = 0; i < s->n_tags; i++) s->tags[i].is_stuck = false;
    aj_sim_models_init(s);
}

void aj_sim_step(aj_sim *s) {
    s->t_ns = s->o.start_ns + s->k * s->o.step_ns;
    s->t_s = (double)s->k * s->dt_s;
    aj_sim_faults_apply(s);
    aj_sim_models_step(s);
    aj_sim_sensor_faults_apply(s);
    s->k++;
}

int64_t aj_sim_time_ns(const aj_sim *s) {
    return s->t_ns;
}
size_t aj_sim_n_tags(const aj_sim *s) {
    return s->n_tags;
}
const char *aj_sim_tag_key(const aj_sim *s, size_t i) {
    return s->tags[i].key;
}
double aj_sim_tag_value(const aj_sim *s, size_t i) {
    return s->tags[i].value;
}

bool aj_sim_tag_range(const aj_sim *s, size_t i, double *lo, double *hi) {
    *lo = s->tags[i].lo;
    *hi = s->tags[i].hi;
    return s->tags[i].has_range;
}

long aj_sim_tag_find(const aj_sim *s, const char *key) {
    for (size_t i = 0; i < s->n_tags; i++)
        if (!strcmp(s->tags[i].key, key)) return (long)i;
    return -1;
}

/* ---- output --------------------------------------------------------------------------------------- */

static size_t fmt_u64(char *out, uint64_t v) {
    char tmp[24];
    size_t n = 0;
    do tmp[n++] = (char)('0' + v % 10), v /= 10;
    while (v);
    for (size_t i = 0; i < n; i++) out[i] = tmp[n - 1 - i];
    return n;
}

/* v with 3 decimals, trailing zeros (and a bare point) dropped: 71.23, -0.1, 0, 20.9. */
static size_t fmt_value(char *out, double v) {
    if (!(fabs(v) < 1e15)) return (size_t)snprintf(out, 40, "%.3f", isfinite(v) ? v : 0.0);
    long long m = llround(v * 1000.0);
    size_t n = 0;
    if (m < 0) {
        out[n++] = '-';
        m = -m;
    }
    n += fmt_u64(out + n, (uint64_t)(m / 1000));
    int f = (int)(m % 1000);
    if (f) {
        out[n++] = '.';
        out[n++] = (char)('0' + f / 100);
        if (f % 100) {
            out[n++] = (char)('0' + f / 10 % 10);
            if (f % 10) out[n++] = (char)('0' + f % 10);
        }
    }
    if (n == 2 && out[0] == '-' && out[1] == '0') out[0] = '0', n = 1; /* no "-0" */
    return n;
}

/* ---- the file sink ------------------------------------------------------------------------ */

typedef struct file_sink {
    char *buf;
    size_t len;
    FILE *f;
} file_sink;

static aj_err file_sink_drain(file_sink *fs) {
    size_t n = fs->len;
    fs->len = 0;
    return n && fwrite(fs->buf, 1, n, fs->f) != n ? AJ_EIO : AJ_OK;
}

static aj_err file_sink_write(void *ctx, const char *lines, size_t len) {
    file_sink *fs = ctx;
    if (AJ_SIM_OUT_BUF_BYTES - fs->len < len && file_sink_drain(fs)) return AJ_EIO;
    memcpy(fs->buf + fs->len, lines, len); /* len <= AJ_SIM_OUT_BUF_BYTES by the sink contract */
    fs->len += len;
    return AJ_OK;
}

static aj_err file_sink_flush(void *ctx, bool is_final) {
    file_sink *fs = ctx;
    if (file_sink_drain(fs) || fflush(fs->f) != 0) return AJ_EIO;
    return AJ_OK;
}

static void file_sink_clear(void *ctx) {
    file_sink *fs = ctx;
    if (fs) free(fs->buf);
    free(fs);
}

aj_err aj_sim_file_sink_init(aj_sim_sink *sink, FILE *f) {
    file_sink *fs = calloc(1, sizeof *fs);
    if (fs) fs->buf = malloc(AJ_SIM_OUT_BUF_BYTES);
    if (!fs || !fs->buf) {
        file_sink_clear(fs);
        return AJ_ENOMEM;
    }
    fs->f = f;
    *sink = (aj_sim_sink){
        .ctx = fs, .write = file_sink_write, .flush = file_sink_flush, .clear = file_sink_clear};
    return AJ_OK;
}

/* ---- the run loop -------------------------------------------------------------------------- */

static aj_err sinks_write(const aj_sim_sink *sinks, size_t n_sinks, const char *lines, size_t len) {
    for (size_t i = 0; i < n_sinks && len; i++) {
        aj_err e = sinks[i].write(sinks[i].ctx, lines, len);
        if (e) return e;
    }
    return AJ_OK;
}

static aj_err sinks_flush(const aj_sim_sink *sinks, size_t n_sinks, bool is_final) {
    for (size_t i = 0; i < n_sinks; i++) {
        aj_err e = sinks[i].flush ? sinks[i].flush(sinks[i].ctx, is_final) : AJ_OK;
        if (e) return e;
    }
    return AJ_OK;
}

/* Formats the lines of the current sample into stage (AJ_SIM_OUT_BUF_BYTES), handing
 * them to the sinks whenever it fills up and at the end of the sample. */
static aj_err write_sample(const aj_sim *s, char *stage, const aj_sim_sink *sinks, size_t n_sinks) {
    char ts[24];
    size_t ts_len = 0, len = 0;
    ts[ts_len++] = ' ';
    if (s->t_ns < 0) ts[ts_len++] = '-';
    ts_len += fmt_u64(ts + ts_len, s->t_ns < 0 ? (uint64_t)(-(s->t_ns + 1)) + 1 : (uint64_t)s->t_ns);
    ts[ts_len++] = '\n';
    for (size_t i = 0; i < s->n_tags; i++) {
        if (AJ_SIM_OUT_BUF_BYTES - len < AJ_SIM_LINE_MAX + 64) {
            aj_err e = sinks_write(sinks, n_sinks, stage, len);
            if (e) return e;
            len = 0;
        }
        const sim_tag *t = &s->tags[i];
        char *p = stage + len;
        memcpy(p, t->prefix, t->prefix_len);
        size_t n = t->prefix_len;
        n += fmt_value(p + n, t->value);
        memcpy(p + n, ts, ts_len);
        len += n + ts_len;
    }
    aj_err e = sinks_write(sinks, n_sinks, stage, len);
    for (size_t i = 0; i < n_sinks && !e; i++)
        if (sinks[i].end_step) e = sinks[i].end_step(sinks[i].ctx);
    return e;
}

static double mono_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_s(double secs) {
    struct timespec ts = {.tv_sec = (time_t)secs, .tv_nsec = (long)((secs - floor(secs)) * 1e9)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

aj_err aj_sim_run_sinks(aj_sim *s, const aj_sim_opts *o, const aj_sim_sink *sinks, size_t n_sinks,
                        FILE *labels, aj_sim_stats *st) {
    char *stage = n_sinks ? malloc(AJ_SIM_OUT_BUF_BYTES) : NULL;
    if (n_sinks && !stage) return AJ_ENOMEM;
    memset(st, 0, sizeof *st);
    aj_sim_begin(s, o, labels);
    int64_t n_steps = (o->duration_ns + o->step_ns - 1) / o->step_ns;
    double wall0 = mono_s(), step_wall = o->speed > 0 ? (double)o->step_ns / 1e9 / o->speed : 0;
    aj_err e = AJ_OK;
    for (int64_t k = 0; k < n_steps && !e; k++) {
        aj_sim_step(s);
        if (n_sinks) e = write_sample(s, stage, sinks, n_sinks);
        if (!e && o->speed > 0 && k + 1 < n_steps) { /* pace: sample k+1 is due at (k+1)·step/speed */
            double ahead = (double)(k + 1) * step_wall - (mono_s() - wall0);
            if (ahead > 0 && (ahead * 1000.0 >= AJ_SIM_PACE_MS || step_wall * 1000.0 >= AJ_SIM_PACE_MS)) {
                e = sinks_flush(sinks, n_sinks, false);
                if (labels) fflush(labels);
                ahead = (double)(k + 1) * step_wall - (mono_s() - wall0); /* sending takes time */
                if (ahead > 0) sleep_s(ahead);
            }
        }
    }
    if (!e) e = sinks_flush(sinks, n_sinks, true);
    free(stage);
    st->wall_s = mono_s() - wall0;
    st->n_steps = (uint64_t)s->k;
    st->n_points = (uint64_t)s->k * s->n_tags;
    st->n_labels = s->n_labels;
    if (!e && labels && (fflush(labels) != 0 || ferror(labels))) e = AJ_EIO;
    return e;
}

aj_err aj_sim_run(aj_sim *s, const aj_sim_opts *o, FILE *out, FILE *labels, aj_sim_stats *st) {
    aj_sim_sink sink = {0};
    if (out) {
        aj_err e = aj_sim_file_sink_init(&sink, out);
        if (e) return e;
    }
    aj_err e = aj_sim_run_sinks(s, o, &sink, out ? 1 : 0, labels, st);
    if (out) sink.clear(sink.ctx);
    return e;
}
