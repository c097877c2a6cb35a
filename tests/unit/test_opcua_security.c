/* test_opcua_security.c — OPC UA message security (src/opcua/security.c, security_rsa.c).
 *
 * 1. Policies and modes: URIs, names, valid pairs.
 * 2. P_SHA256 against vectors made by node-opcua-crypto (tests/unit/data/
 *    opcua_security_vectors.mjs, pasted below) and against OpenSSL's TLS1-PRF (TLS 1.2 PRF
 *    with SHA-256 and an empty label is P_SHA256) for many random lengths; key derivation for
 *    a fixed nonce pair against node-opcua's derived keys.
 * 3. Symmetric chunks: seal/open round trips for every plain length over several blocks in
 *    Sign and SignAndEncrypt, every byte of every sealed chunk flipped in turn must be
 *    refused, wrong keys refused, the MaxBodySize of every chunk size agrees with the sealed
 *    size, each refusal has its precise message (also padding errors in chunks whose HMAC is
 *    right).
 * 4. Asymmetric chunks with the keys in tests/unit/data (RSA 2048, 4096, 2048, 3072): round
 *    trips at every padding length for receivers of 2048 bits (no ExtraPaddingSize), 3072
 *    and 4096 bits (with it), signatures of 2048/3072/4096 bits; tampering, wrong keys and
 *    certificates, block limits.
 * 5. Cross checks with node-opcua (tests/unit/data/opcua_security_cross.txt): its chunks
 *    opened by us; our chunks byte-identical to its (symmetric) or, decrypted, identical to
 *    its chunk before encryption (asymmetric: OAEP is randomised); our non-final chunks as
 *    full as its; CreateSession signatures identical. With AJ_UA_SEC_EXPORT=<file> set, our
 *    sealed chunks are written there for `opcua_security_vectors.mjs --check <file>`, which
 *    opens them with node-opcua's MessageBuilder.
 * 6. Session crypto: sign/verify data, the encrypted password (decrypted here with OpenSSL),
 *    nonces.
 * 7. The fuzz corpus (tests/fuzz/corpus/opcua_security) replayed through the harness logic.
 */
#include "opcua/pki.h"
#include "opcua/security.h"

#include "base/fileread.h"
#include "base/limits.h"
#include "support/helpers.h"

#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

/* ---- vectors made by node-opcua-crypto (opcua_security_vectors.mjs) ------------------------- */

/* Made by tests/unit/data/opcua_security_vectors.mjs (node-opcua-crypto makePseudoRandomBuffer). */
/* PRF1: secret 00..1f, seed 20..3f, 80 bytes */
static const uint8_t PRF1_OUT[80] = {
    0xb7, 0x25, 0x93, 0xc4, 0x3f, 0xee, 0x5f, 0xaf, 0xa0, 0x25, 0x6c, 0xd6, 0xbb, 0x90, 0x4f, 0xf4,
    0x0c, 0x06, 0x6a, 0x22, 0x5d, 0xb9, 0x5f, 0x66, 0xdd, 0x74, 0x4e, 0x20, 0x85, 0x8a, 0x22, 0x20,
    0xdd, 0xf7, 0x50, 0x67, 0xe3, 0xd7, 0x6a, 0xc7, 0x14, 0xc0, 0x8e, 0x24, 0xea, 0xbd, 0x85, 0xff,
    0x42, 0x5d, 0x7f, 0x5f, 0xb2, 0x5e, 0x6e, 0x08, 0x3b, 0x94, 0xb1, 0x74, 0xe2, 0x9d, 0xb8, 0x9b,
    0xc5, 0x13, 0xe9, 0x17, 0x22, 0x74, 0xd5, 0xed, 0x54, 0xe5, 0x2a, 0x35, 0x52, 0x90, 0x1a, 0xe0,
};
/* PRF2: secret "secret", seed "seed", 100 bytes */
static const uint8_t PRF2_OUT[100] = {
    0x8e, 0x4d, 0x93, 0x25, 0x30, 0xd7, 0x65, 0xa0, 0xaa, 0xe9, 0x74, 0xc3, 0x04, 0x73, 0x5e, 0xcc, 0x12,
    0x02, 0xa8, 0x19, 0xf8, 0x0a, 0xdb, 0xd5, 0xad, 0x09, 0xc1, 0xa3, 0x4f, 0xc0, 0x69, 0x18, 0xe3, 0xd0,
    0x77, 0x95, 0x21, 0x4d, 0x94, 0xc6, 0xa1, 0x97, 0x6c, 0xae, 0xa5, 0xa0, 0xb6, 0x44, 0xc5, 0xb0, 0x4d,
    0x1a, 0xd3, 0xe0, 0x9c, 0x61, 0x11, 0xc3, 0x7a, 0xfc, 0x00, 0xdf, 0x0b, 0x6d, 0x13, 0x42, 0x79, 0xf9,
    0x73, 0x81, 0x33, 0x59, 0xad, 0x8b, 0xe5, 0x96, 0x25, 0xd3, 0xba, 0x60, 0xe3, 0x8a, 0xd6, 0xd9, 0x3a,
    0x83, 0x15, 0x52, 0x5a, 0x6c, 0x6e, 0x5d, 0xb1, 0x41, 0x53, 0x72, 0x73, 0x2e, 0x0b, 0x54,
};
/* PRF3: secret 40..7f, seed 90..94, 1 byte */
static const uint8_t PRF3_OUT[1] = {
    0x23,
};
/* PRF4: secret 55, seed 01..64, 64 bytes */
static const uint8_t PRF4_OUT[64] = {
    0xa3, 0xd2, 0x31, 0x15, 0x42, 0x89, 0xe6, 0x73, 0x1e, 0x68, 0x64, 0x41, 0x03, 0x27, 0x7e, 0x6a,
    0x58, 0xd3, 0x56, 0x28, 0x56, 0xaf, 0xcc, 0xef, 0xe0, 0x3c, 0xd6, 0x68, 0xa8, 0x61, 0x36, 0x12,
    0xe8, 0x4e, 0x80, 0xab, 0xd8, 0x68, 0x29, 0x8a, 0xb3, 0x09, 0xfa, 0x80, 0xe0, 0x77, 0xdc, 0xe3,
    0xe7, 0x3f, 0xea, 0xbe, 0xcd, 0x22, 0xe5, 0x74, 0xd9, 0xc7, 0x07, 0xf5, 0xf1, 0x14, 0x76, 0xc9,
};
/* computeDerivedKeys(Basic256Sha256, serverNonce a0..bf, clientNonce 10..2f) */
static const uint8_t CLIENT_SIGN[32] = {
    0x06, 0xab, 0x55, 0x87, 0x9c, 0x12, 0xe8, 0xea, 0xdc, 0x5d, 0xda, 0x29, 0x96, 0xe5, 0x77, 0xe4,
    0x36, 0x7d, 0x5f, 0x20, 0x43, 0x92, 0xb2, 0x59, 0xf4, 0x1c, 0x1a, 0xf8, 0x82, 0xd0, 0xb6, 0xa6,
};
static const uint8_t CLIENT_ENC[32] = {
    0x2c, 0x78, 0x85, 0x17, 0xe6, 0xc4, 0x2c, 0x29, 0xea, 0x0c, 0x37, 0x66, 0x32, 0x5b, 0x49, 0x5b,
    0x1c, 0x50, 0x36, 0x65, 0xe3, 0x8d, 0x7d, 0x8e, 0x59, 0x2c, 0x00, 0x3c, 0x82, 0x8a, 0xb9, 0x69,
};
static const uint8_t CLIENT_IV[16] = {
    0x86, 0xe3, 0x07, 0x2b, 0xbd, 0x08, 0x4b, 0x23, 0x6f, 0xd3, 0xca, 0xdf, 0x1a, 0x83, 0x45, 0x13,
};
static const uint8_t SERVER_SIGN[32] = {
    0x0a, 0x1d, 0xee, 0x9e, 0x6b, 0xe2, 0xae, 0x21, 0xd5, 0x63, 0x58, 0x76, 0xa4, 0x5d, 0x39, 0x01,
    0xa1, 0x4d, 0x87, 0xba, 0x4f, 0x14, 0xc0, 0x4f, 0x3d, 0xe1, 0x4f, 0x44, 0xfc, 0xc4, 0x30, 0xf0,
};
static const uint8_t SERVER_ENC[32] = {
    0xee, 0x97, 0x7c, 0x6a, 0xbc, 0x63, 0xc2, 0x1d, 0xc5, 0xc4, 0xbe, 0x14, 0xd6, 0x36, 0xa5, 0xb8,
    0x8f, 0xfb, 0x53, 0x8f, 0x89, 0x99, 0x87, 0x6b, 0x68, 0x75, 0x79, 0x88, 0x63, 0xaa, 0xd0, 0x39,
};
static const uint8_t SERVER_IV[16] = {
    0x65, 0x84, 0xf3, 0x24, 0xf3, 0x62, 0xaa, 0x2d, 0xa1, 0x76, 0x51, 0x12, 0x58, 0x4d, 0xbd, 0x56,
};

