/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for util/csv: RFC 4180 quoting, line endings and numbering, encodings and
 * detection, recoverable and fatal errors, limits, and reading across window boundaries. */
/* cmocka.h needs these first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/csv.h"

/* The reader's window (CSV_CHUNK_BYTES in csv.c), to place input across a boundary. */
#define CHUNK ((size_t)64 * 1024)

/* "사업자등록번호,상호" and other Korean text in CP949, from iconv -f UTF-8 -t CP949. */
#define CP949_BRN "\xbb\xe7\xbe\xf7\xc0\xda\xb5\xee\xb7\xcf\xb9\xf8\xc8\xa3"
#define CP949_NAME "\xbb\xf3\xc8\xa3"
#define UTF8_BRN "사업자등록번호"
#define UTF8_NAME "상호"
/* 똠, 햏: characters of the CP949 extension whose trail bytes are ASCII letters. */
#define CP949_DDOM "\x8c\x63"
#define CP949_HAENG "\xc1\x64"

static struct csv_reader *open_mem_opt(const void *data, size_t len, const struct csv_options *opt)
{
    struct csv_reader *r = NULL;
    struct dure_err err = {0};
    int rc = csv_open_mem(data, len, opt, &r, &err);
    if (rc != 0)
        fail_msg("csv_open_mem: %s", err.msg);
    assert_non_null(r);
    return r;
}

static struct csv_reader *open_str(const char *s)
{
    return open_mem_opt(s, strlen(s), NULL);
}

/* Expect the next record to start on line and hold n fields, given as const char *. */
static void expect_rec(struct csv_reader *r, uint64_t line, size_t n, ...)
{
    struct dure_err err = {0};
    int has = 0;
    va_list ap;

    int rc = csv_next(r, &has, &err);
    if (rc != 0)
        fail_msg("csv_next on line %llu: %s", (unsigned long long)csv_line(r), err.msg);
    assert_int_equal(has, 1);
    assert_int_equal(csv_line(r), line);
    assert_int_equal(csv_nfields(r), n);
    va_start(ap, n);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(csv_field(r, i), va_arg(ap, const char *));
    va_end(ap);
    assert_null(csv_field(r, n));
}

/* Expect a recoverable error for the record on line, at column col, whose message holds part. */
static void expect_bad(struct csv_reader *r, uint64_t line, size_t col, const char *part)
{
    struct dure_err err = {0};
    int has = 1;

    int rc = csv_next(r, &has, &err);
    assert_int_equal(rc, DURE_EINVAL);
    assert_int_equal(has, 0);
    assert_int_equal(csv_failed(r), 0);
    assert_int_equal(csv_line(r), line);
    assert_int_equal(csv_error_column(r), col);
    assert_int_equal(csv_nfields(r), 0);
    if (strstr(err.msg, part) == NULL)
        fail_msg("message \"%s\" lacks \"%s\"", err.msg, part);
}

static void expect_end(struct csv_reader *r)
{
    struct dure_err err = {0};
    int has = 1;

    int rc = csv_next(r, &has, &err);
    if (rc != 0)
        fail_msg("csv_next at end: %s", err.msg);
    assert_int_equal(has, 0);
    /* The end stays the end. */
    assert_int_equal(csv_next(r, &has, &err), 0);
    assert_int_equal(has, 0);
}

/* Write len bytes to a new temporary file; its name goes to path (size >= 64). */
static void write_temp(const void *data, size_t len, char *path)
{
    const char *dir = getenv("TMPDIR");
    snprintf(path, 64, "%s/test_csv_XXXXXX", dir != NULL && strlen(dir) < 40 ? dir : "/tmp");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *fp = fdopen(fd, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(data, 1, len, fp), len);
    assert_int_equal(fclose(fp), 0);
}

static void test_plain(void **state)
{
    (void)state;
    struct csv_reader *r = open_str("name,qty,price\nbolt,10,250\nnut,,\n");
    assert_int_equal(csv_encoding(r), CSV_ENC_UTF8);
    expect_rec(r, 1, 3, "name", "qty", "price");
    expect_rec(r, 2, 3, "bolt", "10", "250");
    expect_rec(r, 3, 3, "nut", "", "");
    expect_end(r);
    csv_close(r);
}

