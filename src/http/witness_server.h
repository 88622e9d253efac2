/* SPDX-License-Identifier: Apache-2.0 */
/* Both ends of the tlog-witness protocol (c2sp.org/tlog-witness) over HTTP: the small server
 * of `dure witness serve`, whose one route is POST /add-checkpoint, and the log's side, which
 * pushes every new checkpoint of the ledger to the witnesses of `dure serve --witness` and
 * stores the cosignatures they return. */
#ifndef DURE_HTTP_WITNESS_SERVER_H
#define DURE_HTTP_WITNESS_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "app/app.h"
#include "app/witness.h"
#include "util/err.h"

/* ---- the witness's server ---- */

/* The answer to one add-checkpoint request, as witness_http_add_checkpoint decides it. */
struct witness_answer {
    unsigned status;   /* 200, 400, 403, 404, 409, 413, 422 or 500 */
    const char *ctype; /* static: "text/x.tlog.size" for a 409 with the known size, else
                          "text/plain; charset=utf-8" */
    char body[NOTE_SIGLINE_SIZE + DURE_ERR_MSG_MAX + 8]; /* the cosignature line, the size
                                                            line or the reason and a newline */
    size_t body_len;
    uint64_t old_size;   /* from the request, once parsed */
    uint64_t new_size;   /* the checkpoint's size, once parsed */
    int misbehaviour;    /* see struct witness_result */
    struct dure_err err; /* why it was refused (code DURE_OK on success) */
};

/* Decide the answer to an add-checkpoint request body (borrowed, len bytes): parse it
 * (witness_request_parse), run witness_add_checkpoint and map the outcome to the status codes
 * of c2sp.org/tlog-witness. a (OUT). The state is persisted before a 200 is decided. */
void witness_http_add_checkpoint(struct witness *w, const char *body, size_t len,
                                 struct witness_answer *a);

struct witness_server_config {
    const char *listen;      /* "127.0.0.1:8080", "[::1]:8080" or "8080"; port 0 picks one */
    struct witness *witness; /* borrowed; must outlive the server */
    int access_log;          /* 1: one logfmt line per request on stderr */
};

struct witness_server;

/* Bind and serve POST /add-checkpoint on an internal thread (other paths 404, other methods
 * 405, bodies over WITNESS_REQUEST_MAX 413). Refusals that show a misbehaving log are always
 * logged at level=error, access log or not. *out owned: witness_server_stop. Block the signals
 * the caller waits for before calling. Returns 0, DURE_EINVAL (address) or DURE_EIO. */
int witness_server_start(const struct witness_server_config *cfg, struct witness_server **out,
                         struct dure_err *err);

/* Stop serving, finish the requests in progress, free; s may be NULL. */
void witness_server_stop(struct witness_server *s);

/* The bound address with the real port, e.g. "127.0.0.1:41234"; valid until stop. */
const char *witness_server_address(const struct witness_server *s);

/* ---- the log's side ---- */

#define WITNESS_PUSH_MAX 16 /* witnesses one log pushes to */

struct witness_push;

/* Parse urls, a comma-separated list of witness URL prefixes (http:// or https://; the
 * request goes to <prefix>/add-checkpoint), at most WITNESS_PUSH_MAX. *out owned:
 * witness_push_destroy. Returns 0, DURE_EINVAL naming the bad URL, or DURE_ENOMEM. */
int witness_push_create(const char *urls, struct witness_push **out, struct dure_err *err);

/* Free; p may be NULL. */
void witness_push_destroy(struct witness_push *p);

/* Offer the ledger's latest checkpoint to every witness that has not cosigned it yet, each
 * with a consistency proof from the size it last cosigned (tracked in memory; unknown at
 * first, learnt from the witness's 409 answer, after which the request is retried once), and
 * store the cosignatures returned with ledger_cosignatures_add. A witness that fails is tried
 * again on a later call after a growing pause (1 s doubling to 60 s). Call it from one thread
 * (cmd_serve's ticker, after ledger_checkpoint_cut); it blocks for at most a few seconds per
 * unreachable witness. Problems are logged on stderr (logfmt), never fatal. Returns the number
 * of cosignatures stored by this call. */
size_t witness_push_run(struct witness_push *p, struct app *app);

#endif
