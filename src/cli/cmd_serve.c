/* SPDX-License-Identifier: Apache-2.0 */
/* dure serve: run the HTTP API and dashboard until SIGTERM or SIGINT, then stop gracefully;
 * meanwhile cut a signed ledger checkpoint every second in which the log grew. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "app/app.h"
#include "app/ledger.h"
#include "cli/cli.h"
#include "http/server.h"
#include "http/witness_server.h"
#include "util/str.h"

static const char usage[] =
    "usage: dure serve [--listen ADDR] [--db PATH] [--threads N] [--web DIR] [--quiet]\n"
    "                  [--witness-quorum N] [--witness URL[,URL...]]\n"
    "\n"
    "Serve the HTTP API (/api/v1), the dashboard, /healthz and /metrics until SIGTERM or\n"
    "SIGINT, then finish the requests in progress and exit 0. While it runs, a new signed\n"
    "ledger checkpoint is cut every second in which the log grew.\n"
    "\n"
    "  --listen ADDR  IPv4:PORT, [IPv6]:PORT or PORT (default 127.0.0.1:8080); port 0 picks a\n"
    "                 free port, printed as listening=HOST:PORT on stderr\n"
    "  --db PATH      database (default $DURE_DB or var/dure.db)\n"
    "  --threads N    worker threads (default: the number of CPUs)\n"
    "  --web DIR      serve DIR/index.html at / and DIR/* at /static/*\n"
    "  --quiet        no access log (one logfmt line per request on stderr)\n"
    "  --witness-quorum N  cosignatures that make a checkpoint witnessed (default 1)\n"
    "  --witness URLS  push each new checkpoint to these witnesses (c2sp.org/tlog-witness\n"
    "                 add-checkpoint, comma-separated URL prefixes) and keep their\n"
    "                 cosignatures\n";

#define WITNESS_QUORUM_MAX 100

/* Open the app as cli_open_app does, with the witness policy of the command line. */
static int open_app(const struct cli_common *c, unsigned quorum, struct app **app)
{
    struct dure_err err;
    char key[4096];
    struct app_config cfg = {.db_url = c->db, .ledger_key = key, .witness_quorum = quorum};
    struct stat st;
    app_default_key_path(c->db, key, sizeof(key));
    dure_err_clear(&err);
    if (strstr(c->db, "://") == NULL) {
        /* The database's directory must exist: serve does not create it (dure init does). */
        char dir[4096];
        size_t n = str_copy(dir, c->db, sizeof(dir));
        char *slash = n < sizeof(dir) ? strrchr(dir, '/') : NULL;
        if (slash != NULL && slash != dir) {
            *slash = '\0';
            if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
                return cli_failf("serve: the directory %s does not exist; run dure init", dir);
        }
    }
    if (app_create(&cfg, app, &err) != 0)
        return cli_fail(&err);
    return CLI_OK;
}

/* Wait for a stop signal; every second without one, cut a ledger checkpoint if the log grew.
 * A failing cut is logged once, and again only after it has worked in between. Returns the
 * signal. */
static int serve_until_stopped(struct app *app, struct http_server *srv,
                               const sigset_t *stop_signals, struct witness_push *push)
{
    const struct timespec tick = {.tv_sec = 1, .tv_nsec = 0};
    int failing = 0;
    for (;;) {
        int sig = sigtimedwait(stop_signals, NULL, &tick);
        if (sig > 0)
            return sig;
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN)
            return SIGTERM;
        struct dure_err err;
        dure_err_clear(&err);
        if (ledger_checkpoint_cut(app, NULL, &err) != 0) {
            if (!failing) {
                char msg[DURE_ERR_MSG_MAX + 64];
                snprintf(msg, sizeof(msg), "ledger checkpoint: %s: %s", dure_err_name(err.code),
                         err.msg[0] != '\0' ? err.msg : dure_err_text(err.code));
                http_server_log(srv, NULL, "error", msg);
            }
            failing = 1;
        } else {
            failing = 0;
        }
        witness_push_run(push, app);
    }
}

static unsigned default_threads(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1)
        return 1;
    return n > 64 ? 64u : (unsigned)n;
}

