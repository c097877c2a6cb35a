/* security.h — OPC UA message security (OPC 10000-6 §6.7, OPC 10000-7 Basic256Sha256), the
 * layer the secure channel calls to sign, encrypt, verify and decrypt message chunks.
 *
 * Policies: None and Basic256Sha256 (the one RSA policy every server offers). Basic256Sha256:
 *
 *   symmetric signature   HMAC-SHA256, 32-byte key, 32-byte signature
 *   symmetric encryption  AES-256-CBC, 32-byte key, 16-byte IV and block
 *   asymmetric signature  RSA PKCS#1 v1.5 with SHA-256 (signature = the signer's key size)
 *   asymmetric encryption RSA-OAEP with SHA-1 (plain block = key bytes - 42, cipher block =
 *                         key bytes)
 *   key derivation        P_SHA256 (the TLS 1.2 PRF construction without label)
 *   nonces                32 bytes; RSA keys 2048..4096 bits (base/limits.h AJ_UA_RSA_BITS_*)
 *
 * Chunk layout (§6.7.2), what the functions below take and give:
 *
 *   | message header 12 | security header | sequence header 8 | body | padding | signature |
 *   0                   12                hdr_len                                          len
 *                                          \_____ plain (plain_len) _/
 *
 * The message header is "OPN"/"MSG"/"CLO", the chunk type, MessageSize (UInt32 LE, bytes
 * 4..7) and SecureChannelId. The security header is the asymmetric one (SecurityPolicyUri,
 * SenderCertificate, ReceiverCertificateThumbprint) for OPN and the 4-byte TokenId for
 * MSG/CLO, so hdr_len is 16 for those. The caller writes both headers and the plain part
 * (sequence header + body) into one buffer; *_seal appends padding and signature, encrypts
 * from hdr_len on and writes MessageSize. *_open undoes that in place and says where the
 * plain part is. Neither parses the headers: the channel does (and checks the policy URI,
 * the thumbprint and the token id before calling *_open).
 *
 * Padding (encrypting modes): PaddingSize byte, then PaddingSize bytes each equal to it, then
 * for a cipher key longer than 2048 bits an ExtraPaddingSize byte (the high byte of the
 * padding size); the plain part, padding and signature make a whole number of plain blocks.
 * The least padding that does it is used. Sign mode has no padding. The signature covers
 * everything from byte 0 (MessageSize holding the final, encrypted size) to the end of the
 * padding; it is made before encryption. OPN chunks are signed and encrypted whenever the
 * mode is not None, Sign included (§6.7.4); the signature has the size of the sender's key,
 * the encryption blocks that of the receiver's key.
 *
 * Errors. Every function that can fail on input returns an aj_err and writes a message into
 * err (errlen bytes, may be NULL/0) saying what and where ("OPN chunk: padding byte 3 of 12
 * is 0x07, expected 0x0b"). Untrusted input: every length is checked before a byte is read,
 * the HMAC is compared in constant time, padding is checked only after the signature
 * verified. On an *_open error the chunk's contents are unspecified (partly decrypted).
 *
 * Threads. No global state: calls on different buffers may run in parallel, also with the
 * same keys or PKI (see pki.h).
 */
#ifndef AJ_OPCUA_SECURITY_H
#define AJ_OPCUA_SECURITY_H

#include "base/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct aj_ua_pki aj_ua_pki; /* pki.h */

/* ---- policies and modes ------------------------------------------------------------------ */

typedef enum { AJ_UA_POLICY_NONE = 0, AJ_UA_POLICY_BASIC256SHA256 = 1 } aj_ua_policy;
/* MessageSecurityMode values (OPC 10000-4 §7.20); 0 (Invalid) is never valid. */
typedef enum { AJ_UA_MODE_NONE = 1, AJ_UA_MODE_SIGN = 2, AJ_UA_MODE_SIGN_ENCRYPT = 3 } aj_ua_mode;

