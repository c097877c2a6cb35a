/* sim_cli.c — `anjian sim`: options, file reading, the run, the summary on stderr.
 *
 * Reads the plant file and the optional scenario (both bounded in size), builds the
 * simulator, runs it to --out and --labels and/or (--url) a sender that posts to the
 * server's /write (sender.c; it logs in first with --user/--password-file), and prints
 * points/s to stderr. Exit codes (cli/cli.h): 0 done, 1 a file could not be read or
 * written or is invalid, or sending failed, 2 usage.
 */
#include "cli/cli.h"
#include "base/jsonutil.h"
#include "base/limits.h"
#include "base/timeutil.h"
#include "sim/http_client.h"
#include "sim/sender.h"
#include "base/fileread.h"
#include "sim/sim.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SIM_DEFAULT_PLANT    "plants/demo-chemical.json"
#define SIM_DEFAULT_START    "2026-12-01T00:00:00Z"
#define SIM_DEFAULT_DURATION "1h"
#define SIM_DEFAULT_STEP     "1s"

static void usage(FILE *f) {
    fprintf(f, "usage: anjian sim [options]\n\n"
               "Simulates a plant (digital twin) and writes its signals as InfluxDB line protocol,\n"
               "to a file or to a server's POST /write.\n\n"
               "  --plant FILE        plant file (default " SIM_DEFAULT_PLANT ")\n"
               "  --seed N            PRNG seed, decimal or 0x-hex (default 1)\n"
               "  --start RFC3339     event time of the first sample (default " SIM_DEFAULT_START ")\n"
               "  --duration D        event time to simulate: 1h, 30m, 86400s, 1d, 1h30m (default 1h)\n"
               "  --step D            sample period, e.g. 1s, 100ms, 1m (default 1s)\n"
               "  --speed N|max       N times real time (sleeps between batches) or max (default max)\n"
               "  --scenario FILE     faults to inject (docs/simulator.md)\n"
               "  --out FILE|-        line protocol, precision ns (default -, stdout, unless --url)\n"
               "  --labels FILE|-     ground truth as JSON lines\n\n"
               "Sending to a server (POST /write?precision=ns):\n"
               "  --url http://HOST:PORT   send the line protocol there (plain HTTP; with --out also\n"
               "                      write the file)\n"
               "  --token TOKEN       bearer token (default: environment ANJIAN_TOKEN)\n"
               "  --user NAME         log in as NAME instead (POST /api/v1/auth/login) ...\n"
               "  --password-file F   ... with the password in file F (never on the command line)\n"
               "  --batch-bytes N     request body limit in bytes, k/m suffix = KiB/MiB; a request holds\n"
               "                      whole samples unless one sample is larger (default 1m)\n"
               "  --retry-max S       give up (exit 1) when a batch cannot be delivered within S seconds\n"
               "                      of reconnects (100 ms doubling to 5 s) or 503 waits (default 60)\n\n"
               "The same plant, scenario, seed, start, duration and step give byte-identical output\n"
               "at any --speed. Points per second are printed to stderr at the end.\n");
}

/* Reads a whole file (at most max bytes) into a NUL-terminated heap buffer. */
static bool parse_speed(const char *s, double *speed) {
    if (!strcmp(s, "max")) {
        *speed = 0;
        return true;
    }
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || *end || !(v > 0) || v > AJ_SIM_SPEED_MAX) return false;
    *speed = v;
    return true;
}

static bool parse_seed(const char *s, uint64_t *seed) {
    char *end;
    errno = 0;
    if (*s == '-' || !*s) return false;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || *end) return false;
    *seed = (uint64_t)v;
    return true;
}

