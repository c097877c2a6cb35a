/* rules_cli.c — `anjian rules check FILE...`: checks failure-mode rules files offline.
 *
 * Each file is read (at most AJ_RULES_FILE_MAX bytes; "-" is standard input) and parsed
 * with aj_rules_parse; its errors go to stderr as FILE:LINE:COLUMN: message. The modes of
 * the valid files are merged into one set (aj_rules_merge), which checks that mode ids are
 * unique across all the files, as the engine will when it loads them together. A valid
 * file gets one line on stdout: "FILE: N modes (id, id, ...)". Exit codes (cli/cli.h):
 * 0 every file valid, 1 an error in a file or a file unreadable, 2 usage.
 */
#include "base/fileread.h"
#include "cli/cli.h"
#include "reason/rules.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STDIN_NAME "<stdin>"

static void rules_usage(FILE *f) {
    fprintf(f, "usage: anjian rules check FILE...\n\n"
               "Checks failure-mode rules files (docs/rules.md) without a database: parses each FILE\n"
               "(\"-\" reads standard input), prints every error as FILE:LINE:COLUMN: message on stderr\n"
               "and checks that mode ids are unique across all the files. For each valid file it prints\n"
               "\"FILE: N modes (id, ...)\" on stdout.\n\n"
               "exit codes: 0 every file valid, 1 an error in a file or a file unreadable, 2 usage error\n");
}

static void print_errors(const char *name, const aj_rules_errors *errs) {
    for (int i = 0; i < errs->n; i++)
        fprintf(stderr, "%s:%d:%d: %s\n", name, errs->items[i].pos.line, errs->items[i].pos.column,
                errs->items[i].message);
    if (errs->is_truncated) fprintf(stderr, "%s: too many errors; stopped after %d\n", name, errs->n);
}

static void print_summary(const char *name, const aj_rules *set, int first, int n) {
    printf("%s: %d mode%s (", name, n, n == 1 ? "" : "s");
    for (int i = first; i < first + n; i++) printf("%s%s", i > first ? ", " : "", set->modes[i].id);
    printf(")\n");
}

/* The modes of one valid file in the merged set: [first, first + n). */
typedef struct merged_file {
    const char *name;
    int first, n;
} merged_file;

/* After aj_rules_merge refused src for a duplicate id: names the file and place that
 * defined the id first (the merge's own message only knows the line). */
static void print_conflict(const char *name, const aj_rules *all, const aj_rules *src,
                           const aj_rules_errors *errs, const merged_file *files, int n_files) {
    const aj_rules_error *e = &errs->items[0];
    for (int i = 0; i < src->n_modes; i++) {
        const aj_rule_mode *m = &src->modes[i];
        if (m->pos.line != e->pos.line || m->pos.column != e->pos.column) continue;
        for (int f = 0; f < n_files; f++) {
            for (int j = files[f].first; j < files[f].first + files[f].n; j++) {
                if (strcmp(all->modes[j].id, m->id)) continue;
                fprintf(stderr, "%s:%d:%d: duplicate mode \"%s\" (first in %s:%d:%d)\n", name, m->pos.line,
                        m->pos.column, m->id, files[f].name, all->modes[j].pos.line,
                        all->modes[j].pos.column);
                return;
            }
        }
    }
    print_errors(name, errs); /* not found: the merge's message as it is */
}

/* Parses one file and merges it into all; false when it is invalid or unreadable. */
static bool check_file(const char *path, aj_rules *all, merged_file *files, int *n_files,
                       aj_rules_errors *errs) {
    const char *name = strcmp(path, "-") ? path : STDIN_NAME;
    size_t len = 0;
    char *text, msg[600];
    aj_err re = aj_file_read(path, AJ_RULES_FILE_MAX, &text, &len, msg, sizeof msg);
    if (re == AJ_ETOOBIG) { /* as the parser says it */
        fprintf(stderr, "%s:1:1: file too big (at most %d bytes)\n", name, AJ_RULES_FILE_MAX);
        return false;
    }
    if (re) {
        fprintf(stderr, "%s%s\n", name, strchr(msg, ':') ? strchr(msg, ':') : ": cannot read");
        return false;
    }
    aj_rules *set = NULL;
    aj_err e = aj_rules_parse(text, len, &set, errs);
    free(text);
    if (e != AJ_OK) {
        if (e == AJ_ENOMEM) fprintf(stderr, "%s: out of memory\n", name);
        print_errors(name, errs);
        return false;
    }
    int first = all->n_modes, n = set->n_modes;
    e = aj_rules_merge(all, set, errs);
    if (e == AJ_ECONFLICT)
        print_conflict(name, all, set, errs, files, *n_files);
    else if (e == AJ_ENOMEM)
        fprintf(stderr, "%s: out of memory\n", name);
    else if (e != AJ_OK)
        print_errors(name, errs);
    aj_rules_free(set);
    if (e != AJ_OK) return false;
    files[(*n_files)++] = (merged_file){.name = name, .first = first, .n = n};
    print_summary(name, all, first, n);
    return true;
}

/* Checks every file (positional arguments; all after "--" are files). */
static int check_files(char **paths, int n_paths) {
    aj_rules *all = aj_rules_new();
    merged_file *files = calloc((size_t)n_paths, sizeof *files);
    aj_rules_errors *errs = malloc(sizeof *errs);
    bool is_ready = all && files && errs, is_ok = is_ready;
    int n_files = 0;
    if (!is_ready) fprintf(stderr, "anjian rules check: out of memory\n");
    for (int i = 0; is_ready && i < n_paths; i++)
        if (!check_file(paths[i], all, files, &n_files, errs)) is_ok = false;
    aj_rules_free(all);
    free(files);
    free(errs);
    return is_ok ? AJ_EXIT_OK : AJ_EXIT_FAIL;
}

static int cmd_check(int argc, char **argv) {
    char **paths = calloc((size_t)argc + 1, sizeof *paths);
    int n_paths = 0;
    bool is_options_done = false;
    if (!paths) {
        fprintf(stderr, "anjian rules check: out of memory\n");
        return AJ_EXIT_FAIL;
    }
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (is_options_done || a[0] != '-' || !a[1]) {
            paths[n_paths++] = argv[i];
        } else if (!strcmp(a, "--")) {
            is_options_done = true;
        } else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            free(paths);
            rules_usage(stdout);
            return AJ_EXIT_OK;
        } else {
            fprintf(stderr, "anjian rules check: unknown option %s\n\n", a);
            free(paths);
            rules_usage(stderr);
            return AJ_EXIT_USAGE;
        }
    }
    if (!n_paths) {
        fprintf(stderr, "anjian rules check: no FILE given\n\n");
        free(paths);
        rules_usage(stderr);
        return AJ_EXIT_USAGE;
    }
    int rc = check_files(paths, n_paths);
    free(paths);
    return rc;
}

int aj_cmd_rules(int argc, char **argv) {
    if (argc < 1) {
        rules_usage(stderr);
        return AJ_EXIT_USAGE;
    }
    if (!strcmp(argv[0], "--help") || !strcmp(argv[0], "-h") || !strcmp(argv[0], "help")) {
        rules_usage(stdout);
        return AJ_EXIT_OK;
    }
    if (!strcmp(argv[0], "check")) return cmd_check(argc - 1, argv + 1);
    fprintf(stderr, "anjian rules: unknown command \"%s\"\n\n", argv[0]);
    rules_usage(stderr);
    return AJ_EXIT_USAGE;
}
