/* sender.h — `anjian sim --url`: the simulator's line protocol sent to a server's
 * `POST /write?precision=ns` in batches of whole samples (docs/simulator.md).
 *
 * A sender is a sink of the run loop (aj_sim_sink, sim.h). It owns one HTTP client
 * (http_client.h), the bearer token and one batch buffer of --batch-bytes.
 */
#ifndef AJ_SIM_SENDER_H
#define AJ_SIM_SENDER_H

#include "sim/sim.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ---- bounds and defaults ------------------------------------------------------------------ */

/* A request body: 1 MiB by default (the server's body limit is 16 MiB by default). */
#define AJ_SIM_BATCH_BYTES_DEFAULT (1024u * 1024u)
/* At least a few lines per request (a line is at most AJ_SIM_LINE_MAX bytes). */
#define AJ_SIM_BATCH_BYTES_MIN 4096u
/* At most the server's largest body limit (AJ_BODY_MAX_MAX). */
#define AJ_SIM_BATCH_BYTES_MAX (256u * 1024u * 1024u)
/* Reconnect backoff: 100 ms doubling to 5 s. */
#define AJ_SIM_BACKOFF_MS_MIN 100
#define AJ_SIM_BACKOFF_MS_MAX 5000
/* Give up on one batch (connection failures or 503s) after this long by default. */
#define AJ_SIM_RETRY_MAX_S_DEFAULT 60
/* 503 without a usable Retry-After: wait this long. */
#define AJ_SIM_RETRY_AFTER_MS_DEFAULT 1000
/* A bearer token (the server's are 43 characters) and a password file. */
#define AJ_SIM_TOKEN_LEN_MAX 1024
/* Rejected lines printed (to the log stream) per run; the rest are only counted. */
#define AJ_SIM_REJECTS_SHOWN_MAX 10
/* The sender's error messages. */
#define AJ_SIM_SEND_ERR_LEN 512

typedef struct aj_sim_send_opts {
    const char *url;      /* http://HOST:PORT */
    const char *token;    /* bearer token; NULL: log in with user and password */
    const char *user;     /* for the login */
    const char *password; /* for the login */
    size_t batch_bytes;   /* AJ_SIM_BATCH_BYTES_MIN .. _MAX; 0 = default */
    int retry_max_ms;     /* give up on a batch after this long; < 0 = default */
    FILE *log;            /* rejected lines are described here; may be NULL */
} aj_sim_send_opts;

typedef struct aj_sim_send_stats {
    uint64_t n_points;      /* lines delivered in answered requests (including rejected ones) */
    uint64_t n_requests;    /* POST /write requests answered (503s included) */
    uint64_t n_retries_503; /* resends after a 503 */
    uint64_t n_reconnects;  /* resends after a failed connection */
    uint64_t n_rejected;    /* lines the server reported rejected (400) */
    uint64_t n_bytes;       /* body bytes delivered */
} aj_sim_send_stats;

typedef struct aj_sim_sender aj_sim_sender;

/* Checks the options, connects lazily and, without a token, logs in first (POST
 * /api/v1/auth/login). On error returns AJ_EINVAL (bad options or URL), AJ_EUNAUTH (login
 * refused), AJ_EUNAVAILABLE (server unreachable) etc. with a message in err. *out is
 * freed with aj_sim_sender_free(). */
aj_err aj_sim_sender_new(const aj_sim_send_opts *o, aj_sim_sender **out, char *err, size_t errlen);
void aj_sim_sender_free(aj_sim_sender *snd);

/* The sender as a sink of aj_sim_run_sinks(); the sink borrows snd (its clear is NULL). */
aj_sim_sink aj_sim_sender_sink(aj_sim_sender *snd);

/* Sends the complete samples buffered so far (all when is_final). Errors as the sink's:
 * AJ_EUNAUTH/AJ_EFORBIDDEN (401/403), AJ_ETOOBIG (413), AJ_EUNAVAILABLE (gave up
 * retrying), AJ_EIO (another status); the message is aj_sim_sender_error(). */
aj_err aj_sim_sender_flush(aj_sim_sender *snd, bool is_final);

const aj_sim_send_stats *aj_sim_sender_stats(const aj_sim_sender *snd);
/* Message of the error that stopped the sender, "" when none. */
const char *aj_sim_sender_error(const aj_sim_sender *snd);

#endif