static void test_quoted_comma_and_newline(void **state)
{
    (void)state;
    struct csv_reader *r = open_str("\"a,b\",\"line one\nline two\",c\nnext,row\n");
    expect_rec(r, 1, 3, "a,b", "line one\nline two", "c");
    expect_rec(r, 3, 2, "next", "row");
    expect_end(r);
    csv_close(r);
}

static void test_quoted_crlf_kept_and_counted_once(void **state)
{
    (void)state;
    struct csv_reader *r = open_str("\"x\r\ny\",z\r\nnext\r\n");
    expect_rec(r, 1, 2, "x\r\ny", "z");
    expect_rec(r, 3, 1, "next");
    expect_end(r);
    csv_close(r);
}

static void test_doubled_quotes(void **state)
{
    (void)state;
    struct csv_reader *r = open_str("\"say \"\"hi\"\"\",\"\"\"\",\"\",\"a\"\"\"\n\"\",\"\"\n");
    expect_rec(r, 1, 4, "say \"hi\"", "\"", "", "a\"");
    expect_rec(r, 2, 2, "", "");
    expect_end(r);
    csv_close(r);
}

static void test_empty_fields(void **state)
{
    (void)state;
    struct csv_reader *r = open_str(",\na,\n,b\n,,\n");
    expect_rec(r, 1, 2, "", "");
    expect_rec(r, 2, 2, "a", "");
    expect_rec(r, 3, 2, "", "b");
    expect_rec(r, 4, 3, "", "", "");
    expect_end(r);
    csv_close(r);
}

static void test_bom(void **state)
{
    (void)state;
    struct csv_reader *r = open_str("\xEF\xBB\xBFname,value\n" UTF8_NAME ",1\n");
    assert_int_equal(csv_encoding(r), CSV_ENC_UTF8);
    expect_rec(r, 1, 2, "name", "value");
    expect_rec(r, 2, 2, UTF8_NAME, "1");
    expect_end(r);
    csv_close(r);

    struct csv_options opt = {.encoding = CSV_ENC_UTF8};
    const char *s = "\xEF\xBB\xBF\"q\"\n";
    r = open_mem_opt(s, strlen(s), &opt);
    expect_rec(r, 1, 1, "q");
    expect_end(r);
    csv_close(r);

    /* A BOM and nothing else. */
    r = open_str("\xEF\xBB\xBF");
    assert_int_equal(csv_encoding(r), CSV_ENC_UTF8);
    expect_end(r);
    assert_int_equal(csv_bytes_read(r), 3);
    csv_close(r);
}

static void test_cp949_forced(void **state)
{
    (void)state;
    struct csv_options opt = {.encoding = CSV_ENC_CP949};
    const char *s = CP949_BRN "," CP949_NAME "\n1234567890,\"" CP949_DDOM "," CP949_HAENG "\"\n";
    struct csv_reader *r = open_mem_opt(s, strlen(s), &opt);
    assert_int_equal(csv_encoding(r), CSV_ENC_CP949);
    expect_rec(r, 1, 2, UTF8_BRN, UTF8_NAME);
    expect_rec(r, 2, 2, "1234567890", "똠,햏");
    expect_end(r);
    csv_close(r);
}

static void test_detect_cp949(void **state)
{
    (void)state;
    /* The header of a public register of knowledge industry centres, as Excel saves it. */
    const char *s = "\xbf\xac\xb9\xf8,\xb4\xdc\xc1\xf6\xb8\xed,\xc1\xf6\xbd\xc4\xbb\xea\xbe\xf7"
                    "\xbc\xbe\xc5\xcd\xb8\xed,\xb0\xf8\xc0\xe5\xb4\xeb\xc7\xa5\xc1\xd6\xbc\xd2"
                    "(\xb5\xb5\xb7\xce\xb8\xed),\xb0\xc7\xc3\xe0\xb8\xe9\xc0\xfb(\xc1\xa6\xb0"
                    "\xf6\xb9\xcc\xc5\xcd)\r\n1," CP949_DDOM ",x,y,12.5\r\n";
    struct csv_reader *r = open_str(s);
    assert_int_equal(csv_encoding(r), CSV_ENC_CP949);
    expect_rec(r, 1, 5, "연번", "단지명", "지식산업센터명", "공장대표주소(도로명)",
               "건축면적(제곱미터)");
    expect_rec(r, 2, 5, "1", "똠", "x", "y", "12.5");
    expect_end(r);
    csv_close(r);
}

