/* pki.c — our application instance certificate and key, and the trust list of server
 * certificates (the folders and rules are in pki.h; docs/opcua.md "Security").
 *
 * aj_ua_pki_open makes the folders, then loads own/cert.der and own/private/key.pem or makes
 * them (a new RSA key and a self-signed certificate with the OPC UA extensions). Files are
 * written to a temporary name in the same folder and renamed, so a crash leaves either no
 * file or a whole one; the key is written before the certificate, and a key found without
 * a certificate gets a new certificate.
 *
 * aj_ua_pki_check_peer reads pki/trusted/ on every call (no cache: an operator's copy takes
 * effect at the next connection attempt), looking at AJ_UA_PKI_TRUSTED_MAX entries at most,
 * each file read up to AJ_UA_CERT_FILE_MAX bytes. A server certificate is untrusted input:
 * its DER is parsed by OpenSSL only after its outer length was checked to fit.
 *
 * Ownership: the PKI owns its key (EVP_PKEY) and the DER of its certificate; both are
 * read-only after open.
 */
#include "opcua/pki.h"

#include "base/fileread.h"
#include "base/limits.h"
#include "opcua/security_int.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#define DIR_MODE  0700
#define KEY_MODE  0600
#define CERT_MODE 0644
/* Subject (RFC 2253 text) quoted in messages. */
#define SUBJECT_TEXT_MAX 200

struct aj_ua_pki {
    char dir[AJ_PATH_MAX];
    EVP_PKEY *key;
    uint8_t *cert; /* DER, malloc'ed */
    size_t cert_len;
    uint8_t thumbprint[AJ_UA_THUMBPRINT_LEN];
    char application_uri[AJ_UA_APP_URI_MAX + 1];
};

/* ---- small helpers -------------------------------------------------------------------------- */

static bool path_join(char *out, size_t size, const char *dir, const char *rel) {
    int n = snprintf(out, size, "%s/%s", dir, rel);
    return n > 0 && (size_t)n < size;
}

static void hex(const uint8_t *p, size_t n, char *out) {
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 15];
    }
    out[2 * n] = '\0';
}

/* Printable ASCII without spaces, 1..max bytes: what goes into an IA5String of ours. */
static bool is_plain_ascii(const char *s, size_t max) {
    size_t n = strlen(s);
    if (n == 0 || n > max) return false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] <= 0x20 || s[i] >= 0x7f) return false;
    }
    return true;
}

/* mkdir -p with mode for the parts that do not exist yet. */
static aj_err make_dirs(const char *path, char *err, size_t errlen) {
    char buf[AJ_PATH_MAX];
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof buf) {
        aj_ua_sec_errf(err, errlen, "PKI directory: path of %zu bytes (1..%d allowed)", n, AJ_PATH_MAX - 1);
        return AJ_EINVAL;
    }
    memcpy(buf, path, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (buf[i] != '/' && buf[i] != '\0') continue;
        char saved = buf[i];
        buf[i] = '\0';
        if (mkdir(buf, DIR_MODE) != 0 && errno != EEXIST) {
            aj_ua_sec_errf(err, errlen, "%s: cannot create directory: %s", buf, strerror(errno));
            return AJ_EIO;
        }
        buf[i] = saved;
    }
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
        aj_ua_sec_errf(err, errlen, "%s: not a directory", path);
        return AJ_EIO;
    }
    return AJ_OK;
}

