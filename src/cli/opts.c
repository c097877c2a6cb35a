/* opts.c — option parsing and secret reading shared by the tool subcommands. */
#include "cli/cli.h"
#include "base/fileread.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool aj_opts_parse(aj_opts *o, int argc, char **argv, const char *const *allowed, char *err, size_t errlen) {
    memset(o, 0, sizeof *o);
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "--", 2) != 0) {
            if (o->n_pos >= 8) {
                snprintf(err, errlen, "too many arguments");
                return false;
            }
            o->pos[o->n_pos++] = a;
            continue;
        }
        const char *name = a + 2, *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        const char *match = NULL;
        bool is_flag = false;
        for (int k = 0; allowed[k]; k++) {
            size_t al = strlen(allowed[k]);
            bool flag = allowed[k][al - 1] == '!';
            if ((flag ? al - 1 : al) == len && strncmp(allowed[k], name, len) == 0) {
                match = allowed[k];
                is_flag = flag;
            }
        }
        if (!match || o->n >= 24) {
            snprintf(err, errlen, "unknown option --%.*s", (int)len, name);
            return false;
        }
        const char *value;
        if (is_flag)
            value = "true";
        else if (eq)
            value = eq + 1;
        else if (i + 1 < argc)
            value = argv[++i];
        else {
            snprintf(err, errlen, "option --%.*s needs a value", (int)len, name);
            return false;
        }
        o->names[o->n] = match;
        o->values[o->n++] = value;
    }
    return true;
}

const char *aj_opt(const aj_opts *o, const char *name) {
    for (int i = o->n - 1; i >= 0; i--) {
        size_t n = strlen(name);
        if (strncmp(o->names[i], name, n) == 0 && (o->names[i][n] == 0 || o->names[i][n] == '!'))
            return o->values[i];
    }
    return NULL;
}

const char *aj_opt_db(const aj_opts *o) {
    const char *db = aj_opt(o, "db");
    if (!db) db = getenv("ANJIAN_DB");
    return db ? db : "sqlite:anjian.db";
}

bool aj_read_secret(const char *file, const char *env, char *out, size_t outlen, char *err, size_t errlen) {
    out[0] = 0;
    if (file && *file) {
        char msg[300];
        if (aj_file_read_secret(file, out, outlen, msg, sizeof msg)) return true;
        snprintf(err, errlen, "cannot read %s", msg);
        return false;
    }
    const char *v = env ? getenv(env) : NULL;
    if (v) snprintf(out, outlen, "%s", v);
    return true;
}