/* Parses the options into o; false (message on stderr) on a usage error. */
static bool parse_opts(const aj_opts *op, aj_sim_opts *o) {
    const char *v;
    int64_t ms;
    *o = (aj_sim_opts){.seed = 1};
    if ((v = aj_opt(op, "seed")) && !parse_seed(v, &o->seed)) {
        fprintf(stderr, "anjian sim: --seed: not a number: %s\n", v);
        return false;
    }
    v = aj_opt(op, "start") ? aj_opt(op, "start") : SIM_DEFAULT_START;
    if (!aj_time_parse(v, &ms)) {
        fprintf(stderr, "anjian sim: --start: not an RFC 3339 time: %s\n", v);
        return false;
    }
    o->start_ns = ms * 1000000;
    v = aj_opt(op, "duration") ? aj_opt(op, "duration") : SIM_DEFAULT_DURATION;
    if (!aj_sim_parse_duration(v, false, &o->duration_ns) || o->duration_ns > AJ_SIM_DURATION_NS_MAX) {
        fprintf(stderr, "anjian sim: --duration: not a duration up to 366d (e.g. 1h, 30m, 86400s): %s\n", v);
        return false;
    }
    v = aj_opt(op, "step") ? aj_opt(op, "step") : SIM_DEFAULT_STEP;
    if (!aj_sim_parse_duration(v, false, &o->step_ns) || o->step_ns < AJ_SIM_STEP_NS_MIN ||
        o->step_ns > AJ_SIM_STEP_NS_MAX) {
        fprintf(stderr, "anjian sim: --step: a duration from 1ms to 1d (e.g. 1s, 100ms): %s\n", v);
        return false;
    }
    if ((v = aj_opt(op, "speed")) && !parse_speed(v, &o->speed)) {
        fprintf(stderr, "anjian sim: --speed: a factor > 0 (e.g. 1, 10, 1000) or max: %s\n", v);
        return false;
    }
    return true;
}

/* --batch-bytes: decimal bytes, or with a k/m suffix KiB/MiB. */
static bool parse_bytes(const char *s, size_t *out) {
    char *end;
    errno = 0;
    if (*s < '0' || *s > '9') return false;
    unsigned long long v = strtoull(s, &end, 10);
    unsigned long long mul = !strcmp(end, "k") || !strcmp(end, "K")   ? 1024ull
                             : !strcmp(end, "m") || !strcmp(end, "M") ? 1024ull * 1024ull
                             : !*end                                  ? 1ull
                                                                      : 0ull;
    if (errno || !mul || v > AJ_SIM_BATCH_BYTES_MAX / mul) return false;
    v *= mul;
    if (v < AJ_SIM_BATCH_BYTES_MIN) return false;
    *out = (size_t)v;
    return true;
}

/* The sending options into so; the password (from --password-file) goes to password.
 * false (message on stderr) on a usage error. */
static bool parse_send_opts(const aj_opts *op, aj_sim_send_opts *so, char *password, size_t pwlen) {
    static const char *const send_only[] = {"token",       "user",      "password-file",
                                            "batch-bytes", "retry-max", NULL};
    *so = (aj_sim_send_opts){
        .url = aj_opt(op, "url"), .retry_max_ms = AJ_SIM_RETRY_MAX_S_DEFAULT * 1000, .log = stderr};
    if (!so->url) {
        for (int i = 0; send_only[i]; i++)
            if (aj_opt(op, send_only[i])) {
                fprintf(stderr, "anjian sim: --%s needs --url\n", send_only[i]);
                return false;
            }
        return true;
    }
    char host[AJ_HTTP_HOST_LEN_MAX], err[AJ_HTTP_ERR_LEN];
    int port;
    if (aj_http_url_parse(so->url, host, &port, err, sizeof err)) {
        fprintf(stderr, "anjian sim: --url: %s\n", err);
        return false;
    }
    const char *v;
    if ((v = aj_opt(op, "batch-bytes")) && !parse_bytes(v, &so->batch_bytes)) {
        fprintf(stderr, "anjian sim: --batch-bytes: %u to %u bytes (e.g. 65536, 64k, 1m): %s\n",
                AJ_SIM_BATCH_BYTES_MIN, AJ_SIM_BATCH_BYTES_MAX, v);
        return false;
    }
    if ((v = aj_opt(op, "retry-max"))) {
        char *end;
        errno = 0;
        long secs = strtol(v, &end, 10);
        if (errno || end == v || *end || secs < 0 || secs > 86400) {
            fprintf(stderr, "anjian sim: --retry-max: seconds, 0 to 86400: %s\n", v);
            return false;
        }
        so->retry_max_ms = (int)secs * 1000;
    }
    so->token = aj_opt(op, "token") ? aj_opt(op, "token") : getenv("ANJIAN_TOKEN");
    const char *user = aj_opt(op, "user"), *pwfile = aj_opt(op, "password-file");
    if (user || pwfile) {
        if (!user || !pwfile) {
            fprintf(stderr, "anjian sim: --user and --password-file go together\n");
            return false;
        }
        if (aj_opt(op, "token")) {
            fprintf(stderr, "anjian sim: give either --token or --user, not both\n");
            return false;
        }
        char perr[256];
        if (!aj_read_secret(pwfile, NULL, password, pwlen, perr, sizeof perr)) {
            fprintf(stderr, "anjian sim: --password-file: %s\n", perr);
            return false;
        }
        so->token = NULL;
        so->user = user;
        so->password = password;
    } else if (!so->token || !*so->token) {
        fprintf(stderr, "anjian sim: --url needs --token, ANJIAN_TOKEN or --user with --password-file\n");
        return false;
    }
    return true;
}

