/* SPDX-License-Identifier: Apache-2.0 */
/* dure witness keygen|serve|poll: a member firm's witness of the cooperative's ledger. It
 * cosigns a checkpoint only when it is consistent with the last one it cosigned, so members
 * need not trust the secretariat (c2sp.org/tlog-witness, c2sp.org/tlog-cosignature). */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "app/witness.h"
#include "cli/cli.h"
#include "http/http_client.h"
#include "http/witness_server.h"
#include "util/buf.h"
#include "util/str.h"

/* Exit status of poll when the log forked or shrank: the witness refused to cosign. */
#define CLI_WITNESS_REFUSED 3
#define POLL_INTERVAL_DEFAULT_S 60
#define POLL_INTERVAL_MAX_S 86400
#define VKEY_FILE_MAX 1024
#define URL_MAX 2048
#define RESPONSE_MAX ((size_t)NOTE_MAX_SIZE * 2)

static const char usage[] =
    "usage: dure witness keygen --name NAME --out FILE\n"
    "       dure witness serve --listen ADDR --key FILE --log-key VKEY --state FILE [--quiet]\n"
    "       dure witness poll --log URL --log-key VKEY --key FILE --state FILE [--token TOKEN]\n"
    "                         [--once] [--interval SECONDS]\n"
    "\n"
    "A witness cosigns the ledger's checkpoints only when each one is consistent with the\n"
    "last it cosigned (a consistency proof from that tree), so a secretariat that rewrote or\n"
    "forked the log would be caught. See docs/ledger.md, \"Witnesses\".\n"
    "\n"
    "  keygen   write a new cosignature/v1 key to FILE (mode 0600) and print its verifier key;\n"
    "           the secretariat registers it with: dure ledger witness add VKEY\n"
    "  serve    answer the log's POST /add-checkpoint (c2sp.org/tlog-witness) on ADDR\n"
    "           (IPv4:PORT, [IPv6]:PORT or PORT; port 0 picks one, printed as\n"
    "           listening=HOST:PORT on stderr) until SIGTERM or SIGINT\n"
    "  poll     for a witness that cannot accept connections: fetch the log's checkpoint and\n"
    "           a consistency proof from URL, cosign and post the cosignature (with a token of\n"
    "           role witness: --token or $DURE_TOKEN); every --interval seconds (default 60)\n"
    "           until SIGTERM, or once with --once\n"
    "\n"
    "  --log-key VKEY  the log's verifier key (dure ledger key, or GET /api/v1/ledger/key),\n"
    "                  or a file holding it\n"
    "  --state FILE    the latest checkpoint this witness cosigned; created on first use,\n"
    "                  replaced atomically, never reset\n"
    "\n"
    "poll exits 3 when the log is inconsistent with what the witness cosigned before (a fork,\n"
    "or a log that shrank): it then cosigns nothing.\n";

