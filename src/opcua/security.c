/* security.c — OPC UA security policies, key derivation and the symmetric security of MSG and
 * CLO chunks (OPC 10000-6 §6.7.2, §6.7.6; the API and the chunk layout are in security.h).
 *
 * Symmetric chunk under Basic256Sha256:
 *
 *   Sign:            | headers | plain | HMAC-SHA256 (32) |
 *   SignAndEncrypt:  | headers | plain | PaddingSize, Padding | HMAC (32) |
 *                               \____________ AES-256-CBC, whole 16-byte blocks ____/
 *
 * The HMAC covers bytes 0 .. end of padding (MessageSize already final). Sealing works in
 * place: padding, size, HMAC, then encryption of the bytes after the headers (AES-CBC with
 * equal in/out pointers, which OpenSSL allows). Opening is the reverse, and checks every
 * length before reading, the HMAC in constant time, then the padding (which the HMAC covers,
 * so a wrong padding is reported only for a chunk the peer really signed).
 *
 * No state: everything here is a pure function of its arguments (and OpenSSL).
 */
#include "opcua/security.h"

#include "base/limits.h"
#include "opcua/security_int.h"

#include <assert.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

/* Longest secret, seed and output aj_ua_p_sha256 takes (key derivation needs 80 bytes). */
#define P_SHA256_LEN_MAX 4096

/* ---- errors --------------------------------------------------------------------------------- */

void aj_ua_sec_errf(char *err, size_t errlen, const char *fmt, ...) {
    if (!err || errlen == 0) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

aj_err aj_ua_sec_ossl_fail(char *err, size_t errlen, const char *what) {
    unsigned long e = ERR_get_error();
    char buf[256];
    if (e) {
        ERR_error_string_n(e, buf, sizeof buf);
    } else {
        snprintf(buf, sizeof buf, "no detail");
    }
    ERR_clear_error();
    aj_ua_sec_errf(err, errlen, "%s: OpenSSL: %s", what, buf);
    return AJ_EINTERNAL;
}

/* ---- policies and modes --------------------------------------------------------------------- */

static const char URI_NONE[] = "http://opcfoundation.org/UA/SecurityPolicy#None";
static const char URI_BASIC256SHA256[] = "http://opcfoundation.org/UA/SecurityPolicy#Basic256Sha256";

const char *aj_ua_policy_uri(aj_ua_policy p) {
    switch (p) {
    case AJ_UA_POLICY_NONE:
        return URI_NONE;
    case AJ_UA_POLICY_BASIC256SHA256:
        return URI_BASIC256SHA256;
    }
    return NULL;
}

bool aj_ua_policy_from_uri(const char *uri, size_t len, aj_ua_policy *out) {
    if (!uri) return false;
    if (len == sizeof URI_NONE - 1 && memcmp(uri, URI_NONE, len) == 0) {
        *out = AJ_UA_POLICY_NONE;
        return true;
    }
    if (len == sizeof URI_BASIC256SHA256 - 1 && memcmp(uri, URI_BASIC256SHA256, len) == 0) {
        *out = AJ_UA_POLICY_BASIC256SHA256;
        return true;
    }
    return false;
}

const char *aj_ua_policy_name(aj_ua_policy p) {
    switch (p) {
    case AJ_UA_POLICY_NONE:
        return "None";
    case AJ_UA_POLICY_BASIC256SHA256:
        return "Basic256Sha256";
    }
    return "?";
}

bool aj_ua_policy_from_name(const char *name, aj_ua_policy *out) {
    if (!name) return false;
    if (strcmp(name, "None") == 0) {
        *out = AJ_UA_POLICY_NONE;
        return true;
    }
    if (strcmp(name, "Basic256Sha256") == 0) {
        *out = AJ_UA_POLICY_BASIC256SHA256;
        return true;
    }
    return false;
}

const char *aj_ua_mode_name(aj_ua_mode m) {
    switch (m) {
    case AJ_UA_MODE_NONE:
        return "None";
    case AJ_UA_MODE_SIGN:
        return "Sign";
    case AJ_UA_MODE_SIGN_ENCRYPT:
        return "SignAndEncrypt";
    }
    return "?";
}

bool aj_ua_mode_from_name(const char *name, aj_ua_mode *out) {
    static const aj_ua_mode modes[] = {AJ_UA_MODE_NONE, AJ_UA_MODE_SIGN, AJ_UA_MODE_SIGN_ENCRYPT};
    if (!name) return false;
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        if (strcmp(name, aj_ua_mode_name(modes[i])) == 0) {
            *out = modes[i];
            return true;
        }
    }
    return false;
}