static void test_detect_utf8(void **state)
{
    (void)state;
    struct csv_reader *r = open_str(UTF8_BRN "," UTF8_NAME "\n");
    assert_int_equal(csv_encoding(r), CSV_ENC_UTF8);
    expect_rec(r, 1, 2, UTF8_BRN, UTF8_NAME);
    expect_end(r);
    csv_close(r);

    /* Pure ASCII is UTF-8 too. */
    r = open_str("a\n");
    assert_int_equal(csv_encoding(r), CSV_ENC_UTF8);
    csv_close(r);
}

static void test_detect_looks_at_first_mib_only(void **state)
{
    (void)state;
    size_t rows = 600000; /* "a\n" each: 1.2 MB of ASCII before the CP949 row */
    size_t len = rows * 2 + sizeof(CP949_NAME "\nend\n") - 1;
    char *s = malloc(len);
    assert_non_null(s);
    for (size_t i = 0; i < rows; i++)
        memcpy(s + 2 * i, "a\n", 2);
    memcpy(s + rows * 2, CP949_NAME "\nend\n", sizeof(CP949_NAME "\nend\n") - 1);

    struct csv_reader *r = open_mem_opt(s, len, NULL);
    assert_int_equal(csv_encoding(r), CSV_ENC_UTF8);
    struct dure_err err = {0};
    int has = 0;
    size_t records = 0;
    for (;;) {
        int rc = csv_next(r, &has, &err);
        if (rc != 0)
            break;
        assert_int_equal(has, 1);
        records++;
    }
    assert_int_equal(records, rows);
    assert_int_equal(csv_line(r), rows + 1);
    assert_int_equal(csv_error_column(r), 1);
    expect_rec(r, rows + 2, 1, "end");
    expect_end(r);
    csv_close(r);
    free(s);
}

static void test_empty_lines_skipped(void **state)
{
    (void)state;
    struct csv_reader *r = open_str("\n\r\na\n\n\r\n\nb\n \n\n");
    expect_rec(r, 3, 1, "a");
    expect_rec(r, 7, 1, "b");
    /* Only truly empty lines are skipped: a space is a field. */
    expect_rec(r, 8, 1, " ");
    expect_end(r);
    csv_close(r);
}

static void test_crlf(void **state)
{
    (void)state;
    struct csv_reader *r = open_str("a,b\r\n\"c\",d\r\n\r\ne\r\n");
    expect_rec(r, 1, 2, "a", "b");
    expect_rec(r, 2, 2, "c", "d");
    expect_rec(r, 4, 1, "e");
    expect_end(r);
    csv_close(r);
}

static void test_bare_cr_ends_line(void **state)
{
    (void)state;
    struct csv_reader *r = open_str("a,b\rc\r\rd\n");
    expect_rec(r, 1, 2, "a", "b");
    expect_rec(r, 2, 1, "c");
    expect_rec(r, 4, 1, "d");
    expect_end(r);
    csv_close(r);
}

static void test_last_line_without_newline(void **state)
{
    (void)state;
    struct csv_reader *r = open_str("a,b\nc,d");
    expect_rec(r, 1, 2, "a", "b");
    expect_rec(r, 2, 2, "c", "d");
    expect_end(r);
    assert_int_equal(csv_bytes_read(r), 7);
    assert_int_equal(csv_bytes_total(r), 7);
    csv_close(r);

    r = open_str("x,\"q\"");
    expect_rec(r, 1, 2, "x", "q");
    expect_end(r);
    csv_close(r);

    r = open_str("x,");
    expect_rec(r, 1, 2, "x", "");
    expect_end(r);
    csv_close(r);
}

