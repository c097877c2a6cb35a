/* fuzz_config.c — the `key = value` config-file parser: any input gives AJ_OK or an
 * error with a message naming file:line; never a crash or an out-of-bounds setting. */
#include "base/limits.h"
#include "config/config.h"

#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char path[] = "/tmp/aj-fuzz-config-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) return 0;
    if (write(fd, data, size) != (ssize_t)size) {
        close(fd);
        unlink(path);
        return 0;
    }
    close(fd);
    aj_config cfg;
    aj_config_defaults(&cfg);
    char err[1200] = "";
    aj_err e = aj_config_load_file(&cfg, path, err, sizeof err);
    unlink(path);
    if (e) assert(strstr(err, path) != NULL);
    assert(cfg.max_connections >= 1 && cfg.max_connections <= AJ_HTTP_CONNECTIONS_MAX);
    assert(cfg.db_pool >= 1 && cfg.db_pool <= AJ_DB_POOL_MAX);
    assert(strlen(cfg.listen) < sizeof cfg.listen);
    return 0;
}
