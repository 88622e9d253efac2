/* SPDX-License-Identifier: Apache-2.0 */
/* dure's one error type: a code from one table (with its HTTP status and default text)
 * and a message kept beside it, as SQLite keeps the message on the handle. */
#ifndef DURE_UTIL_ERR_H
#define DURE_UTIL_ERR_H

#include <stdarg.h>

/* X(name, http_status, default text) */
#define DURE_ERR_TABLE(X)                                                                          \
    X(DURE_OK, 200, "ok")                                                                          \
    X(DURE_EINVAL, 400, "invalid input")                                                           \
    X(DURE_EUNAUTH, 401, "authentication required")                                                \
    X(DURE_EFORBIDDEN, 403, "forbidden")                                                           \
    X(DURE_ENOTFOUND, 404, "not found")                                                            \
    X(DURE_EMETHOD, 405, "method not allowed")                                                     \
    X(DURE_ECONFLICT, 409, "conflict")                                                             \
    X(DURE_ETOOBIG, 413, "too large")                                                              \
    X(DURE_EUNPROCESSABLE, 422, "unprocessable input")                                             \
    X(DURE_EIO, 500, "i/o error")                                                                  \
    X(DURE_ENOMEM, 500, "out of memory")                                                           \
    X(DURE_ESTORE, 500, "database error")                                                          \
    X(DURE_EINTERNAL, 500, "internal error")                                                       \
    X(DURE_EUNAVAILABLE, 503, "unavailable")

enum dure_err_code {
#define DURE_ERR_ENUM(name, status, text) name,
    DURE_ERR_TABLE(DURE_ERR_ENUM)
#undef DURE_ERR_ENUM
        DURE_ERR_COUNT
};

#define DURE_ERR_MSG_MAX 256

struct dure_err {
    enum dure_err_code code;
    char msg[DURE_ERR_MSG_MAX];
};

/* Fill err (may be NULL) with code and a printf-style message; returns code.
 * A NULL or empty fmt uses the code's default text. */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
int dure_err_set(struct dure_err *err, enum dure_err_code code, const char *fmt, ...);

/* Same as dure_err_set with a va_list. */
int dure_err_vset(struct dure_err *err, enum dure_err_code code, const char *fmt, va_list ap);

/* Reset err to DURE_OK with an empty message. err may be NULL. */
void dure_err_clear(struct dure_err *err);

/* The symbolic name ("DURE_EINVAL"), HTTP status and default text of a code. Static strings. */
const char *dure_err_name(int code);
int dure_err_http_status(int code);
const char *dure_err_text(int code);

#endif