#define AJ_UA_MSG_HEADER_LEN     12 /* "MSG" 'F' MessageSize SecureChannelId */
#define AJ_UA_SEQ_HEADER_LEN     8  /* SequenceNumber RequestId */
#define AJ_UA_SYM_HEADER_LEN     16 /* message header + TokenId: hdr_len of MSG/CLO chunks */
#define AJ_UA_SYM_SIGNATURE_LEN  32 /* HMAC-SHA256 */
#define AJ_UA_SYM_KEY_LEN        32 /* signing and encrypting keys (AES-256) */
#define AJ_UA_SYM_BLOCK_LEN      16 /* AES block and IV */
#define AJ_UA_OAEP_SHA1_OVERHEAD 42 /* RSA-OAEP-SHA1: plain block = key bytes - 42 */
#define AJ_UA_NONCE_LEN          32 /* SecureChannelNonceLength of Basic256Sha256 */
#define AJ_UA_THUMBPRINT_LEN     20 /* SHA-1 */

/* Algorithm URIs put in SignatureData.algorithm and UserNameIdentityToken.encryptionAlgorithm. */
#define AJ_UA_URI_RSA_SHA256 "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
#define AJ_UA_URI_RSA_OAEP   "http://www.w3.org/2001/04/xmlenc#rsa-oaep"

/* "http://opcfoundation.org/UA/SecurityPolicy#None" / "...#Basic256Sha256"; NULL for a value
 * outside the enum. */
const char *aj_ua_policy_uri(aj_ua_policy p);
/* The policy with this URI (uri[0..len), need not be NUL-terminated; compared exactly).
 * false for any other URI, including the policies not supported (Basic128Rsa15, Basic256,
 * Aes128_Sha256_RsaOaep, Aes256_Sha256_RsaPss). */
bool aj_ua_policy_from_uri(const char *uri, size_t len, aj_ua_policy *out);
/* "None" / "Basic256Sha256" (configuration files, logs); "?" outside the enum. */
const char *aj_ua_policy_name(aj_ua_policy p);
/* The policy with that short name (exact, NUL-terminated); false otherwise. */
bool aj_ua_policy_from_name(const char *name, aj_ua_policy *out);
/* "None" / "Sign" / "SignAndEncrypt"; "?" outside the enum. */
const char *aj_ua_mode_name(aj_ua_mode m);
/* The mode with that name (exact); false otherwise. */
bool aj_ua_mode_from_name(const char *name, aj_ua_mode *out);
/* Whether the pair can be used: None goes with None only, Basic256Sha256 with Sign or
 * SignAndEncrypt. Every function below refuses other pairs with AJ_EINVAL. */
bool aj_ua_mode_valid(aj_ua_policy p, aj_ua_mode m);
/* Nonce length of the policy for OpenSecureChannel (0 for None, 32 for Basic256Sha256).
 * CreateSession nonces are 32 bytes under every policy. */
size_t aj_ua_policy_nonce_len(aj_ua_policy p);

/* ---- asymmetric security: OPN chunks -------------------------------------------------------
 * Under None nothing is added or checked: seal only writes MessageSize, open only checks it.
 * pki holds our certificate and private key (pki.h); peer_der / sender_der is the other
 * side's certificate as sent on the wire (DER, a chain allowed: its first certificate is
 * used); both may be NULL under None. The peer's certificate must have passed
 * aj_ua_pki_check_peer before a chunk is sealed for it or opened from it. */

/* The most plain bytes (sequence header + body) one chunk of chunk_size bytes can carry when
 * its headers take hdr_len bytes; 0 when not even a sequence header fits or an input is
 * unusable (bad pair, certificate not RSA 2048..4096: the seal reports why). */
size_t aj_ua_asym_max_body(aj_ua_policy p, aj_ua_mode m, const aj_ua_pki *pki, const uint8_t *peer_der,
                           size_t peer_len, size_t hdr_len, size_t chunk_size);
/* The length of the chunk aj_ua_asym_seal makes from hdr_len + plain_len bytes (the buffer
 * capacity it needs); 0 when an input is unusable, as above. */