/* Writes data to path through a temporary file in the same directory and a rename. */
static aj_err write_atomic(const char *path, const void *data, size_t len, mode_t mode, char *err,
                           size_t errlen) {
    char tmp[AJ_PATH_MAX];
    int n = snprintf(tmp, sizeof tmp, "%s.tmp-XXXXXX", path);
    if (n < 0 || (size_t)n >= sizeof tmp) {
        aj_ua_sec_errf(err, errlen, "%s: path too long", path);
        return AJ_EINVAL;
    }
    int fd = mkstemp(tmp); /* mode 0600 */
    if (fd < 0) {
        aj_ua_sec_errf(err, errlen, "%s: cannot create: %s", tmp, strerror(errno));
        return AJ_EIO;
    }
    const uint8_t *p = data;
    size_t done = 0;
    bool ok = fchmod(fd, mode) == 0;
    while (ok && done < len) {
        ssize_t w = write(fd, p + done, len - done);
        if (w < 0 && errno == EINTR) continue;
        ok = w > 0;
        if (ok) done += (size_t)w;
    }
    ok = ok && fsync(fd) == 0;
    int saved = errno;
    ok = close(fd) == 0 && ok;
    if (ok && rename(tmp, path) != 0) {
        saved = errno;
        ok = false;
    }
    if (!ok) {
        unlink(tmp);
        aj_ua_sec_errf(err, errlen, "%s: cannot write: %s", path, strerror(saved));
        return AJ_EIO;
    }
    return AJ_OK;
}

static bool file_exists(const char *path) {
    struct stat st;
    return lstat(path, &st) == 0;
}

/* ---- certificates --------------------------------------------------------------------------- */

size_t aj_ua_cert_leaf_len(const uint8_t *der, size_t len) {
    if (!der || len < 2 || der[0] != 0x30) return 0;
    size_t hdr = 2, body = der[1];
    if (der[1] & 0x80) {
        size_t n = der[1] & 0x7f;
        if (n == 0 || n > 4 || len < 2 + n) return 0;
        body = 0;
        for (size_t i = 0; i < n; i++) body = body << 8 | der[2 + i];
        hdr += n;
    }
    return body <= len - hdr ? hdr + body : 0;
}

void aj_ua_cert_thumbprint(const uint8_t *der, size_t len, uint8_t out[20]) {
    static const uint8_t empty[1] = {0};
    SHA1(len ? der : empty, len, out);
}

/* Parses the first certificate of der; NULL when it is not one (then err says so). */
static X509 *parse_leaf(const uint8_t *der, size_t len, const char *what, char *err, size_t errlen) {
    size_t leaf = aj_ua_cert_leaf_len(der, len);
    if (leaf == 0 || leaf > LONG_MAX) {
        aj_ua_sec_errf(err, errlen, "%s: not a DER certificate (%zu bytes%s)", what, len,
                       len && der[0] != 0x30 ? ", no SEQUENCE at the start" : "");
        return NULL;
    }
    const unsigned char *p = der;
    X509 *x = d2i_X509(NULL, &p, (long)leaf);
    if (!x || p != der + leaf) {
        X509_free(x);
        ERR_clear_error();
        aj_ua_sec_errf(err, errlen, "%s: not a valid X.509 certificate (%zu bytes)", what, leaf);
        return NULL;
    }
    return x;
}

/* RSA of the allowed size; the public key (caller frees) or NULL with err set. */
static EVP_PKEY *rsa_public_key(X509 *x, const char *what, char *err, size_t errlen) {
    EVP_PKEY *pk = X509_get_pubkey(x);
    if (!pk || !EVP_PKEY_is_a(pk, "RSA")) {
        aj_ua_sec_errf(err, errlen, "%s: public key is %s, Basic256Sha256 needs RSA", what,
                       pk ? EVP_PKEY_get0_type_name(pk) : "missing");
        EVP_PKEY_free(pk);
        ERR_clear_error();
        return NULL;
    }
    int bits = EVP_PKEY_get_bits(pk);
    if (bits < AJ_UA_RSA_BITS_MIN || bits > AJ_UA_RSA_BITS_MAX) {
        aj_ua_sec_errf(err, errlen, "%s: RSA key of %d bits, Basic256Sha256 needs %d..%d", what, bits,
                       AJ_UA_RSA_BITS_MIN, AJ_UA_RSA_BITS_MAX);
        EVP_PKEY_free(pk);
        return NULL;
    }
    return pk;
}

