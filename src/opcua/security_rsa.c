/* security_rsa.c — the asymmetric (RSA) half of OPC UA security: OPN chunks (OPC 10000-6
 * §6.7.2, §6.7.4), the CreateSession/ActivateSession signatures and the encrypted password
 * (OPC 10000-4 §7.36.2.2). The API and the chunk layout are in security.h.
 *
 * OPN chunk under Basic256Sha256 (Sign and SignAndEncrypt alike):
 *
 *   | headers | plain | PaddingSize, Padding [, ExtraPaddingSize] | signature (sender key) |
 *             \_______ whole plain blocks of (receiver key bytes - 42), RSA-OAEP-SHA1 ________/
 *                     each becomes one block of receiver key bytes
 *
 * Sealing in place: padding, MessageSize (the final, encrypted size), signature, then the
 * blocks are encrypted from the last to the first: cipher block i lands at or after the end
 * of plain block i, so it only overwrites plain text already encrypted; each plain block is
 * copied aside first because its own cipher block overlaps it. Opening decrypts from the
 * first block to the last for the same reason, into a block buffer on the stack.
 *
 * The peer's certificate is parsed on every call (OPN chunks are rare: one per token).
 */
#include "opcua/security.h"

#include "base/limits.h"
#include "opcua/pki.h"
#include "opcua/security_int.h"

#include <assert.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/rsa.h>

#define RSA_BYTES_MAX (AJ_UA_RSA_BITS_MAX / 8)

/* Sizes of one OPN chunk: signature by the sender's key, blocks by the receiver's. */
typedef struct asym_layout {
    size_t sig_len; /* sender's key bytes */
    size_t ctb;     /* cipher block: receiver's key bytes */
    size_t ptb;     /* plain block: ctb - 42 */
    size_t extra;   /* 1 when the receiver's key is longer than 2048 bits (ExtraPaddingSize) */
} asym_layout;

static asym_layout layout_of(EVP_PKEY *sender, EVP_PKEY *receiver) {
    asym_layout l;
    l.sig_len = (size_t)EVP_PKEY_get_size(sender);
    l.ctb = (size_t)EVP_PKEY_get_size(receiver);
    l.ptb = l.ctb - AJ_UA_OAEP_SHA1_OVERHEAD;
    l.extra = l.ctb > 256 ? 1 : 0;
    assert(l.ctb > AJ_UA_OAEP_SHA1_OVERHEAD && l.ctb <= RSA_BYTES_MAX && l.sig_len <= RSA_BYTES_MAX);
    return l;
}

/* PaddingSize byte + padding + ExtraPaddingSize byte after plain_len bytes: the least that
 * makes plain + padding + signature a whole number of plain blocks. */
static size_t pad_region(const asym_layout *l, size_t plain_len) {
    size_t n = (plain_len + l->sig_len + 1 + l->extra) % l->ptb;
    return 1 + (l->ptb - n) % l->ptb + l->extra;
}

static size_t sealed_len(const asym_layout *l, size_t hdr_len, size_t plain_len) {
    size_t padded = plain_len + pad_region(l, plain_len) + l->sig_len;
    return hdr_len + padded / l->ptb * l->ctb;
}

/* The peer's key and the layout for sealing to it (we sign, the peer decrypts). */
static aj_err seal_layout(const aj_ua_pki *pki, const uint8_t *peer_der, size_t peer_len, EVP_PKEY **peer,
                          asym_layout *l, char *err, size_t errlen) {
    if (!pki) {
        aj_ua_sec_errf(err, errlen, "OPN chunk: Basic256Sha256 needs our certificate and key (no PKI given)");
        return AJ_EINVAL;
    }
    aj_err rc = aj_ua_cert_rsa_key(peer_der, peer_len, "server certificate", peer, err, errlen);
    if (rc == AJ_OK) *l = layout_of(aj_ua_pki_key(pki), *peer);
    return rc;
}