/* The nonces the derived keys and the cross vectors were made with. */
static uint8_t client_nonce[32], server_nonce[32];

static void fill_seq(uint8_t *p, size_t n, uint8_t start) {
    for (size_t i = 0; i < n; i++) p[i] = (uint8_t)(start + i);
}

/* ---- fixtures: the four test key pairs, each as an opened PKI ------------------------------- */

enum { KEY_A, KEY_B, KEY_C, KEY_D, N_KEYS }; /* RSA 2048, 4096, 2048, 3072 */
static const char KEY_IDS[N_KEYS] = {'a', 'b', 'c', 'd'};

typedef struct test_key {
    char dir[64];
    aj_ua_pki *pki;
    uint8_t *cert; /* DER of tests/unit/data/opcua_sec_<id>.cert.der */
    size_t cert_len;
    EVP_PKEY *priv; /* the private key, for decrypting in the tests */
} test_key;
static test_key keys[N_KEYS];

static char *data_file(const char *name, size_t *len) {
    char path[1024], err[512];
    char *data = NULL;
    aj_test_source_path(path, sizeof path, __FILE__, name);
    if (aj_file_read(path, 4u * 1024u * 1024u, &data, len, err, sizeof err) != AJ_OK) fail_msg("%s", err);
    return data;
}

static void write_file(const char *path, const void *data, size_t len, mode_t mode) {
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(chmod(path, mode), 0);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

/* A PKI directory holding key pair `id` of tests/unit/data as its own certificate. */
static void open_test_pki(int k) {
    test_key *t = &keys[k];
    char name[64], path[1024], err[512], uri[64];
    snprintf(t->dir, sizeof t->dir, "/tmp/aj-ua-sec-XXXXXX");
    assert_non_null(mkdtemp(t->dir));
    snprintf(path, sizeof path, "%s/own", t->dir);
    assert_int_equal(mkdir(path, 0700), 0);
    snprintf(path, sizeof path, "%s/own/private", t->dir);
    assert_int_equal(mkdir(path, 0700), 0);
    snprintf(name, sizeof name, "data/opcua_sec_%c.cert.der", KEY_IDS[k]);
    t->cert = (uint8_t *)data_file(name, &t->cert_len);
    snprintf(path, sizeof path, "%s/own/cert.der", t->dir);
    write_file(path, t->cert, t->cert_len, 0644);
    size_t key_len = 0;
    snprintf(name, sizeof name, "data/opcua_sec_%c.key.pem", KEY_IDS[k]);
    char *pem = data_file(name, &key_len);
    snprintf(path, sizeof path, "%s/own/private/key.pem", t->dir);
    write_file(path, pem, key_len, 0600);
    BIO *b = BIO_new_mem_buf(pem, (int)key_len);
    t->priv = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
    assert_non_null(t->priv);
    BIO_free(b);
    free(pem);
    snprintf(uri, sizeof uri, "urn:anjian:test:%c", KEY_IDS[k]);
    aj_err rc = aj_ua_pki_open(t->dir, uri, "localhost", &t->pki, err, sizeof err);
    if (rc != AJ_OK) fail_msg("%s", err);
}

static int setup(void **state) {
    (void)state;
    fill_seq(client_nonce, sizeof client_nonce, 0x10);
    fill_seq(server_nonce, sizeof server_nonce, 0xa0);
    for (int k = 0; k < N_KEYS; k++) open_test_pki(k);
    return 0;
}

static int teardown(void **state) {
    (void)state;
    for (int k = 0; k < N_KEYS; k++) {
        aj_ua_pki_free(keys[k].pki);
        free(keys[k].cert);
        EVP_PKEY_free(keys[k].priv);
        nftw(keys[k].dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
    }
    return 0;
}

static size_t key_bytes(int k) {
    return (size_t)EVP_PKEY_get_size(keys[k].priv);
}

/* ---- helpers -------------------------------------------------------------------------------- */

static void assert_err_has(const char *err, const char *part) {
    if (!strstr(err, part)) fail_msg("message \"%s\" does not contain \"%s\"", err, part);
}

static size_t hex_decode(const char *hex, uint8_t *out, size_t cap) {
    size_t n = strlen(hex);
    assert_int_equal(n % 2, 0);
    assert_true(n / 2 <= cap);
    for (size_t i = 0; i < n / 2; i++) {
        unsigned v;
        assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
        out[i] = (uint8_t)v;
    }
    return n / 2;
}

static void put_u32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8), p[2] = (uint8_t)(v >> 16), p[3] = (uint8_t)(v >> 24);
}

static void derived_keys(aj_ua_keys *client, aj_ua_keys *server) {
    char err[256];
    assert_int_equal(aj_ua_derive_keys(AJ_UA_POLICY_BASIC256SHA256, client_nonce, 32, server_nonce, 32,
                                       client, server, err, sizeof err),
                     AJ_OK);
}

/* A MSG chunk: message header, token id, sequence header, n_body pattern bytes. */
static size_t make_msg(uint8_t *buf, size_t n_body) {
    memcpy(buf, "MSGF", 4);
    put_u32(buf + 4, 0);
    put_u32(buf + 8, 0x01020304);
    put_u32(buf + 12, 9);    /* token id */
    put_u32(buf + 16, 4711); /* sequence number */
    put_u32(buf + 20, 77);   /* request id */
    for (size_t i = 0; i < n_body; i++) buf[24 + i] = (uint8_t)(i * 7 + 3);
    return AJ_UA_SEQ_HEADER_LEN + n_body;
}

/* An OPN chunk as the channel writes it: message header, asymmetric security header
 * (policy URI, sender certificate = key `sender`, thumbprint of `receiver`), sequence header,
 * n_body pattern bytes. Returns the header length; *plain_len the plain length. */
static size_t make_opn(uint8_t *buf, int sender, int receiver, size_t n_body, size_t *plain_len) {
    const char *uri = aj_ua_policy_uri(AJ_UA_POLICY_BASIC256SHA256);
    size_t n = 0, ulen = strlen(uri);
    memcpy(buf, "OPNF", 4);
    put_u32(buf + 4, 0);
    put_u32(buf + 8, 0);
    n = 12;
    put_u32(buf + n, (uint32_t)ulen);
    memcpy(buf + n + 4, uri, ulen);
    n += 4 + ulen;
    put_u32(buf + n, (uint32_t)keys[sender].cert_len);
    memcpy(buf + n + 4, keys[sender].cert, keys[sender].cert_len);
    n += 4 + keys[sender].cert_len;
    put_u32(buf + n, 20);
    aj_ua_cert_thumbprint(keys[receiver].cert, keys[receiver].cert_len, buf + n + 4);
    n += 24;
    put_u32(buf + n, 1);     /* sequence number */
    put_u32(buf + n + 4, 5); /* request id */
    for (size_t i = 0; i < n_body; i++) buf[n + 8 + i] = (uint8_t)(i * 13 + 1);
    *plain_len = AJ_UA_SEQ_HEADER_LEN + n_body;
    return n;
}

/* RSA-OAEP-SHA1 decryption of chunk[hdr_len..len) with key k's private key, block by block,
 * into out (done with OpenSSL directly, independently of security_rsa.c). */
static size_t oaep_decrypt(int k, const uint8_t *in, size_t len, uint8_t *out) {
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(keys[k].priv, NULL);
    assert_non_null(c);
    assert_int_equal(EVP_PKEY_decrypt_init(c), 1);
    assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_OAEP_PADDING), 1);
    assert_int_equal(EVP_PKEY_CTX_set_rsa_oaep_md(c, EVP_sha1()), 1);
    assert_int_equal(EVP_PKEY_CTX_set_rsa_mgf1_md(c, EVP_sha1()), 1);
    size_t kb = key_bytes(k), done = 0;
    assert_int_equal(len % kb, 0);
    for (size_t i = 0; i < len / kb; i++) {
        uint8_t block[512];
        size_t n = sizeof block;
        assert_int_equal(EVP_PKEY_decrypt(c, block, &n, in + i * kb, kb), 1);
        memcpy(out + done, block, n);
        done += n;
    }
    EVP_PKEY_CTX_free(c);
    return done;
}