bool aj_ua_mode_valid(aj_ua_policy p, aj_ua_mode m) {
    if (p == AJ_UA_POLICY_NONE) return m == AJ_UA_MODE_NONE;
    if (p == AJ_UA_POLICY_BASIC256SHA256) return m == AJ_UA_MODE_SIGN || m == AJ_UA_MODE_SIGN_ENCRYPT;
    return false;
}

size_t aj_ua_policy_nonce_len(aj_ua_policy p) {
    return p == AJ_UA_POLICY_BASIC256SHA256 ? AJ_UA_NONCE_LEN : 0;
}

aj_err aj_ua_random(uint8_t *out, size_t n) {
    if (n == 0) return AJ_OK;
    if (n > INT_MAX) return AJ_EINVAL;
    return RAND_bytes(out, (int)n) == 1 ? AJ_OK : AJ_EINTERNAL;
}

/* ---- P_SHA256 and key derivation ------------------------------------------------------------ */

/* HMAC-SHA256(key, a || b) into out[32] through a context made for the key. */
static bool hmac2(EVP_MAC_CTX *tmpl, const uint8_t *a, size_t alen, const uint8_t *b, size_t blen,
                  uint8_t out[32]) {
    EVP_MAC_CTX *c = EVP_MAC_CTX_dup(tmpl);
    size_t n = 0;
    bool ok = c && EVP_MAC_init(c, NULL, 0, NULL) == 1 && EVP_MAC_update(c, a, alen) == 1 &&
              (blen == 0 || EVP_MAC_update(c, b, blen) == 1) && EVP_MAC_final(c, out, &n, 32) == 1 && n == 32;
    EVP_MAC_CTX_free(c);
    return ok;
}

aj_err aj_ua_p_sha256(const uint8_t *secret, size_t secret_len, const uint8_t *seed, size_t seed_len,
                      uint8_t *out, size_t out_len) {
    if (secret_len > P_SHA256_LEN_MAX || seed_len > P_SHA256_LEN_MAX || out_len > P_SHA256_LEN_MAX)
        return AJ_EINVAL;
    static const uint8_t empty[1] = {0};
    if (secret_len == 0) secret = empty;
    if (seed_len == 0) seed = empty;
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_MAC_CTX *tmpl = mac ? EVP_MAC_CTX_new(mac) : NULL;
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0),
                           OSSL_PARAM_construct_end()};
    bool ok = tmpl && EVP_MAC_init(tmpl, secret, secret_len, params) == 1;
    /* A(0) = seed, A(i) = HMAC(secret, A(i-1)); output = HMAC(secret, A(1) || seed) || ... */
    uint8_t a[32], block[32];
    size_t done = 0;
    for (size_t i = 0; ok && done < out_len; i++) {
        ok = i == 0 ? hmac2(tmpl, seed, seed_len, NULL, 0, a) : hmac2(tmpl, a, sizeof a, NULL, 0, a);
        ok = ok && hmac2(tmpl, a, sizeof a, seed, seed_len, block);
        if (!ok) break;
        size_t n = out_len - done < sizeof block ? out_len - done : sizeof block;
        memcpy(out + done, block, n);
        done += n;
    }
    OPENSSL_cleanse(a, sizeof a);
    OPENSSL_cleanse(block, sizeof block);
    EVP_MAC_CTX_free(tmpl);
    EVP_MAC_free(mac);
    ERR_clear_error();
    return ok ? AJ_OK : AJ_EINTERNAL;
}

/* One direction's keys: P_SHA256(secret, seed) = signing key | encrypting key | IV. */
static aj_err derive_one(const uint8_t *secret, size_t slen, const uint8_t *seed, size_t seedlen,
                         aj_ua_keys *k) {
    uint8_t buf[AJ_UA_SYM_KEY_LEN * 2 + AJ_UA_SYM_BLOCK_LEN];
    aj_err rc = aj_ua_p_sha256(secret, slen, seed, seedlen, buf, sizeof buf);
    if (rc == AJ_OK) {
        memcpy(k->sign, buf, AJ_UA_SYM_KEY_LEN);
        memcpy(k->enc, buf + AJ_UA_SYM_KEY_LEN, AJ_UA_SYM_KEY_LEN);
        memcpy(k->iv, buf + 2 * AJ_UA_SYM_KEY_LEN, AJ_UA_SYM_BLOCK_LEN);
        k->sign_len = AJ_UA_SYM_KEY_LEN;
        k->enc_len = AJ_UA_SYM_KEY_LEN;
        k->iv_len = AJ_UA_SYM_BLOCK_LEN;
    }
    OPENSSL_cleanse(buf, sizeof buf);
    return rc;
}