size_t aj_ua_asym_max_body(aj_ua_policy p, aj_ua_mode m, const aj_ua_pki *pki, const uint8_t *peer_der,
                           size_t peer_len, size_t hdr_len, size_t chunk_size) {
    if (!aj_ua_mode_valid(p, m) || chunk_size <= hdr_len) return 0;
    if (p == AJ_UA_POLICY_NONE)
        return chunk_size - hdr_len >= AJ_UA_SEQ_HEADER_LEN ? chunk_size - hdr_len : 0;
    EVP_PKEY *peer = NULL;
    asym_layout l;
    if (seal_layout(pki, peer_der, peer_len, &peer, &l, NULL, 0) != AJ_OK) return 0;
    EVP_PKEY_free(peer);
    size_t whole = (chunk_size - hdr_len) / l.ctb * l.ptb, trailer = l.sig_len + 1 + l.extra;
    return whole >= trailer + AJ_UA_SEQ_HEADER_LEN ? whole - trailer : 0;
}

size_t aj_ua_asym_sealed_size(aj_ua_policy p, aj_ua_mode m, const aj_ua_pki *pki, const uint8_t *peer_der,
                              size_t peer_len, size_t hdr_len, size_t plain_len) {
    if (!aj_ua_mode_valid(p, m) || hdr_len > UINT32_MAX || plain_len > UINT32_MAX) return 0;
    if (p == AJ_UA_POLICY_NONE) return hdr_len + plain_len;
    EVP_PKEY *peer = NULL;
    asym_layout l;
    if (seal_layout(pki, peer_der, peer_len, &peer, &l, NULL, 0) != AJ_OK) return 0;
    EVP_PKEY_free(peer);
    return sealed_len(&l, hdr_len, plain_len);
}

/* RSA-OAEP-SHA1 context for key (encrypting or decrypting); NULL when OpenSSL fails. */
static EVP_PKEY_CTX *oaep_ctx(EVP_PKEY *key, bool is_encrypt) {
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(key, NULL);
    bool ok = c && (is_encrypt ? EVP_PKEY_encrypt_init(c) : EVP_PKEY_decrypt_init(c)) == 1 &&
              EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_OAEP_PADDING) == 1 &&
              EVP_PKEY_CTX_set_rsa_oaep_md(c, EVP_sha1()) == 1 &&
              EVP_PKEY_CTX_set_rsa_mgf1_md(c, EVP_sha1()) == 1;
    if (!ok) {
        EVP_PKEY_CTX_free(c);
        return NULL;
    }
    return c;
}

/* RSA PKCS#1 v1.5 SHA-256 signature of a || b with key into sig (sig_len bytes exactly). */
static bool rsa_sign2(EVP_PKEY *key, const uint8_t *a, size_t alen, const uint8_t *b, size_t blen,
                      uint8_t *sig, size_t sig_len) {
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    size_t n = sig_len;
    bool ok = c && EVP_DigestSignInit(c, NULL, EVP_sha256(), NULL, key) == 1 &&
              EVP_DigestSignUpdate(c, a, alen) == 1 && (blen == 0 || EVP_DigestSignUpdate(c, b, blen) == 1) &&
              EVP_DigestSignFinal(c, sig, &n) == 1 && n == sig_len;
    EVP_MD_CTX_free(c);
    return ok;
}

/* Whether sig is key's RSA PKCS#1 v1.5 SHA-256 signature of a || b. */
static bool rsa_verify2(EVP_PKEY *key, const uint8_t *a, size_t alen, const uint8_t *b, size_t blen,
                        const uint8_t *sig, size_t sig_len) {
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    bool ok = c && EVP_DigestVerifyInit(c, NULL, EVP_sha256(), NULL, key) == 1 &&
              EVP_DigestVerifyUpdate(c, a, alen) == 1 &&
              (blen == 0 || EVP_DigestVerifyUpdate(c, b, blen) == 1) &&
              EVP_DigestVerifyFinal(c, sig, sig_len) == 1;
    EVP_MD_CTX_free(c);
    ERR_clear_error();
    return ok;
}