static void test_empty_input(void **state)
{
    (void)state;
    struct csv_reader *r = open_mem_opt(NULL, 0, NULL);
    assert_int_equal(csv_bytes_total(r), 0);
    expect_end(r);
    csv_close(r);

    r = open_str("\n\r\n\n");
    expect_end(r);
    csv_close(r);
    csv_close(NULL);
}

static void test_unterminated_quote_is_fatal(void **state)
{
    (void)state;
    struct csv_reader *r = open_str("a,b\n\nc,\"open\nmore,stuff\nand more\n");
    struct dure_err err = {0};
    int has = 1;

    expect_rec(r, 1, 2, "a", "b");
    assert_int_equal(csv_next(r, &has, &err), DURE_EINVAL);
    assert_int_equal(has, 0);
    assert_int_equal(csv_failed(r), 1);
    assert_int_equal(csv_line(r), 3);
    assert_non_null(strstr(err.msg, "line 3"));
    assert_non_null(strstr(err.msg, "never closed"));

    struct dure_err again = {0};
    assert_int_equal(csv_next(r, &has, &again), DURE_EINVAL);
    assert_int_equal(has, 0);
    assert_string_equal(again.msg, err.msg);
    csv_close(r);
}

static void test_stray_quote_recovers(void **state)
{
    (void)state;
    struct csv_reader *r = open_str("ok,1\nab\"c,d\nnext,row\n");
    expect_rec(r, 1, 2, "ok", "1");
    expect_bad(r, 2, 1, "quote inside the unquoted field in column 1");
    expect_rec(r, 3, 2, "next", "row");
    expect_end(r);
    csv_close(r);
}

static void test_text_after_closing_quote_recovers(void **state)
{
    (void)state;
    /* The bad record goes on with a quoted newline; the reader must still find its end. */
    struct csv_reader *r = open_str("x,\"ab\"c,\"multi\nline\"\nok\n");
    expect_bad(r, 1, 2, "after the closing quote in column 2");
    expect_rec(r, 3, 1, "ok");
    expect_end(r);
    csv_close(r);
}

static void test_invalid_utf8_recovers(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "\xff\xfe",         /* never valid */
        "\xc0\xaf",         /* overlong '/' */
        "\xe0\x80\xaf",     /* overlong, three bytes */
        "\xed\xa0\x80",     /* surrogate */
        "\xf4\x90\x80\x80", /* above U+10FFFF */
        "\xe2\x82",         /* cut short */
        "\x80",             /* lone continuation */
    };
    struct csv_options opt = {.encoding = CSV_ENC_UTF8};
    char s[64];

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int n = snprintf(s, sizeof(s), "a,b,x%sy\n\"\xf0\x9f\x98\x80\",\xe2\x82\xac\n", bad[i]);
        assert_true(n > 0 && (size_t)n < sizeof(s));
        struct csv_reader *r = open_mem_opt(s, (size_t)n, &opt);
        expect_bad(r, 1, 3, "bytes that are not valid UTF-8 in column 3");
        expect_rec(r, 2, 2, "\xf0\x9f\x98\x80", "\xe2\x82\xac");
        expect_end(r);
        csv_close(r);
    }
}

static void test_nul_byte_recovers(void **state)
{
    (void)state;
    static const char s[] = "a,b\0c\nd\n";
    struct csv_reader *r = open_mem_opt(s, sizeof(s) - 1, NULL);
    expect_bad(r, 1, 2, "NUL byte in column 2");
    expect_rec(r, 2, 1, "d");
    expect_end(r);
    csv_close(r);

    struct csv_options opt = {.encoding = CSV_ENC_CP949};
    r = open_mem_opt(s, sizeof(s) - 1, &opt);
    expect_bad(r, 1, 2, "NUL byte in column 2");
    expect_rec(r, 2, 1, "d");
    csv_close(r);
}

static void test_invalid_cp949_recovers(void **state)
{
    (void)state;
    struct csv_options opt = {.encoding = CSV_ENC_CP949};
    /* 0xff is no CP949 lead byte; a lead byte at the end of a field has no trail. */
    const char *s = "ok,\xff\xff\n" CP949_NAME ",\xbb\n" CP949_NAME "\n";
    struct csv_reader *r = open_mem_opt(s, strlen(s), &opt);
    expect_bad(r, 1, 2, "not valid CP949 in column 2");
    expect_bad(r, 2, 2, "not valid CP949 in column 2");
    expect_rec(r, 3, 1, UTF8_NAME);
    expect_end(r);
    csv_close(r);
}