/* ---- 1. policies and modes ------------------------------------------------------------------- */

static void test_policies(void **state) {
    (void)state;
    aj_ua_policy p = AJ_UA_POLICY_BASIC256SHA256;
    const char *none = aj_ua_policy_uri(AJ_UA_POLICY_NONE),
               *b256 = aj_ua_policy_uri(AJ_UA_POLICY_BASIC256SHA256);
    assert_string_equal(none, "http://opcfoundation.org/UA/SecurityPolicy#None");
    assert_string_equal(b256, "http://opcfoundation.org/UA/SecurityPolicy#Basic256Sha256");
    assert_true(aj_ua_policy_from_uri(none, strlen(none), &p));
    assert_int_equal(p, AJ_UA_POLICY_NONE);
    assert_true(aj_ua_policy_from_uri(b256, strlen(b256), &p));
    assert_int_equal(p, AJ_UA_POLICY_BASIC256SHA256);
    static const char *refused[] = {"http://opcfoundation.org/UA/SecurityPolicy#Basic128Rsa15",
                                    "http://opcfoundation.org/UA/SecurityPolicy#Basic256",
                                    "http://opcfoundation.org/UA/SecurityPolicy#Aes128_Sha256_RsaOaep",
                                    "http://opcfoundation.org/UA/SecurityPolicy#Aes256_Sha256_RsaPss",
                                    "http://opcfoundation.org/UA/SecurityPolicy#basic256sha256",
                                    ""};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
        assert_false(aj_ua_policy_from_uri(refused[i], strlen(refused[i]), &p));
    assert_false(aj_ua_policy_from_uri(b256, strlen(b256) - 1, &p)); /* a prefix */
    assert_false(aj_ua_policy_from_uri(NULL, 0, &p));
    assert_null(aj_ua_policy_uri((aj_ua_policy)7));
    assert_true(aj_ua_policy_from_name("Basic256Sha256", &p) && p == AJ_UA_POLICY_BASIC256SHA256);
    assert_false(aj_ua_policy_from_name("basic256sha256", &p));
    aj_ua_mode m = AJ_UA_MODE_NONE;
    assert_true(aj_ua_mode_from_name("SignAndEncrypt", &m) && m == AJ_UA_MODE_SIGN_ENCRYPT);
    assert_false(aj_ua_mode_from_name("Encrypt", &m));
    assert_string_equal(aj_ua_mode_name(AJ_UA_MODE_SIGN), "Sign");
    assert_true(aj_ua_mode_valid(AJ_UA_POLICY_NONE, AJ_UA_MODE_NONE));
    assert_false(aj_ua_mode_valid(AJ_UA_POLICY_NONE, AJ_UA_MODE_SIGN));
    assert_false(aj_ua_mode_valid(AJ_UA_POLICY_BASIC256SHA256, AJ_UA_MODE_NONE));
    assert_true(aj_ua_mode_valid(AJ_UA_POLICY_BASIC256SHA256, AJ_UA_MODE_SIGN));
    assert_true(aj_ua_mode_valid(AJ_UA_POLICY_BASIC256SHA256, AJ_UA_MODE_SIGN_ENCRYPT));
    assert_false(aj_ua_mode_valid(AJ_UA_POLICY_BASIC256SHA256, (aj_ua_mode)0));
    assert_int_equal(aj_ua_policy_nonce_len(AJ_UA_POLICY_BASIC256SHA256), 32);
    assert_int_equal(aj_ua_policy_nonce_len(AJ_UA_POLICY_NONE), 0);
}

/* ---- 2. P_SHA256 and key derivation ---------------------------------------------------------- */

static void test_p_sha256_node_vectors(void **state) {
    (void)state;
    uint8_t secret[64], seed[100], out[100];
    fill_seq(secret, 32, 0x00);
    fill_seq(seed, 32, 0x20);
    assert_int_equal(aj_ua_p_sha256(secret, 32, seed, 32, out, 80), AJ_OK);
    assert_memory_equal(out, PRF1_OUT, 80);
    assert_int_equal(aj_ua_p_sha256((const uint8_t *)"secret", 6, (const uint8_t *)"seed", 4, out, 100),
                     AJ_OK);
    assert_memory_equal(out, PRF2_OUT, 100);
    fill_seq(secret, 64, 0x40);
    fill_seq(seed, 5, 0x90);
    assert_int_equal(aj_ua_p_sha256(secret, 64, seed, 5, out, 1), AJ_OK);
    assert_memory_equal(out, PRF3_OUT, 1);
    secret[0] = 0x55;
    fill_seq(seed, 100, 0x01);
    assert_int_equal(aj_ua_p_sha256(secret, 1, seed, 100, out, 64), AJ_OK);
    assert_memory_equal(out, PRF4_OUT, 64);
    assert_int_equal(aj_ua_p_sha256(secret, 1, seed, 100, out, 5000), AJ_EINVAL);
}

/* OpenSSL's TLS 1.2 PRF with SHA-256 and no label: P_SHA256(secret, seed). */
static void tls1_prf(const uint8_t *secret, size_t slen, const uint8_t *seed, size_t seedlen, uint8_t *out,
                     size_t n) {
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "TLS1-PRF", NULL);
    EVP_KDF_CTX *c = EVP_KDF_CTX_new(kdf);
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET, (void *)secret, slen),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, (void *)seed, seedlen),
        OSSL_PARAM_construct_end(),
    };
    assert_int_equal(EVP_KDF_derive(c, out, n, params), 1);
    EVP_KDF_CTX_free(c);
    EVP_KDF_free(kdf);
}

static void test_p_sha256_vs_openssl(void **state) {
    (void)state;
    uint8_t secret[200], seed[200], ours[300], theirs[300];
    int n_cases = 0;
    for (size_t slen = 1; slen <= 200; slen += 13) {
        for (size_t seedlen = 1; seedlen <= 200; seedlen += 17) {
            size_t n = 1 + (slen * 31 + seedlen * 7) % 300;
            assert_int_equal(aj_ua_random(secret, slen), AJ_OK);
            assert_int_equal(aj_ua_random(seed, seedlen), AJ_OK);
            assert_int_equal(aj_ua_p_sha256(secret, slen, seed, seedlen, ours, n), AJ_OK);
            tls1_prf(secret, slen, seed, seedlen, theirs, n);
            assert_memory_equal(ours, theirs, n);
            n_cases++;
        }
    }
    /* the key derivation stream itself: 80 bytes from two 32-byte nonces */
    assert_int_equal(aj_ua_p_sha256(server_nonce, 32, client_nonce, 32, ours, 80), AJ_OK);
    tls1_prf(server_nonce, 32, client_nonce, 32, theirs, 80);
    assert_memory_equal(ours, theirs, 80);
    print_message("P_SHA256 == OpenSSL TLS1-PRF(SHA256) for %d random (secret, seed, length) triples\n",
                  n_cases);
}

static void test_derive_keys(void **state) {
    (void)state;
    aj_ua_keys client, server;
    char err[256] = "";
    derived_keys(&client, &server);
    assert_int_equal(client.sign_len, 32);
    assert_int_equal(client.enc_len, 32);
    assert_int_equal(client.iv_len, 16);
    assert_memory_equal(client.sign, CLIENT_SIGN, 32);
    assert_memory_equal(client.enc, CLIENT_ENC, 32);
    assert_memory_equal(client.iv, CLIENT_IV, 16);
    assert_memory_equal(server.sign, SERVER_SIGN, 32);
    assert_memory_equal(server.enc, SERVER_ENC, 32);
    assert_memory_equal(server.iv, SERVER_IV, 16);
    assert_int_equal(
        aj_ua_derive_keys(AJ_UA_POLICY_NONE, NULL, 0, NULL, 0, &client, &server, err, sizeof err), AJ_OK);
    assert_int_equal(client.sign_len + client.enc_len + client.iv_len, 0);
    assert_int_equal(aj_ua_derive_keys(AJ_UA_POLICY_BASIC256SHA256, client_nonce, 32, server_nonce, 16,
                                       &client, &server, err, sizeof err),
                     AJ_EINVAL);
    assert_err_has(err, "server nonce 16 bytes");
    uint8_t big[AJ_UA_NONCE_LEN_MAX + 1] = {0};
    assert_int_equal(aj_ua_derive_keys(AJ_UA_POLICY_BASIC256SHA256, big, sizeof big, server_nonce, 32,
                                       &client, &server, err, sizeof err),
                     AJ_EINVAL);
    aj_ua_keys_clear(&client);
    assert_int_equal(client.sign_len, 0);
    assert_int_equal(client.sign[0] | client.enc[31] | client.iv[15], 0);
}