int cmd_serve(int argc, char **argv)
{
    struct cli_common c;
    struct http_server_config cfg;
    struct http_server *srv = NULL;
    struct app *app = NULL;
    const char *driver = NULL;
    struct dure_err err;
    sigset_t stop_signals;
    int missing = 0, sig = 0, rc = CLI_FAIL;
    int64_t threads = 0, quorum = 0;
    struct witness_push *push = NULL;

    cli_parse_common(&argc, argv, &c);
    if (c.help) {
        fputs(usage, stdout);
        return CLI_OK;
    }
    memset(&cfg, 0, sizeof(cfg));
    cfg.listen = cli_take_opt(&argc, argv, "--listen", &missing);
    const char *threads_s = cli_take_opt(&argc, argv, "--threads", &missing);
    cfg.web_dir = cli_take_opt(&argc, argv, "--web", &missing);
    cfg.access_log = !cli_take_flag(&argc, argv, "--quiet");
    const char *quorum_s = cli_take_opt(&argc, argv, "--witness-quorum", &missing);
    const char *witness_s = cli_take_opt(&argc, argv, "--witness", &missing);
    if (missing) {
        cli_failf("serve: an option is missing its value (see dure serve --help)");
        return CLI_USAGE;
    }
    if (argc > 1) {
        char shown[48];
        str_sanitize(shown, sizeof(shown), argv[1], 32);
        cli_failf("serve: unexpected argument \"%s\" (see dure serve --help)", shown);
        return CLI_USAGE;
    }
    if (cfg.listen == NULL)
        cfg.listen = "127.0.0.1:8080";
    if (threads_s != NULL) {
        if (!str_is_digits(threads_s) || str_to_i64(threads_s, 0, &threads) != 0 || threads < 1 ||
            threads > (int64_t)HTTP_MAX_THREADS) {
            cli_failf("serve: --threads must be from 1 to %u", HTTP_MAX_THREADS);
            return CLI_USAGE;
        }
        cfg.threads = (unsigned)threads;
    } else {
        cfg.threads = default_threads();
    }
    if (quorum_s != NULL && (!str_is_digits(quorum_s) || str_to_i64(quorum_s, 0, &quorum) != 0 ||
                             quorum < 1 || quorum > WITNESS_QUORUM_MAX)) {
        cli_failf("serve: --witness-quorum must be from 1 to %d", WITNESS_QUORUM_MAX);
        return CLI_USAGE;
    }
    if (cfg.web_dir != NULL) {
        struct stat st;
        if (stat(cfg.web_dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
            cli_failf("serve: --web %s is not a directory", cfg.web_dir);
            return CLI_USAGE;
        }
    }

    /* Block the stop signals before any thread starts, so that every thread inherits the mask
     * and only sigwait below receives them. */
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    if (pthread_sigmask(SIG_BLOCK, &stop_signals, NULL) != 0)
        return cli_failf("serve: cannot block signals");

    dure_err_clear(&err);
    /* Before any thread starts: the pusher sets up libcurl for the process. */
    if (witness_s != NULL && witness_push_create(witness_s, &push, &err) != 0) {
        cli_fail(&err);
        rc = CLI_USAGE;
        goto out;
    }
    if (open_app(&c, (unsigned)quorum, &app) != CLI_OK)
        goto out;
    if (app_health(app, &driver, &err) != 0) {
        cli_fail(&err);
        goto out;
    }
    cfg.app = app;
    if (http_server_start(&cfg, &srv, &err) != 0) {
        cli_fail(&err);
        goto out;
    }
    fprintf(stderr, "dure: serving on http://%s (store %s, %u thread%s)\n",
            http_server_address(srv), driver, http_server_threads(srv),
            http_server_threads(srv) == 1 ? "" : "s");
    fprintf(stderr, "listening=%s\n", http_server_address(srv));

    sig = serve_until_stopped(app, srv, &stop_signals, push);
    fprintf(stderr, "dure: %s received, stopping\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
    http_server_stop(srv);
    srv = NULL;
    fputs("dure: stopped\n", stderr);
    rc = CLI_OK;
out:
    http_server_stop(srv);
    witness_push_destroy(push);
    app_destroy(app);
    return rc;
}