/* Encrypts the nb plain blocks at chunk + hdr_len in place, last block first (see top). */
static bool encrypt_blocks(EVP_PKEY *peer, const asym_layout *l, uint8_t *chunk, size_t hdr_len, size_t nb) {
    EVP_PKEY_CTX *c = oaep_ctx(peer, true);
    uint8_t block[RSA_BYTES_MAX];
    bool ok = c != NULL;
    for (size_t i = nb; ok && i-- > 0;) {
        memcpy(block, chunk + hdr_len + i * l->ptb, l->ptb);
        size_t n = l->ctb;
        ok = EVP_PKEY_encrypt(c, chunk + hdr_len + i * l->ctb, &n, block, l->ptb) == 1 && n == l->ctb;
    }
    OPENSSL_cleanse(block, sizeof block);
    EVP_PKEY_CTX_free(c);
    return ok;
}

aj_err aj_ua_asym_seal(const aj_ua_pki *pki, const uint8_t *peer_der, size_t peer_len, aj_ua_policy p,
                       aj_ua_mode m, uint8_t *chunk, size_t hdr_len, size_t plain_len, size_t cap,
                       size_t *out_len, char *err, size_t errlen) {
    static const char what[] = "sealing OPN chunk";
    *out_len = 0;
    if (!aj_ua_mode_valid(p, m)) {
        aj_ua_sec_errf(err, errlen, "%s: security mode %s cannot be used with policy %s", what,
                       aj_ua_mode_name(m), aj_ua_policy_name(p));
        return AJ_EINVAL;
    }
    if (hdr_len < AJ_UA_MSG_HEADER_LEN || plain_len < AJ_UA_SEQ_HEADER_LEN) {
        aj_ua_sec_errf(err, errlen, "%s: headers of %zu bytes (12 at least) and %zu plain bytes (8 at least)",
                       what, hdr_len, plain_len);
        return AJ_EINVAL;
    }
    if (hdr_len > UINT32_MAX || plain_len > UINT32_MAX) {
        aj_ua_sec_errf(err, errlen, "%s: too long", what);
        return AJ_ETOOBIG;
    }
    EVP_PKEY *peer = NULL;
    asym_layout l = {0, 1, 1, 0};
    if (p == AJ_UA_POLICY_BASIC256SHA256) {
        aj_err rc = seal_layout(pki, peer_der, peer_len, &peer, &l, err, errlen);
        if (rc != AJ_OK) return rc;
    }
    size_t need = p == AJ_UA_POLICY_NONE ? hdr_len + plain_len : sealed_len(&l, hdr_len, plain_len);
    if (need > cap || need > INT_MAX) {
        EVP_PKEY_free(peer);
        aj_ua_sec_errf(err, errlen, "%s: needs %zu bytes, the buffer holds %zu", what, need, cap);
        return AJ_ETOOBIG;
    }
    aj_ua_sec_put_u32(chunk + 4, (uint32_t)need);
    if (p == AJ_UA_POLICY_NONE) {
        *out_len = need;
        return AJ_OK;
    }
    size_t end = hdr_len + plain_len, region = pad_region(&l, plain_len);
    size_t padding = region - 1 - l.extra; /* the value written: PaddingSize + 256 * Extra */
    memset(chunk + end, (int)(padding & 0xff), 1 + padding);
    if (l.extra) chunk[end + 1 + padding] = (uint8_t)(padding >> 8);
    end += region;
    assert((end + l.sig_len - hdr_len) % l.ptb == 0 &&
           hdr_len + (end + l.sig_len - hdr_len) / l.ptb * l.ctb == need);
    assert(l.extra ? padding < 65536 : padding < 256);
    aj_err rc = AJ_OK;
    if (!rsa_sign2(aj_ua_pki_key(pki), chunk, end, NULL, 0, chunk + end, l.sig_len)) {
        rc = aj_ua_sec_ossl_fail(err, errlen, "OPN chunk signature (RSA-SHA256)");
    } else if (!encrypt_blocks(peer, &l, chunk, hdr_len, (end + l.sig_len - hdr_len) / l.ptb)) {
        rc = aj_ua_sec_ossl_fail(err, errlen, "OPN chunk encryption (RSA-OAEP-SHA1)");
    }
    EVP_PKEY_free(peer);
    if (rc == AJ_OK) *out_len = need;
    return rc;
}