/* ---- 3. symmetric chunks ---------------------------------------------------------------------- */

#define SYM_BODY_MAX 100 /* body lengths 0..100: 6+ AES blocks, every padding value many times */

static void test_sym_round_trip_and_tamper(void **state) {
    (void)state;
    aj_ua_keys client, server;
    derived_keys(&client, &server);
    static const aj_ua_mode modes[] = {AJ_UA_MODE_SIGN, AJ_UA_MODE_SIGN_ENCRYPT};
    uint8_t buf[512], sealed[512], work[512];
    char err[256];
    long n_tampered = 0;
    int pad_seen[16] = {0};
    for (size_t mi = 0; mi < 2; mi++) {
        aj_ua_mode m = modes[mi];
        for (size_t n_body = 0; n_body <= SYM_BODY_MAX; n_body++) {
            size_t plain_len = make_msg(buf, n_body), len = 0, off = 0, pl = 0;
            memcpy(work, buf, sizeof buf);
            assert_int_equal(aj_ua_sym_seal(&client, AJ_UA_POLICY_BASIC256SHA256, m, work, 16, plain_len,
                                            sizeof work, &len, err, sizeof err),
                             AJ_OK);
            assert_int_equal(len, aj_ua_sym_sealed_size(AJ_UA_POLICY_BASIC256SHA256, m, 16, plain_len));
            assert_int_equal(work[4] | work[5] << 8, len);
            if (m == AJ_UA_MODE_SIGN) {
                assert_int_equal(len, 16 + plain_len + 32);
                assert_memory_equal(work + 16, buf + 16, plain_len); /* not encrypted */
            } else {
                assert_int_equal((len - 16) % 16, 0);
                assert_true(len - 16 - plain_len - 32 <= 16);
                pad_seen[len - 16 - plain_len - 32 - 1]++;
            }
            memcpy(sealed, work, len);
            assert_int_equal(aj_ua_sym_open(&client, AJ_UA_POLICY_BASIC256SHA256, m, work, len, 16, &off, &pl,
                                            err, sizeof err),
                             AJ_OK);
            assert_int_equal(off, 16);
            assert_int_equal(pl, plain_len);
            assert_memory_equal(work + 16, buf + 16, plain_len);
            /* the other direction's keys do not open it */
            memcpy(work, sealed, len);
            assert_int_equal(aj_ua_sym_open(&server, AJ_UA_POLICY_BASIC256SHA256, m, work, len, 16, &off, &pl,
                                            err, sizeof err),
                             AJ_EINVAL);
            /* every byte flipped in turn */
            for (size_t i = 0; i < len; i++) {
                memcpy(work, sealed, len);
                work[i] ^= (uint8_t)(1u << (i % 8));
                aj_err rc = aj_ua_sym_open(&client, AJ_UA_POLICY_BASIC256SHA256, m, work, len, 16, &off, &pl,
                                           err, sizeof err);
                if (rc == AJ_OK)
                    fail_msg("%s: flipping byte %zu of %zu went unnoticed", aj_ua_mode_name(m), i, len);
                assert_true(err[0] != '\0');
                n_tampered++;
            }
            /* one byte short, size field adjusted */
            memcpy(work, sealed, len);
            put_u32(work + 4, (uint32_t)(len - 1));
            assert_int_not_equal(aj_ua_sym_open(&client, AJ_UA_POLICY_BASIC256SHA256, m, work, len - 1, 16,
                                                &off, &pl, err, sizeof err),
                                 AJ_OK);
        }
    }
    for (int i = 0; i < 16; i++) assert_true(pad_seen[i] > 0); /* every padding length */
    /* policy None: only the size */
    size_t plain_len = make_msg(buf, 3), len = 0, off = 0, pl = 0;
    assert_int_equal(aj_ua_sym_seal(NULL, AJ_UA_POLICY_NONE, AJ_UA_MODE_NONE, buf, 16, plain_len, sizeof buf,
                                    &len, err, sizeof err),
                     AJ_OK);
    assert_int_equal(len, 16 + plain_len);
    assert_int_equal(
        aj_ua_sym_open(NULL, AJ_UA_POLICY_NONE, AJ_UA_MODE_NONE, buf, len, 16, &off, &pl, err, sizeof err),
        AJ_OK);
    assert_int_equal(pl, plain_len);
    print_message("symmetric: %d plain lengths x 2 modes sealed and opened, %ld tampered chunks refused\n",
                  SYM_BODY_MAX + 1, n_tampered);
}

static void test_sym_max_body(void **state) {
    (void)state;
    static const aj_ua_mode modes[] = {AJ_UA_MODE_SIGN, AJ_UA_MODE_SIGN_ENCRYPT};
    for (size_t mi = 0; mi < 2; mi++) {
        for (size_t chunk = 64; chunk <= 9000; chunk++) {
            size_t max = aj_ua_sym_max_body(AJ_UA_POLICY_BASIC256SHA256, modes[mi], 16, chunk);
            assert_true(max >= 8);
            assert_true(aj_ua_sym_sealed_size(AJ_UA_POLICY_BASIC256SHA256, modes[mi], 16, max) <= chunk);
            assert_true(aj_ua_sym_sealed_size(AJ_UA_POLICY_BASIC256SHA256, modes[mi], 16, max + 1) > chunk);
        }
    }
    assert_int_equal(aj_ua_sym_max_body(AJ_UA_POLICY_NONE, AJ_UA_MODE_NONE, 16, 8192), 8192 - 16);
    assert_int_equal(aj_ua_sym_max_body(AJ_UA_POLICY_BASIC256SHA256, AJ_UA_MODE_SIGN, 16, 50), 0);
    assert_int_equal(aj_ua_sym_max_body(AJ_UA_POLICY_BASIC256SHA256, AJ_UA_MODE_NONE, 16, 8192), 0);
    /* 8192-byte chunk, SignAndEncrypt: 8176 bytes -> 511 blocks, less signature and PaddingSize */
    assert_int_equal(aj_ua_sym_max_body(AJ_UA_POLICY_BASIC256SHA256, AJ_UA_MODE_SIGN_ENCRYPT, 16, 8192),
                     8176 - 32 - 1);
}

/* Seals a SignAndEncrypt chunk, then rewrites its padding with `edit` and makes the HMAC and
 * the encryption right again, so that only the padding check can refuse it. */
static size_t sym_chunk_with_padding(const aj_ua_keys *k, uint8_t *buf,
                                     void (*edit)(uint8_t *pad, size_t n)) {
    char err[256];
    size_t plain_len = make_msg(buf, 20), len = 0;
    assert_int_equal(aj_ua_sym_seal(k, AJ_UA_POLICY_BASIC256SHA256, AJ_UA_MODE_SIGN_ENCRYPT, buf, 16,
                                    plain_len, 512, &len, err, sizeof err),
                     AJ_OK);
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int n = 0;
    assert_int_equal(EVP_DecryptInit_ex(c, EVP_aes_256_cbc(), NULL, k->enc, k->iv), 1);
    EVP_CIPHER_CTX_set_padding(c, 0);
    assert_int_equal(EVP_DecryptUpdate(c, buf + 16, &n, buf + 16, (int)(len - 16)), 1);
    size_t region = len - 16 - plain_len - 32;
    edit(buf + 16 + plain_len, region);
    unsigned int mlen = 0;
    HMAC(EVP_sha256(), k->sign, 32, buf, len - 32, buf + len - 32, &mlen);
    assert_int_equal(EVP_EncryptInit_ex(c, EVP_aes_256_cbc(), NULL, k->enc, k->iv), 1);
    EVP_CIPHER_CTX_set_padding(c, 0);
    assert_int_equal(EVP_EncryptUpdate(c, buf + 16, &n, buf + 16, (int)(len - 16)), 1);
    EVP_CIPHER_CTX_free(c);
    return len;
}

static void edit_padding_byte(uint8_t *pad, size_t n) {
    pad[n / 2] ^= 0x40;
}
static void edit_padding_size(uint8_t *pad, size_t n) {
    memset(pad, 0xf0, n); /* PaddingSize 240 > the 44 plain bytes */
}

