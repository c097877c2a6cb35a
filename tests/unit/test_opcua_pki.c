/* test_opcua_pki.c — the OPC UA client's PKI (src/opcua/pki.c).
 *
 * 1. First open makes the folders (0700) and our certificate and key (0600); the certificate
 *    is parsed back with OpenSSL: version 3, RSA 2048, sha256WithRSAEncryption, self-signed,
 *    subjectAltName URI and DNS (or IP), key usage, extended key usage, CA:FALSE, validity.
 * 2. A second open reuses both; a different application URI is refused; a key without a
 *    certificate gets a new certificate, a certificate without its key is refused, a key
 *    readable by others is refused.
 * 3. Trust: an unknown server certificate is refused and saved in rejected/; once moved to
 *    trusted/ it is accepted (also as PEM, also as the first certificate of a chain); the
 *    rejected/ folder is bounded.
 * 4. Precise errors: expired, not yet valid, garbage, a non-certificate DER, RSA 1024, EC.
 * 5. Certificate helpers: leaf length of a chain, application URI.
 */
#include "opcua/pki.h"

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
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

static char root[64]; /* a fresh directory per test */

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static int setup(void **state) {
    (void)state;
    snprintf(root, sizeof root, "/tmp/aj-ua-pki-XXXXXX");
    return mkdtemp(root) ? 0 : -1;
}