/* Decrypts the nb cipher blocks at chunk + hdr_len in place, first block first. */
static aj_err decrypt_blocks(EVP_PKEY *own, const asym_layout *l, uint8_t *chunk, size_t hdr_len, size_t nb,
                             char *err, size_t errlen) {
    EVP_PKEY_CTX *c = oaep_ctx(own, false);
    if (!c) return aj_ua_sec_ossl_fail(err, errlen, "OPN chunk: RSA-OAEP-SHA1 set-up");
    uint8_t block[RSA_BYTES_MAX];
    aj_err rc = AJ_OK;
    for (size_t i = 0; rc == AJ_OK && i < nb; i++) {
        size_t n = sizeof block;
        if (EVP_PKEY_decrypt(c, block, &n, chunk + hdr_len + i * l->ctb, l->ctb) != 1) {
            ERR_clear_error();
            aj_ua_sec_errf(
                err, errlen,
                "OPN chunk: block %zu of %zu does not decrypt with our private key (RSA-OAEP-SHA1; "
                "encrypted for another certificate?)",
                i + 1, nb);
            rc = AJ_EINVAL;
        } else if (n != l->ptb) {
            aj_ua_sec_errf(err, errlen, "OPN chunk: block %zu of %zu holds %zu plain bytes, expected %zu",
                           i + 1, nb, n, l->ptb);
            rc = AJ_EINVAL;
        } else {
            memcpy(chunk + hdr_len + i * l->ptb, block, n);
        }
    }
    OPENSSL_cleanse(block, sizeof block);
    EVP_PKEY_CTX_free(c);
    return rc;
}

/* Checks the padding that ends at pad_end (signature verified) and sets its length. */
static aj_err check_padding(const asym_layout *l, const uint8_t *chunk, size_t pad_end, size_t room,
                            size_t *region, char *err, size_t errlen) {
    uint8_t lo = chunk[pad_end - 1 - l->extra];
    size_t padding = lo + (l->extra ? (size_t)chunk[pad_end - 1] * 256 : 0);
    *region = 1 + padding + l->extra;
    if (*region > room) {
        aj_ua_sec_errf(err, errlen, "OPN chunk: padding of %zu bytes leaves no room for the sequence header",
                       padding);
        return AJ_EINVAL;
    }
    const uint8_t *p = chunk + pad_end - *region;
    for (size_t i = 0; i <= padding; i++) {
        if (p[i] != lo) {
            aj_ua_sec_errf(err, errlen, "OPN chunk: padding byte %zu of %zu is 0x%02x, expected 0x%02x",
                           i + 1, padding + 1, p[i], lo);
            return AJ_EINVAL;
        }
    }
    return AJ_OK;
}