static void test_too_many_fields(void **state)
{
    (void)state;
    struct csv_options opt = {.max_fields = 3};
    const char *s = "a,b,c\na,b,c,d\n\"x\ny\",b,c,\"d\ne\"\nok\n";
    struct csv_reader *r = open_mem_opt(s, strlen(s), &opt);
    expect_rec(r, 1, 3, "a", "b", "c");
    expect_bad(r, 2, 4, "more than 3 fields");
    expect_bad(r, 3, 4, "more than 3 fields");
    expect_rec(r, 6, 1, "ok");
    expect_end(r);
    csv_close(r);
}

static void test_field_too_long(void **state)
{
    (void)state;
    struct csv_options opt = {.max_field_bytes = 4};
    const char *s = "abcd,abcde\n\"ab\"\"de\"\n\"a\"\"b\"\nok\n";
    struct csv_reader *r = open_mem_opt(s, strlen(s), &opt);
    expect_bad(r, 1, 2, "field in column 2 is longer than 4 bytes");
    expect_bad(r, 2, 1, "field in column 1 is longer than 4 bytes");
    expect_rec(r, 3, 1, "a\"b");
    expect_rec(r, 4, 1, "ok");
    expect_end(r);
    csv_close(r);

    /* The limit applies after decoding: two CP949 syllables are four bytes, six in UTF-8. */
    struct csv_options cp = {.encoding = CSV_ENC_CP949, .max_field_bytes = 5};
    s = "\xbb\xe7\xbe\xf7\n\xbb\xe7\n";
    r = open_mem_opt(s, strlen(s), &cp);
    expect_bad(r, 1, 1, "field in column 1 is longer than 5 bytes");
    expect_rec(r, 2, 1, "사");
    expect_end(r);
    csv_close(r);
}

static void test_record_too_long(void **state)
{
    (void)state;
    struct csv_options opt = {.max_record_bytes = 9};
    const char *s = "aaaa,bbbb\r\naaaa,bbbb,c\r\nok\r\n";
    struct csv_reader *r = open_mem_opt(s, strlen(s), &opt);
    expect_rec(r, 1, 2, "aaaa", "bbbb");
    /* The tenth byte is the comma that ends column 2. */
    expect_bad(r, 2, 2, "record is longer than 9 bytes");
    expect_rec(r, 3, 1, "ok");
    expect_end(r);
    csv_close(r);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    struct csv_reader *r = NULL;
    struct dure_err err = {0};
    struct csv_options opt = {.encoding = (enum csv_encoding)99};

    assert_int_equal(csv_open_mem("a", 1, &opt, &r, &err), DURE_EINVAL);
    assert_null(r);
    assert_int_equal(csv_open_mem(NULL, 1, NULL, &r, &err), DURE_EINVAL);
    assert_null(r);
}

static void test_missing_file(void **state)
{
    (void)state;
    struct csv_reader *r = NULL;
    struct dure_err err = {0};

    assert_int_equal(csv_open_file("/nonexistent/dure/members.csv", NULL, &r, &err), DURE_EIO);
    assert_null(r);
    assert_non_null(strstr(err.msg, "members.csv"));
    /* A directory opens but cannot be read. */
    assert_int_equal(csv_open_file("/", NULL, &r, &err), DURE_EIO);
    assert_null(r);
}

static void test_small_file(void **state)
{
    (void)state;
    char path[64];
    const char *s = CP949_BRN "," CP949_NAME "\r\n1,\"" CP949_DDOM "\"\r\n";
    write_temp(s, strlen(s), path);

    struct csv_reader *r = NULL;
    struct dure_err err = {0};
    assert_int_equal(csv_open_file(path, NULL, &r, &err), 0);
    assert_int_equal(csv_encoding(r), CSV_ENC_CP949);
    assert_int_equal(csv_bytes_total(r), strlen(s));
    expect_rec(r, 1, 2, UTF8_BRN, UTF8_NAME);
    expect_rec(r, 2, 2, "1", "똠");
    expect_end(r);
    assert_int_equal(csv_bytes_read(r), strlen(s));
    csv_close(r);
    unlink(path);
}