static int teardown(void **state) {
    (void)state;
    return nftw(root, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

static void path_of(char *out, size_t size, const char *rel) {
    snprintf(out, size, "%s/%s", root, rel);
}

static uint8_t *read_all(const char *path, size_t *len) {
    char *data = NULL, err[512];
    if (aj_file_read(path, 1u << 20, &data, len, err, sizeof err) != AJ_OK) fail_msg("%s", err);
    return (uint8_t *)data;
}

static uint8_t *data_file(const char *name, size_t *len) {
    char path[1024];
    aj_test_source_path(path, sizeof path, __FILE__, name);
    return read_all(path, len);
}

static void write_file(const char *path, const void *data, size_t len) {
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static mode_t mode_of(const char *rel) {
    char path[256];
    struct stat st;
    path_of(path, sizeof path, rel);
    assert_int_equal(stat(path, &st), 0);
    return st.st_mode & 07777;
}

static void assert_err_has(const char *err, const char *part) {
    if (!strstr(err, part)) fail_msg("message \"%s\" does not contain \"%s\"", err, part);
}

static aj_ua_pki *open_pki(const char *uri, const char *host) {
    char dir[256], err[512];
    aj_ua_pki *pki = NULL;
    path_of(dir, sizeof dir, "pki");
    aj_err rc = aj_ua_pki_open(dir, uri, host, &pki, err, sizeof err);
    if (rc != AJ_OK) fail_msg("%s", err);
    return pki;
}

static aj_err open_pki_err(const char *uri, const char *host, char *err, size_t errlen) {
    char dir[256];
    aj_ua_pki *pki = NULL;
    path_of(dir, sizeof dir, "pki");
    aj_err rc = aj_ua_pki_open(dir, uri, host, &pki, err, errlen);
    assert_true((rc == AJ_OK) == (pki != NULL));
    aj_ua_pki_free(pki);
    return rc;
}

/* A certificate for key (DER, caller frees) valid from now + from_s to now + to_s. */
static uint8_t *make_cert(EVP_PKEY *key, long from_s, long to_s, const char *cn, size_t *len) {
    X509 *x = X509_new();
    assert_non_null(x);
    X509_set_version(x, X509_VERSION_3);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 42);
    X509_gmtime_adj(X509_getm_notBefore(x), from_s);
    X509_gmtime_adj(X509_getm_notAfter(x), to_s);
    X509_NAME *name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0);
    X509_set_issuer_name(x, name);
    X509_set_pubkey(x, key);
    assert_true(X509_sign(x, key, EVP_sha256()) > 0);
    unsigned char *der = NULL;
    int n = i2d_X509(x, &der);
    assert_true(n > 0);
    uint8_t *out = malloc((size_t)n);
    memcpy(out, der, (size_t)n);
    OPENSSL_free(der);
    X509_free(x);
    *len = (size_t)n;
    return out;
}

static EVP_PKEY *test_key_a(void) {
    size_t len = 0;
    uint8_t *pem = data_file("data/opcua_sec_a.key.pem", &len);
    BIO *b = BIO_new_mem_buf(pem, (int)len);
    EVP_PKEY *key = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
    BIO_free(b);
    free(pem);
    assert_non_null(key);
    return key;
}

static void hex(const uint8_t *p, size_t n, char *out) {
    for (size_t i = 0; i < n; i++) sprintf(out + 2 * i, "%02x", p[i]);
}

/* ---- 1. first open ----------------------------------------------------------------------------- */

static void test_first_open_makes_certificate(void **state) {
    (void)state;
    aj_ua_pki *pki = open_pki("urn:anjian:plant-gw-1", "plant-gw-1");
    assert_int_equal(mode_of("pki"), 0700);
    assert_int_equal(mode_of("pki/own"), 0700);
    assert_int_equal(mode_of("pki/own/private"), 0700);
    assert_int_equal(mode_of("pki/trusted"), 0700);
    assert_int_equal(mode_of("pki/rejected"), 0700);
    assert_int_equal(mode_of("pki/own/private/key.pem"), 0600);
    char path[256];
    size_t len = 0, own_len = 0;
    path_of(path, sizeof path, "pki/own/cert.der");
    uint8_t *der = read_all(path, &len);
    const uint8_t *own = aj_ua_pki_own_cert(pki, &own_len);
    assert_int_equal(own_len, len);
    assert_memory_equal(own, der, len);
    uint8_t thumb[20], want[20];
    aj_ua_pki_own_thumbprint(pki, thumb);
    SHA1(der, len, want);
    assert_memory_equal(thumb, want, 20);
    assert_string_equal(aj_ua_pki_application_uri(pki), "urn:anjian:plant-gw-1");
    assert_int_equal(aj_ua_pki_own_key_bytes(pki), 256);

    const unsigned char *p = der;
    X509 *x = d2i_X509(NULL, &p, (long)len);
    assert_non_null(x);
    assert_int_equal(X509_get_version(x), X509_VERSION_3);
    EVP_PKEY *pk = X509_get0_pubkey(x);
    assert_true(EVP_PKEY_is_a(pk, "RSA"));
    assert_int_equal(EVP_PKEY_get_bits(pk), 2048);
    assert_int_equal(X509_get_signature_nid(x), NID_sha256WithRSAEncryption);
    assert_int_equal(X509_verify(x, pk), 1); /* self-signed */
    assert_int_equal(X509_NAME_cmp(X509_get_subject_name(x), X509_get_issuer_name(x)), 0);
    /* subjectAltName: the URI and the host */
    GENERAL_NAMES *names = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
    assert_non_null(names);
    bool has_uri = false, has_dns = false;
    for (int i = 0; i < sk_GENERAL_NAME_num(names); i++) {
        GENERAL_NAME *g = sk_GENERAL_NAME_value(names, i);
        if (g->type == GEN_URI)
            has_uri = strcmp((const char *)ASN1_STRING_get0_data(g->d.uniformResourceIdentifier),
                             "urn:anjian:plant-gw-1") == 0;
        if (g->type == GEN_DNS)
            has_dns = strcmp((const char *)ASN1_STRING_get0_data(g->d.dNSName), "plant-gw-1") == 0;
    }
    GENERAL_NAMES_free(names);
    assert_true(has_uri && has_dns);
    /* key usage, extended key usage, basic constraints */
    uint32_t ku = X509_get_key_usage(x);
    assert_int_equal(ku, KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION | KU_KEY_ENCIPHERMENT |
                             KU_DATA_ENCIPHERMENT | KU_KEY_CERT_SIGN);
    int crit = -1;
    ASN1_BIT_STRING *kus = X509_get_ext_d2i(x, NID_key_usage, &crit, NULL);
    assert_int_equal(crit, 1);
    ASN1_BIT_STRING_free(kus);
    assert_int_equal(X509_get_extended_key_usage(x), XKU_SSL_CLIENT | XKU_SSL_SERVER);
    assert_int_equal(X509_check_ca(x), 0);
    BASIC_CONSTRAINTS *bc = X509_get_ext_d2i(x, NID_basic_constraints, &crit, NULL);
    assert_non_null(bc);
    assert_int_equal(bc->ca, 0);
    assert_int_equal(crit, 1);
    BASIC_CONSTRAINTS_free(bc);
    assert_non_null(X509_get0_subject_key_id(x));
    /* validity: from a day ago for AJ_UA_OWN_CERT_DAYS days */
    int days = 0, secs = 0;
    assert_int_equal(ASN1_TIME_diff(&days, &secs, X509_get0_notBefore(x), X509_get0_notAfter(x)), 1);
    assert_int_equal(days, AJ_UA_OWN_CERT_DAYS + 1);
    assert_true(X509_cmp_current_time(X509_get0_notBefore(x)) < 0);
    char cn[128];
    X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, cn, sizeof cn);
    assert_string_equal(cn, "anjian@plant-gw-1");
    X509_free(x);
    /* the application URI helper reads it back */
    char uri[64];
    assert_int_equal(aj_ua_cert_application_uri(der, len, uri, sizeof uri), AJ_OK);
    assert_string_equal(uri, "urn:anjian:plant-gw-1");
    assert_int_equal(aj_ua_cert_application_uri(der, len, uri, 5), AJ_ETOOBIG);
    free(der);
    aj_ua_pki_free(pki);
}

