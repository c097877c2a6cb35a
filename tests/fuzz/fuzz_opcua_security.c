/* fuzz_opcua_security.c — libFuzzer harness for the OPC UA security layer
 * (src/opcua/security.c, security_rsa.c): the two functions that read chunks from a server,
 * aj_ua_sym_open and aj_ua_asym_open, with fixed test keys.
 *
 * Keys: our PKI holds tests/unit/data/opcua_sec_a (RSA 2048), the sender of OPN chunks is
 * opcua_sec_b (RSA 4096), the symmetric keys are derived from the nonces 10..2f (client) and
 * a0..bf (server) — the same as the node-opcua cross vectors, so their chunks are seeds.
 *
 * Input: byte 0 chooses what is done with the rest (op = bits 0-1):
 *   op 0  aj_ua_sym_open of the bytes after byte 0 (headers of 16 bytes);
 *   op 1  aj_ua_asym_open of the bytes after byte 2, headers of 12 + (byte 1 | byte 2 << 8) %
 *         4096 bytes;
 *   op 2  the bytes after byte 0 as plain text: sym seal, then open (bit 5: flip byte
 *         byte 1 % length first);
 *   op 3  the same with asym seal/open (our key to our own certificate).
 * Bit 2 writes the real length into MessageSize first (so that the fuzzer gets past the size
 * check), bit 3 picks Sign instead of SignAndEncrypt, bit 4 the server's keys instead of the
 * client's. What must hold: a refusal has a message; an accepted chunk's plain part lies
 * inside it and holds the sequence header; a round trip gives the plain text back, and a
 * flipped byte is always refused.
 * Seeds: tests/fuzz/corpus/opcua_security/ (node-opcua chunks from the cross vectors). The unit
 * test test_opcua_security.c includes this file and replays the corpus through fz_one().
 */
#include "opcua/pki.h"
#include "opcua/security.h"

#include "base/fileread.h"

#include <ftw.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_CHUNK_MAX      (64u * 1024u)
#define FZ_ROUND_TRIP_MAX 2048u

static aj_ua_pki *fz_pki;
static char *fz_own_cert, *fz_sender_cert;
static size_t fz_own_cert_len, fz_sender_cert_len;
static aj_ua_keys fz_client, fz_server;
static char fz_dir[64];

static void fz_must(bool cond, const char *what) {
    if (!cond) {
        fprintf(stderr, "fuzz_opcua_security: %s\n", what);
        abort();
    }
}

static char *fz_data_file(const char *name, size_t *len) {
    char path[1024], err[256];
    char *data = NULL;
    const char *slash = strrchr(__FILE__, '/');
    int dir_len = slash ? (int)(slash - __FILE__) : 1;
    snprintf(path, sizeof path, "%.*s/../unit/data/%s", dir_len, slash ? __FILE__ : ".", name);
    if (aj_file_read(path, 1u << 20, &data, len, err, sizeof err) != AJ_OK) {
        fprintf(stderr, "%s\n", err);
        abort();
    }
    return data;
}

static void fz_put(const char *path, const char *data, size_t len, mode_t mode) {
    FILE *f = fopen(path, "wb");
    fz_must(f && fwrite(data, 1, len, f) == len && fclose(f) == 0 && chmod(path, mode) == 0, path);
}

static int fz_rm(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static void fz_cleanup(void) {
    aj_ua_pki_free(fz_pki);
    free(fz_own_cert);
    free(fz_sender_cert);
    nftw(fz_dir, fz_rm, 8, FTW_DEPTH | FTW_PHYS);
}

static void fz_init(void) {
    if (fz_pki) return;
    char path[256], err[512];
    size_t key_len = 0;
    snprintf(fz_dir, sizeof fz_dir, "/tmp/aj-fuzz-ua-sec-XXXXXX");
    fz_must(mkdtemp(fz_dir) != NULL, "mkdtemp");
    snprintf(path, sizeof path, "%s/own", fz_dir);
    fz_must(mkdir(path, 0700) == 0, path);
    snprintf(path, sizeof path, "%s/own/private", fz_dir);
    fz_must(mkdir(path, 0700) == 0, path);
    fz_own_cert = fz_data_file("opcua_sec_a.cert.der", &fz_own_cert_len);
    fz_sender_cert = fz_data_file("opcua_sec_b.cert.der", &fz_sender_cert_len);
    char *key = fz_data_file("opcua_sec_a.key.pem", &key_len);
    snprintf(path, sizeof path, "%s/own/cert.der", fz_dir);
    fz_put(path, fz_own_cert, fz_own_cert_len, 0644);
    snprintf(path, sizeof path, "%s/own/private/key.pem", fz_dir);
    fz_put(path, key, key_len, 0600);
    free(key);
    if (aj_ua_pki_open(fz_dir, "urn:anjian:test:a", "localhost", &fz_pki, err, sizeof err) != AJ_OK) {
        fprintf(stderr, "%s\n", err);
        abort();
    }
    uint8_t cn[32], sn[32];
    for (int i = 0; i < 32; i++) cn[i] = (uint8_t)(0x10 + i), sn[i] = (uint8_t)(0xa0 + i);
    fz_must(aj_ua_derive_keys(AJ_UA_POLICY_BASIC256SHA256, cn, 32, sn, 32, &fz_client, &fz_server, err,
                              sizeof err) == AJ_OK,
            "derive");
    atexit(fz_cleanup);
}

static void fz_put_u32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8), p[2] = (uint8_t)(v >> 16), p[3] = (uint8_t)(v >> 24);
}