/* Input whose awkward spots fall on window boundaries: a CRLF ending a record split by the
 * first, a doubled quote split by the second, a CRLF inside a quoted field split by the third. */
static char *boundary_input(size_t *len)
{
    char *s = malloc(3 * CHUNK + 64);
    size_t k;
    assert_non_null(s);

    /* Line 1: x...x CR | LF */
    memset(s, 'x', CHUNK - 1);
    k = CHUNK - 1;
    s[k++] = '\r';
    s[k++] = '\n';
    /* Line 2: "y...y" | "z",w LF */
    s[k++] = '"';
    memset(s + k, 'y', 2 * CHUNK - 1 - k);
    k = 2 * CHUNK - 1;
    s[k++] = '"';
    s[k++] = '"';
    memcpy(s + k, "z\",w\n", 5);
    k += 5;
    /* Lines 3-4: "q...q CR | LF r" LF, then line 5: end LF */
    s[k++] = '"';
    memset(s + k, 'q', 3 * CHUNK - 1 - k);
    k = 3 * CHUNK - 1;
    s[k++] = '\r';
    s[k++] = '\n';
    memcpy(s + k, "r\"\nend\n", 7);
    k += 7;
    *len = k;
    return s;
}

static void check_boundary_reader(struct csv_reader *r, size_t len)
{
    struct dure_err err = {0};
    int has = 0;
    const char *f;

    assert_int_equal(csv_next(r, &has, &err), 0);
    assert_int_equal(has, 1);
    assert_int_equal(csv_line(r), 1);
    assert_int_equal(csv_nfields(r), 1);
    f = csv_field(r, 0);
    assert_int_equal(strlen(f), CHUNK - 1);
    assert_int_equal(strspn(f, "x"), CHUNK - 1);

    assert_int_equal(csv_next(r, &has, &err), 0);
    assert_int_equal(has, 1);
    assert_int_equal(csv_line(r), 2);
    assert_int_equal(csv_nfields(r), 2);
    f = csv_field(r, 0);
    assert_int_equal(strlen(f), CHUNK - 1);
    assert_int_equal(strspn(f, "y"), CHUNK - 3);
    assert_string_equal(f + CHUNK - 3, "\"z");
    assert_string_equal(csv_field(r, 1), "w");

    assert_int_equal(csv_next(r, &has, &err), 0);
    assert_int_equal(has, 1);
    assert_int_equal(csv_line(r), 3);
    assert_int_equal(csv_nfields(r), 1);
    f = csv_field(r, 0);
    assert_int_equal(strlen(f), CHUNK - 5);
    assert_int_equal(strspn(f, "q"), CHUNK - 8);
    assert_string_equal(f + CHUNK - 8, "\r\nr");

    expect_rec(r, 5, 1, "end");
    expect_end(r);
    assert_int_equal(csv_bytes_read(r), len);
}

static void test_window_boundaries(void **state)
{
    (void)state;
    size_t len;
    char *s = boundary_input(&len);
    char path[64];
    struct dure_err err = {0};
    struct csv_reader *r;
    static const enum csv_encoding encs[] = {CSV_ENC_UTF8, CSV_ENC_CP949};

    r = open_mem_opt(s, len, NULL);
    check_boundary_reader(r, len);
    csv_close(r);

    /* Forced encodings skip detection, so file windows are CHUNK bytes from the start. */
    write_temp(s, len, path);
    for (size_t i = 0; i < sizeof(encs) / sizeof(encs[0]); i++) {
        struct csv_options opt = {.encoding = encs[i]};
        r = open_mem_opt(s, len, &opt);
        check_boundary_reader(r, len);
        csv_close(r);
        r = NULL;
        assert_int_equal(csv_open_file(path, &opt, &r, &err), 0);
        check_boundary_reader(r, len);
        csv_close(r);
    }
    unlink(path);
    free(s);
}