static void test_ip_address_host(void **state) {
    (void)state;
    aj_ua_pki *pki = open_pki("urn:anjian:10.1.2.3", "10.1.2.3");
    size_t len = 0;
    const uint8_t *der = aj_ua_pki_own_cert(pki, &len);
    X509 *x = d2i_X509(NULL, &der, (long)len);
    assert_non_null(x);
    GENERAL_NAMES *names = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
    bool has_ip = false;
    for (int i = 0; i < sk_GENERAL_NAME_num(names); i++) {
        GENERAL_NAME *g = sk_GENERAL_NAME_value(names, i);
        if (g->type == GEN_IPADD && ASN1_STRING_length(g->d.iPAddress) == 4)
            has_ip = memcmp(ASN1_STRING_get0_data(g->d.iPAddress), "\x0a\x01\x02\x03", 4) == 0;
    }
    assert_true(has_ip);
    GENERAL_NAMES_free(names);
    X509_free(x);
    aj_ua_pki_free(pki);
}

/* ---- 2. reopening ------------------------------------------------------------------------------ */

static void test_reopen_reuses(void **state) {
    (void)state;
    char err[512], path[256];
    aj_ua_pki *first = open_pki("urn:anjian:h", "h");
    size_t len1 = 0, len2 = 0, key_len1 = 0, key_len2 = 0;
    const uint8_t *c1 = aj_ua_pki_own_cert(first, &len1);
    path_of(path, sizeof path, "pki/own/private/key.pem");
    uint8_t *key1 = read_all(path, &key_len1);
    aj_ua_pki *second = open_pki("urn:anjian:h", "h");
    const uint8_t *c2 = aj_ua_pki_own_cert(second, &len2);
    assert_int_equal(len1, len2);
    assert_memory_equal(c1, c2, len1);
    aj_ua_pki_free(second);
    /* another application URI: refused, nothing replaced */
    assert_int_equal(open_pki_err("urn:anjian:other", "other", err, sizeof err), AJ_ECONFLICT);
    assert_err_has(err, "is for application URI urn:anjian:h, not urn:anjian:other");
    /* key without certificate: a new certificate for the same key */
    path_of(path, sizeof path, "pki/own/cert.der");
    assert_int_equal(unlink(path), 0);
    aj_ua_pki *third = open_pki("urn:anjian:h", "h");
    const uint8_t *c3 = aj_ua_pki_own_cert(third, &len2);
    assert_false(len1 == len2 && memcmp(c1, c3, len1) == 0); /* new serial */
    path_of(path, sizeof path, "pki/own/private/key.pem");
    uint8_t *key2 = read_all(path, &key_len2);
    assert_int_equal(key_len1, key_len2);
    assert_memory_equal(key1, key2, key_len1);
    aj_ua_pki_free(third);
    aj_ua_pki_free(first);
    /* a key readable by others */
    assert_int_equal(chmod(path, 0644), 0);
    assert_int_equal(open_pki_err("urn:anjian:h", "h", err, sizeof err), AJ_EINVAL);
    assert_err_has(err, "mode 0644 lets group or others read the private key; chmod 600 it");
    /* a certificate without its key */
    assert_int_equal(unlink(path), 0);
    assert_int_equal(open_pki_err("urn:anjian:h", "h", err, sizeof err), AJ_EINVAL);
    assert_err_has(err, "cert.der: exists but its key");
    /* a key that is not PEM */
    write_file(path, "not a key", 9);
    assert_int_equal(chmod(path, 0600), 0);
    assert_int_equal(open_pki_err("urn:anjian:h", "h", err, sizeof err), AJ_EINVAL);
    assert_err_has(err, "key.pem: not a PEM private key");
    /* a key that does not belong to the certificate */
    size_t a_len = 0;
    uint8_t *a_pem = data_file("data/opcua_sec_a.key.pem", &a_len);
    write_file(path, a_pem, a_len);
    assert_int_equal(open_pki_err("urn:anjian:h", "h", err, sizeof err), AJ_EINVAL);
    assert_err_has(err, "does not belong to the private key");
    free(a_pem);
    free(key1);
    free(key2);
}

