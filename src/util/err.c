/* SPDX-License-Identifier: Apache-2.0 */
/* The error table made into lookups, and the setters. */
#include "util/err.h"

#include <stdio.h>
#include <string.h>

static const struct {
    const char *name;
    int status;
    const char *text;
} err_table[] = {
#define DURE_ERR_ROW(name, status, text) {#name, status, text},
    DURE_ERR_TABLE(DURE_ERR_ROW)
#undef DURE_ERR_ROW
};

static int valid_code(int code)
{
    return code >= 0 && code < DURE_ERR_COUNT;
}

int dure_err_vset(struct dure_err *err, enum dure_err_code code, const char *fmt, va_list ap)
{
    if (err == NULL)
        return code;
    err->code = code;
    if (fmt == NULL || fmt[0] == '\0') {
        snprintf(err->msg, sizeof(err->msg), "%s", dure_err_text(code));
    } else {
        vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    }
    return code;
}

int dure_err_set(struct dure_err *err, enum dure_err_code code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    dure_err_vset(err, code, fmt, ap);
    va_end(ap);
    return code;
}

void dure_err_clear(struct dure_err *err)
{
    if (err == NULL)
        return;
    err->code = DURE_OK;
    err->msg[0] = '\0';
}

const char *dure_err_name(int code)
{
    return valid_code(code) ? err_table[code].name : "DURE_EUNKNOWN";
}

int dure_err_http_status(int code)
{
    return valid_code(code) ? err_table[code].status : 500;
}

const char *dure_err_text(int code)
{
    return valid_code(code) ? err_table[code].text : "unknown error";
}