aj_err aj_ua_asym_open(const aj_ua_pki *pki, const uint8_t *sender_der, size_t sender_len, aj_ua_policy p,
                       aj_ua_mode m, uint8_t *chunk, size_t len, size_t hdr_len, size_t *plain_off,
                       size_t *plain_len, char *err, size_t errlen) {
    static const char what[] = "OPN chunk";
    *plain_off = 0;
    *plain_len = 0;
    if (!aj_ua_mode_valid(p, m)) {
        aj_ua_sec_errf(err, errlen, "%s: security mode %s cannot be used with policy %s", what,
                       aj_ua_mode_name(m), aj_ua_policy_name(p));
        return AJ_EINVAL;
    }
    if (hdr_len < AJ_UA_MSG_HEADER_LEN) {
        aj_ua_sec_errf(err, errlen, "%s: headers of %zu bytes are shorter than the 12-byte message header",
                       what, hdr_len);
        return AJ_EINVAL;
    }
    aj_err rc = aj_ua_sec_check_size(chunk, len, hdr_len, what, err, errlen);
    if (rc != AJ_OK) return rc;
    size_t body = len - hdr_len;
    if (p == AJ_UA_POLICY_NONE) {
        if (body < AJ_UA_SEQ_HEADER_LEN) {
            aj_ua_sec_errf(err, errlen, "%s: %zu bytes after the headers do not hold the sequence header",
                           what, body);
            return AJ_EINVAL;
        }
        *plain_off = hdr_len;
        *plain_len = body;
        return AJ_OK;
    }
    if (!pki) {
        aj_ua_sec_errf(err, errlen, "%s: Basic256Sha256 needs our certificate and key (no PKI given)", what);
        return AJ_EINVAL;
    }
    EVP_PKEY *sender = NULL;
    rc = aj_ua_cert_rsa_key(sender_der, sender_len, "sender certificate", &sender, err, errlen);
    if (rc != AJ_OK) return rc;
    asym_layout l = layout_of(sender, aj_ua_pki_key(pki));
    size_t nb = body / l.ctb;
    if (body == 0 || body % l.ctb != 0) {
        aj_ua_sec_errf(err, errlen, "%s: %zu encrypted bytes are not a whole number of %zu-byte RSA blocks",
                       what, body, l.ctb);
        rc = AJ_EINVAL;
    } else if (nb > AJ_UA_ASYM_BLOCKS_MAX) {
        aj_ua_sec_errf(err, errlen, "%s: %zu RSA blocks, at most %d are decrypted", what, nb,
                       AJ_UA_ASYM_BLOCKS_MAX);
        rc = AJ_ETOOBIG;
    } else if (nb * l.ptb < l.sig_len + 1 + l.extra + AJ_UA_SEQ_HEADER_LEN) {
        aj_ua_sec_errf(err, errlen,
                       "%s: %zu plain bytes cannot hold a sequence header, padding and a %zu-byte signature",
                       what, nb * l.ptb, l.sig_len);
        rc = AJ_EINVAL;
    }
    if (rc == AJ_OK) rc = decrypt_blocks(aj_ua_pki_key(pki), &l, chunk, hdr_len, nb, err, errlen);
    size_t sig_at = hdr_len + nb * l.ptb - l.sig_len, region = 0;
    if (rc == AJ_OK && !rsa_verify2(sender, chunk, sig_at, NULL, 0, chunk + sig_at, l.sig_len)) {
        aj_ua_sec_errf(err, errlen,
                       "%s: RSA-SHA256 signature does not verify with the sender certificate's key", what);
        rc = AJ_EINVAL;
    }
    EVP_PKEY_free(sender);
    if (rc == AJ_OK)
        rc = check_padding(&l, chunk, sig_at, sig_at - hdr_len - AJ_UA_SEQ_HEADER_LEN, &region, err, errlen);
    if (rc != AJ_OK) return rc;
    *plain_off = hdr_len;
    *plain_len = sig_at - hdr_len - region;
    return AJ_OK;
}

/* ---- session-level crypto ------------------------------------------------------------------- */

aj_err aj_ua_sign_data(const aj_ua_pki *pki, const uint8_t *a, size_t alen, const uint8_t *b, size_t blen,
                       uint8_t **sig, size_t *sig_len, char *err, size_t errlen) {
    *sig = NULL;
    *sig_len = 0;
    size_t n = aj_ua_pki_own_key_bytes(pki);
    uint8_t *s = malloc(n);
    if (!s) return AJ_ENOMEM;
    if (!rsa_sign2(aj_ua_pki_key(pki), a, alen, b, blen, s, n)) {
        free(s);
        return aj_ua_sec_ossl_fail(err, errlen, "signing (RSA-SHA256)");
    }
    *sig = s;
    *sig_len = n;
    return AJ_OK;
}