static void test_bad_arguments(void **state) {
    (void)state;
    char err[512], dir[256];
    assert_int_equal(open_pki_err("urn:anjian:has space", "h", err, sizeof err), AJ_EINVAL);
    assert_err_has(err, "printable ASCII");
    assert_int_equal(open_pki_err("urn:anjian:h", "", err, sizeof err), AJ_EINVAL);
    aj_ua_pki *pki = NULL;
    path_of(dir, sizeof dir, "file");
    write_file(dir, "x", 1);
    snprintf(dir + strlen(dir), sizeof dir - strlen(dir), "/pki");
    assert_int_equal(aj_ua_pki_open(dir, "urn:x", "h", &pki, err, sizeof err), AJ_EIO);
    assert_err_has(err, "cannot create directory");
    assert_null(pki);
}

/* ---- 3. trust ---------------------------------------------------------------------------------- */

static void test_trust_flow(void **state) {
    (void)state;
    char err[1024], path[256], name[128], thumb_hex[41];
    aj_ua_pki *pki = open_pki("urn:anjian:h", "h");
    size_t b_len = 0, c_len = 0;
    uint8_t *b = data_file("data/opcua_sec_b.cert.der", &b_len),
            *c = data_file("data/opcua_sec_c.cert.der", &c_len);
    uint8_t thumb[20];
    aj_ua_cert_thumbprint(b, b_len, thumb);
    hex(thumb, 20, thumb_hex);
    /* unknown: refused, saved in rejected/ */
    assert_int_equal(aj_ua_pki_check_peer(pki, b, b_len, err, sizeof err), AJ_EFORBIDDEN);
    assert_err_has(err, "server certificate \"O=anjian tests,CN=opcua-sec-test-b\"");
    assert_err_has(err, thumb_hex);
    assert_err_has(err, "is not trusted; saved as ");
    assert_err_has(err, "to trust it, move it to ");
    print_message("untrusted: %s\n", err);
    snprintf(name, sizeof name, "pki/rejected/%s.der", thumb_hex);
    path_of(path, sizeof path, name);
    size_t saved_len = 0;
    uint8_t *saved = read_all(path, &saved_len);
    assert_int_equal(saved_len, b_len);
    assert_memory_equal(saved, b, b_len);
    free(saved);
    assert_int_equal(aj_ua_pki_check_peer(pki, b, b_len, err, sizeof err),
                     AJ_EFORBIDDEN); /* again: same file */
    /* the operator moves it to trusted/ */
    char to[256];
    snprintf(name, sizeof name, "pki/trusted/%s.der", thumb_hex);
    path_of(to, sizeof to, name);
    assert_int_equal(rename(path, to), 0);
    err[0] = '\0';
    assert_int_equal(aj_ua_pki_check_peer(pki, b, b_len, err, sizeof err), AJ_OK);
    /* sent as a chain (leaf, then another certificate): the leaf decides */
    uint8_t *chain = malloc(b_len + c_len);
    memcpy(chain, b, b_len);
    memcpy(chain + b_len, c, c_len);
    assert_int_equal(aj_ua_pki_check_peer(pki, chain, b_len + c_len, err, sizeof err), AJ_OK);
    assert_int_equal(aj_ua_cert_leaf_len(chain, b_len + c_len), b_len);
    /* a PEM copy under any name is trusted too */
    assert_int_equal(aj_ua_pki_check_peer(pki, c, c_len, err, sizeof err), AJ_EFORBIDDEN);
    const unsigned char *p = c;
    X509 *x = d2i_X509(NULL, &p, (long)c_len);
    path_of(path, sizeof path, "pki/trusted/server-c.pem");
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(PEM_write_X509(f, x), 1);
    fclose(f);
    X509_free(x);
    assert_int_equal(aj_ua_pki_check_peer(pki, c, c_len, err, sizeof err), AJ_OK);
    /* a trusted file that differs in one byte does not count */
    uint8_t *d_like = malloc(b_len);
    memcpy(d_like, b, b_len);
    assert_int_equal(unlink(to), 0);
    d_like[b_len - 1] ^= 1;
    write_file(to, d_like, b_len);
    assert_int_equal(aj_ua_pki_check_peer(pki, b, b_len, err, sizeof err), AJ_EFORBIDDEN);
    free(d_like);
    free(chain);
    free(b);
    free(c);
    aj_ua_pki_free(pki);
}