aj_err aj_ua_cert_rsa_key(const uint8_t *der, size_t len, const char *what, EVP_PKEY **out, char *err,
                          size_t errlen) {
    *out = NULL;
    X509 *x = parse_leaf(der, len, what, err, errlen);
    if (!x) return AJ_EINVAL;
    *out = rsa_public_key(x, what, err, errlen);
    X509_free(x);
    return *out ? AJ_OK : AJ_EINVAL;
}

/* First subjectAltName URI of x: AJ_OK, AJ_ENOTFOUND, AJ_ETOOBIG or AJ_EINVAL (NUL inside). */
static aj_err san_uri(X509 *x, char *out, size_t outlen) {
    GENERAL_NAMES *names = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
    aj_err rc = AJ_ENOTFOUND;
    for (int i = 0; names && i < sk_GENERAL_NAME_num(names) && rc == AJ_ENOTFOUND; i++) {
        const GENERAL_NAME *g = sk_GENERAL_NAME_value(names, i);
        if (g->type != GEN_URI) continue;
        const unsigned char *s = ASN1_STRING_get0_data(g->d.uniformResourceIdentifier);
        size_t n = (size_t)ASN1_STRING_length(g->d.uniformResourceIdentifier);
        if (memchr(s, 0, n)) {
            rc = AJ_EINVAL;
        } else if (n + 1 > outlen) {
            rc = AJ_ETOOBIG;
        } else {
            memcpy(out, s, n);
            out[n] = '\0';
            rc = AJ_OK;
        }
    }
    GENERAL_NAMES_free(names);
    ERR_clear_error();
    return rc;
}

aj_err aj_ua_cert_application_uri(const uint8_t *der, size_t len, char *out, size_t outlen) {
    if (outlen) out[0] = '\0';
    X509 *x = parse_leaf(der, len, "certificate", NULL, 0);
    if (!x) return AJ_EINVAL;
    aj_err rc = san_uri(x, out, outlen);
    X509_free(x);
    if (rc != AJ_OK && outlen) out[0] = '\0';
    return rc;
}

/* The subject as RFC 2253 text, cut at SUBJECT_TEXT_MAX bytes. */
static void subject_text(X509 *x, char *out, size_t size) {
    BIO *b = BIO_new(BIO_s_mem());
    char *data = NULL;
    long n = 0;
    if (b && X509_NAME_print_ex(b, X509_get_subject_name(x), 0, XN_FLAG_RFC2253) >= 0)
        n = BIO_get_mem_data(b, &data);
    if (n <= 0 || !data) {
        snprintf(out, size, "(no subject)");
    } else {
        int shown = n > SUBJECT_TEXT_MAX ? SUBJECT_TEXT_MAX : (int)n;
        snprintf(out, size, "%.*s%s", shown, data, n > SUBJECT_TEXT_MAX ? "..." : "");
    }
    BIO_free(b);
    ERR_clear_error();
}

