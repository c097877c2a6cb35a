/* pki.h — the OPC UA client's certificates: our application instance certificate and private
 * key, and the list of server certificates we trust (docs/opcua.md "Security").
 *
 * Folder layout under the PKI directory (made on first use, directories mode 0700):
 *
 *   own/cert.der          our certificate (DER), made on first use: RSA 2048, SHA-256,
 *                         self-signed, subjectAltName URI:<application URI> and
 *                         DNS:<host name> (IP:<address> for a literal address), key usage
 *                         digitalSignature, nonRepudiation, keyEncipherment,
 *                         dataEncipherment, keyCertSign, extended key usage clientAuth and
 *                         serverAuth, valid AJ_UA_OWN_CERT_DAYS days from yesterday
 *   own/private/key.pem   its private key (PEM, PKCS#8, mode 0600; refused when group or
 *                         others may read it)
 *   trusted/              server certificates we accept (DER or PEM, any file name): an
 *                         operator copies them here
 *   rejected/             server certificates we refused, as <sha1-hex>.der, so that an
 *                         operator can inspect one and move it to trusted/
 *
 * Trust is explicit: a server certificate is accepted only when the same certificate (byte
 * for byte) is in trusted/. There is no trust on first use and no CA chain validation.
 *
 * Threads: after aj_ua_pki_open the PKI is only read (OpenSSL 3 keys may be used from
 * several threads at once); aj_ua_pki_check_peer writes into rejected/ with a temporary file
 * and a rename, so it may run in several threads too. Free it after the last user.
 */
#ifndef AJ_OPCUA_PKI_H
#define AJ_OPCUA_PKI_H

#include "base/err.h"

#include <stddef.h>
#include <stdint.h>

typedef struct aj_ua_pki aj_ua_pki;

/* Opens the PKI directory dir, creating it, its folders and our certificate and key on first
 * use (a key without a certificate gets a new certificate; a certificate without its key is
 * an error). application_uri ("urn:anjian:<host>") and hostname (our host name or address)
 * go into a new certificate; an existing one must name application_uri (AJ_ECONFLICT
 * otherwise: remove own/ to make a new one). *out is freed with aj_ua_pki_free. Errors:
 * AJ_EINVAL (bad arguments, unreadable or mismatched certificate and key, key readable by
 * others), AJ_ECONFLICT, AJ_EIO (file system; the message names the path), AJ_ENOMEM,
 * AJ_EINTERNAL (OpenSSL). */
aj_err aj_ua_pki_open(const char *dir, const char *application_uri, const char *hostname, aj_ua_pki **out,
                      char *err, size_t errlen);
/* Frees the PKI (and wipes the private key from memory). NULL is a no-op. */
void aj_ua_pki_free(aj_ua_pki *pki);
/* Our certificate (DER), owned by the PKI; *len its length. */
const uint8_t *aj_ua_pki_own_cert(const aj_ua_pki *pki, size_t *len);
/* SHA-1 thumbprint of our certificate: what a server's OPN response names as the receiver. */
void aj_ua_pki_own_thumbprint(const aj_ua_pki *pki, uint8_t out[20]);
/* The application URI in our certificate (the ApplicationDescription must carry the same). */
const char *aj_ua_pki_application_uri(const aj_ua_pki *pki);
/* Size of our RSA key in bytes (256 for 2048 bits): the size of our signatures. */
size_t aj_ua_pki_own_key_bytes(const aj_ua_pki *pki);

/* Checks a server certificate (DER as sent; of a chain the first certificate): parseable,
 * within its validity period, an RSA key of AJ_UA_RSA_BITS_MIN..MAX bits, and present in
 * trusted/. AJ_OK when all hold. Not trusted: AJ_EFORBIDDEN, the certificate is saved as
 * rejected/<sha1-hex>.der (unless rejected/ already holds AJ_UA_PKI_REJECTED_MAX) and the
 * message names its subject, thumbprint and where it was saved. Expired or not yet valid:
 * AJ_EFORBIDDEN naming the date. Garbage, wrong key type or size: AJ_EINVAL. */
aj_err aj_ua_pki_check_peer(aj_ua_pki *pki, const uint8_t *der, size_t len, char *err, size_t errlen);

/* ---- certificate helpers (no PKI needed) ---- */

/* SHA-1 of der[0..len) (pass the first certificate of a chain: aj_ua_cert_leaf_len). */
void aj_ua_cert_thumbprint(const uint8_t *der, size_t len, uint8_t out[20]);
/* Length of the first DER element of der[0..len) (the leaf certificate of a chain sent as
 * concatenated certificates); 0 when der does not start with a complete DER SEQUENCE. */
size_t aj_ua_cert_leaf_len(const uint8_t *der, size_t len);
/* Copies the first URI of the certificate's subjectAltName into out (NUL-terminated) so
 * that the session can compare it with the server's applicationUri. AJ_ENOTFOUND when it has
 * none, AJ_ETOOBIG when it does not fit, AJ_EINVAL for an unparseable certificate. */
aj_err aj_ua_cert_application_uri(const uint8_t *der, size_t len, char *out, size_t outlen);

#endif