static void test_rejected_is_bounded(void **state) {
    (void)state;
    char err[1024], path[256], name[64];
    aj_ua_pki *pki = open_pki("urn:anjian:h", "h");
    for (int i = 0; i < AJ_UA_PKI_REJECTED_MAX; i++) {
        snprintf(name, sizeof name, "pki/rejected/old-%03d.der", i);
        path_of(path, sizeof path, name);
        write_file(path, "x", 1);
    }
    size_t b_len = 0;
    uint8_t *b = data_file("data/opcua_sec_b.cert.der", &b_len);
    assert_int_equal(aj_ua_pki_check_peer(pki, b, b_len, err, sizeof err), AJ_EFORBIDDEN);
    assert_err_has(err, "not saved: ");
    assert_err_has(err, "already holds 100 certificates");
    free(b);
    aj_ua_pki_free(pki);
}

/* ---- 4. precise errors ------------------------------------------------------------------------- */

static void test_expired_and_future(void **state) {
    (void)state;
    char err[1024], path[256];
    aj_ua_pki *pki = open_pki("urn:anjian:h", "h");
    EVP_PKEY *key = test_key_a();
    size_t len = 0;
    uint8_t *old = make_cert(key, -3 * 86400L, -86400L, "old-server", &len);
    path_of(path, sizeof path, "pki/trusted/old.der");
    write_file(path, old, len); /* trusted, but expired all the same */
    assert_int_equal(aj_ua_pki_check_peer(pki, old, len, err, sizeof err), AJ_EFORBIDDEN);
    assert_err_has(err, "server certificate \"CN=old-server\"");
    assert_err_has(err, "expired on ");
    char day[32];
    time_t t = time(NULL) - 86400;
    strftime(day, sizeof day, "%Y-%m-%d", gmtime(&t));
    assert_err_has(err, day);
    print_message("expired: %s\n", err);
    free(old);
    uint8_t *future = make_cert(key, 86400L, 2 * 86400L, "new-server", &len);
    assert_int_equal(aj_ua_pki_check_peer(pki, future, len, err, sizeof err), AJ_EFORBIDDEN);
    assert_err_has(err, "is not valid before ");
    free(future);
    EVP_PKEY_free(key);
    aj_ua_pki_free(pki);
}