static void time_text(const ASN1_TIME *t, char *out, size_t size) {
    struct tm tm;
    if (!t || ASN1_TIME_to_tm(t, &tm) != 1 || strftime(out, size, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
        snprintf(out, size, "(unreadable date)");
}

/* ---- making our certificate ----------------------------------------------------------------- */

static bool add_ext(X509 *x, int nid, const char *value) {
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
    X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    bool ok = e && X509_add_ext(x, e, -1) == 1;
    X509_EXTENSION_free(e);
    return ok;
}

/* subjectAltName URI:<uri>, DNS:<host> (IP:<address> for a literal address), built as
 * GENERAL_NAMEs so no character of either is interpreted. */
static bool add_san(X509 *x, const char *uri, const char *host) {
    GENERAL_NAMES *names = sk_GENERAL_NAME_new_null();
    GENERAL_NAME *g_uri = GENERAL_NAME_new(), *g_host = GENERAL_NAME_new();
    ASN1_IA5STRING *s_uri = ASN1_IA5STRING_new();
    bool ok = names && g_uri && g_host && s_uri && ASN1_STRING_set(s_uri, uri, -1) == 1;
    if (ok) {
        GENERAL_NAME_set0_value(g_uri, GEN_URI, s_uri);
        s_uri = NULL;
        ok = sk_GENERAL_NAME_push(names, g_uri) > 0;
        if (ok) g_uri = NULL;
    }
    unsigned char addr[16];
    int addr_len = inet_pton(AF_INET, host, addr) == 1 ? 4 : inet_pton(AF_INET6, host, addr) == 1 ? 16 : 0;
    if (ok && addr_len) {
        ASN1_OCTET_STRING *ip = ASN1_OCTET_STRING_new();
        ok = ip && ASN1_OCTET_STRING_set(ip, addr, addr_len) == 1;
        if (ok)
            GENERAL_NAME_set0_value(g_host, GEN_IPADD, ip);
        else
            ASN1_OCTET_STRING_free(ip);
    } else if (ok) {
        ASN1_IA5STRING *dns = ASN1_IA5STRING_new();
        ok = dns && ASN1_STRING_set(dns, host, -1) == 1;
        if (ok)
            GENERAL_NAME_set0_value(g_host, GEN_DNS, dns);
        else
            ASN1_IA5STRING_free(dns);
    }
    if (ok) {
        ok = sk_GENERAL_NAME_push(names, g_host) > 0;
        if (ok) g_host = NULL;
    }
    ok = ok && X509_add1_ext_i2d(x, NID_subject_alt_name, names, 0, X509V3_ADD_DEFAULT) == 1;
    ASN1_IA5STRING_free(s_uri);
    GENERAL_NAME_free(g_uri);
    GENERAL_NAME_free(g_host);
    GENERAL_NAMES_free(names);
    return ok;
}

/* A self-signed application instance certificate for key (DER into *der, malloc'ed). */
static aj_err make_cert(EVP_PKEY *key, const char *uri, const char *host, uint8_t **der, size_t *der_len,
                        char *err, size_t errlen) {
    X509 *x = X509_new();
    BIGNUM *serial = BN_new();
    char cn[65];
    snprintf(cn, sizeof cn, "anjian@%s", host);
    bool ok = x && serial && X509_set_version(x, X509_VERSION_3) == 1 &&
              BN_rand(serial, 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) == 1 &&
              BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(x)) != NULL &&
              X509_gmtime_adj(X509_getm_notBefore(x), -86400L) != NULL && /* a day of clock skew */
              X509_time_adj_ex(X509_getm_notAfter(x), AJ_UA_OWN_CERT_DAYS, 0, NULL) != NULL;
    X509_NAME *name = ok ? X509_get_subject_name(x) : NULL;
    ok = ok &&
         X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0) == 1 &&
         X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, (const unsigned char *)"anjian", -1, -1, 0) ==
             1 &&
         X509_set_issuer_name(x, name) == 1 && X509_set_pubkey(x, key) == 1;
    ok = ok && add_ext(x, NID_basic_constraints, "critical,CA:FALSE") &&
         add_ext(x, NID_key_usage,
                 "critical,digitalSignature,nonRepudiation,keyEncipherment,dataEncipherment,keyCertSign") &&
         add_ext(x, NID_ext_key_usage, "clientAuth,serverAuth") &&
         add_ext(x, NID_subject_key_identifier, "hash") &&
         add_ext(x, NID_authority_key_identifier, "keyid:always") && add_san(x, uri, host);
    ok = ok && X509_sign(x, key, EVP_sha256()) > 0;
    unsigned char *out = NULL;
    int n = ok ? i2d_X509(x, &out) : -1;
    BN_free(serial);
    X509_free(x);
    if (n <= 0) {
        OPENSSL_free(out);
        return aj_ua_sec_ossl_fail(err, errlen, "making the application instance certificate");
    }
    *der = malloc((size_t)n);
    if (*der) memcpy(*der, out, (size_t)n);
    OPENSSL_free(out);
    if (!*der) return AJ_ENOMEM;
    *der_len = (size_t)n;
    return AJ_OK;
}