size_t aj_ua_asym_sealed_size(aj_ua_policy p, aj_ua_mode m, const aj_ua_pki *pki, const uint8_t *peer_der,
                              size_t peer_len, size_t hdr_len, size_t plain_len);
/* Seals the OPN chunk in chunk[0..hdr_len + plain_len) (capacity cap): padding, MessageSize,
 * signature with our private key, RSA-OAEP encryption with the peer's public key from
 * hdr_len on. *out_len: the final chunk length. Errors: AJ_EINVAL (bad pair, hdr_len < 12,
 * plain_len < 8, unusable certificate), AJ_ETOOBIG (cap too small, or more than 4 GiB),
 * AJ_EINTERNAL (OpenSSL failed). */
aj_err aj_ua_asym_seal(const aj_ua_pki *pki, const uint8_t *peer_der, size_t peer_len, aj_ua_policy p,
                       aj_ua_mode m, uint8_t *chunk, size_t hdr_len, size_t plain_len, size_t cap,
                       size_t *out_len, char *err, size_t errlen);
/* Opens the received OPN chunk chunk[0..len) whose headers end at hdr_len: checks
 * MessageSize == len, decrypts from hdr_len on with our private key (at most
 * AJ_UA_ASYM_BLOCKS_MAX blocks), verifies the signature with the sender certificate's key,
 * checks and removes the padding. On success the plain sequence header + body are at
 * chunk[*plain_off .. *plain_off + *plain_len) (at least 8 bytes). Errors: AJ_EINVAL for
 * everything wrong with the chunk or the certificate (message says what), AJ_ETOOBIG for
 * more blocks than allowed, AJ_EINTERNAL when OpenSSL fails. */
aj_err aj_ua_asym_open(const aj_ua_pki *pki, const uint8_t *sender_der, size_t sender_len, aj_ua_policy p,
                       aj_ua_mode m, uint8_t *chunk, size_t len, size_t hdr_len, size_t *plain_off,
                       size_t *plain_len, char *err, size_t errlen);

/* ---- symmetric security: MSG and CLO chunks ------------------------------------------------ */

/* The keys of one direction of one security token. Policy None: all lengths 0. */
typedef struct aj_ua_keys {
    uint8_t sign[32];
    uint8_t enc[32];
    uint8_t iv[16];
    size_t sign_len, enc_len, iv_len;
} aj_ua_keys;

/* P_SHA256(secret, seed) (RFC 5246 §5 without label): out_len bytes into out. Lengths up to
 * 4096 bytes each (AJ_EINVAL beyond); AJ_EINTERNAL when OpenSSL fails. */
aj_err aj_ua_p_sha256(const uint8_t *secret, size_t secret_len, const uint8_t *seed, size_t seed_len,
                      uint8_t *out, size_t out_len);
/* Derives the keys of a security token (§6.7.6): the client's (secret = server nonce, seed =
 * client nonce) and the server's (secret = client nonce, seed = server nonce), each
 * signing key 32 + encrypting key 32 + IV 16 bytes of one P_SHA256 stream. The client seals
 * with `client` and opens with `server`. Policy None: both zeroed (lengths 0). Errors:
 * AJ_EINVAL for a nonce shorter than 32 or longer than AJ_UA_NONCE_LEN_MAX bytes. */
aj_err aj_ua_derive_keys(aj_ua_policy p, const uint8_t *client_nonce, size_t cn_len,
                         const uint8_t *server_nonce, size_t sn_len, aj_ua_keys *client, aj_ua_keys *server,
                         char *err, size_t errlen);
/* Overwrites the keys with zeros (call when a token is dropped). */
void aj_ua_keys_clear(aj_ua_keys *k);
/* The most plain bytes (sequence header + body) one chunk of chunk_size bytes carries when
 * its headers take hdr_len bytes (16 for MSG/CLO); 0 when nothing fits or the pair is bad. */