/* What every open must leave: a message on refusal, a plain part inside the chunk else. */
static bool fz_check_open(aj_err rc, const char *err, size_t len, size_t hdr_len, size_t off,
                          size_t plain_len) {
    if (rc != AJ_OK) {
        fz_must(err[0] != '\0', "refusal without a message");
        fz_must(off == 0 && plain_len == 0, "outputs set on refusal");
        return false;
    }
    fz_must(off == hdr_len, "plain part does not start after the headers");
    fz_must(plain_len >= 8 && off + plain_len <= len, "plain part outside the chunk");
    return true;
}

/* Seals p[0..n) as plain text behind fixed headers, optionally flips a byte, opens it. */
static bool fz_round_trip(bool is_asym, aj_ua_mode m, const aj_ua_keys *k, const uint8_t *p, size_t n,
                          bool flip, size_t flip_at) {
    static uint8_t buf[FZ_ROUND_TRIP_MAX * 4 + 4096];
    char err[512] = "";
    size_t hdr = 16, plain = n < 8 ? 8 : n, len = 0, off = 0, pl = 0;
    memset(buf, 0, sizeof buf);
    memcpy(buf, is_asym ? "OPNF" : "MSGF", 4);
    if (is_asym) hdr = 12 + 40; /* a header the layer does not read */
    memcpy(buf + hdr, p, n);
    aj_err rc = is_asym ? aj_ua_asym_seal(fz_pki, (const uint8_t *)fz_own_cert, fz_own_cert_len,
                                          AJ_UA_POLICY_BASIC256SHA256, m, buf, hdr, plain, sizeof buf, &len,
                                          err, sizeof err)
                        : aj_ua_sym_seal(k, AJ_UA_POLICY_BASIC256SHA256, m, buf, hdr, plain, sizeof buf, &len,
                                         err, sizeof err);
    fz_must(rc == AJ_OK, err);
    if (flip) buf[flip_at % len] ^= 0x01;
    err[0] = '\0';
    rc = is_asym
             ? aj_ua_asym_open(fz_pki, (const uint8_t *)fz_own_cert, fz_own_cert_len,
                               AJ_UA_POLICY_BASIC256SHA256, m, buf, len, hdr, &off, &pl, err, sizeof err)
             : aj_ua_sym_open(k, AJ_UA_POLICY_BASIC256SHA256, m, buf, len, hdr, &off, &pl, err, sizeof err);
    bool is_open = fz_check_open(rc, err, len, hdr, off, pl);
    fz_must(is_open != flip, flip ? "a flipped byte went unnoticed" : "a sealed chunk did not open");
    if (is_open) {
        fz_must(pl == plain && memcmp(buf + off, p, n) == 0, "round trip changed the plain text");
    }
    return is_open;
}

/* One input; returns whether a chunk was accepted (for the corpus replay's count). */
static bool fz_one(const uint8_t *data, size_t size) {
    static uint8_t chunk[FZ_CHUNK_MAX];
    fz_init();
    if (size < 1 || size > FZ_CHUNK_MAX) return false;
    uint8_t ctl = data[0];
    int op = ctl & 3;
    aj_ua_mode m = ctl & 8 ? AJ_UA_MODE_SIGN : AJ_UA_MODE_SIGN_ENCRYPT;
    const aj_ua_keys *k = ctl & 16 ? &fz_server : &fz_client;
    char err[512] = "";
    size_t off = 0, pl = 0;
    if (op == 2 || op == 3) {
        if (size < 2 || size - 2 > FZ_ROUND_TRIP_MAX) return false;
        return fz_round_trip(op == 3, m, k, data + 2, size - 2, (ctl & 32) != 0, data[1]);
    }
    size_t skip = op == 0 ? 1 : 3;
    if (size < skip) return false;
    size_t len = size - skip, hdr = op == 0 ? 16 : 12 + (size_t)(data[1] | data[2] << 8) % 4096;
    memcpy(chunk, data + skip, len);
    if ((ctl & 4) && len >= 8) fz_put_u32(chunk + 4, (uint32_t)len);
    aj_err rc =
        op == 0
            ? aj_ua_sym_open(k, AJ_UA_POLICY_BASIC256SHA256, m, chunk, len, hdr, &off, &pl, err, sizeof err)
            : aj_ua_asym_open(fz_pki, (const uint8_t *)fz_sender_cert, fz_sender_cert_len,
                              AJ_UA_POLICY_BASIC256SHA256, m, chunk, len, hdr, &off, &pl, err, sizeof err);
    return fz_check_open(rc, err, len, hdr, off, pl);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fz_one(data, size);
    return 0;
}