static aj_err make_key(const char *path, EVP_PKEY **out, char *err, size_t errlen) {
    EVP_PKEY *key = EVP_RSA_gen(AJ_UA_OWN_RSA_BITS);
    if (!key) return aj_ua_sec_ossl_fail(err, errlen, "making an RSA key");
    BIO *b = BIO_new(BIO_s_mem());
    char *pem = NULL;
    long n = 0;
    if (b && PEM_write_bio_PrivateKey(b, key, NULL, NULL, 0, NULL, NULL) == 1) n = BIO_get_mem_data(b, &pem);
    aj_err rc = n > 0 ? write_atomic(path, pem, (size_t)n, KEY_MODE, err, errlen)
                      : aj_ua_sec_ossl_fail(err, errlen, "writing the private key as PEM");
    if (n > 0) OPENSSL_cleanse(pem, (size_t)n);
    BIO_free(b);
    if (rc != AJ_OK) {
        EVP_PKEY_free(key);
        return rc;
    }
    *out = key;
    return AJ_OK;
}

/* ---- loading ---------------------------------------------------------------------------------- */

static aj_err load_key(const char *path, EVP_PKEY **out, char *err, size_t errlen) {
    struct stat st;
    if (stat(path, &st) != 0) {
        aj_ua_sec_errf(err, errlen, "%s: %s", path, strerror(errno));
        return AJ_EIO;
    }
    if (st.st_mode & 077) {
        aj_ua_sec_errf(err, errlen, "%s: mode %04o lets group or others read the private key; chmod 600 it",
                       path, (unsigned)(st.st_mode & 07777));
        return AJ_EINVAL;
    }
    char *text = NULL;
    size_t len = 0;
    aj_err rc = aj_file_read(path, AJ_UA_CERT_FILE_MAX, &text, &len, err, errlen);
    if (rc != AJ_OK) return rc;
    BIO *b = BIO_new_mem_buf(text, (int)len);
    EVP_PKEY *key = b ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) : NULL;
    BIO_free(b);
    OPENSSL_cleanse(text, len);
    free(text);
    ERR_clear_error();
    if (!key) {
        aj_ua_sec_errf(err, errlen, "%s: not a PEM private key", path);
        return AJ_EINVAL;
    }
    int bits = EVP_PKEY_get_bits(key);
    if (!EVP_PKEY_is_a(key, "RSA") || bits < AJ_UA_RSA_BITS_MIN || bits > AJ_UA_RSA_BITS_MAX) {
        aj_ua_sec_errf(err, errlen, "%s: %s key of %d bits; Basic256Sha256 needs RSA of %d..%d bits", path,
                       EVP_PKEY_get0_type_name(key), bits, AJ_UA_RSA_BITS_MIN, AJ_UA_RSA_BITS_MAX);
        EVP_PKEY_free(key);
        return AJ_EINVAL;
    }
    *out = key;
    return AJ_OK;
}