aj_err aj_ua_derive_keys(aj_ua_policy p, const uint8_t *client_nonce, size_t cn_len,
                         const uint8_t *server_nonce, size_t sn_len, aj_ua_keys *client, aj_ua_keys *server,
                         char *err, size_t errlen) {
    aj_ua_keys_clear(client);
    aj_ua_keys_clear(server);
    if (p == AJ_UA_POLICY_NONE) return AJ_OK;
    if (p != AJ_UA_POLICY_BASIC256SHA256) {
        aj_ua_sec_errf(err, errlen, "key derivation: unknown security policy %d", (int)p);
        return AJ_EINVAL;
    }
    if (cn_len < AJ_UA_NONCE_LEN || cn_len > AJ_UA_NONCE_LEN_MAX || sn_len < AJ_UA_NONCE_LEN ||
        sn_len > AJ_UA_NONCE_LEN_MAX) {
        aj_ua_sec_errf(err, errlen,
                       "key derivation: client nonce %zu bytes, server nonce %zu bytes; %s needs %d..%d",
                       cn_len, sn_len, aj_ua_policy_name(p), AJ_UA_NONCE_LEN, AJ_UA_NONCE_LEN_MAX);
        return AJ_EINVAL;
    }
    aj_err rc = derive_one(server_nonce, sn_len, client_nonce, cn_len, client);
    if (rc == AJ_OK) rc = derive_one(client_nonce, cn_len, server_nonce, sn_len, server);
    if (rc != AJ_OK) {
        aj_ua_keys_clear(client);
        aj_ua_keys_clear(server);
        aj_ua_sec_errf(err, errlen, "key derivation: P_SHA256 failed in OpenSSL");
    }
    return rc;
}

void aj_ua_keys_clear(aj_ua_keys *k) {
    OPENSSL_cleanse(k, sizeof *k);
}

/* ---- symmetric chunks ----------------------------------------------------------------------- */

/* Bytes of PaddingSize + Padding after plain_len plain bytes (SignAndEncrypt): the least that
 * makes plain + padding + signature a whole number of AES blocks. */
static size_t sym_pad_region(size_t plain_len) {
    size_t n = (plain_len + AJ_UA_SYM_SIGNATURE_LEN + 1) % AJ_UA_SYM_BLOCK_LEN;
    return 1 + (AJ_UA_SYM_BLOCK_LEN - n) % AJ_UA_SYM_BLOCK_LEN;
}

size_t aj_ua_sym_sealed_size(aj_ua_policy p, aj_ua_mode m, size_t hdr_len, size_t plain_len) {
    if (!aj_ua_mode_valid(p, m) || hdr_len > UINT32_MAX || plain_len > UINT32_MAX) return 0;
    size_t n = hdr_len + plain_len;
    if (m == AJ_UA_MODE_SIGN) n += AJ_UA_SYM_SIGNATURE_LEN;
    if (m == AJ_UA_MODE_SIGN_ENCRYPT) n += sym_pad_region(plain_len) + AJ_UA_SYM_SIGNATURE_LEN;
    return n;
}

size_t aj_ua_sym_max_body(aj_ua_policy p, aj_ua_mode m, size_t hdr_len, size_t chunk_size) {
    if (!aj_ua_mode_valid(p, m) || chunk_size <= hdr_len) return 0;
    size_t avail = chunk_size - hdr_len, n = 0;
    if (m == AJ_UA_MODE_NONE) n = avail;
    if (m == AJ_UA_MODE_SIGN) n = avail > AJ_UA_SYM_SIGNATURE_LEN ? avail - AJ_UA_SYM_SIGNATURE_LEN : 0;
    if (m == AJ_UA_MODE_SIGN_ENCRYPT) {
        size_t whole = avail / AJ_UA_SYM_BLOCK_LEN * AJ_UA_SYM_BLOCK_LEN;
        n = whole > AJ_UA_SYM_SIGNATURE_LEN + 1 ? whole - AJ_UA_SYM_SIGNATURE_LEN - 1 : 0;
    }
    return n >= AJ_UA_SEQ_HEADER_LEN ? n : 0;
}