static void print_send_summary(const aj_sim_sender *snd, double wall_s) {
    const aj_sim_send_stats *ss = aj_sim_sender_stats(snd);
    fprintf(stderr,
            "anjian sim: sent %" PRIu64 " points (%" PRIu64 " bytes) in %" PRIu64 " requests, %" PRIu64
            " retries after 503, %" PRIu64 " reconnects, %" PRIu64
            " lines rejected by the server, in %.3f s: %.0f "
            "points/s\n",
            ss->n_points, ss->n_bytes, ss->n_requests, ss->n_retries_503, ss->n_reconnects, ss->n_rejected,
            wall_s, wall_s > 0 ? (double)ss->n_points / wall_s : 0.0);
}

static FILE *open_out(const char *path) {
    if (!strcmp(path, "-")) return stdout;
    FILE *f = fopen(path, "wb");
    if (!f) fprintf(stderr, "anjian sim: %s: %s\n", path, strerror(errno));
    return f;
}

static aj_err load(const char *plant_path, const char *scenario_path, aj_sim **out) {
    char err[AJ_SIM_ERR_LEN] = "", msg[AJ_SIM_ERR_LEN];
    size_t len;
    char *text;
    if (aj_file_read(plant_path, AJ_SIM_PLANT_BYTES_MAX, &text, &len, err, sizeof err)) {
        fprintf(stderr, "anjian sim: %s\n", err);
        return AJ_EIO;
    }
    json_t *doc = NULL;
    aj_err e = aj_json_parse(text, len, &doc, msg, sizeof msg);
    free(text);
    if (e) {
        fprintf(stderr, "anjian sim: %s: %s\n", plant_path, msg);
        return e;
    }
    e = aj_sim_new(doc, out, err, sizeof err);
    json_decref(doc);
    if (e) {
        fprintf(stderr, "anjian sim: %s: %s\n", plant_path, err);
        return e;
    }
    if (!scenario_path) return AJ_OK;
    if (aj_file_read(scenario_path, AJ_SIM_SCENARIO_BYTES_MAX, &text, &len, err, sizeof err)) {
        fprintf(stderr, "anjian sim: %s\n", err);
        e = AJ_EIO;
    } else {
        e = aj_sim_load_scenario(*out, text, len, err, sizeof err);
        if (e) fprintf(stderr, "anjian sim: %s: %s\n", scenario_path, err);
        free(text);
    }
    if (e) {
        aj_sim_free(*out);
        *out = NULL;
    }
    return e;
}