/* Loads own/cert.der, checks it belongs to the key and names uri (when given). */
static aj_err load_cert(aj_ua_pki *pki, const char *path, const char *uri, char *err, size_t errlen) {
    char *data = NULL;
    size_t len = 0;
    aj_err rc = aj_file_read(path, AJ_UA_CERT_FILE_MAX, &data, &len, err, errlen);
    if (rc != AJ_OK) return rc;
    X509 *x = parse_leaf((const uint8_t *)data, len, path, err, errlen);
    rc = x ? AJ_OK : AJ_EINVAL;
    if (rc == AJ_OK && aj_ua_cert_leaf_len((const uint8_t *)data, len) != len) {
        aj_ua_sec_errf(err, errlen, "%s: %zu bytes after the certificate", path,
                       len - aj_ua_cert_leaf_len((const uint8_t *)data, len));
        rc = AJ_EINVAL;
    }
    if (rc == AJ_OK && X509_check_private_key(x, pki->key) != 1) {
        aj_ua_sec_errf(err, errlen, "%s: does not belong to the private key in own/private/key.pem", path);
        rc = AJ_EINVAL;
    }
    if (rc == AJ_OK) {
        aj_err u = san_uri(x, pki->application_uri, sizeof pki->application_uri);
        if (u != AJ_OK) {
            aj_ua_sec_errf(err, errlen, "%s: no usable application URI in subjectAltName", path);
            rc = AJ_EINVAL;
        } else if (uri && strcmp(uri, pki->application_uri) != 0) {
            aj_ua_sec_errf(err, errlen,
                           "%s: is for application URI %s, not %s; remove %s/own/ to make a new one", path,
                           pki->application_uri, uri, pki->dir);
            rc = AJ_ECONFLICT;
        }
    }
    X509_free(x);
    ERR_clear_error();
    if (rc != AJ_OK) {
        free(data);
        return rc;
    }
    pki->cert = (uint8_t *)data;
    pki->cert_len = len;
    return AJ_OK;
}

aj_err aj_ua_pki_open(const char *dir, const char *application_uri, const char *hostname, aj_ua_pki **out,
                      char *err, size_t errlen) {
    *out = NULL;
    if (!dir || !application_uri || !is_plain_ascii(application_uri, AJ_UA_APP_URI_MAX) || !hostname ||
        !is_plain_ascii(hostname, AJ_UA_HOSTNAME_MAX)) {
        aj_ua_sec_errf(
            err, errlen,
            "PKI: application URI (1..%d bytes) and host name (1..%d bytes) must be printable ASCII "
            "without spaces",
            AJ_UA_APP_URI_MAX, AJ_UA_HOSTNAME_MAX);
        return AJ_EINVAL;
    }
    aj_ua_pki *pki = calloc(1, sizeof *pki);
    if (!pki) return AJ_ENOMEM;
    char own[AJ_PATH_MAX], priv[AJ_PATH_MAX], trusted[AJ_PATH_MAX], rejected[AJ_PATH_MAX];
    char cert_path[AJ_PATH_MAX], key_path[AJ_PATH_MAX];
    aj_err rc = AJ_OK;
    if (strlen(dir) + 32 >= sizeof pki->dir) {
        aj_ua_sec_errf(err, errlen, "PKI: directory path of %zu bytes is too long", strlen(dir));
        rc = AJ_EINVAL;
    }
    if (rc == AJ_OK) {
        snprintf(pki->dir, sizeof pki->dir, "%s", dir);
        bool fits = path_join(own, sizeof own, dir, "own") && path_join(priv, sizeof priv, own, "private") &&
                    path_join(trusted, sizeof trusted, dir, "trusted") &&
                    path_join(rejected, sizeof rejected, dir, "rejected") &&
                    path_join(cert_path, sizeof cert_path, own, "cert.der") &&
                    path_join(key_path, sizeof key_path, priv, "key.pem");
        if (!fits) abort(); /* the length was checked above */
        rc = make_dirs(priv, err, errlen);
    }
    if (rc == AJ_OK) rc = make_dirs(trusted, err, errlen);
    if (rc == AJ_OK) rc = make_dirs(rejected, err, errlen);
    bool has_key = rc == AJ_OK && file_exists(key_path), has_cert = rc == AJ_OK && file_exists(cert_path);
    if (rc == AJ_OK && has_cert && !has_key) {
        aj_ua_sec_errf(err, errlen,
                       "%s: exists but its key %s does not; restore the key or remove %s to make new ones",
                       cert_path, key_path, own);
        rc = AJ_EINVAL;
    }
    if (rc == AJ_OK)
        rc =
            has_key ? load_key(key_path, &pki->key, err, errlen) : make_key(key_path, &pki->key, err, errlen);
    if (rc == AJ_OK && has_cert) rc = load_cert(pki, cert_path, application_uri, err, errlen);
    if (rc == AJ_OK && !has_cert) {
        rc = make_cert(pki->key, application_uri, hostname, &pki->cert, &pki->cert_len, err, errlen);
        if (rc == AJ_OK) rc = write_atomic(cert_path, pki->cert, pki->cert_len, CERT_MODE, err, errlen);
        if (rc == AJ_OK) snprintf(pki->application_uri, sizeof pki->application_uri, "%s", application_uri);
    }
    if (rc != AJ_OK) {
        aj_ua_pki_free(pki);
        return rc;
    }
    aj_ua_cert_thumbprint(pki->cert, pki->cert_len, pki->thumbprint);
    *out = pki;
    return AJ_OK;
}