static void test_sym_errors(void **state) {
    (void)state;
    aj_ua_keys client, server;
    derived_keys(&client, &server);
    uint8_t buf[512];
    char err[256];
    size_t len = 0, off = 0, pl = 0, plain_len = make_msg(buf, 10);
    const aj_ua_policy B = AJ_UA_POLICY_BASIC256SHA256;
    const aj_ua_mode SE = AJ_UA_MODE_SIGN_ENCRYPT;
    /* seal */
    assert_int_equal(
        aj_ua_sym_seal(&client, B, AJ_UA_MODE_NONE, buf, 16, plain_len, 512, &len, err, sizeof err),
        AJ_EINVAL);
    assert_err_has(err, "mode None cannot be used with policy Basic256Sha256");
    assert_int_equal(aj_ua_sym_seal(&client, B, SE, buf, 16, plain_len, 60, &len, err, sizeof err),
                     AJ_ETOOBIG);
    assert_err_has(err, "needs 80 bytes, the buffer holds 60");
    assert_int_equal(aj_ua_sym_seal(&client, B, SE, buf, 16, 7, 512, &len, err, sizeof err), AJ_EINVAL);
    assert_err_has(err, "7 plain bytes");
    aj_ua_keys none = {0};
    assert_int_equal(aj_ua_sym_seal(&none, B, SE, buf, 16, plain_len, 512, &len, err, sizeof err), AJ_EINVAL);
    assert_err_has(err, "not Basic256Sha256 keys");
    assert_int_equal(aj_ua_sym_seal(&client, B, SE, buf, 8, plain_len, 512, &len, err, sizeof err),
                     AJ_EINVAL);
    /* open: lengths */
    assert_int_equal(aj_ua_sym_seal(&client, B, SE, buf, 16, plain_len, 512, &len, err, sizeof err), AJ_OK);
    assert_int_equal(aj_ua_sym_open(&client, B, SE, buf, len - 1, 16, &off, &pl, err, sizeof err), AJ_EINVAL);
    assert_err_has(err, "MessageSize says 80 bytes, the chunk has 79");
    assert_int_equal(aj_ua_sym_open(&client, B, SE, buf, 11, 16, &off, &pl, err, sizeof err), AJ_EINVAL);
    assert_err_has(err, "shorter than the 12-byte message header");
    put_u32(buf + 4, 79);
    assert_int_equal(aj_ua_sym_open(&client, B, SE, buf, 79, 16, &off, &pl, err, sizeof err), AJ_EINVAL);
    assert_err_has(err, "63 encrypted bytes are not a whole number of 16-byte blocks");
    put_u32(buf + 4, 48);
    assert_int_equal(aj_ua_sym_open(&client, B, SE, buf, 48, 16, &off, &pl, err, sizeof err), AJ_EINVAL);
    assert_err_has(err, "32 bytes after the headers, SignAndEncrypt needs at least 41");
    put_u32(buf + 4, 20);
    assert_int_equal(aj_ua_sym_open(&client, B, SE, buf, 20, 40, &off, &pl, err, sizeof err), AJ_EINVAL);
    assert_err_has(err, "headers of 40 bytes exceed the 20-byte chunk");
    /* HMAC */
    plain_len = make_msg(buf, 10);
    assert_int_equal(
        aj_ua_sym_seal(&client, B, AJ_UA_MODE_SIGN, buf, 16, plain_len, 512, &len, err, sizeof err), AJ_OK);
    buf[20] ^= 1;
    assert_int_equal(aj_ua_sym_open(&client, B, AJ_UA_MODE_SIGN, buf, len, 16, &off, &pl, err, sizeof err),
                     AJ_EINVAL);
    assert_err_has(err, "HMAC-SHA256 signature does not match");
    /* padding, in chunks whose HMAC is right */
    len = sym_chunk_with_padding(&client, buf, edit_padding_byte);
    assert_int_equal(aj_ua_sym_open(&client, B, SE, buf, len, 16, &off, &pl, err, sizeof err), AJ_EINVAL);
    assert_err_has(err, "padding byte");
    assert_err_has(err, "expected 0x");
    len = sym_chunk_with_padding(&client, buf, edit_padding_size);
    assert_int_equal(aj_ua_sym_open(&client, B, SE, buf, len, 16, &off, &pl, err, sizeof err), AJ_EINVAL);
    assert_err_has(err, "PaddingSize 240 leaves no room for the sequence header");
}

/* ---- 4. asymmetric chunks ---------------------------------------------------------------------- */

/* Sender -> receiver pairs: receivers of 2048 (no ExtraPaddingSize), 3072 and 4096 bits. */
static const int PAIRS[][2] = {
    {KEY_A, KEY_C}, {KEY_B, KEY_A}, {KEY_A, KEY_B}, {KEY_C, KEY_D}, {KEY_D, KEY_B}};

#define OPN_BUF 8192

static void test_asym_every_padding(void **state) {
    (void)state;
    static uint8_t buf[OPN_BUF], sealed[OPN_BUF], work[OPN_BUF], clear[OPN_BUF];
    char err[512];
    long n_chunks = 0, n_tampered = 0;
    for (size_t pi = 0; pi < sizeof PAIRS / sizeof PAIRS[0]; pi++) {
        int s = PAIRS[pi][0], r = PAIRS[pi][1];
        size_t ctb = key_bytes(r), ptb = ctb - 42, extra = ctb > 256;
        bool *seen = calloc(ptb, 1);
        /* ptb consecutive plain lengths give every padding value 0..ptb-1 once */
        for (size_t n_body = 0; n_body < ptb; n_body++) {
            size_t plain_len = 0, hdr = make_opn(buf, s, r, n_body, &plain_len), len = 0, off = 0, pl = 0;
            aj_ua_mode m = n_body % 2 ? AJ_UA_MODE_SIGN : AJ_UA_MODE_SIGN_ENCRYPT; /* the same for OPN */
            memcpy(work, buf, hdr + plain_len);
            aj_err rc =
                aj_ua_asym_seal(keys[s].pki, keys[r].cert, keys[r].cert_len, AJ_UA_POLICY_BASIC256SHA256, m,
                                work, hdr, plain_len, sizeof work, &len, err, sizeof err);
            if (rc != AJ_OK) fail_msg("%s", err);
            assert_int_equal(len, aj_ua_asym_sealed_size(AJ_UA_POLICY_BASIC256SHA256, m, keys[s].pki,
                                                         keys[r].cert, keys[r].cert_len, hdr, plain_len));
            assert_int_equal((len - hdr) % ctb, 0);
            assert_memory_equal(work, buf, 4);
            assert_memory_equal(work + 8, buf + 8, hdr - 8); /* headers untouched */
            /* decrypted independently: plain, padding bytes, extra byte, then the signature */
            size_t n_clear = oaep_decrypt(r, work + hdr, len - hdr, clear);
            size_t sig = key_bytes(s), region = n_clear - sig - plain_len, padding = region - 1 - extra;
            assert_int_equal(n_clear % ptb, 0);
            assert_memory_equal(clear, buf + hdr, plain_len);
            assert_true(padding < ptb);
            seen[padding] = true;
            for (size_t i = 0; i <= padding; i++) assert_int_equal(clear[plain_len + i], padding & 0xff);
            if (extra) assert_int_equal(clear[plain_len + 1 + padding], padding >> 8);
            memcpy(sealed, work, len);
            rc = aj_ua_asym_open(keys[r].pki, keys[s].cert, keys[s].cert_len, AJ_UA_POLICY_BASIC256SHA256, m,
                                 work, len, hdr, &off, &pl, err, sizeof err);
            if (rc != AJ_OK) fail_msg("pair %zu, body %zu: %s", pi, n_body, err);
            assert_int_equal(off, hdr);
            assert_int_equal(pl, plain_len);
            assert_memory_equal(work + hdr, buf + hdr, plain_len);
            n_chunks++;
            if (n_body % 53 != 0) continue;
            /* tampering: the size, a header byte, the sender certificate, each block, the end */
            size_t at[16], n_at = 0;
            at[n_at++] = 5;
            at[n_at++] = 9;
            at[n_at++] = hdr - 30;
            at[n_at++] = 100;
            for (size_t b = 0; b < (len - hdr) / ctb && n_at < 14; b++)
                at[n_at++] = hdr + b * ctb + (b * 37) % ctb;
            at[n_at++] = len - 1;
            for (size_t i = 0; i < n_at; i++) {
                memcpy(work, sealed, len);
                work[at[i]] ^= 0x10;
                rc = aj_ua_asym_open(keys[r].pki, keys[s].cert, keys[s].cert_len, AJ_UA_POLICY_BASIC256SHA256,
                                     m, work, len, hdr, &off, &pl, err, sizeof err);
                if (rc == AJ_OK)
                    fail_msg("pair %zu: flipping byte %zu of %zu went unnoticed", pi, at[i], len);
                n_tampered++;
            }
        }
        for (size_t i = 0; i < ptb; i++) assert_true(seen[i]);
        free(seen);
    }
    print_message(
        "asymmetric: %ld OPN chunks sealed and opened (every padding value for receivers of 2048, 3072 "
        "and 4096 bits), %ld tampered chunks refused\n",
        n_chunks, n_tampered);
}