/* Checks what seal and open both need: a usable pair, keys of that policy, sane lengths. */
static aj_err sym_check_args(const aj_ua_keys *k, aj_ua_policy p, aj_ua_mode m, size_t hdr_len,
                             const char *what, char *err, size_t errlen) {
    if (!aj_ua_mode_valid(p, m)) {
        aj_ua_sec_errf(err, errlen, "%s: security mode %s cannot be used with policy %s", what,
                       aj_ua_mode_name(m), aj_ua_policy_name(p));
        return AJ_EINVAL;
    }
    if (p == AJ_UA_POLICY_BASIC256SHA256 &&
        (k == NULL || k->sign_len != AJ_UA_SYM_KEY_LEN || k->enc_len != AJ_UA_SYM_KEY_LEN ||
         k->iv_len != AJ_UA_SYM_BLOCK_LEN)) {
        aj_ua_sec_errf(err, errlen, "%s: keys are not Basic256Sha256 keys (derive them first)", what);
        return AJ_EINVAL;
    }
    if (hdr_len < AJ_UA_MSG_HEADER_LEN) {
        aj_ua_sec_errf(err, errlen, "%s: headers of %zu bytes are shorter than the %d-byte message header",
                       what, hdr_len, AJ_UA_MSG_HEADER_LEN);
        return AJ_EINVAL;
    }
    return AJ_OK;
}

static bool hmac_sha256(const aj_ua_keys *k, const uint8_t *data, size_t n, uint8_t out[32]) {
    unsigned int len = 0;
    bool ok = HMAC(EVP_sha256(), k->sign, (int)k->sign_len, data, n, out, &len) != NULL && len == 32;
    ERR_clear_error();
    return ok;
}

/* AES-256-CBC without padding over p[0..n) in place (n a multiple of 16, <= INT_MAX). */
static bool aes_cbc(const aj_ua_keys *k, bool is_encrypt, uint8_t *p, size_t n) {
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int out1 = 0, out2 = 0;
    bool ok = c && EVP_CipherInit_ex(c, EVP_aes_256_cbc(), NULL, k->enc, k->iv, is_encrypt ? 1 : 0) == 1 &&
              EVP_CIPHER_CTX_set_padding(c, 0) == 1 && EVP_CipherUpdate(c, p, &out1, p, (int)n) == 1 &&
              EVP_CipherFinal_ex(c, p + out1, &out2) == 1 && (size_t)out1 + (size_t)out2 == n;
    EVP_CIPHER_CTX_free(c);
    ERR_clear_error();
    return ok;
}

aj_err aj_ua_sym_seal(const aj_ua_keys *k, aj_ua_policy p, aj_ua_mode m, uint8_t *chunk, size_t hdr_len,
                      size_t plain_len, size_t cap, size_t *out_len, char *err, size_t errlen) {
    static const char what[] = "sealing symmetric chunk";
    *out_len = 0;
    aj_err rc = sym_check_args(k, p, m, hdr_len, what, err, errlen);
    if (rc != AJ_OK) return rc;
    if (plain_len < AJ_UA_SEQ_HEADER_LEN) {
        aj_ua_sec_errf(err, errlen, "%s: %zu plain bytes do not hold the sequence header", what, plain_len);
        return AJ_EINVAL;
    }
    size_t need = aj_ua_sym_sealed_size(p, m, hdr_len, plain_len);
    if (need == 0 || need > INT_MAX || need > cap) {
        aj_ua_sec_errf(err, errlen, "%s: needs %zu bytes, the buffer holds %zu", what, need, cap);
        return AJ_ETOOBIG;
    }
    size_t end = hdr_len + plain_len; /* end of plain, then of padding */
    if (m == AJ_UA_MODE_SIGN_ENCRYPT) {
        size_t region = sym_pad_region(plain_len);
        memset(chunk + end, (int)(region - 1), region);
        end += region;
        assert((end + AJ_UA_SYM_SIGNATURE_LEN - hdr_len) % AJ_UA_SYM_BLOCK_LEN == 0);
    }
    aj_ua_sec_put_u32(chunk + 4, (uint32_t)need);
    if (m == AJ_UA_MODE_NONE) {
        *out_len = need;
        return AJ_OK;
    }
    if (!hmac_sha256(k, chunk, end, chunk + end)) return aj_ua_sec_ossl_fail(err, errlen, "HMAC-SHA256");
    if (m == AJ_UA_MODE_SIGN_ENCRYPT && !aes_cbc(k, true, chunk + hdr_len, need - hdr_len))
        return aj_ua_sec_ossl_fail(err, errlen, "AES-256-CBC encryption");
    *out_len = need;
    return AJ_OK;
}