aj_err aj_ua_verify_data(const uint8_t *peer_der, size_t peer_len, const uint8_t *a, size_t alen,
                         const uint8_t *b, size_t blen, const uint8_t *sig, size_t sig_len, char *err,
                         size_t errlen) {
    EVP_PKEY *peer = NULL;
    aj_err rc = aj_ua_cert_rsa_key(peer_der, peer_len, "server certificate", &peer, err, errlen);
    if (rc != AJ_OK) return rc;
    size_t want = (size_t)EVP_PKEY_get_size(peer);
    if (sig_len != want) {
        aj_ua_sec_errf(err, errlen, "signature of %zu bytes, the server's key makes %zu-byte signatures",
                       sig_len, want);
        rc = AJ_EINVAL;
    } else if (!rsa_verify2(peer, a, alen, b, blen, sig, sig_len)) {
        aj_ua_sec_errf(err, errlen, "RSA-SHA256 signature does not verify with the server certificate's key");
        rc = AJ_EINVAL;
    }
    EVP_PKEY_free(peer);
    return rc;
}

aj_err aj_ua_encrypt_secret(const uint8_t *peer_der, size_t peer_len, const uint8_t *secret, size_t slen,
                            const uint8_t *server_nonce, size_t nlen, uint8_t **out, size_t *out_len,
                            char *err, size_t errlen) {
    *out = NULL;
    *out_len = 0;
    if (slen > AJ_UA_SECRET_LEN_MAX || nlen < AJ_UA_NONCE_LEN || nlen > AJ_UA_NONCE_LEN_MAX) {
        aj_ua_sec_errf(err, errlen, "secret of %zu bytes (at most %d) with a nonce of %zu bytes (%d..%d)",
                       slen, AJ_UA_SECRET_LEN_MAX, nlen, AJ_UA_NONCE_LEN, AJ_UA_NONCE_LEN_MAX);
        return AJ_EINVAL;
    }
    EVP_PKEY *peer = NULL;
    aj_err rc = aj_ua_cert_rsa_key(peer_der, peer_len, "server certificate", &peer, err, errlen);
    if (rc != AJ_OK) return rc;
    size_t ctb = (size_t)EVP_PKEY_get_size(peer), ptb = ctb - AJ_UA_OAEP_SHA1_OVERHEAD;
    size_t plain = 4 + slen + nlen, nb = (plain + ptb - 1) / ptb;
    uint8_t *buf = malloc(plain), *enc = malloc(nb * ctb);
    EVP_PKEY_CTX *c = buf && enc ? oaep_ctx(peer, true) : NULL;
    if (!buf || !enc) {
        rc = AJ_ENOMEM;
    } else if (!c) {
        rc = aj_ua_sec_ossl_fail(err, errlen, "RSA-OAEP-SHA1 set-up");
    } else {
        aj_ua_sec_put_u32(buf, (uint32_t)(slen + nlen));
        if (slen) memcpy(buf + 4, secret, slen);
        memcpy(buf + 4 + slen, server_nonce, nlen);
        for (size_t i = 0; rc == AJ_OK && i < nb; i++) {
            size_t in = plain - i * ptb < ptb ? plain - i * ptb : ptb, n = ctb;
            if (EVP_PKEY_encrypt(c, enc + i * ctb, &n, buf + i * ptb, in) != 1 || n != ctb)
                rc = aj_ua_sec_ossl_fail(err, errlen, "encrypting the secret (RSA-OAEP-SHA1)");
        }
    }
    if (buf) OPENSSL_cleanse(buf, plain);
    free(buf);
    EVP_PKEY_CTX_free(c);
    EVP_PKEY_free(peer);
    if (rc != AJ_OK) {
        free(enc);
        return rc;
    }
    *out = enc;
    *out_len = nb * ctb;
    return AJ_OK;
}