static void test_garbage_and_wrong_keys(void **state) {
    (void)state;
    char err[1024];
    aj_ua_pki *pki = open_pki("urn:anjian:h", "h");
    uint8_t junk[300];
    for (size_t i = 0; i < sizeof junk; i++) junk[i] = (uint8_t)(i * 31 + 7);
    assert_int_equal(aj_ua_pki_check_peer(pki, junk, sizeof junk, err, sizeof err), AJ_EINVAL);
    assert_err_has(err, "server certificate: not a DER certificate (300 bytes, no SEQUENCE at the start)");
    assert_int_equal(aj_ua_pki_check_peer(pki, junk, 0, err, sizeof err), AJ_EINVAL);
    static const uint8_t not_cert[] = {0x30, 0x03, 0x02, 0x01, 0x00};
    assert_int_equal(aj_ua_pki_check_peer(pki, not_cert, sizeof not_cert, err, sizeof err), AJ_EINVAL);
    assert_err_has(err, "not a valid X.509 certificate (5 bytes)");
    size_t b_len = 0;
    uint8_t *b = data_file("data/opcua_sec_b.cert.der", &b_len);
    assert_int_equal(aj_ua_pki_check_peer(pki, b, b_len / 2, err, sizeof err), AJ_EINVAL); /* truncated */
    assert_err_has(err, "not a DER certificate");
    free(b);
    /* RSA 1024 and EC keys */
    EVP_PKEY *small = EVP_RSA_gen(1024);
    size_t len = 0;
    uint8_t *der = make_cert(small, -60, 86400, "small", &len);
    assert_int_equal(aj_ua_pki_check_peer(pki, der, len, err, sizeof err), AJ_EINVAL);
    assert_err_has(err, "RSA key of 1024 bits, Basic256Sha256 needs 2048..4096");
    free(der);
    EVP_PKEY_free(small);
    EVP_PKEY *ec = EVP_EC_gen("P-256");
    der = make_cert(ec, -60, 86400, "ec", &len);
    assert_int_equal(aj_ua_pki_check_peer(pki, der, len, err, sizeof err), AJ_EINVAL);
    assert_err_has(err, "public key is EC, Basic256Sha256 needs RSA");
    char uri[64];
    assert_int_equal(aj_ua_cert_application_uri(der, len, uri, sizeof uri), AJ_ENOTFOUND);
    free(der);
    EVP_PKEY_free(ec);
    aj_ua_pki_free(pki);
}

/* ---- 5. helpers -------------------------------------------------------------------------------- */

static void test_leaf_len(void **state) {
    (void)state;
    static const uint8_t short_form[] = {0x30, 0x02, 0x05, 0x00, 0xff};
    assert_int_equal(aj_ua_cert_leaf_len(short_form, sizeof short_form), 4);
    assert_int_equal(aj_ua_cert_leaf_len(short_form, 3), 0);
    static const uint8_t long1[] = {0x30, 0x81, 0x01, 0x00};
    assert_int_equal(aj_ua_cert_leaf_len(long1, sizeof long1), 4);
    static const uint8_t long2[] = {0x30, 0x82, 0x01, 0x00};
    assert_int_equal(aj_ua_cert_leaf_len(long2, sizeof long2), 0); /* announces 256 bytes */
    static const uint8_t indefinite[] = {0x30, 0x80, 0x00, 0x00};
    assert_int_equal(aj_ua_cert_leaf_len(indefinite, sizeof indefinite), 0);
    static const uint8_t too_long[] = {0x30, 0x85, 1, 1, 1, 1, 1};
    assert_int_equal(aj_ua_cert_leaf_len(too_long, sizeof too_long), 0);
    static const uint8_t huge[] = {0x30, 0x84, 0xff, 0xff, 0xff, 0xff};
    assert_int_equal(aj_ua_cert_leaf_len(huge, sizeof huge), 0);
    static const uint8_t not_seq[] = {0x31, 0x00};
    assert_int_equal(aj_ua_cert_leaf_len(not_seq, sizeof not_seq), 0);
    assert_int_equal(aj_ua_cert_leaf_len(NULL, 0), 0);
    size_t len = 0;
    uint8_t *a = data_file("data/opcua_sec_a.cert.der", &len);
    assert_int_equal(aj_ua_cert_leaf_len(a, len), len);
    char uri[64];
    assert_int_equal(aj_ua_cert_application_uri(a, len, uri, sizeof uri), AJ_OK);
    assert_string_equal(uri, "urn:anjian:test:a");
    assert_int_equal(aj_ua_cert_application_uri(a, 10, uri, sizeof uri), AJ_EINVAL);
    free(a);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_first_open_makes_certificate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ip_address_host, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reopen_reuses, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_arguments, setup, teardown),
        cmocka_unit_test_setup_teardown(test_trust_flow, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rejected_is_bounded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_expired_and_future, setup, teardown),
        cmocka_unit_test_setup_teardown(test_garbage_and_wrong_keys, setup, teardown),
        cmocka_unit_test(test_leaf_len),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