static void test_asym_max_body(void **state) {
    (void)state;
    for (size_t pi = 0; pi < sizeof PAIRS / sizeof PAIRS[0]; pi++) {
        int s = PAIRS[pi][0], r = PAIRS[pi][1];
        const uint8_t *rc = keys[r].cert;
        size_t rl = keys[r].cert_len, hdr = 1500;
        for (size_t chunk = 2000; chunk <= 70000; chunk += 211) {
            size_t max = aj_ua_asym_max_body(AJ_UA_POLICY_BASIC256SHA256, AJ_UA_MODE_SIGN_ENCRYPT,
                                             keys[s].pki, rc, rl, hdr, chunk);
            if (max == 0) continue;
            assert_true(aj_ua_asym_sealed_size(AJ_UA_POLICY_BASIC256SHA256, AJ_UA_MODE_SIGN, keys[s].pki, rc,
                                               rl, hdr, max) <= chunk);
            assert_true(aj_ua_asym_sealed_size(AJ_UA_POLICY_BASIC256SHA256, AJ_UA_MODE_SIGN, keys[s].pki, rc,
                                               rl, hdr, max + 1) > chunk);
        }
    }
    /* 8192-byte chunk, 2048-bit both ways, 1000 header bytes: 28 blocks of 214 less sig and PaddingSize */
    assert_int_equal(aj_ua_asym_max_body(AJ_UA_POLICY_BASIC256SHA256, AJ_UA_MODE_SIGN_ENCRYPT,
                                         keys[KEY_A].pki, keys[KEY_C].cert, keys[KEY_C].cert_len, 1000, 8192),
                     28 * 214 - 256 - 1);
    /* ... to a 4096-bit key: 14 blocks of 470, less sig, PaddingSize and ExtraPaddingSize */
    assert_int_equal(aj_ua_asym_max_body(AJ_UA_POLICY_BASIC256SHA256, AJ_UA_MODE_SIGN_ENCRYPT,
                                         keys[KEY_A].pki, keys[KEY_B].cert, keys[KEY_B].cert_len, 1000, 8192),
                     14 * 470 - 256 - 2);
    assert_int_equal(aj_ua_asym_max_body(AJ_UA_POLICY_NONE, AJ_UA_MODE_NONE, NULL, NULL, 0, 100, 8192), 8092);
    assert_int_equal(aj_ua_asym_max_body(AJ_UA_POLICY_BASIC256SHA256, AJ_UA_MODE_SIGN, keys[KEY_A].pki,
                                         (const uint8_t *)"junk", 4, 100, 8192),
                     0);
    assert_int_equal(aj_ua_asym_sealed_size(AJ_UA_POLICY_BASIC256SHA256, AJ_UA_MODE_NONE, keys[KEY_A].pki,
                                            keys[KEY_B].cert, keys[KEY_B].cert_len, 100, 100),
                     0);
}

static void test_asym_errors(void **state) {
    (void)state;
    static uint8_t buf[OPN_BUF], sealed[OPN_BUF];
    char err[512];
    const aj_ua_policy B = AJ_UA_POLICY_BASIC256SHA256;
    const aj_ua_mode SE = AJ_UA_MODE_SIGN_ENCRYPT;
    size_t plain_len = 0, hdr = make_opn(buf, KEY_A, KEY_B, 40, &plain_len), len = 0, off = 0, pl = 0;
    const test_key *a = &keys[KEY_A], *b = &keys[KEY_B], *c = &keys[KEY_C];
    /* seal */
    assert_int_equal(aj_ua_asym_seal(a->pki, b->cert, b->cert_len, B, SE, buf, hdr, plain_len, hdr + 100,
                                     &len, err, sizeof err),
                     AJ_ETOOBIG);
    assert_err_has(err, "the buffer holds");
    assert_int_equal(aj_ua_asym_seal(a->pki, (const uint8_t *)"\x30\x03\x02\x01\x00", 5, B, SE, buf, hdr,
                                     plain_len, sizeof buf, &len, err, sizeof err),
                     AJ_EINVAL);
    assert_err_has(err, "server certificate: not a valid X.509 certificate");
    assert_int_equal(aj_ua_asym_seal(NULL, b->cert, b->cert_len, B, SE, buf, hdr, plain_len, sizeof buf, &len,
                                     err, sizeof err),
                     AJ_EINVAL);
    assert_int_equal(aj_ua_asym_seal(a->pki, b->cert, b->cert_len, AJ_UA_POLICY_NONE, SE, buf, hdr, plain_len,
                                     sizeof buf, &len, err, sizeof err),
                     AJ_EINVAL);
    assert_err_has(err, "mode SignAndEncrypt cannot be used with policy None");
    assert_int_equal(
        aj_ua_asym_seal(a->pki, b->cert, b->cert_len, B, SE, buf, hdr, 4, sizeof buf, &len, err, sizeof err),
        AJ_EINVAL);
    assert_int_equal(aj_ua_asym_seal(a->pki, b->cert, b->cert_len, B, SE, buf, hdr, plain_len, sizeof buf,
                                     &len, err, sizeof err),
                     AJ_OK);
    memcpy(sealed, buf, len);
    /* open with the wrong receiver key: not ours */
    assert_int_equal(aj_ua_asym_open(keys[KEY_D].pki, a->cert, a->cert_len, B, SE, buf, len, hdr, &off, &pl,
                                     err, sizeof err),
                     AJ_EINVAL);
    assert_err_has(
        err, "512 encrypted bytes are not a whole number of 384-byte RSA blocks"); /* 4096 vs 3072 bits */
    memcpy(buf, sealed, len);
    /* the wrong sender certificate */
    assert_int_equal(
        aj_ua_asym_open(b->pki, c->cert, c->cert_len, B, SE, buf, len, hdr, &off, &pl, err, sizeof err),
        AJ_EINVAL);
    assert_err_has(err, "RSA-SHA256 signature does not verify");
    memcpy(buf, sealed, len);
    assert_int_equal(aj_ua_asym_open(b->pki, (const uint8_t *)"garbage", 7, B, SE, buf, len, hdr, &off, &pl,
                                     err, sizeof err),
                     AJ_EINVAL);
    assert_err_has(err, "sender certificate: not a DER certificate");
    /* a block that does not decrypt with our key: encrypted for key a, opened by key c */
    size_t hdr2 = make_opn(buf, KEY_B, KEY_A, 40, &plain_len), len2 = 0;
    assert_int_equal(aj_ua_asym_seal(b->pki, a->cert, a->cert_len, B, SE, buf, hdr2, plain_len, sizeof buf,
                                     &len2, err, sizeof err),
                     AJ_OK);
    assert_int_equal(
        aj_ua_asym_open(c->pki, b->cert, b->cert_len, B, SE, buf, len2, hdr2, &off, &pl, err, sizeof err),
        AJ_EINVAL);
    assert_err_has(err, "block 1 of 3 does not decrypt with our private key");
    /* size field, header length, too many blocks */
    memcpy(buf, sealed, len);
    assert_int_equal(
        aj_ua_asym_open(b->pki, a->cert, a->cert_len, B, SE, buf, len + 1, hdr, &off, &pl, err, sizeof err),
        AJ_EINVAL);
    assert_err_has(err, "MessageSize says");
    assert_int_equal(
        aj_ua_asym_open(b->pki, a->cert, a->cert_len, B, SE, buf, len, 4, &off, &pl, err, sizeof err),
        AJ_EINVAL);
    size_t big = hdr + (AJ_UA_ASYM_BLOCKS_MAX + 1) * 512;
    uint8_t *huge = calloc(1, big);
    memcpy(huge, sealed, hdr);
    put_u32(huge + 4, (uint32_t)big);
    assert_int_equal(
        aj_ua_asym_open(b->pki, a->cert, a->cert_len, B, SE, huge, big, hdr, &off, &pl, err, sizeof err),
        AJ_ETOOBIG);
    assert_err_has(err, "65 RSA blocks, at most 64");
    /* one block: too short for the 512-byte signature of key b */
    size_t one = hdr2 + 256;
    put_u32(huge + 4, (uint32_t)one);
    assert_int_equal(
        aj_ua_asym_open(a->pki, b->cert, b->cert_len, B, SE, huge, one, hdr2, &off, &pl, err, sizeof err),
        AJ_EINVAL);
    assert_err_has(err, "cannot hold a sequence header, padding and a 512-byte signature");
    free(huge);
    /* policy None: the size only */
    size_t n = 12 + 8 + 3;
    memcpy(buf, "OPNF", 4);
    assert_int_equal(aj_ua_asym_seal(NULL, NULL, 0, AJ_UA_POLICY_NONE, AJ_UA_MODE_NONE, buf, 12, 11,
                                     sizeof buf, &len, err, sizeof err),
                     AJ_OK);
    assert_int_equal(len, n);
    assert_int_equal(aj_ua_asym_open(NULL, NULL, 0, AJ_UA_POLICY_NONE, AJ_UA_MODE_NONE, buf, len, 12, &off,
                                     &pl, err, sizeof err),
                     AJ_OK);
    assert_int_equal(pl, 11);
    assert_int_equal(aj_ua_asym_open(NULL, NULL, 0, AJ_UA_POLICY_NONE, AJ_UA_MODE_NONE, buf, len, 20, &off,
                                     &pl, err, sizeof err),
                     AJ_EINVAL);
    assert_err_has(err, "do not hold the sequence header");
}

