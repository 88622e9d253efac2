/* SPDX-License-Identifier: Apache-2.0 */
/* gen_ksic: a build-time host tool that compiles the KSIC 10th-revision code list
 * (data/KSIC_10.csv) into a C source file with the sorted table src/core/ksic.c searches.
 * Usage: gen_ksic IN.csv OUT.c. Standalone on purpose: it builds before any project library. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ROWS 10000      /* the list has 2,000; anything far beyond is a wrong file */
#define MAX_FIELD 1024      /* longest name is ~120 bytes */
#define MAX_INPUT (4 << 20) /* the CSV is ~80 KiB */

struct row {
    char code[8];
    char *name; /* owned */
};

struct reader {
    const char *p;
    const char *end;
    long line;
};

static void fail(const char *in, long line, const char *msg)
{
    fprintf(stderr, "gen_ksic: %s:%ld: %s\n", in, line, msg);
}

/* Read one RFC 4180 field into out (size MAX_FIELD). *last is set when the record ended.
 * Returns 0, or -1 on malformed input. */
static int read_field(struct reader *r, char *out, int *last)
{
    size_t n = 0;
    *last = 0;
    if (r->p < r->end && *r->p == '"') {
        r->p++;
        for (;;) {
            if (r->p >= r->end)
                return -1; /* unterminated quote */
            char c = *r->p++;
            if (c == '"') {
                if (r->p < r->end && *r->p == '"') {
                    r->p++;
                } else {
                    break;
                }
            } else if (c == '\n') {
                r->line++;
            }
            if (n + 1 >= MAX_FIELD)
                return -1;
            out[n++] = c;
        }
    } else {
        while (r->p < r->end && *r->p != ',' && *r->p != '\n' && *r->p != '\r') {
            if (*r->p == '"' || n + 1 >= MAX_FIELD)
                return -1;
            out[n++] = *r->p++;
        }
    }
    out[n] = '\0';
    if (r->p >= r->end) {
        *last = 1;
        return 0;
    }
    if (*r->p == ',') {
        r->p++;
        return 0;
    }
    if (*r->p == '\r')
        r->p++;
    if (r->p < r->end && *r->p == '\n') {
        r->p++;
        r->line++;
        *last = 1;
        return 0;
    }
    return -1; /* text after a closing quote */
}

static int code_valid(const char *s)
{
    size_t n = strlen(s);
    if (n < 2 || n > 5)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

static int cmp_row(const void *a, const void *b)
{
    return strcmp(((const struct row *)a)->code, ((const struct row *)b)->code);
}

/* Write s as the body of a C string literal: printable ASCII as is, except '"', '\\' and '?'
 * (trigraphs are live under -std=c11), everything else as a three-digit octal escape, which
 * cannot swallow the digits that follow it. */
static void put_literal(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        if (*p == '"' || *p == '\\' || *p == '?')
            fprintf(f, "\\%c", *p);
        else if (*p >= 0x20 && *p < 0x7f)
            fputc(*p, f);
        else
            fprintf(f, "\\%03o", *p);
    }
    fputc('"', f);
}

static int find_code(const struct row *rows, size_t n, const char *code)
{
    struct row key = {{0}, NULL};
    memcpy(key.code, code, strnlen(code, sizeof(key.code) - 1));
    return bsearch(&key, rows, n, sizeof(rows[0]), cmp_row) != NULL;
}