aj_err aj_ua_sec_check_size(const uint8_t *chunk, size_t len, size_t hdr_len, const char *what, char *err,
                            size_t errlen) {
    if (len < AJ_UA_MSG_HEADER_LEN) {
        aj_ua_sec_errf(err, errlen, "%s: %zu bytes are shorter than the %d-byte message header", what, len,
                       AJ_UA_MSG_HEADER_LEN);
        return AJ_EINVAL;
    }
    uint32_t size = aj_ua_sec_get_u32(chunk + 4);
    if (size != len) {
        aj_ua_sec_errf(err, errlen, "%s: MessageSize says %u bytes, the chunk has %zu", what, size, len);
        return AJ_EINVAL;
    }
    if (len > INT_MAX) {
        aj_ua_sec_errf(err, errlen, "%s: %zu bytes is too long", what, len);
        return AJ_ETOOBIG;
    }
    if (hdr_len > len) {
        aj_ua_sec_errf(err, errlen, "%s: headers of %zu bytes exceed the %zu-byte chunk", what, hdr_len, len);
        return AJ_EINVAL;
    }
    return AJ_OK;
}

aj_err aj_ua_sym_open(const aj_ua_keys *k, aj_ua_policy p, aj_ua_mode m, uint8_t *chunk, size_t len,
                      size_t hdr_len, size_t *plain_off, size_t *plain_len, char *err, size_t errlen) {
    static const char what[] = "symmetric chunk";
    *plain_off = 0;
    *plain_len = 0;
    aj_err rc = sym_check_args(k, p, m, hdr_len, what, err, errlen);
    if (rc == AJ_OK) rc = aj_ua_sec_check_size(chunk, len, hdr_len, what, err, errlen);
    if (rc != AJ_OK) return rc;
    size_t body = len - hdr_len; /* everything after the headers */
    size_t trailer = m == AJ_UA_MODE_NONE ? 0 : AJ_UA_SYM_SIGNATURE_LEN;
    size_t least = AJ_UA_SEQ_HEADER_LEN + trailer + (m == AJ_UA_MODE_SIGN_ENCRYPT ? 1 : 0);
    if (body < least) {
        aj_ua_sec_errf(err, errlen, "%s: %zu bytes after the headers, %s needs at least %zu", what, body,
                       aj_ua_mode_name(m), least);
        return AJ_EINVAL;
    }
    if (m == AJ_UA_MODE_SIGN_ENCRYPT) {
        if (body % AJ_UA_SYM_BLOCK_LEN != 0) {
            aj_ua_sec_errf(err, errlen, "%s: %zu encrypted bytes are not a whole number of %d-byte blocks",
                           what, body, AJ_UA_SYM_BLOCK_LEN);
            return AJ_EINVAL;
        }
        if (!aes_cbc(k, false, chunk + hdr_len, body))
            return aj_ua_sec_ossl_fail(err, errlen, "AES-256-CBC decryption");
    }
    if (m != AJ_UA_MODE_NONE) {
        uint8_t mac[32];
        if (!hmac_sha256(k, chunk, len - trailer, mac))
            return aj_ua_sec_ossl_fail(err, errlen, "HMAC-SHA256");
        bool is_same = CRYPTO_memcmp(mac, chunk + len - trailer, trailer) == 0;
        OPENSSL_cleanse(mac, sizeof mac);
        if (!is_same) {
            aj_ua_sec_errf(err, errlen,
                           "%s: HMAC-SHA256 signature does not match (wrong keys or altered chunk)", what);
            return AJ_EINVAL;
        }
    }
    size_t region = 0; /* PaddingSize byte + padding */
    if (m == AJ_UA_MODE_SIGN_ENCRYPT) {
        size_t pad_end = len - trailer;
        uint8_t pad = chunk[pad_end - 1];
        region = (size_t)pad + 1;
        if (region > body - trailer - AJ_UA_SEQ_HEADER_LEN) {
            aj_ua_sec_errf(err, errlen, "%s: PaddingSize %u leaves no room for the sequence header", what,
                           pad);
            return AJ_EINVAL;
        }
        for (size_t i = 0; i < region; i++) {
            if (chunk[pad_end - region + i] != pad) {
                aj_ua_sec_errf(err, errlen, "%s: padding byte %zu of %zu is 0x%02x, expected 0x%02x", what,
                               i + 1, region, chunk[pad_end - region + i], pad);
                return AJ_EINVAL;
            }
        }
    }
    *plain_off = hdr_len;
    *plain_len = body - trailer - region;
    return AJ_OK;
}