/* ---- 5. cross checks with node-opcua ---------------------------------------------------------- */

static int key_index(const char *id) {
    for (int k = 0; k < N_KEYS; k++)
        if (id[0] == KEY_IDS[k] && id[1] == '\0') return k;
    fail_msg("unknown key %s", id);
    return -1;
}

static aj_ua_mode mode_of(const char *name) {
    aj_ua_mode m = AJ_UA_MODE_NONE;
    assert_true(aj_ua_mode_from_name(name, &m));
    return m;
}

static void hex_line(FILE *f, const uint8_t *p, size_t n) {
    for (size_t i = 0; i < n; i++) fprintf(f, "%02x", p[i]);
}

typedef struct cross_counts {
    int sym, sym_partial, asym, asym_partial, asym_extra, sig, exported;
} cross_counts;

#define CROSS_BUF (64u * 1024u)

/* sym <mode> <client|server> <chunk_size> <F|C> <hdr_len> <plain> <chunk> */
static void cross_sym(char **f, uint8_t *plain, uint8_t *chunk, uint8_t *work, FILE *out, bool is_standalone,
                      cross_counts *n) {
    aj_ua_keys client, server;
    derived_keys(&client, &server);
    const aj_ua_keys *k = strcmp(f[2], "client") == 0 ? &client : &server;
    aj_ua_mode m = mode_of(f[1]);
    size_t chunk_size = strtoul(f[3], NULL, 10), hdr = strtoul(f[5], NULL, 10);
    size_t plain_len = hex_decode(f[6], plain, CROSS_BUF), len = hex_decode(f[7], chunk, CROSS_BUF);
    size_t off = 0, pl = 0, our_len = 0;
    char err[256];
    memcpy(work, chunk, len);
    aj_err rc = aj_ua_sym_open(k, AJ_UA_POLICY_BASIC256SHA256, m, work, len, hdr, &off, &pl, err, sizeof err);
    if (rc != AJ_OK) fail_msg("node-opcua sym chunk: %s", err);
    assert_int_equal(pl, plain_len);
    assert_memory_equal(work + off, plain, plain_len);
    if (f[4][0] == 'C') {
        assert_int_equal(pl, aj_ua_sym_max_body(AJ_UA_POLICY_BASIC256SHA256, m, hdr, chunk_size));
        n->sym_partial++;
    }
    memcpy(work, chunk, hdr);
    memcpy(work + hdr, plain, plain_len);
    assert_int_equal(aj_ua_sym_seal(k, AJ_UA_POLICY_BASIC256SHA256, m, work, hdr, plain_len, CROSS_BUF,
                                    &our_len, err, sizeof err),
                     AJ_OK);
    assert_int_equal(our_len, len);
    assert_memory_equal(work, chunk, len); /* byte for byte what node-opcua sent */
    if (out && is_standalone) {
        fprintf(out, "sym %s %s %s %s %s %s ", f[1], f[2], f[3], f[4], f[5], f[6]);
        hex_line(out, work, our_len);
        fputc('\n', out);
        n->exported++;
    }
    n->sym++;
}

/* asym <sender> <receiver> <mode> <chunk_size> <F|C> <hdr_len> <plain> <chunk> <before> */
static void cross_asym(char **f, uint8_t *plain, uint8_t *chunk, uint8_t *work, FILE *out, bool is_standalone,
                       cross_counts *n) {
    int s = key_index(f[1]), r = key_index(f[2]);
    aj_ua_mode m = mode_of(f[3]);
    size_t chunk_size = strtoul(f[4], NULL, 10), hdr = strtoul(f[6], NULL, 10);
    size_t plain_len = hex_decode(f[7], plain, CROSS_BUF), len = hex_decode(f[8], chunk, CROSS_BUF);
    uint8_t *before = malloc(CROSS_BUF), *clear = malloc(CROSS_BUF);
    size_t before_len = hex_decode(f[9], before, CROSS_BUF), off = 0, pl = 0, our_len = 0;
    char err[512];
    /* node-opcua's chunk, opened by us */
    memcpy(work, chunk, len);
    aj_err rc = aj_ua_asym_open(keys[r].pki, keys[s].cert, keys[s].cert_len, AJ_UA_POLICY_BASIC256SHA256, m,
                                work, len, hdr, &off, &pl, err, sizeof err);
    if (rc != AJ_OK) fail_msg("node-opcua OPN chunk %s->%s: %s", f[1], f[2], err);
    assert_int_equal(pl, plain_len);
    assert_memory_equal(work + off, plain, plain_len);
    if (f[5][0] == 'C') {
        assert_int_equal(pl, aj_ua_asym_max_body(AJ_UA_POLICY_BASIC256SHA256, m, keys[s].pki, keys[r].cert,
                                                 keys[r].cert_len, hdr, chunk_size));
        n->asym_partial++;
    }
    size_t padding_room = before_len - hdr - plain_len - key_bytes(s);
    if (key_bytes(r) > 256 && padding_room >= 258) n->asym_extra++; /* ExtraPaddingSize 1 */
    /* ours: same headers and plain text; once decrypted, byte for byte node-opcua's chunk before encryption
     */
    memcpy(work, chunk, hdr);
    memcpy(work + hdr, plain, plain_len);
    rc = aj_ua_asym_seal(keys[s].pki, keys[r].cert, keys[r].cert_len, AJ_UA_POLICY_BASIC256SHA256, m, work,
                         hdr, plain_len, CROSS_BUF, &our_len, err, sizeof err);
    if (rc != AJ_OK) fail_msg("%s", err);
    assert_int_equal(our_len, len);
    memcpy(clear, work, hdr);
    size_t n_clear = oaep_decrypt(r, work + hdr, our_len - hdr, clear + hdr);
    assert_int_equal(hdr + n_clear, before_len);
    assert_memory_equal(clear, before, before_len);
    if (out && is_standalone) {
        fprintf(out, "asym %s %s %s %s %s %s %s ", f[1], f[2], f[3], f[4], f[5], f[6], f[7]);
        hex_line(out, work, our_len);
        fputc('\n', out);
        n->exported++;
    }
    free(before);
    free(clear);
    n->asym++;
}

/* sig <signer> <cert> <nonce> <signature> */
static void cross_sig(char **f, uint8_t *a, uint8_t *b, cross_counts *n) {
    int signer = key_index(f[1]), cert = key_index(f[2]);
    size_t nlen = hex_decode(f[3], a, CROSS_BUF), slen = hex_decode(f[4], b, CROSS_BUF), our_len = 0;
    uint8_t *ours = NULL;
    char err[256];
    assert_int_equal(aj_ua_sign_data(keys[signer].pki, keys[cert].cert, keys[cert].cert_len, a, nlen, &ours,
                                     &our_len, err, sizeof err),
                     AJ_OK);
    assert_int_equal(our_len, slen);
    assert_memory_equal(ours, b, slen);
    free(ours);
    assert_int_equal(aj_ua_verify_data(keys[signer].cert, keys[signer].cert_len, keys[cert].cert,
                                       keys[cert].cert_len, a, nlen, b, slen, err, sizeof err),
                     AJ_OK);
    n->sig++;
}