void aj_ua_pki_free(aj_ua_pki *pki) {
    if (!pki) return;
    EVP_PKEY_free(pki->key);
    free(pki->cert);
    free(pki);
}

const uint8_t *aj_ua_pki_own_cert(const aj_ua_pki *pki, size_t *len) {
    *len = pki->cert_len;
    return pki->cert;
}

void aj_ua_pki_own_thumbprint(const aj_ua_pki *pki, uint8_t out[20]) {
    memcpy(out, pki->thumbprint, AJ_UA_THUMBPRINT_LEN);
}

const char *aj_ua_pki_application_uri(const aj_ua_pki *pki) {
    return pki->application_uri;
}

size_t aj_ua_pki_own_key_bytes(const aj_ua_pki *pki) {
    return (size_t)EVP_PKEY_get_size(pki->key);
}

EVP_PKEY *aj_ua_pki_key(const aj_ua_pki *pki) {
    return pki->key;
}

/* ---- trust ---------------------------------------------------------------------------------- */

/* Whether the file at path holds the certificate leaf[0..leaf_len) (DER, or the first
 * certificate of a PEM file). Unreadable or other files: false. */
static bool file_holds_cert(const char *path, const uint8_t *leaf, size_t leaf_len) {
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size > AJ_UA_CERT_FILE_MAX)
        return false;
    char *data = NULL;
    size_t len = 0;
    if (aj_file_read(path, AJ_UA_CERT_FILE_MAX, &data, &len, NULL, 0) != AJ_OK) return false;
    bool is_same = false;
    if (len > 0 && (uint8_t)data[0] == 0x30) {
        is_same =
            aj_ua_cert_leaf_len((const uint8_t *)data, len) == leaf_len && memcmp(data, leaf, leaf_len) == 0;
    } else if (strstr(data, "-----BEGIN CERTIFICATE-----")) {
        BIO *b = BIO_new_mem_buf(data, (int)len);
        X509 *x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
        unsigned char *der = NULL;
        int n = x ? i2d_X509(x, &der) : -1;
        is_same = n > 0 && (size_t)n == leaf_len && memcmp(der, leaf, leaf_len) == 0;
        OPENSSL_free(der);
        X509_free(x);
        BIO_free(b);
        ERR_clear_error();
    }
    free(data);
    return is_same;
}

static bool is_trusted(const aj_ua_pki *pki, const uint8_t *leaf, size_t leaf_len) {
    char dir[AJ_PATH_MAX], path[AJ_PATH_MAX];
    if (!path_join(dir, sizeof dir, pki->dir, "trusted")) return false;
    DIR *d = opendir(dir);
    if (!d) return false;
    bool found = false;
    struct dirent *e;
    for (int seen = 0; !found && seen < AJ_UA_PKI_TRUSTED_MAX && (e = readdir(d)) != NULL; seen++) {
        if (e->d_name[0] == '.') continue;
        if (path_join(path, sizeof path, dir, e->d_name)) found = file_holds_cert(path, leaf, leaf_len);
    }
    closedir(d);
    return found;
}

