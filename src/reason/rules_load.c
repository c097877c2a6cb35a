/* rules_load.c — load a directory of rules files (rules_load.h). */
#include "reason/rules_load.h"

#include "base/fileread.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Files of one library at most (each holds many modes). */
#define RULES_FILES_MAX 256

static aj_err load_file(const char *file, aj_rules *all, char *err, size_t errlen) {
    char *text;
    size_t len;
    aj_err e = aj_file_read(file, AJ_RULES_FILE_MAX, &text, &len, err, errlen);
    if (e) return e;
    aj_rules *one = NULL;
    aj_rules_errors *errs = calloc(1, sizeof *errs);
    if (!errs) {
        free(text);
        snprintf(err, errlen, "%s: out of memory", file);
        return AJ_ENOMEM;
    }
    e = aj_rules_parse(text, len, &one, errs);
    free(text);
    if (!e) e = aj_rules_merge(all, one, errs);
    if (e && errs->n > 0)
        snprintf(err, errlen, "%s:%d:%d: %s", file, errs->items[0].pos.line, errs->items[0].pos.column,
                 errs->items[0].message);
    else if (e)
        snprintf(err, errlen, "%s: %s", file, aj_err_name(e));
    aj_rules_free(one);
    free(errs);
    return e;
}

static int cmp_names(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

aj_err aj_rules_load(const char *path, aj_rules **out, char *err, size_t errlen) {
    *out = NULL;
    aj_rules *all = calloc(1, sizeof *all);
    if (!all) return AJ_ENOMEM;
    struct stat sb;
    if (stat(path, &sb) != 0) {
        snprintf(err, errlen, "%s: no such file or directory", path);
        free(all);
        return AJ_EIO;
    }
    aj_err e = AJ_OK;
    if (!S_ISDIR(sb.st_mode)) {
        e = load_file(path, all, err, errlen);
    } else {
        DIR *d = opendir(path);
        char *names[RULES_FILES_MAX];
        int n = 0;
        if (!d) {
            snprintf(err, errlen, "%s: cannot open the directory", path);
            e = AJ_EIO;
        }
        for (struct dirent *de; !e && (de = readdir(d));) {
            size_t l = strlen(de->d_name);
            if (l < 7 || strcmp(de->d_name + l - 6, ".rules") != 0 || de->d_name[0] == '.') continue;
            if (n == RULES_FILES_MAX) {
                snprintf(err, errlen, "%s: more than %d rules files", path, RULES_FILES_MAX);
                e = AJ_ETOOBIG;
            } else if (!(names[n] = malloc(strlen(path) + l + 2))) {
                e = AJ_ENOMEM;
            } else {
                sprintf(names[n++], "%s/%s", path, de->d_name);
            }
        }
        if (d) closedir(d);
        qsort(names, (size_t)n, sizeof *names, cmp_names);
        for (int i = 0; i < n; i++) {
            if (!e) e = load_file(names[i], all, err, errlen);
            free(names[i]);
        }
    }
    if (e) {
        aj_rules_free(all);
        return e;
    }
    *out = all;
    return AJ_OK;
}