#if defined(__GNUC__)
__attribute__((format(printf, 1, 2)))
#endif
static int
usage_fail(const char *fmt, ...)
{
    va_list ap;
    fputs("dure: witness: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs(" (see dure witness --help)\n", stderr);
    return CLI_USAGE;
}

/* An argument made safe to echo in a message. */
struct shown {
    char s[64];
};
static struct shown shown(const char *arg)
{
    struct shown out;
    str_sanitize(out.s, sizeof(out.s), arg != NULL ? arg : "", 40);
    return out;
}

/* ---- keygen ---- */

static int sub_keygen(int argc, char **argv)
{
    struct dure_err err;
    char vkey[NOTE_VKEY_SIZE];
    int missing = 0;
    const char *name = cli_take_opt(&argc, argv, "--name", &missing);
    const char *out = cli_take_opt(&argc, argv, "--out", &missing);

    if (missing || name == NULL || out == NULL)
        return usage_fail("keygen needs --name NAME and --out FILE");
    if (argc > 2)
        return usage_fail("keygen: unexpected argument \"%s\"", shown(argv[2]).s);
    if (sodium_init() < 0)
        return cli_failf("witness: libsodium failed to initialise");
    dure_err_clear(&err);
    if (witness_key_generate(name, out, vkey, &err) != 0)
        return cli_failf("witness keygen: %s", err.msg);
    puts(vkey);
    fprintf(stderr,
            "dure: wrote the witness key %s (keep it secret); give the verifier key above to the "
            "secretariat: dure ledger witness add VKEY\n",
            out);
    return CLI_OK;
}

/* ---- shared set-up ---- */

/* The log's verifier key: the text itself, or a file holding it. */
static int load_log_key(const char *arg, struct note_verifier *v)
{
    struct dure_err err;
    char text[VKEY_FILE_MAX];
    size_t len = 0;

    dure_err_clear(&err);
    if (strchr(arg, '+') == NULL || access(arg, R_OK) == 0) {
        FILE *f = fopen(arg, "rb");
        if (f == NULL)
            return cli_failf("witness: --log-key: cannot read %s: %s", arg, strerror(errno));
        len = fread(text, 1, sizeof(text) - 1, f);
        fclose(f);
    } else {
        len = str_copy(text, arg, sizeof(text));
        if (len >= sizeof(text))
            len = sizeof(text) - 1;
    }
    text[len] = '\0';
    while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r' || text[len - 1] == ' '))
        text[--len] = '\0';
    if (note_verifier_parse(text, len, v, &err) != 0)
        return cli_failf("witness: --log-key: %s", err.msg);
    if (v->alg != NOTE_ALG_ED25519)
        return cli_failf("witness: --log-key must be the log's Ed25519 key (type 0x01), not a "
                         "witness key");
    return CLI_OK;
}

/* Load the keys and the state into *out (owned). */
static int open_witness(const char *key_path, const char *log_key, const char *state,
                        struct witness **out)
{
    struct note_signer *signer = NULL;
    struct note_verifier log;
    struct dure_err err;
    int rc = CLI_FAIL;

    *out = NULL;
    dure_err_clear(&err);
    if (sodium_init() < 0)
        return cli_failf("witness: libsodium failed to initialise");
    if (load_log_key(log_key, &log) != CLI_OK)
        return CLI_FAIL;
    signer = sodium_malloc(sizeof(*signer));
    if (signer == NULL)
        return cli_failf("witness: out of memory");
    if (witness_key_load(key_path, signer, &err) != 0) {
        cli_failf("witness: %s", err.msg);
        goto out;
    }
    if (witness_create(signer, &log, state, out, &err) != 0) {
        cli_failf("witness: %s", err.msg);
        goto out;
    }
    rc = CLI_OK;
out:
    note_signer_cleanup(signer);
    sodium_free(signer);
    return rc;
}

static void state_summary(struct witness *w, char *out, size_t n)
{
    uint64_t size = 0;
    if (witness_state(w, &size, NULL))
        snprintf(out, n, "last cosigned size %" PRIu64, size);
    else
        snprintf(out, n, "nothing cosigned yet");
}

/* ---- serve ---- */

static int sub_serve(int argc, char **argv)
{
    struct witness_server_config cfg;
    struct witness_server *srv = NULL;
    struct witness *w = NULL;
    struct dure_err err;
    sigset_t stop;
    char summary[64];
    int missing = 0, sig = 0, rc = CLI_FAIL;

    memset(&cfg, 0, sizeof(cfg));
    cfg.listen = cli_take_opt(&argc, argv, "--listen", &missing);
    const char *key = cli_take_opt(&argc, argv, "--key", &missing);
    const char *log_key = cli_take_opt(&argc, argv, "--log-key", &missing);
    const char *state = cli_take_opt(&argc, argv, "--state", &missing);
    cfg.access_log = !cli_take_flag(&argc, argv, "--quiet");
    if (missing || key == NULL || log_key == NULL || state == NULL)
        return usage_fail("serve needs --key FILE, --log-key VKEY and --state FILE");
    if (argc > 2)
        return usage_fail("serve: unexpected argument \"%s\"", shown(argv[2]).s);
    if (cfg.listen == NULL)
        cfg.listen = "127.0.0.1:8090";

    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    if (pthread_sigmask(SIG_BLOCK, &stop, NULL) != 0)
        return cli_failf("witness: cannot block signals");
    if (open_witness(key, log_key, state, &w) != CLI_OK)
        goto out;
    cfg.witness = w;
    dure_err_clear(&err);
    if (witness_server_start(&cfg, &srv, &err) != 0) {
        cli_fail(&err);
        goto out;
    }
    state_summary(w, summary, sizeof(summary));
    fprintf(stderr, "dure: witness %s serving POST http://%s/add-checkpoint (%s)\n",
            witness_name(w), witness_server_address(srv), summary);
    fprintf(stderr, "listening=%s\n", witness_server_address(srv));
    if (sigwait(&stop, &sig) != 0)
        sig = SIGTERM;
    fprintf(stderr, "dure: %s received, stopping\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
    rc = CLI_OK;
out:
    witness_server_stop(srv);
    witness_destroy(w);
    return rc;
}

/* ---- poll ---- */

struct poller {
    struct http_client *client;
    struct witness *w;
    const char *base; /* the log's URL, without a trailing slash */
    const char *token;
};

/* The outcome of one round. */
enum round_result { ROUND_OK, ROUND_FAILED, ROUND_REFUSED };

#if defined(__GNUC__)
__attribute__((format(printf, 1, 2)))
#endif
static enum round_result
round_fail(const char *fmt, ...)
{
    va_list ap;
    fputs("dure: witness poll: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return ROUND_FAILED;
}

/* GET base + path into resp (OUT, release it); 0 when 200, else a message printed. */
static int get(struct poller *p, const char *path, struct http_client_resp *resp)
{
    struct http_client_req rq;
    struct dure_err err;
    char url[URL_MAX];

    memset(&rq, 0, sizeof(rq));
    memset(resp, 0, sizeof(*resp));
    int n = snprintf(url, sizeof(url), "%s%s", p->base, path);
    if (n < 0 || (size_t)n >= sizeof(url)) {
        round_fail("the log URL is too long");
        return -1;
    }
    rq.method = "GET";
    rq.url = url;
    rq.max_response = RESPONSE_MAX;
    dure_err_clear(&err);
    if (http_client_request(p->client, &rq, resp, &err) != 0) {
        round_fail("GET %s: %s", path, err.msg);
        return -1;
    }
    if (resp->status != 200) {
        char shown[160];
        str_sanitize(shown, sizeof(shown), buf_str(&resp->body), 120);
        round_fail("GET %s answered %ld: %s", path, resp->status, shown);
        return -1;
    }
    return 0;
}

/* The proof of a consistency-proof answer {"from","to","proof":[base64...]} into proof. */
static int parse_proof(const struct buf *body, uint64_t from, uint64_t to, struct tlog_proof *proof)
{
    json_error_t je;
    json_t *o = json_loadb(body->data, body->len, JSON_REJECT_DUPLICATES, &je);
    json_t *arr = json_object_get(o, "proof");
    json_t *jf = json_object_get(o, "from"), *jt = json_object_get(o, "to");
    int rc = -1;

    proof->count = 0;
    if (!json_is_array(arr) || !json_is_integer(jf) || !json_is_integer(jt) ||
        json_integer_value(jf) != (json_int_t)from || json_integer_value(jt) != (json_int_t)to ||
        json_array_size(arr) > TLOG_PROOF_MAX)
        goto out;
    for (size_t i = 0; i < json_array_size(arr); i++) {
        const char *s = json_string_value(json_array_get(arr, i));
        if (s == NULL || witness_hash_b64_decode(s, strlen(s), proof->hash[i]) != 0)
            goto out;
        proof->count++;
    }
    rc = 0;
out:
    json_decref(o);
    return rc;
}

/* 1 when the note already carries a valid cosignature of this witness. */
static int already_cosigned(struct witness *w, const struct note *n)
{
    struct note_verifier self;
    struct dure_err err;
    witness_verifier(w, &self);
    return note_verify(n, &self, NULL, &err) == 0;
}

static enum round_result poll_round(struct poller *p, int json, int once)
{
    struct http_client_resp cp_resp, proof_resp, post_resp;
    struct http_client_req rq;
    struct witness_result res;
    struct tlog_proof *proof = NULL;
    struct note *n = NULL;
    struct note_checkpoint cp;
    struct dure_err err;
    struct buf post;
    char line[NOTE_SIGLINE_SIZE], path[128], url[URL_MAX];
    uint8_t root[TLOG_HASH_SIZE];
    uint64_t known = 0;
    size_t line_len = 0;
    enum round_result rr = ROUND_FAILED;

    memset(&cp_resp, 0, sizeof(cp_resp));
    memset(&proof_resp, 0, sizeof(proof_resp));
    memset(&post_resp, 0, sizeof(post_resp));
    buf_init(&post, NOTE_MAX_SIZE + NOTE_SIGLINE_SIZE + 2);
    dure_err_clear(&err);
    proof = malloc(sizeof(*proof));
    n = malloc(sizeof(*n));
    if (proof == NULL || n == NULL) {
        round_fail("out of memory");
        goto out;
    }
    proof->count = 0;
    if (get(p, "/api/v1/ledger/checkpoint", &cp_resp) != 0)
        goto out;
    if (note_parse(cp_resp.body.data, cp_resp.body.len, n, &err) != 0 ||
        note_checkpoint_parse(n->text, n->text_len, &cp, &err) != 0) {
        round_fail("the log's checkpoint does not parse: %s", err.msg);
        goto out;
    }
    int have = witness_state(p->w, &known, root);
    if (have && cp.size < known) {
        /* Checked again, with the log's signature, by witness_add_checkpoint below. */
    } else if (have && cp.size == known && sodium_memcmp(root, cp.root, TLOG_HASH_SIZE) == 0 &&
               already_cosigned(p->w, n)) {
        /* Said once; a long-running poller stays quiet while the log does not change. */
        if (once && json)
            printf("{\"size\":%" PRIu64 ",\"cosigned\":false,\"already\":true}\n", cp.size);
        else if (once)
            printf("checkpoint of size %" PRIu64 " already cosigned\n", cp.size);
        rr = ROUND_OK;
        goto out;
    } else if (have && known > 0 && cp.size > known) {
        snprintf(path, sizeof(path),
                 "/api/v1/ledger/proof/consistency?from=%" PRIu64 "&to=%" PRIu64, known, cp.size);
        if (get(p, path, &proof_resp) != 0)
            goto out;
        if (parse_proof(&proof_resp.body, known, cp.size, proof) != 0) {
            round_fail("the log's consistency proof from %" PRIu64 " to %" PRIu64
                       " is not {\"from\",\"to\",\"proof\":[base64 hashes]}",
                       known, cp.size);
            goto out;
        }
    }

    int rc = witness_add_checkpoint(p->w, known, proof, cp_resp.body.data, cp_resp.body.len, line,
                                    &line_len, &res, &err);
    if (rc != 0) {
        if (res.misbehaviour) {
            fprintf(stderr,
                    "dure: witness poll: REFUSED size %" PRIu64 " (cosigned size %" PRIu64
                    "): %s\n",
                    res.new_size, res.known_size, err.msg);
            rr = ROUND_REFUSED;
        } else {
            round_fail("the log's checkpoint was not cosigned: %s", err.msg);
        }
        goto out;
    }

    /* The cosignature goes back as a signed note: the checkpoint text, a blank line, the line. */
    if (buf_append(&post, n->text, n->text_len) != 0 || buf_append(&post, "\n", 1) != 0 ||
        buf_append(&post, line, line_len) != 0) {
        round_fail("the cosigned note does not fit");
        goto out;
    }
    int un = snprintf(url, sizeof(url), "%s/api/v1/ledger/cosignatures", p->base);
    if (un < 0 || (size_t)un >= sizeof(url)) {
        round_fail("the log URL is too long");
        goto out;
    }
    memset(&rq, 0, sizeof(rq));
    rq.method = "POST";
    rq.url = url;
    rq.bearer = p->token;
    rq.ctype = "text/plain; charset=utf-8";
    rq.body = post.data;
    rq.body_len = post.len;
    if (http_client_request(p->client, &rq, &post_resp, &err) != 0) {
        round_fail("cosigned size %" PRIu64 " but cannot deliver it: %s", cp.size, err.msg);
        goto out;
    }
    if (post_resp.status < 200 || post_resp.status > 299) {
        char shown[200];
        str_sanitize(shown, sizeof(shown), buf_str(&post_resp.body), 160);
        round_fail("cosigned size %" PRIu64 " but the log answered %ld: %s", cp.size,
                   post_resp.status, shown);
        goto out;
    }
    if (json)
        printf("{\"size\":%" PRIu64 ",\"cosigned\":true,\"from\":%" PRIu64 "}\n", cp.size, known);
    else
        printf("cosigned the checkpoint of size %" PRIu64 " (from size %" PRIu64 ")\n", cp.size,
               known);
    rr = ROUND_OK;
out:
    fflush(stdout);
    http_client_resp_cleanup(&cp_resp);
    http_client_resp_cleanup(&proof_resp);
    http_client_resp_cleanup(&post_resp);
    buf_cleanup(&post);
    free(proof);
    free(n);
    return rr;
}

static int sub_poll(int argc, char **argv, int json)
{
    struct poller p;
    struct dure_err err;
    sigset_t stop;
    char base[URL_MAX], summary[64];
    int missing = 0, rc = CLI_FAIL;
    int64_t interval = POLL_INTERVAL_DEFAULT_S;

    memset(&p, 0, sizeof(p));
    const char *log_url = cli_take_opt(&argc, argv, "--log", &missing);
    const char *log_key = cli_take_opt(&argc, argv, "--log-key", &missing);
    const char *key = cli_take_opt(&argc, argv, "--key", &missing);
    const char *state = cli_take_opt(&argc, argv, "--state", &missing);
    const char *token = cli_take_opt(&argc, argv, "--token", &missing);
    const char *interval_s = cli_take_opt(&argc, argv, "--interval", &missing);
    int once = cli_take_flag(&argc, argv, "--once");
    if (missing || log_url == NULL || log_key == NULL || key == NULL || state == NULL)
        return usage_fail("poll needs --log URL, --log-key VKEY, --key FILE and --state FILE");
    if (argc > 2)
        return usage_fail("poll: unexpected argument \"%s\"", shown(argv[2]).s);
    if (interval_s != NULL &&
        (!str_is_digits(interval_s) || str_to_i64(interval_s, 0, &interval) != 0 || interval < 1 ||
         interval > POLL_INTERVAL_MAX_S))
        return usage_fail("poll: --interval must be from 1 to 86400 seconds, not \"%s\"",
                          shown(interval_s).s);
    if (token == NULL) {
        const char *env = getenv("DURE_TOKEN");
        token = env != NULL && env[0] != '\0' ? env : NULL;
    }
    size_t bl = str_copy(base, log_url, sizeof(base));
    if (bl >= sizeof(base) - 64 ||
        (strncmp(base, "http://", 7) != 0 && strncmp(base, "https://", 8) != 0))
        return usage_fail("poll: --log must be the log's http:// or https:// URL, not \"%s\"",
                          shown(log_url).s);
    while (bl > 0 && base[bl - 1] == '/')
        base[--bl] = '\0';
    p.base = base;
    p.token = token;

    dure_err_clear(&err);
    if (http_client_global_init(&err) != 0)
        return cli_fail(&err);
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    if (pthread_sigmask(SIG_BLOCK, &stop, NULL) != 0)
        return cli_failf("witness: cannot block signals");
    if (open_witness(key, log_key, state, &p.w) != CLI_OK)
        goto out;
    if (http_client_create(&p.client, &err) != 0) {
        cli_fail(&err);
        goto out;
    }
    if (token == NULL)
        fputs("dure: witness poll: no --token or $DURE_TOKEN: the cosignature cannot be "
              "delivered\n",
              stderr);
    if (!once) {
        state_summary(p.w, summary, sizeof(summary));
        fprintf(stderr, "dure: witness %s polling %s every %" PRId64 " s (%s)\n", witness_name(p.w),
                base, interval, summary);
    }
    for (;;) {
        enum round_result rr = poll_round(&p, json, once);
        if (rr == ROUND_REFUSED) {
            rc = CLI_WITNESS_REFUSED;
            break;
        }
        if (once) {
            rc = rr == ROUND_OK ? CLI_OK : CLI_FAIL;
            break;
        }
        /* Sleep until the next round, or stop on SIGTERM/SIGINT. */
        struct timespec ts = {.tv_sec = (time_t)interval, .tv_nsec = 0};
        int sig = sigtimedwait(&stop, NULL, &ts);
        if (sig == SIGTERM || sig == SIGINT) {
            fprintf(stderr, "dure: %s received, stopping\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
            rc = CLI_OK;
            break;
        }
    }
out:
    http_client_destroy(p.client);
    witness_destroy(p.w);
    return rc;
}

int cmd_witness(int argc, char **argv)
{
    struct cli_common c;
    cli_parse_common(&argc, argv, &c);
    if (c.help || argc < 2) {
        fputs(usage, c.help ? stdout : stderr);
        return c.help ? CLI_OK : CLI_USAGE;
    }
    if (strcmp(argv[1], "keygen") == 0)
        return sub_keygen(argc, argv);
    if (strcmp(argv[1], "serve") == 0)
        return sub_serve(argc, argv);
    if (strcmp(argv[1], "poll") == 0)
        return sub_poll(argc, argv, c.json);
    return usage_fail("unknown subcommand \"%s\"", shown(argv[1]).s);
}