size_t aj_ua_sym_max_body(aj_ua_policy p, aj_ua_mode m, size_t hdr_len, size_t chunk_size);
/* The length aj_ua_sym_seal makes from hdr_len + plain_len bytes; 0 for a bad pair. */
size_t aj_ua_sym_sealed_size(aj_ua_policy p, aj_ua_mode m, size_t hdr_len, size_t plain_len);
/* Seals the MSG/CLO chunk in chunk[0..hdr_len + plain_len) (capacity cap) with the sending
 * side's keys: padding (SignAndEncrypt), MessageSize, HMAC-SHA256, AES-256-CBC from hdr_len
 * on (SignAndEncrypt). Errors as aj_ua_asym_seal, plus AJ_EINVAL for keys that do not
 * belong to the policy. */
aj_err aj_ua_sym_seal(const aj_ua_keys *k, aj_ua_policy p, aj_ua_mode m, uint8_t *chunk, size_t hdr_len,
                      size_t plain_len, size_t cap, size_t *out_len, char *err, size_t errlen);
/* Opens the received MSG/CLO chunk chunk[0..len) with the sending side's keys: MessageSize
 * == len, block alignment, AES-256-CBC decryption (SignAndEncrypt), HMAC check in constant
 * time, padding. The plain sequence header + body are then at chunk[*plain_off ..
 * *plain_off + *plain_len) (at least 8 bytes). Errors: AJ_EINVAL (message says what). */
aj_err aj_ua_sym_open(const aj_ua_keys *k, aj_ua_policy p, aj_ua_mode m, uint8_t *chunk, size_t len,
                      size_t hdr_len, size_t *plain_off, size_t *plain_len, char *err, size_t errlen);

/* ---- session-level crypto ------------------------------------------------------------------ */

/* n cryptographically random bytes (nonces). AJ_EINTERNAL when the generator fails. */
aj_err aj_ua_random(uint8_t *out, size_t n);
/* RSA PKCS#1 v1.5 SHA-256 signature with our private key over a[0..alen) || b[0..blen)
 * (CreateSession/ActivateSession clientSignature: the server certificate, then the server
 * nonce). *sig (malloc'ed, the caller frees it with free()) holds *sig_len = our key size
 * bytes. Algorithm URI: AJ_UA_URI_RSA_SHA256. Errors: AJ_ENOMEM, AJ_EINTERNAL. */
aj_err aj_ua_sign_data(const aj_ua_pki *pki, const uint8_t *a, size_t alen, const uint8_t *b, size_t blen,
                       uint8_t **sig, size_t *sig_len, char *err, size_t errlen);
/* Verifies sig, made with the key of the peer's certificate (its first certificate), over
 * a || b (CreateSessionResponse serverSignature: our certificate, then our nonce). AJ_OK when
 * valid; AJ_EINVAL for a wrong signature or an unusable certificate. */
aj_err aj_ua_verify_data(const uint8_t *peer_der, size_t peer_len, const uint8_t *a, size_t alen,
                         const uint8_t *b, size_t blen, const uint8_t *sig, size_t sig_len, char *err,
                         size_t errlen);
/* Encrypts a secret (a password) for a UserNameIdentityToken under Basic256Sha256 (OPC
 * 10000-4 §7.36.2.2, the legacy format): RSA-OAEP-SHA1 with the peer's public key of
 * UInt32 LE (slen + nlen) || secret || server_nonce, in as many blocks as it takes. *out
 * (malloc'ed, freed with free()) holds *out_len bytes (a multiple of the key size).
 * Algorithm URI: AJ_UA_URI_RSA_OAEP. Errors: AJ_EINVAL (secret longer than
 * AJ_UA_SECRET_LEN_MAX, nonce not 32..AJ_UA_NONCE_LEN_MAX bytes, unusable certificate),
 * AJ_ENOMEM, AJ_EINTERNAL. */
aj_err aj_ua_encrypt_secret(const uint8_t *peer_der, size_t peer_len, const uint8_t *secret, size_t slen,
                            const uint8_t *server_nonce, size_t nlen, uint8_t **out, size_t *out_len,
                            char *err, size_t errlen);

#endif