int main(int argc, char **argv)
{
    int rc = 1;
    FILE *in = NULL;
    FILE *out = NULL;
    char *data = NULL;
    struct row *rows = NULL;
    size_t nrows = 0;
    char f1[MAX_FIELD];
    char f2[MAX_FIELD];
    char tmp_path[4096];

    if (argc != 3) {
        fprintf(stderr, "usage: gen_ksic IN.csv OUT.c\n");
        return 2;
    }
    const char *in_path = argv[1];
    const char *out_path = argv[2];

    in = fopen(in_path, "rb");
    if (in == NULL) {
        fprintf(stderr, "gen_ksic: cannot open %s: %s\n", in_path, strerror(errno));
        goto out;
    }
    data = malloc(MAX_INPUT);
    rows = calloc(MAX_ROWS, sizeof(rows[0]));
    if (data == NULL || rows == NULL) {
        fprintf(stderr, "gen_ksic: out of memory\n");
        goto out;
    }
    size_t len = fread(data, 1, MAX_INPUT, in);
    if (ferror(in) || len == MAX_INPUT) {
        fprintf(stderr, "gen_ksic: cannot read %s (or it is over %d bytes)\n", in_path, MAX_INPUT);
        goto out;
    }

    struct reader r = {data, data + len, 1};
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
        r.p += 3;
    int last = 0;
    if (read_field(&r, f1, &last) != 0 || last || read_field(&r, f2, &last) != 0 || !last ||
        strcmp(f1, "Industy_code") != 0 || strcmp(f2, "Industy_name") != 0) {
        fail(in_path, 1, "header is not \"Industy_code\",\"Industy_name\"");
        goto out;
    }
    while (r.p < r.end) {
        long line = r.line;
        if (*r.p == '\n' || *r.p == '\r') { /* tolerate blank lines */
            if (*r.p == '\n')
                r.line++;
            r.p++;
            continue;
        }
        if (read_field(&r, f1, &last) != 0 || last || read_field(&r, f2, &last) != 0 || !last) {
            fail(in_path, line, "malformed record (expected two CSV fields)");
            goto out;
        }
        if (!code_valid(f1)) {
            fail(in_path, line, "code is not 2 to 5 digits");
            goto out;
        }
        if (f2[0] == '\0') {
            fail(in_path, line, "empty name");
            goto out;
        }
        if (nrows == MAX_ROWS) {
            fail(in_path, line, "too many rows");
            goto out;
        }
        memcpy(rows[nrows].code, f1, strlen(f1) + 1); /* 2-5 digits, checked above */
        rows[nrows].name = malloc(strlen(f2) + 1);
        if (rows[nrows].name == NULL) {
            fprintf(stderr, "gen_ksic: out of memory\n");
            goto out;
        }
        memcpy(rows[nrows].name, f2, strlen(f2) + 1);
        nrows++;
    }
    if (nrows == 0) {
        fail(in_path, r.line, "no rows");
        goto out;
    }

    qsort(rows, nrows, sizeof(rows[0]), cmp_row);
    for (size_t i = 0; i < nrows; i++) {
        if (i > 0 && strcmp(rows[i - 1].code, rows[i].code) == 0) {
            fprintf(stderr, "gen_ksic: %s: duplicate code %s\n", in_path, rows[i].code);
            goto out;
        }
        /* Every child's parent (its code one digit shorter) must be listed. */
        size_t clen = strlen(rows[i].code);
        if (clen > 2) {
            char parent[8] = {0};
            memcpy(parent, rows[i].code, clen - 1);
            if (!find_code(rows, nrows, parent)) {
                fprintf(stderr, "gen_ksic: %s: code %s has no parent %s\n", in_path, rows[i].code,
                        parent);
                goto out;
            }
        }
    }

    /* Write beside the target and rename, so an interrupted build leaves no half file. */
    if (snprintf(tmp_path, sizeof(tmp_path), "%s.tmp", out_path) >= (int)sizeof(tmp_path)) {
        fprintf(stderr, "gen_ksic: output path too long\n");
        goto out;
    }
    out = fopen(tmp_path, "wb");
    if (out == NULL) {
        fprintf(stderr, "gen_ksic: cannot create %s: %s\n", tmp_path, strerror(errno));
        goto out;
    }
    fprintf(out, "/* SPDX-License-Identifier: Apache-2.0 */\n"
                 "/* Generated by tools/gen_ksic.c from data/KSIC_10.csv: do not edit.\n"
                 " * Statistics Korea KSIC 10th revision, via github.com/FinanceData/KSIC. */\n"
                 "#include \"core/ksic_table.h\"\n\n"
                 "const struct ksic_entry ksic__table[] = {\n");
    for (size_t i = 0; i < nrows; i++) {
        fputs("    {", out);
        put_literal(out, rows[i].code);
        fputs(", ", out);
        put_literal(out, rows[i].name);
        fputs("},\n", out);
    }
    fprintf(out, "};\n\nconst size_t ksic__count = %zu;\n", nrows);
    if (ferror(out) || fclose(out) != 0) {
        out = NULL;
        fprintf(stderr, "gen_ksic: cannot write %s\n", tmp_path);
        remove(tmp_path);
        goto out;
    }
    out = NULL;
    if (rename(tmp_path, out_path) != 0) {
        fprintf(stderr, "gen_ksic: cannot rename to %s: %s\n", out_path, strerror(errno));
        remove(tmp_path);
        goto out;
    }
    rc = 0;
out:
    if (out != NULL) {
        fclose(out);
        remove(tmp_path);
    }
    if (rows != NULL)
        for (size_t i = 0; i < nrows; i++)
            free(rows[i].name);
    free(rows);
    free(data);
    if (in != NULL)
        fclose(in);
    return rc;
}