/* Number of certificate files in dir (names not starting with '.'), counting up to limit. */
static int count_files(const char *dir, int limit) {
    DIR *d = opendir(dir);
    if (!d) return limit;
    int n = 0;
    struct dirent *e;
    while (n < limit && (e = readdir(d)) != NULL) {
        if (e->d_name[0] != '.') n++;
    }
    closedir(d);
    return n;
}

/* Saves the refused certificate as rejected/<thumbprint>.der; writes what happened into
 * `said` (a clause for the error message). */
static void save_rejected(const aj_ua_pki *pki, const uint8_t *leaf, size_t leaf_len, const char *thumb_hex,
                          char *said, size_t size) {
    char dir[AJ_PATH_MAX], path[AJ_PATH_MAX], name[64];
    snprintf(name, sizeof name, "%s.der", thumb_hex);
    if (!path_join(dir, sizeof dir, pki->dir, "rejected") || !path_join(path, sizeof path, dir, name)) {
        snprintf(said, size, "not saved (path too long)");
        return;
    }
    if (file_exists(path)) {
        snprintf(said, size, "saved as %s", path);
        return;
    }
    if (count_files(dir, AJ_UA_PKI_REJECTED_MAX) >= AJ_UA_PKI_REJECTED_MAX) {
        snprintf(said, size, "not saved: %s already holds %d certificates", dir, AJ_UA_PKI_REJECTED_MAX);
        return;
    }
    char werr[AJ_PATH_MAX + 64];
    if (write_atomic(path, leaf, leaf_len, CERT_MODE, werr, sizeof werr) != AJ_OK) {
        snprintf(said, size, "not saved: %s", werr);
        return;
    }
    snprintf(said, size, "saved as %s", path);
}

aj_err aj_ua_pki_check_peer(aj_ua_pki *pki, const uint8_t *der, size_t len, char *err, size_t errlen) {
    static const char what[] = "server certificate";
    X509 *x = parse_leaf(der, len, what, err, errlen);
    if (!x) return AJ_EINVAL;
    size_t leaf_len = aj_ua_cert_leaf_len(der, len);
    uint8_t thumb[AJ_UA_THUMBPRINT_LEN];
    char thumb_hex[2 * AJ_UA_THUMBPRINT_LEN + 1], subject[SUBJECT_TEXT_MAX + 16], when[64];
    aj_ua_cert_thumbprint(der, leaf_len, thumb);
    hex(thumb, sizeof thumb, thumb_hex);
    subject_text(x, subject, sizeof subject);
    aj_err rc = AJ_OK;
    EVP_PKEY *pk = rsa_public_key(x, what, err, errlen);
    if (!pk) rc = AJ_EINVAL;
    EVP_PKEY_free(pk);
    if (rc == AJ_OK && X509_cmp_current_time(X509_get0_notBefore(x)) >= 0) {
        time_text(X509_get0_notBefore(x), when, sizeof when);
        aj_ua_sec_errf(err, errlen, "%s \"%s\" (SHA-1 %s) is not valid before %s", what, subject, thumb_hex,
                       when);
        rc = AJ_EFORBIDDEN;
    }
    if (rc == AJ_OK && X509_cmp_current_time(X509_get0_notAfter(x)) <= 0) {
        time_text(X509_get0_notAfter(x), when, sizeof when);
        aj_ua_sec_errf(err, errlen, "%s \"%s\" (SHA-1 %s) expired on %s", what, subject, thumb_hex, when);
        rc = AJ_EFORBIDDEN;
    }
    X509_free(x);
    ERR_clear_error();
    if (rc != AJ_OK || is_trusted(pki, der, leaf_len)) return rc;
    char said[AJ_PATH_MAX + 128];
    save_rejected(pki, der, leaf_len, thumb_hex, said, sizeof said);
    aj_ua_sec_errf(err, errlen,
                   "%s \"%s\" (SHA-1 %s) is not trusted; %s; to trust it, move it to %s/trusted/", what,
                   subject, thumb_hex, said, pki->dir);
    return AJ_EFORBIDDEN;
}
