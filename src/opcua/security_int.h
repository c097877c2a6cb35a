/* security_int.h — what security.c, security_rsa.c and pki.c share and nobody else uses:
 * OpenSSL key access, certificate key parsing and error formatting. */
#ifndef AJ_OPCUA_SECURITY_INT_H
#define AJ_OPCUA_SECURITY_INT_H

#include "opcua/pki.h"
#include "opcua/security.h"

#include <openssl/evp.h>

/* Our private key, owned by the PKI (never NULL for an open PKI). */
EVP_PKEY *aj_ua_pki_key(const aj_ua_pki *pki);

/* The public key of the first certificate of der[0..len) once checked to be RSA of
 * AJ_UA_RSA_BITS_MIN..MAX bits; the caller frees it with EVP_PKEY_free. `what` names the
 * certificate in messages ("server certificate"). AJ_EINVAL with a message otherwise. */
aj_err aj_ua_cert_rsa_key(const uint8_t *der, size_t len, const char *what, EVP_PKEY **out, char *err,
                          size_t errlen);

/* Formats a message into err (when err is not NULL and errlen > 0). */
void aj_ua_sec_errf(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Formats "<what>: <OpenSSL's first queued error>" into err, clears OpenSSL's error queue of
 * this thread and returns AJ_EINTERNAL. */
aj_err aj_ua_sec_ossl_fail(char *err, size_t errlen, const char *what);

/* Checks a received chunk's MessageSize (bytes 4..7) == len, len <= INT_MAX and the headers
 * (hdr_len >= 12 checked by the caller) within len; AJ_EINVAL/AJ_ETOOBIG with a message
 * starting with `what` otherwise. */
aj_err aj_ua_sec_check_size(const uint8_t *chunk, size_t len, size_t hdr_len, const char *what, char *err,
                            size_t errlen);

/* Little-endian UInt32 at p. */
static inline uint32_t aj_ua_sec_get_u32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline void aj_ua_sec_put_u32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

#endif