static void test_large_file(void **state)
{
    (void)state;
    const size_t rows = 200000;
    char path[64];
    const char *dir = getenv("TMPDIR");
    snprintf(path, sizeof(path), "%s/test_csv_XXXXXX",
             dir != NULL && strlen(dir) < 40 ? dir : "/tmp");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *fp = fdopen(fd, "wb");
    assert_non_null(fp);
    fputs("\xEF\xBB\xBFid,name,note,tail\r\n", fp);
    for (size_t i = 0; i < rows; i++) {
        /* Every row spans two lines; every 1000th is followed by an empty line. */
        fprintf(fp, "%zu,\"name \"\"%zu\"\", " UTF8_NAME "\",\"line a\r\nline b\",t%zu\r\n%s", i, i,
                i, i % 1000 == 999 ? "\r\n" : "");
    }
    assert_int_equal(fclose(fp), 0);

    struct csv_reader *r = NULL;
    struct dure_err err = {0};
    assert_int_equal(csv_open_file(path, NULL, &r, &err), 0);
    assert_int_equal(csv_encoding(r), CSV_ENC_UTF8);
    uint64_t total = csv_bytes_total(r);
    assert_true(total > 8 * CHUNK * 16);
    expect_rec(r, 1, 4, "id", "name", "note", "tail");

    char want[64];
    size_t count = 0;
    uint64_t last_read = csv_bytes_read(r);
    for (;;) {
        int has = 0;
        int rc = csv_next(r, &has, &err);
        if (rc != 0)
            fail_msg("row %zu: %s", count, err.msg);
        if (!has)
            break;
        size_t i = count++;
        assert_int_equal(csv_nfields(r), 4);
        assert_int_equal(csv_line(r), 2 + 2 * i + i / 1000);
        assert_true(csv_bytes_read(r) > last_read);
        last_read = csv_bytes_read(r);
        if (i == 0 || i == 12345 || i == 99999 || i == rows - 1 || i % 7919 == 0) {
            snprintf(want, sizeof(want), "%zu", i);
            assert_string_equal(csv_field(r, 0), want);
            snprintf(want, sizeof(want), "name \"%zu\", " UTF8_NAME, i);
            assert_string_equal(csv_field(r, 1), want);
            assert_string_equal(csv_field(r, 2), "line a\r\nline b");
            snprintf(want, sizeof(want), "t%zu", i);
            assert_string_equal(csv_field(r, 3), want);
        }
    }
    assert_int_equal(count, rows);
    assert_int_equal(csv_bytes_read(r), total);
    csv_close(r);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain),
        cmocka_unit_test(test_quoted_comma_and_newline),
        cmocka_unit_test(test_quoted_crlf_kept_and_counted_once),
        cmocka_unit_test(test_doubled_quotes),
        cmocka_unit_test(test_empty_fields),
        cmocka_unit_test(test_bom),
        cmocka_unit_test(test_cp949_forced),
        cmocka_unit_test(test_detect_cp949),
        cmocka_unit_test(test_detect_utf8),
        cmocka_unit_test(test_detect_looks_at_first_mib_only),
        cmocka_unit_test(test_empty_lines_skipped),
        cmocka_unit_test(test_crlf),
        cmocka_unit_test(test_bare_cr_ends_line),
        cmocka_unit_test(test_last_line_without_newline),
        cmocka_unit_test(test_empty_input),
        cmocka_unit_test(test_unterminated_quote_is_fatal),
        cmocka_unit_test(test_stray_quote_recovers),
        cmocka_unit_test(test_text_after_closing_quote_recovers),
        cmocka_unit_test(test_invalid_utf8_recovers),
        cmocka_unit_test(test_nul_byte_recovers),
        cmocka_unit_test(test_invalid_cp949_recovers),
        cmocka_unit_test(test_too_many_fields),
        cmocka_unit_test(test_field_too_long),
        cmocka_unit_test(test_record_too_long),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_missing_file),
        cmocka_unit_test(test_small_file),
        cmocka_unit_test(test_window_boundaries),
        cmocka_unit_test(test_large_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
