/* SPDX-License-Identifier: Apache-2.0 */
/* dure serve: run the HTTP API and dashboard until SIGTERM or SIGINT, then stop gracefully. */
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app/app.h"
#include "cli/cli.h"
#include "http/server.h"
#include "util/str.h"

static const char usage[] =
    "usage: dure serve [--listen ADDR] [--db PATH] [--threads N] [--web DIR] [--quiet]\n"
    "\n"
    "Serve the HTTP API (/api/v1), the dashboard, /healthz and /metrics until SIGTERM or\n"
    "SIGINT, then finish the requests in progress and exit 0.\n"
    "\n"
    "  --listen ADDR  IPv4:PORT, [IPv6]:PORT or PORT (default 127.0.0.1:8080); port 0 picks a\n"
    "                 free port, printed as listening=HOST:PORT on stderr\n"
    "  --db PATH      database (default $DURE_DB or var/dure.db)\n"
    "  --threads N    worker threads (default: the number of CPUs)\n"
    "  --web DIR      serve DIR/index.html at / and DIR/* at /static/*\n"
    "  --quiet        no access log (one logfmt line per request on stderr)\n";

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
    int64_t threads = 0;

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
    if (cli_open_app(&c, &app) != CLI_OK)
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

    if (sigwait(&stop_signals, &sig) != 0)
        sig = SIGTERM;
    fprintf(stderr, "dure: %s received, stopping\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
    http_server_stop(srv);
    srv = NULL;
    fputs("dure: stopped\n", stderr);
    rc = CLI_OK;
out:
    http_server_stop(srv);
    app_destroy(app);
    return rc;
}