static void test_cross_node_opcua(void **state) {
    (void)state;
    size_t text_len = 0;
    char *text = data_file("data/opcua_security_cross.txt", &text_len);
    uint8_t *plain = malloc(CROSS_BUF), *chunk = malloc(CROSS_BUF), *work = malloc(CROSS_BUF);
    const char *export_path = getenv("AJ_UA_SEC_EXPORT");
    FILE *out = export_path ? fopen(export_path, "w") : NULL;
    if (export_path) assert_non_null(out);
    cross_counts n = {0};
    bool prev_final_sym = true, prev_final_asym = true;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (line[0] == '#') continue;
        char *f[12], *fs = NULL;
        int nf = 0;
        for (char *t = strtok_r(line, " ", &fs); t && nf < 12; t = strtok_r(NULL, " ", &fs)) f[nf++] = t;
        if (strcmp(f[0], "sym") == 0) {
            assert_int_equal(nf, 8);
            cross_sym(f, plain, chunk, work, out, prev_final_sym && f[4][0] == 'F', &n);
            prev_final_sym = f[4][0] == 'F';
        } else if (strcmp(f[0], "asym") == 0) {
            assert_int_equal(nf, 10);
            cross_asym(f, plain, chunk, work, out, prev_final_asym && f[5][0] == 'F', &n);
            prev_final_asym = f[5][0] == 'F';
        } else {
            assert_string_equal(f[0], "sig");
            assert_int_equal(nf, 5);
            cross_sig(f, plain, chunk, &n);
        }
    }
    if (out) fclose(out);
    assert_true(n.sym >= 40 && n.sym_partial >= 2 && n.asym >= 30 && n.asym_partial >= 1 &&
                n.asym_extra >= 1 && n.sig == 2);
    print_message(
        "node-opcua cross vectors: %d MSG chunks (%d non-final) opened and re-sealed byte for byte, %d OPN "
        "chunks (%d non-final, %d with ExtraPaddingSize 1) opened and re-sealed identical before "
        "encryption, %d session signatures identical%s\n",
        n.sym, n.sym_partial, n.asym, n.asym_partial, n.asym_extra, n.sig,
        export_path ? "; our chunks written for the node-opcua check" : "");
    free(plain);
    free(chunk);
    free(work);
    free(text);
}

/* ---- 6. session crypto --------------------------------------------------------------------- */

static void test_sign_verify_data(void **state) {
    (void)state;
    const test_key *a = &keys[KEY_A], *b = &keys[KEY_B];
    uint8_t *sig = NULL;
    size_t sig_len = 0;
    char err[256];
    assert_int_equal(
        aj_ua_sign_data(b->pki, a->cert, a->cert_len, client_nonce, 32, &sig, &sig_len, err, sizeof err),
        AJ_OK);
    assert_int_equal(sig_len, 512);
    assert_int_equal(aj_ua_verify_data(b->cert, b->cert_len, a->cert, a->cert_len, client_nonce, 32, sig,
                                       sig_len, err, sizeof err),
                     AJ_OK);
    assert_int_equal(aj_ua_verify_data(keys[KEY_D].cert, keys[KEY_D].cert_len, a->cert, a->cert_len,
                                       client_nonce, 32, sig, sig_len, err, sizeof err),
                     AJ_EINVAL);
    assert_err_has(err, "signature of 512 bytes, the server's key makes 384-byte signatures");
    assert_int_equal(aj_ua_verify_data(b->cert, b->cert_len, a->cert, a->cert_len, client_nonce, 31, sig,
                                       sig_len, err, sizeof err),
                     AJ_EINVAL);
    assert_err_has(err, "does not verify");
    sig[100] ^= 1;
    assert_int_equal(aj_ua_verify_data(b->cert, b->cert_len, a->cert, a->cert_len, client_nonce, 32, sig,
                                       sig_len, err, sizeof err),
                     AJ_EINVAL);
    assert_int_equal(aj_ua_verify_data((const uint8_t *)"x", 1, a->cert, a->cert_len, client_nonce, 32, sig,
                                       sig_len, err, sizeof err),
                     AJ_EINVAL);
    assert_err_has(err, "server certificate: not a DER certificate");
    free(sig);
}

static void check_secret(int k, const char *secret, size_t slen) {
    uint8_t *enc = NULL, clear[2048];
    size_t enc_len = 0;
    char err[256];
    assert_int_equal(aj_ua_encrypt_secret(keys[k].cert, keys[k].cert_len, (const uint8_t *)secret, slen,
                                          server_nonce, 32, &enc, &enc_len, err, sizeof err),
                     AJ_OK);
    size_t ptb = key_bytes(k) - 42, want_blocks = (4 + slen + 32 + ptb - 1) / ptb;
    assert_int_equal(enc_len, want_blocks * key_bytes(k));
    size_t n = oaep_decrypt(k, enc, enc_len, clear);
    assert_int_equal(n, 4 + slen + 32);
    assert_int_equal(clear[0] | clear[1] << 8 | clear[2] << 16 | clear[3] << 24, slen + 32);
    assert_memory_equal(clear + 4, secret, slen);
    assert_memory_equal(clear + 4 + slen, server_nonce, 32);
    free(enc);
}

static void test_encrypt_secret(void **state) {
    (void)state;
    char big[AJ_UA_SECRET_LEN_MAX + 1];
    memset(big, 'p', sizeof big);
    check_secret(KEY_A, "correct horse battery staple", 28);
    check_secret(KEY_B, "", 0);
    check_secret(KEY_D, big, AJ_UA_SECRET_LEN_MAX); /* several blocks */
    uint8_t *enc = NULL;
    size_t enc_len = 0;
    char err[256];
    assert_int_equal(aj_ua_encrypt_secret(keys[KEY_A].cert, keys[KEY_A].cert_len, (const uint8_t *)big,
                                          sizeof big, server_nonce, 32, &enc, &enc_len, err, sizeof err),
                     AJ_EINVAL);
    assert_err_has(err, "secret of 1025 bytes (at most 1024)");
    assert_int_equal(aj_ua_encrypt_secret(keys[KEY_A].cert, keys[KEY_A].cert_len, (const uint8_t *)"pw", 2,
                                          server_nonce, 16, &enc, &enc_len, err, sizeof err),
                     AJ_EINVAL);
    assert_int_equal(aj_ua_encrypt_secret((const uint8_t *)"\x30\x00", 2, (const uint8_t *)"pw", 2,
                                          server_nonce, 32, &enc, &enc_len, err, sizeof err),
                     AJ_EINVAL);
    assert_null(enc);
}

static void test_random(void **state) {
    (void)state;
    uint8_t a[32] = {0}, b[32] = {0};
    assert_int_equal(aj_ua_random(a, sizeof a), AJ_OK);
    assert_int_equal(aj_ua_random(b, sizeof b), AJ_OK);
    assert_memory_not_equal(a, b, sizeof a);
    assert_int_equal(aj_ua_random(NULL, 0), AJ_OK);
}

/* ---- 7. the fuzz corpus --------------------------------------------------------------------- */

#include "../fuzz/fuzz_opcua_security.c"

static bool replay(const char *name, const char *bytes, size_t len, void *ctx) {
    (void)name, (void)ctx;
    return fz_one((const uint8_t *)bytes, len);
}

static void test_fuzz_corpus(void **state) {
    (void)state;
    int n_valid = 0;
    int n =
        aj_test_corpus_each(__FILE__, "../fuzz/corpus/opcua_security", FZ_CHUNK_MAX, replay, NULL, &n_valid);
    assert_true(n > 0);
    assert_true(n_valid > 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_policies),
        cmocka_unit_test(test_p_sha256_node_vectors),
        cmocka_unit_test(test_p_sha256_vs_openssl),
        cmocka_unit_test(test_derive_keys),
        cmocka_unit_test(test_sym_round_trip_and_tamper),
        cmocka_unit_test(test_sym_max_body),
        cmocka_unit_test(test_sym_errors),
        cmocka_unit_test(test_asym_every_padding),
        cmocka_unit_test(test_asym_max_body),
        cmocka_unit_test(test_asym_errors),
        cmocka_unit_test(test_cross_node_opcua),
        cmocka_unit_test(test_sign_verify_data),
        cmocka_unit_test(test_encrypt_secret),
        cmocka_unit_test(test_random),
        cmocka_unit_test(test_fuzz_corpus),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
