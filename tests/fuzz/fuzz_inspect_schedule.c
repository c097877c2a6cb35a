/* fuzz_inspect_schedule.c — libFuzzer harness for the inspection inputs that are parsed by
 * hand: shift patterns ("HH:MM" lines, src/inspect/schedule.c), NFC tag UIDs as readers
 * print them (insp_nfc_normalise, src/api/inspections_api.c) and the window arithmetic fed
 * with whatever the pattern, the instant and the interval turn out to be.
 *
 * The input is split at newlines: the first line is a UID, the next (up to 7) are shift
 * starts; the last 8 bytes, when there are 8, are the instant. A rejected pattern must
 * leave a non-empty message naming "starts"; an accepted one must be strictly increasing
 * within a day. Every window of every frequency must hold the instant and be followed
 * seamlessly by the next one. An accepted UID must be 8 to AJ_INSPECT_NFC_UID_MAX
 * upper-case hex digits, even, and normalise to itself. ASan/UBSan catch the rest.
 * Seeds: tests/fuzz/corpus/inspect_schedule/. */
#include "api/inspections_int.h"
#include "base/limits.h"
#include "inspect/schedule.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void must(int cond) {
    if (!cond) abort();
}

#define LINES_MAX 8
#define LINE_LEN  64

static void check_windows(const aj_shift_pattern *sp, int64_t t, int interval) {
    for (int f = 0; f < AJ_IF_COUNT; f++) {
        int64_t s, e, s2, e2;
        if (!aj_insp_window((aj_insp_freq)f, interval, sp, 480, t, &s, &e)) {
            must(f == AJ_IF_INTERVAL); /* only a bad interval is refused here */
            continue;
        }
        must(s <= t && t < e);
        must(aj_insp_window((aj_insp_freq)f, interval, sp, 480, e, &s2, &e2));
        must(s2 == e && e2 > s2);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    int64_t t = 1796083200000LL; /* 2026-12-01 */
    if (size >= 8) {
        uint64_t raw;
        memcpy(&raw, data + size - 8, 8);
        t = (int64_t)(raw % (8000000000000ULL)) - 1000000000000LL; /* 1938 .. 2223 */
        size -= 8;
    }
    char lines[LINES_MAX][LINE_LEN];
    int n = 0;
    size_t at = 0;
    while (n < LINES_MAX && at <= size) {
        size_t len = 0;
        while (at + len < size && data[at + len] != '\n') len++;
        size_t keep = len < LINE_LEN - 1 ? len : LINE_LEN - 1;
        memcpy(lines[n], data + at, keep);
        lines[n][keep] = 0;
        n++;
        at += len + 1;
    }
    if (n == 0) return 0;

    char uid[AJ_INSPECT_NFC_UID_MAX + 1], again[AJ_INSPECT_NFC_UID_MAX + 1];
    if (insp_nfc_normalise(lines[0], uid, sizeof uid)) {
        size_t len = strlen(uid);
        must(len >= 8 && len <= AJ_INSPECT_NFC_UID_MAX && len % 2 == 0);
        for (size_t i = 0; i < len; i++)
            must(isxdigit((unsigned char)uid[i]) && !islower((unsigned char)uid[i]));
        must(insp_nfc_normalise(uid, again, sizeof again) && !strcmp(uid, again));
    }

    const char *starts[LINES_MAX];
    for (int i = 1; i < n; i++) starts[i - 1] = lines[i];
    aj_shift_pattern sp;
    char err[160] = "";
    if (aj_shift_pattern_from(starts, n - 1, &sp, err, sizeof err)) {
        must(sp.n == n - 1);
        for (int i = 0; i < sp.n; i++) {
            must(sp.start_min[i] >= 0 && sp.start_min[i] < 1440);
            must(i == 0 || sp.start_min[i] > sp.start_min[i - 1]);
        }
    } else {
        must(err[0] && strstr(err, "starts") == err);
        aj_shift_pattern_default(&sp);
    }
    int interval = (int)((size ? data[0] : 0) * 41 % (AJ_INSPECT_INTERVAL_MAX_MIN + 2));
    check_windows(&sp, t, interval);
    return 0;
}
