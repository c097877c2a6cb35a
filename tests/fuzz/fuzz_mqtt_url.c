/* fuzz_mqtt_url.c — libFuzzer harness for the MQTT broker URL parser (src/ingest/mqtt.c,
 * setting mqtt-url). Checks: an accepted URL gives a non-empty host without control bytes,
 * NUL-terminated within the buffer, and a port in 1..65535; a too-small host buffer never
 * overflows. Seeds: tests/fuzz/corpus/mqtt_url/. */
#include "ingest/mqtt.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void must(int cond) {
    if (!cond) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *url = malloc(size + 1);
    if (!url) return 0;
    memcpy(url, data, size);
    url[size] = 0;
    char host[256];
    int port = -1;
    if (aj_mqtt_url_parse(url, host, sizeof host, &port)) {
        size_t n = strnlen(host, sizeof host);
        must(n > 0 && n < sizeof host);
        for (size_t i = 0; i < n; i++) must((unsigned char)host[i] > 0x20 && host[i] != 0x7f);
        must(port >= 1 && port <= 65535);
    }
    char tiny[4];
    if (aj_mqtt_url_parse(url, tiny, sizeof tiny, &port)) must(strnlen(tiny, sizeof tiny) < sizeof tiny);
    free(url);
    return 0;
}