/* Runs with a file sink for out (may be NULL) and a sender (may be NULL). */
static int run(aj_sim *s, const aj_sim_opts *o, FILE *out, FILE *labels, aj_sim_sender *snd) {
    aj_sim_sink sinks[2];
    size_t n_sinks = 0;
    if (out && aj_sim_file_sink_init(&sinks[n_sinks++], out)) {
        fprintf(stderr, "anjian sim: out of memory\n");
        return AJ_EXIT_FAIL;
    }
    if (snd) sinks[n_sinks++] = aj_sim_sender_sink(snd);
    aj_sim_stats st;
    aj_err e = aj_sim_run_sinks(s, o, sinks, n_sinks, labels, &st);
    if (out) sinks[0].clear(sinks[0].ctx);
    if (snd) print_send_summary(snd, st.wall_s);
    if (e && snd && aj_sim_sender_error(snd)[0]) {
        fprintf(stderr, "anjian sim: sending failed: %s\n", aj_sim_sender_error(snd));
        return AJ_EXIT_FAIL;
    }
    if (e) {
        fprintf(stderr, "anjian sim: writing output failed: %s\n", aj_err_message(e));
        return AJ_EXIT_FAIL;
    }
    fprintf(stderr,
            "anjian sim: %zu tags x %" PRIu64 " samples = %" PRIu64 " points, %" PRIu64
            " labels, in %.3f s: %.0f points/s\n",
            aj_sim_n_tags(s), st.n_steps, st.n_points, st.n_labels, st.wall_s,
            st.wall_s > 0 ? (double)st.n_points / st.wall_s : 0.0);
    return AJ_EXIT_OK;
}

int aj_cmd_sim(int argc, char **argv) {
    static const char *const allowed[] = {
        "plant", "seed",  "start", "duration",      "step",        "speed",     "scenario", "out", "labels",
        "url",   "token", "user",  "password-file", "batch-bytes", "retry-max", "help!",    NULL};
    aj_opts op;
    char err[256];
    if (!aj_opts_parse(&op, argc, argv, allowed, err, sizeof err)) {
        fprintf(stderr, "anjian sim: %s\n\n", err);
        usage(stderr);
        return AJ_EXIT_USAGE;
    }
    if (aj_opt(&op, "help")) {
        usage(stdout);
        return AJ_EXIT_OK;
    }
    if (op.n_pos) {
        fprintf(stderr, "anjian sim: unexpected argument \"%s\"\n", op.pos[0]);
        return AJ_EXIT_USAGE;
    }
    aj_sim_opts o;
    aj_sim_send_opts so;
    char password[AJ_PASSWORD_LEN_MAX + 2];
    if (!parse_opts(&op, &o) || !parse_send_opts(&op, &so, password, sizeof password)) return AJ_EXIT_USAGE;
    const char *out_path = aj_opt(&op, "out") ? aj_opt(&op, "out") : so.url ? NULL : "-";
    const char *labels_path = aj_opt(&op, "labels");
    if (labels_path && !strcmp(labels_path, "-") && out_path && !strcmp(out_path, "-")) {
        fprintf(stderr, "anjian sim: --out and --labels cannot both be stdout\n");
        return AJ_EXIT_USAGE;
    }
    aj_sim *s;
    const char *plant = aj_opt(&op, "plant") ? aj_opt(&op, "plant") : SIM_DEFAULT_PLANT;
    if (load(plant, aj_opt(&op, "scenario"), &s)) return AJ_EXIT_FAIL;
    aj_sim_sender *snd = NULL;
    if (so.url) {
        char serr[AJ_SIM_SEND_ERR_LEN];
        aj_err e = aj_sim_sender_new(&so, &snd, serr, sizeof serr);
        memset(password, 0, sizeof password);
        if (e) {
            fprintf(stderr, "anjian sim: %s: %s\n", so.url, serr);
            aj_sim_free(s);
            return AJ_EXIT_FAIL;
        }
    }
    FILE *out = out_path ? open_out(out_path) : NULL, *labels = NULL;
    if ((out || !out_path) && labels_path) labels = open_out(labels_path);
    int rc = AJ_EXIT_FAIL;
    if ((out || !out_path) && (labels || !labels_path)) rc = run(s, &o, out, labels, snd);
    if (out && out != stdout && fclose(out) != 0 && rc == AJ_EXIT_OK) rc = AJ_EXIT_FAIL;
    if (labels && labels != stdout && fclose(labels) != 0 && rc == AJ_EXIT_OK) rc = AJ_EXIT_FAIL;
    aj_sim_sender_free(snd);
    aj_sim_free(s);
    return rc;
}
