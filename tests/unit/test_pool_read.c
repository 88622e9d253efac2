/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for app/pool_read: Hometax list exports as CSV (UTF-8, CP949, tax-exempt, columns
 * reordered, bad rows, fatal header and truncation errors) and .xlsx (built here with libzip),
 * KEC XML documents alone and in a zip, and that no personal data reaches a record. */
/* cmocka.h needs these first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zip.h>

#include "app/pool_read.h"
#include "app/pool_read_internal.h"

#define BRN_A "1248100998"
#define BRN_B "2208112341"

/* The Hometax 33-column header. */
#define HDR                                                                                                                             \
    "작성일자,승인번호,발급일자,전송일자,공급자사업자등록번호,종사업장번호,상호,대표자명,주소," \
    "공급받는자사업자등록번호,종사업장번호,상호,대표자명,주소,합계금액,공급가액,세액,"              \
    "전자세금계산서분류,전자세금계산서종류,발급유형,비고,영수/청구 구분,공급자 이메일,"             \
    "공급받는자 이메일1,공급받는자 이메일2,품목일자,품목명,품목규격,품목수량,품목단가,"              \
    "품목공급가액,품목세액,품목비고\r\n"

#define TITLE                                                                                      \
    "전자(세금)계산서 목록조회 (매출)\r\n"                                            \
    "조회기간,2025-01-01 ~ 2025-12-31\r\n"                                                     \
    "\r\n"

/* A 매출 invoice, an amended one with negative amounts, and one to a private person. */
#define ROW1                                                                                                             \
    "2025-01-15,20250115-10000000-00000001,2025-01-15,2025-01-16,124-81-00998,,두레전자,홍길동,"                  \
    "서울 구로구 디지털로 300,220-81-12341,0001,가산상사,김철수,서울 금천구 가산디지털1로 1," \
    "\"1,100,000\",\"1,000,000\",\"100,000\",일반세금계산서,일반,정발급,비고메모,청구,"                \
    "kim@example.com,lee@example.com,,2025-01-15,볼트 M8 외 2건,M8x20,\"1,000\",1000,"                               \
    "\"1,000,000\",\"100,000\",품목메모\r\n"
#define ROW2                                                                                                \
    "2025-01-20,20250120-10000000-00000002,2025-01-20,2025-01-21,124-81-00998,,두레전자,홍길동,"     \
    "서울 구로구 디지털로 300,220-81-12341,,가산상사,김철수,서울 금천구,\"-550,000\"," \
    "\"-500,000\",\"-50,000\",수정세금계산서,일반,정발급,,영수,kim@example.com,"              \
    "lee@example.com,,2025-01-20,볼트 M8 반품,,-500,1000,\"-500,000\",\"-50,000\",\r\n"
#define ROW3                                                                                                        \
    "2025-01-25,20250125-10000000-00000003,2025-01-25,2025-01-26,1248100998,,두레전자,홍길동,"               \
    "서울 구로구 디지털로 300,900101-1234567,,홍길순,홍길순,서울 어딘가,\"33,000\",\"30,000\"," \
    "\"3,000\",일반세금계산서,일반,정발급,,영수,kim@example.com,lee@example.com,,2025-01-25,"         \
    "소모품,,1.5,20000,\"30,000\",\"3,000\",\r\n"

/* What must never reach a record: representatives, e-mail addresses, resident numbers, a
 * private buyer's name, addresses, notes, contacts. */
static const char *const secrets[] = {"홍길동",   "kim@example.com", "lee@example.com", "900101",
                                      "1234567",  "홍길순",          "디지털로",        "금천구",
                                      "비고메모", "품목메모",        "김철수",          "박담당"};

static char tmpdir[256];

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/dure-pool-read.XXXXXX");
    return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int teardown(void **state)
{
    char path[512];
    struct dirent *e;
    DIR *d = opendir(tmpdir);
    (void)state;
    if (d != NULL) {
        while ((e = readdir(d)) != NULL) {
            if (e->d_name[0] == '.')
                continue;
            snprintf(path, sizeof(path), "%s/%s", tmpdir, e->d_name);
            unlink(path);
        }
        closedir(d);
    }
    rmdir(tmpdir);
    return 0;
}

/* Write data to tmpdir/name; the path goes into path (size >= 512). */
static void write_file(const char *name, const void *data, size_t len, char *path)
{
    snprintf(path, 512, "%s/%s", tmpdir, name);
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(data, 1, len, fp), len);
    assert_int_equal(fclose(fp), 0);
}

static void write_str(const char *name, const char *s, char *path)
{
    write_file(name, s, strlen(s), path);
}

static int contains(const void *hay, size_t n, const char *needle)
{
    size_t m = strlen(needle);
    const unsigned char *h = hay;
    for (size_t i = 0; i + m <= n; i++)
        if (memcmp(h + i, needle, m) == 0)
            return 1;
    return 0;
}

/* No byte of the record or its items holds personal data. */
static void assert_clean(const struct pool_invoice *inv)
{
    for (size_t k = 0; k < sizeof(secrets) / sizeof(secrets[0]); k++) {
        if (contains(inv, sizeof(*inv), secrets[k]))
            fail_msg("the record holds \"%s\"", secrets[k]);
        if (inv->nitems > 0 &&
            contains(inv->items, inv->nitems * sizeof(inv->items[0]), secrets[k]))
            fail_msg("an item holds \"%s\"", secrets[k]);
    }
}

static void assert_msg_clean(const char *msg)
{
    for (size_t k = 0; k < sizeof(secrets) / sizeof(secrets[0]); k++)
        if (strstr(msg, secrets[k]) != NULL)
            fail_msg("the message \"%s\" holds \"%s\"", msg, secrets[k]);
}

static struct pool_reader *open_path(const char *path, enum pool_format fmt)
{
    struct pool_reader *r = NULL;
    struct dure_err err = {0};
    if (pool_reader_open(path, fmt, &r, &err) != 0)
        fail_msg("pool_reader_open %s: %s", path, err.msg);
    return r;
}

static void next_ok(struct pool_reader *r, struct pool_invoice *inv, uint64_t line)
{
    struct dure_err err = {0};
    int has = 0;
    int rc = pool_reader_next(r, inv, &has, &err);
    if (rc != 0)
        fail_msg("pool_reader_next on line %llu: %s", (unsigned long long)pool_reader_line(r),
                 err.msg);
    assert_int_equal(has, 1);
    assert_int_equal(pool_reader_line(r), line);
    assert_clean(inv);
}

static void next_bad(struct pool_reader *r, uint64_t line, size_t col, const char *part)
{
    struct pool_invoice inv;
    struct dure_err err = {0};
    int has = 1;
    int rc = pool_reader_next(r, &inv, &has, &err);
    assert_int_equal(rc, DURE_EINVAL);
    assert_int_equal(has, 0);
    assert_int_equal(pool_reader_failed(r), 0);
    if (strstr(err.msg, part) == NULL)
        fail_msg("message \"%s\" lacks \"%s\"", err.msg, part);
    assert_msg_clean(err.msg);
    assert_int_equal(pool_reader_line(r), line);
    assert_int_equal(pool_reader_error_column(r), col);
    assert_clean(&inv);
}

static void next_fatal(struct pool_reader *r, const char *part)
{
    struct pool_invoice inv;
    struct dure_err err = {0};
    int has = 1;
    int rc = pool_reader_next(r, &inv, &has, &err);
    assert_int_not_equal(rc, 0);
    assert_int_equal(has, 0);
    assert_int_equal(pool_reader_failed(r), 1);
    if (strstr(err.msg, part) == NULL)
        fail_msg("message \"%s\" lacks \"%s\"", err.msg, part);
    /* Fatal errors repeat. */
    assert_int_equal(pool_reader_next(r, &inv, &has, &err), rc);
    assert_int_equal(has, 0);
}

static void next_end(struct pool_reader *r)
{
    struct pool_invoice inv;
    struct dure_err err = {0};
    int has = 1;
    int rc = pool_reader_next(r, &inv, &has, &err);
    if (rc != 0)
        fail_msg("expected the end, got: %s", err.msg);
    assert_int_equal(has, 0);
    assert_int_equal(pool_reader_failed(r), 0);
}

/* The three invoices of TITLE HDR ROW1 ROW2 ROW3, starting on line first. */
static void expect_three(struct pool_reader *r, uint64_t first)
{
    struct pool_invoice inv;

    next_ok(r, &inv, first);
    assert_string_equal(inv.approval_no, "202501151000000000000001");
    assert_string_equal(inv.written_on, "2025-01-15");
    assert_string_equal(inv.issued_on, "2025-01-15");
    assert_string_equal(inv.supplier_brn, BRN_A);
    assert_string_equal(inv.supplier_branch, "");
    assert_string_equal(inv.supplier_name, "두레전자");
    assert_int_equal(inv.buyer_kind, POOL_PARTY_BUSINESS);
    assert_string_equal(inv.buyer_brn, BRN_B);
    assert_string_equal(inv.buyer_branch, "0001");
    assert_string_equal(inv.buyer_name, "가산상사");
    assert_int_equal(inv.total_krw, 1100000);
    assert_int_equal(inv.supply_krw, 1000000);
    assert_int_equal(inv.tax_krw, 100000);
    assert_int_equal(inv.tax_exempt, 0);
    assert_int_equal(inv.amended, 0);
    assert_string_equal(inv.kind, "일반");
    assert_int_equal(inv.receipt, 0);
    assert_int_equal(inv.items_complete, 0);
    assert_int_equal(inv.nitems, 1);
    assert_string_equal(inv.items[0].date, "2025-01-15");
    assert_string_equal(inv.items[0].name, "볼트 M8 외 2건");
    assert_string_equal(inv.items[0].spec, "M8x20");
    assert_int_equal(inv.items[0].qty_milli, 1000000);
    assert_int_equal(inv.items[0].unit_price_krw, 1000);
    assert_int_equal(inv.items[0].supply_krw, 1000000);
    assert_int_equal(inv.items[0].tax_krw, 100000);

    next_ok(r, &inv, first + 1);
    assert_string_equal(inv.approval_no, "202501201000000000000002");
    assert_int_equal(inv.amended, 1);
    assert_int_equal(inv.receipt, 1);
    assert_int_equal(inv.total_krw, -550000);
    assert_int_equal(inv.supply_krw, -500000);
    assert_int_equal(inv.tax_krw, -50000);
    assert_int_equal(inv.items[0].qty_milli, -500000);
    assert_int_equal(inv.items[0].supply_krw, -500000);

    next_ok(r, &inv, first + 2);
    assert_int_equal(inv.buyer_kind, POOL_PARTY_PERSON);
    assert_string_equal(inv.buyer_brn, "");
    assert_string_equal(inv.buyer_name, "");
    assert_string_equal(inv.buyer_branch, "");
    assert_int_equal(inv.total_krw, 33000);
    assert_int_equal(inv.items[0].qty_milli, 1500);
    assert_int_equal(inv.items[0].unit_price_krw, 20000);

    next_end(r);
    next_end(r);
}

static void test_csv_utf8(void **state)
{
    char path[512];
    (void)state;
    write_str("sales.csv", "\xEF\xBB\xBF" TITLE HDR ROW1 ROW2 ROW3, path);
    struct pool_reader *r = open_path(path, POOL_FMT_AUTO);
    assert_string_equal(pool_reader_format_name(r), "csv (UTF-8)");
    expect_three(r, 5);
    assert_int_equal(pool_reader_bytes_read(r), pool_reader_bytes_total(r));
    pool_reader_close(r);
}

static void test_csv_cp949(void **state)
{
    static const char src[] = TITLE HDR ROW1 ROW2 ROW3;
    char out[sizeof(src) * 2];
    char path[512];
    (void)state;

    iconv_t cd = iconv_open("CP949", "UTF-8");
    assert_true(cd != (iconv_t)-1);
    char *in = (char *)src;
    size_t in_left = sizeof(src) - 1;
    char *o = out;
    size_t o_left = sizeof(out);
    assert_int_not_equal(iconv(cd, &in, &in_left, &o, &o_left), (size_t)-1);
    iconv_close(cd);
    write_file("sales-cp949.csv", out, sizeof(out) - o_left, path);

    struct pool_reader *r = open_path(path, POOL_FMT_CSV);
    assert_string_equal(pool_reader_format_name(r), "csv (CP949)");
    expect_three(r, 5);
    pool_reader_close(r);
}

static void test_csv_memory(void **state)
{
    static const char src[] = TITLE HDR ROW1 ROW2 ROW3;
    struct pool_reader *r = NULL;
    struct dure_err err = {0};
    (void)state;
    assert_int_equal(pool_reader_open_mem(src, sizeof(src) - 1, POOL_FMT_AUTO, &r, &err), 0);
    assert_string_equal(pool_reader_format_name(r), "csv (UTF-8)");
    expect_three(r, 5);
    pool_reader_close(r);
}

static void test_csv_tax_exempt(void **state)
{
    char path[512];
    struct pool_invoice inv;
    (void)state;
    write_str("exempt.csv",
              "전자계산서 목록조회 (매출)\n"
              "작성일자,승인번호,발급일자,전송일자,공급자사업자등록번호,종사업장번호,상호,"
              "대표자명,주소,공급받는자사업자등록번호,종사업장번호,상호,대표자명,주소,합계금액,"
              "공급가액,전자계산서분류,전자계산서종류,발급유형,비고,영수/청구 구분,공급자 이메일,"
              "공급받는자 이메일1,공급받는자 이메일2,품목일자,품목명,품목규격,품목수량,품목단가,"
              "품목공급가액,품목비고\n"
              "20250203,20250203-10000000-00000009,20250203,20250204,1248100998,,두레농산,홍길동,"
              "디지털로,2208112341,,가산상사,김철수,금천구,\"500,000\",\"500,000\",일반계산서,"
              "일반,정발급,,청구,kim@example.com,,,20250203,쌀 20kg,,10,50000,\"500,000\",\n",
              path);
    struct pool_reader *r = open_path(path, POOL_FMT_AUTO);
    next_ok(r, &inv, 3);
    assert_int_equal(inv.tax_exempt, 1);
    assert_int_equal(inv.tax_krw, 0);
    assert_int_equal(inv.total_krw, 500000);
    assert_string_equal(inv.written_on, "2025-02-03");
    assert_string_equal(inv.items[0].name, "쌀 20kg");
    assert_int_equal(inv.items[0].qty_milli, 10000);
    assert_int_equal(inv.items[0].tax_krw, 0);
    next_end(r);
    pool_reader_close(r);
}

static void test_csv_reordered(void **state)
{
    char path[512];
    struct pool_invoice inv;
    (void)state;
    /* Columns by name: a subset in another order, the party blocks kept apart by position. */
    write_str(
        "reordered.csv",
        "승인번호,공급받는자사업자등록번호,상호,종사업장번호,공급자사업자등록번호,종사업장번호,"
        "상호,세액,합계금액,공급가액,작성일자,품목명\n"
        "202501151000000000000007,2208112341,가산상사,2,1248100998,,두레전자,\"10\","
        "\"110\",\"100\",2025.01.31,클립\n",
        path);
    struct pool_reader *r = open_path(path, POOL_FMT_AUTO);
    next_ok(r, &inv, 2);
    assert_string_equal(inv.approval_no, "202501151000000000000007");
    assert_string_equal(inv.supplier_brn, BRN_A);
    assert_string_equal(inv.supplier_name, "두레전자");
    assert_string_equal(inv.buyer_brn, BRN_B);
    assert_string_equal(inv.buyer_name, "가산상사");
    assert_string_equal(inv.buyer_branch, "0002");
    assert_int_equal(inv.supply_krw, 100);
    assert_int_equal(inv.tax_krw, 10);
    assert_int_equal(inv.total_krw, 110);
    assert_string_equal(inv.written_on, "2025-01-31");
    assert_string_equal(inv.items[0].name, "클립");
    next_end(r);
    pool_reader_close(r);
}

static void test_csv_bad_rows(void **state)
{
    char path[512];
    struct pool_invoice inv;
    (void)state;
    write_str("bad.csv",
              HDR
              /* line 2, spanning to line 3: a note with a line break */
              "2025-01-15,20250115-10000000-00000001,,,1248100998,,두레전자,홍길동,\"두 줄\n주소\","
              "2208112341,,가산상사,김철수,,1100,1000,100,,일반,,,청구,,,,,볼트,,,,,,\n"
              /* line 4: 공급가액 + 세액 is not 합계금액 */
              "2025-01-16,20250116-10000000-00000002,,,1248100998,,두레전자,홍길동,,"
              "2208112341,,가산상사,김철수,,\"1,100,001\",\"1,000,000\",\"100,000\",,일반,,,청구,"
              ",,,,볼트,,,,,,\n"
              /* line 5: a date that does not exist */
              "2025-02-29,20250229-10000000-00000003,,,1248100998,,두레전자,,,2208112341,,가산상사,"
              ",,1100,1000,100,,일반,,,청구,,,,,볼트,,,,,,\n"
              /* line 6: a 25-digit approval number */
              "2025-01-17,2025011710000000000000041,,,1248100998,,두레전자,,,2208112341,,가산상사,"
              ",,1100,1000,100,,일반,,,청구,,,,,볼트,,,,,,\n"
              /* line 7: too few fields */
              "2025-01-17,20250117-10000000-00000005,1248100998\n"
              /* line 8: a resident number as the supplier */
              "2025-01-17,20250117-10000000-00000006,,,900101-1234567,,두레전자,,,2208112341,,"
              "가산상사,,,1100,1000,100,,일반,,,청구,,,,,볼트,,,,,,\n"
              /* line 9: an amount that is not a number; line 10: a negative on an original */
              "2025-01-17,20250117-10000000-00000007,,,1248100998,,두레전자,,,2208112341,,가산상사,"
              ",,1100,1천,100,,일반,,,청구,,,,,볼트,,,,,,\n"
              "2025-01-17,20250117-10000000-00000008,,,1248100998,,두레전자,,,2208112341,,가산상사,"
              ",,-1100,-1000,-100,,일반,,,청구,,,,,볼트,,,,,,\n"
              /* line 11: fine again; line 12: an empty line; line 13: fine */
              "2025-01-18,20250118-10000000-00000009,,,1248100998,,두레전자,,,2208112341,,가산상사,"
              ",,1100,1000,100,,일반,,,청구,,,,,볼트,,,,,,\n"
              "\n"
              ",,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,\n"
              "2025-01-19,20250119-10000000-00000010,,,1248100998,,두레전자,,,2208112341,,가산상사,"
              ",,1100,1000,100,,일반,,,청구,,,,,볼트,,,,,,\n",
              path);
    struct pool_reader *r = open_path(path, POOL_FMT_AUTO);
    next_ok(r, &inv, 2);
    next_bad(r, 4, 15, "합계금액");
    next_bad(r, 5, 1, "does not exist");
    next_bad(r, 6, 2, "25 digits");
    next_bad(r, 7, 0, "3 fields");
    next_bad(r, 8, 5, "resident number");
    next_bad(r, 9, 16, "공급가액");
    next_bad(r, 10, 15, "not amended");
    next_ok(r, &inv, 11);
    assert_string_equal(inv.approval_no, "202501181000000000000009");
    next_ok(r, &inv, 14);
    next_end(r);
    pool_reader_close(r);
}

static void test_csv_fatal(void **state)
{
    char path[512];
    struct pool_reader *r;
    (void)state;

    write_str("noheader.csv", TITLE "작성일자,번호,합계금액\n2025-01-15,1,1100\n", path);
    r = open_path(path, POOL_FMT_AUTO);
    next_fatal(r, "no header row with 승인번호");
    pool_reader_close(r);

    write_str("empty.csv", "", path);
    r = open_path(path, POOL_FMT_AUTO);
    next_fatal(r, "no header row with 승인번호");
    pool_reader_close(r);

    write_str("missing.csv",
              "작성일자,승인번호,공급자사업자등록번호,공급받는자사업자등록번호,합계금액,세액\n",
              path);
    r = open_path(path, POOL_FMT_AUTO);
    next_fatal(r, "required column 공급가액 is missing");
    pool_reader_close(r);

    write_str(
        "dup.csv",
        "작성일자,승인번호,공급자사업자등록번호,공급받는자사업자등록번호,합계금액,공급가액,세액,"
        "세액\n",
        path);
    r = open_path(path, POOL_FMT_AUTO);
    next_fatal(r, "column 세액 appears more often");
    pool_reader_close(r);

    write_str("dup2.csv",
              "작성일자,승인번호,공급자사업자등록번호,상호,상호,공급받는자사업자등록번호,합계금액,"
              "공급가액,세액\n",
              path);
    r = open_path(path, POOL_FMT_AUTO);
    next_fatal(r, "column 상호 (공급자) appears more often");
    pool_reader_close(r);

    /* A truncated file: the quote opened on line 3 is never closed. */
    write_str("truncated.csv",
              HDR
              "2025-01-15,20250115-10000000-00000001,,,1248100998,,두레전자,,,2208112341,,가산상사,"
              ",,1100,1000,100,,일반,,,청구,,,,,볼트,,,,,,\n"
              "2025-01-16,20250116-10000000-00000002,,,1248100998,,\"두레",
              path);
    r = open_path(path, POOL_FMT_AUTO);
    struct pool_invoice inv;
    next_ok(r, &inv, 2);
    next_fatal(r, "never closed");
    assert_int_equal(pool_reader_line(r), 3);
    pool_reader_close(r);
}

static void test_open_errors(void **state)
{
    struct pool_reader *r = NULL;
    struct dure_err err = {0};
    char path[512];
    (void)state;
    snprintf(path, sizeof(path), "%s/does-not-exist.csv", tmpdir);
    assert_int_equal(pool_reader_open(path, POOL_FMT_AUTO, &r, &err), DURE_EIO);
    assert_null(r);
    write_str("notzip.xlsx", "hello", path);
    assert_int_equal(pool_reader_open(path, POOL_FMT_XLSX, &r, &err), DURE_EINVAL);
    assert_null(r);
    /* A zip without a worksheet. */
    assert_int_equal(pool_reader_open_mem("PK\x05\x06", 4, POOL_FMT_XLSX, &r, &err), DURE_EINVAL);
    assert_null(r);
}

/* ---- xlsx ---- */

static const char *const header_cells[33] = {"작성일자",
                                             "승인번호",
                                             "발급일자",
                                             "전송일자",
                                             "공급자사업자등록번호",
                                             "종사업장번호",
                                             "상호",
                                             "대표자명",
                                             "주소",
                                             "공급받는자사업자등록번호",
                                             "종사업장번호",
                                             "상호",
                                             "대표자명",
                                             "주소",
                                             "합계금액",
                                             "공급가액",
                                             "세액",
                                             "전자세금계산서분류",
                                             "전자세금계산서종류",
                                             "발급유형",
                                             "비고",
                                             "영수/청구 구분",
                                             "공급자 이메일",
                                             "공급받는자 이메일1",
                                             "공급받는자 이메일2",
                                             "품목일자",
                                             "품목명",
                                             "품목규격",
                                             "품목수량",
                                             "품목단가",
                                             "품목공급가액",
                                             "품목세액",
                                             "품목비고"};

/* Append printf text to b (size n, used *len). */
#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static void
cat(char *b, size_t n, size_t *len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(b + *len, n - *len, fmt, ap);
    va_end(ap);
    assert_true(k >= 0 && (size_t)k < n - *len);
    *len += (size_t)k;
}

static void zip_put(zip_t *za, const char *name, const char *data)
{
    zip_source_t *src = zip_source_buffer(za, data, strlen(data), 0);
    assert_non_null(src);
    assert_true(zip_file_add(za, name, src, ZIP_FL_ENC_UTF_8) >= 0);
}

static void test_xlsx(void **state)
{
    static char ss[8192];
    static char sheet[16384];
    size_t ss_len = 0, sh_len = 0;
    char path[512];
    struct pool_invoice inv;
    int zerr = 0;
    (void)state;

    /* Shared strings: the 33 header names (0-32), a rich-text name with a phonetic run that is
     * not part of the text (33), an item name (34). */
    cat(ss, sizeof(ss), &ss_len,
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<sst "
        "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" count=\"35\" "
        "uniqueCount=\"35\">");
    for (int i = 0; i < 33; i++)
        cat(ss, sizeof(ss), &ss_len, "<si><t>%s</t></si>", header_cells[i]);
    cat(ss, sizeof(ss), &ss_len,
        "<si><r><rPr><b/></rPr><t>두레</t></r><r><t xml:space=\"preserve\">전자</t></r>"
        "<rPh sb=\"0\" eb=\"2\"><t>トゥレ</t></rPh></si><si><t>볼트 M8 외 2건</t></si></sst>");

    cat(sheet, sizeof(sheet), &sh_len,
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<worksheet "
        "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>"
        "<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>전자(세금)계산서 목록조회 "
        "(매출)</t></is></c></row>"
        "<row r=\"2\"><c r=\"A2\" t=\"inlineStr\"><is><t>조회기간</t></is></c><c r=\"B2\" "
        "t=\"inlineStr\"><is><t>2025-01-01 ~ 2025-12-31</t></is></c></row><row r=\"3\">");
    for (int i = 0; i < 33; i++) {
        char ref[4] = {0};
        if (i < 26) {
            ref[0] = (char)('A' + i);
        } else {
            ref[0] = 'A';
            ref[1] = (char)('A' + i - 26);
        }
        cat(sheet, sizeof(sheet), &sh_len, "<c r=\"%s3\" t=\"s\"><v>%d</v></c>", ref, i);
    }
    /* Row 4: a date serial, no 종사업장번호 cells (gaps), an amount with an exponent, a formula
     * string, styled empty cells far to the right. */
    cat(sheet, sizeof(sheet), &sh_len,
        "</row><row r=\"4\" spans=\"1:33\"><c r=\"A4\" s=\"1\"><v>45672</v></c>"
        "<c r=\"B4\" t=\"inlineStr\"><is><t>20250115-10000000-00000001</t></is></c>"
        "<c r=\"C4\" t=\"str\"><f>A4</f><v>2025-01-15</v></c>"
        "<c r=\"E4\" t=\"inlineStr\"><is><t>124-81-00998</t></is></c>"
        "<c r=\"G4\" t=\"s\"><v>33</v></c>"
        "<c r=\"H4\" t=\"inlineStr\"><is><t>홍길동</t></is></c>"
        "<c r=\"J4\"><v>2208112341</v></c><c r=\"K4\"><v>1</v></c>"
        "<c r=\"L4\" t=\"inlineStr\"><is><t>가산상사</t></is></c>"
        "<c r=\"O4\"><v>1.1E6</v></c><c r=\"P4\"><v>1000000</v></c><c r=\"Q4\"><v>100000</v></c>"
        "<c r=\"S4\" t=\"inlineStr\"><is><t>일반</t></is></c>"
        "<c r=\"V4\" t=\"inlineStr\"><is><t>청구</t></is></c>"
        "<c r=\"W4\" t=\"inlineStr\"><is><t>kim@example.com</t></is></c>"
        "<c r=\"Z4\"><v>45672</v></c><c r=\"AA4\" t=\"s\"><v>34</v></c>"
        "<c r=\"AC4\"><v>1.5</v></c><c r=\"AD4\"><v>666666.66666666663</v></c>"
        "<c r=\"AE4\"><v>1000000</v></c><c r=\"AF4\"><v>100000</v></c>"
        "<c r=\"XFD4\" s=\"2\"/></row>"
        /* Row 6 (row 5 absent): a private buyer; written on 2024-02-29 (serial 45351). */
        "<row r=\"6\"><c r=\"A6\"><v>45351</v></c>"
        "<c r=\"B6\" t=\"inlineStr\"><is><t>20240229-10000000-00000002</t></is></c>"
        "<c r=\"E6\"><v>1248100998</v></c><c r=\"G6\" t=\"s\"><v>33</v></c>"
        "<c r=\"J6\" t=\"inlineStr\"><is><t>900101-1******</t></is></c>"
        "<c r=\"L6\" t=\"inlineStr\"><is><t>홍길순</t></is></c>"
        "<c r=\"O6\"><v>33000</v></c><c r=\"P6\"><v>30000</v></c><c r=\"Q6\"><v>3000</v></c>"
        "<c r=\"R6\" t=\"inlineStr\"><is><t>수정세금계산서</t></is></c>"
        "<c r=\"V6\" t=\"inlineStr\"><is><t>영수</t></is></c></row>"
        /* Row 7: a bad shared-string index; row 8: supply + tax is not the total. */
        "<row r=\"7\"><c r=\"A7\" t=\"s\"><v>99</v></c></row>"
        "<row r=\"8\"><c r=\"A8\"><v>45672</v></c>"
        "<c r=\"B8\" t=\"inlineStr\"><is><t>20250115-10000000-00000003</t></is></c>"
        "<c r=\"E8\"><v>1248100998</v></c><c r=\"J8\"><v>2208112341</v></c>"
        "<c r=\"O8\"><v>1</v></c><c r=\"P8\"><v>1000</v></c><c r=\"Q8\"><v>100</v></c></row>"
        "</sheetData></worksheet>");

    snprintf(path, sizeof(path), "%s/sales.xlsx", tmpdir);
    zip_t *za = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &zerr);
    assert_non_null(za);
    zip_put(za, "[Content_Types].xml",
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Types "
            "xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Override "
            "PartName=\"/xl/workbook.xml\" "
            "ContentType=\"application/"
            "vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/></Types>");
    zip_put(za, "xl/workbook.xml",
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><workbook "
            "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" "
            "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">"
            "<workbookPr/><sheets><sheet name=\"매출\" sheetId=\"1\" r:id=\"rId3\"/><sheet "
            "name=\"other\" sheetId=\"2\" r:id=\"rId1\"/></sheets></workbook>");
    zip_put(za, "xl/_rels/workbook.xml.rels",
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships "
            "xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
            "<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/"
            "2006/relationships/worksheet\" Target=\"worksheets/sheet1.xml\"/>"
            "<Relationship Id=\"rId3\" Type=\"http://schemas.openxmlformats.org/officeDocument/"
            "2006/relationships/worksheet\" Target=\"worksheets/data.xml\"/></Relationships>");
    zip_put(za, "xl/sharedStrings.xml", ss);
    zip_put(za, "xl/worksheets/data.xml", sheet);
    /* The second sheet is not the first: reading it would find no header. */
    zip_put(za, "xl/worksheets/sheet1.xml",
            "<worksheet><sheetData><row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>x</t></is>"
            "</c></row></sheetData></worksheet>");
    assert_int_equal(zip_close(za), 0);

    struct pool_reader *r = open_path(path, POOL_FMT_AUTO);
    assert_string_equal(pool_reader_format_name(r), "xlsx");
    next_ok(r, &inv, 4);
    assert_string_equal(inv.written_on, "2025-01-15");
    assert_string_equal(inv.issued_on, "2025-01-15");
    assert_string_equal(inv.approval_no, "202501151000000000000001");
    assert_string_equal(inv.supplier_brn, BRN_A);
    assert_string_equal(inv.supplier_name, "두레전자");
    assert_string_equal(inv.supplier_branch, "");
    assert_string_equal(inv.buyer_brn, BRN_B);
    assert_string_equal(inv.buyer_branch, "0001");
    assert_string_equal(inv.buyer_name, "가산상사");
    assert_int_equal(inv.total_krw, 1100000);
    assert_int_equal(inv.supply_krw, 1000000);
    assert_int_equal(inv.tax_krw, 100000);
    assert_string_equal(inv.kind, "일반");
    assert_string_equal(inv.items[0].date, "2025-01-15");
    assert_string_equal(inv.items[0].name, "볼트 M8 외 2건");
    assert_int_equal(inv.items[0].qty_milli, 1500);
    assert_int_equal(inv.items[0].unit_price_krw, 666667);

    next_ok(r, &inv, 6);
    assert_string_equal(inv.written_on, "2024-02-29");
    assert_int_equal(inv.buyer_kind, POOL_PARTY_PERSON);
    assert_string_equal(inv.buyer_name, "");
    assert_int_equal(inv.amended, 1);
    assert_int_equal(inv.receipt, 1);

    next_bad(r, 7, 1, "shared string 99");
    next_bad(r, 8, 15, "합계금액");
    next_end(r);
    assert_int_equal(pool_reader_bytes_read(r), pool_reader_bytes_total(r));
    pool_reader_close(r);
}

static void test_xlsx_fallback_and_limits(void **state)
{
    char path[512];
    struct pool_invoice inv;
    struct pool_reader *r = NULL;
    struct dure_err err = {0};
    int zerr = 0;
    (void)state;

    /* No workbook part: read as .xlsx on request, from xl/worksheets/sheet1.xml, 1904 dates
     * unknown so the 1900 system applies. */
    snprintf(path, sizeof(path), "%s/bare.xlsx", tmpdir);
    zip_t *za = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &zerr);
    assert_non_null(za);
    zip_put(za, "xl/worksheets/sheet1.xml",
            "<worksheet><sheetData><row><c t=\"inlineStr\"><is><t>승인번호</t></is></c>"
            "<c t=\"inlineStr\"><is><t>작성일자</t></is></c><c t=\"inlineStr\"><is><t>"
            "공급자사업자등록번호</t></is></c><c t=\"inlineStr\"><is><t>공급받는자사업자등록번호"
            "</t></is></c><c t=\"inlineStr\"><is><t>합계금액</t></is></c><c t=\"inlineStr\">"
            "<is><t>공급가액</t></is></c><c t=\"inlineStr\"><is><t>세액</t></is></c></row>"
            "<row><c t=\"inlineStr\"><is><t>202501151000000000000001</t></is></c><c><v>45672"
            "</v></c><c><v>1248100998</v></c><c><v>2208112341</v></c><c><v>11</v></c><c><v>10"
            "</v></c><c><v>1</v></c></row></sheetData></worksheet>");
    assert_int_equal(zip_close(za), 0);
    r = open_path(path, POOL_FMT_XLSX);
    next_ok(r, &inv, 2);
    assert_string_equal(inv.written_on, "2025-01-15");
    assert_int_equal(inv.total_krw, 11);
    next_end(r);
    pool_reader_close(r);
    /* By content alone (no workbook) it is a zip of documents, and not a good one. */
    r = open_path(path, POOL_FMT_AUTO);
    assert_string_equal(pool_reader_format_name(r), "zip of xml");
    next_bad(r, 1, 0, "the root element is worksheet, expected TaxInvoice");
    next_end(r);
    pool_reader_close(r);

    /* A worksheet that inflates more than 500 times its size is refused as a zip bomb. */
    size_t n = (size_t)20 * 1024 * 1024;
    char *spaces = malloc(n);
    assert_non_null(spaces);
    memset(spaces, ' ', n);
    memcpy(spaces, "<worksheet>", 11);
    snprintf(path, sizeof(path), "%s/bomb.xlsx", tmpdir);
    za = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &zerr);
    assert_non_null(za);
    zip_put(za, "xl/workbook.xml", "<workbook/>");
    zip_source_t *src = zip_source_buffer(za, spaces, n, 0);
    assert_non_null(src);
    assert_true(zip_file_add(za, "xl/worksheets/sheet1.xml", src, 0) >= 0);
    assert_int_equal(zip_close(za), 0);
    free(spaces);
    r = NULL;
    assert_int_equal(pool_reader_open(path, POOL_FMT_AUTO, &r, &err), DURE_ETOOBIG);
    assert_null(r);
    assert_non_null(strstr(err.msg, "zip bomb"));
}

static void test_excel_serial(void **state)
{
    static const struct {
        const char *serial;
        int date1904;
        const char *date;
    } ok[] = {
        {"1", 0, "1900-01-01"},       {"59", 0, "1900-02-28"},       {"61", 0, "1900-03-01"},
        {"45672", 0, "2025-01-15"},   {"45672.75", 0, "2025-01-15"}, {"45351", 0, "2024-02-29"},
        {"2958465", 0, "9999-12-31"}, {"0", 1, "1904-01-01"},        {"44210", 1, "2025-01-15"},
    };
    char out[REG_DATE_SIZE];
    struct dure_err err = {0};
    (void)state;
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        if (pool__excel_serial_date(ok[i].serial, ok[i].date1904, out, &err) != 0)
            fail_msg("serial %s: %s", ok[i].serial, err.msg);
        assert_string_equal(out, ok[i].date);
    }
    assert_int_equal(pool__excel_serial_date("60", 0, out, &err), DURE_EINVAL);
    assert_non_null(strstr(err.msg, "1900-02-29"));
    assert_int_equal(pool__excel_serial_date("0", 0, out, &err), DURE_EINVAL);
    assert_int_equal(pool__excel_serial_date("2958466", 0, out, &err), DURE_EINVAL);
    assert_int_equal(pool__excel_serial_date("2958465", 1, out, &err), DURE_EINVAL);
    assert_int_equal(pool__excel_serial_date("-1", 0, out, &err), DURE_EINVAL);
    assert_int_equal(pool__excel_serial_date("4e4", 0, out, &err), DURE_EINVAL);
    assert_int_equal(pool__excel_serial_date("", 0, out, &err), DURE_EINVAL);

    int64_t v = 0;
    assert_int_equal(pool__price_parse("666666.66666666663", &v, &err), 0);
    assert_int_equal(v, 666667);
    assert_int_equal(pool__price_parse("1,234.5", &v, &err), 0);
    assert_int_equal(v, 1235);
    assert_int_equal(pool__price_parse("-99.5", &v, &err), 0);
    assert_int_equal(v, -100);
    assert_int_equal(pool__price_parse("999.49", &v, &err), 0);
    assert_int_equal(v, 999);
    assert_int_equal(pool__price_parse("12원", &v, &err), DURE_EINVAL);
}

/* ---- KEC XML ---- */

#define KEC_NS                                                                                     \
    "urn:kr:or:kec:standard:Tax:ReusableAggregateBusinessInformationEntitySchemaModule:1:0"

static const char kec_doc[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<TaxInvoice xmlns=\"" KEC_NS "\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\n"
    " <ExchangedDocument><IssueDateTime>20250115103000</IssueDateTime></ExchangedDocument>\n"
    " <TaxInvoiceDocument>\n"
    "  <IssueID>20250115-41000000-00000078</IssueID>\n"
    "  <TypeCode>0101</TypeCode>\n"
    "  <DescriptionText>비고메모</DescriptionText>\n"
    "  <IssueDateTime>20250115</IssueDateTime>\n"
    "  <PurposeCode>02</PurposeCode>\n"
    " </TaxInvoiceDocument>\n"
    " <TaxInvoiceTradeSettlement>\n"
    "  <InvoicerParty>\n"
    "   <ID>1248100998</ID><TypeCode>제조</TypeCode><NameText>두레전자</NameText>\n"
    "   <SpecifiedOrganization><TaxRegistrationID>0001</TaxRegistrationID>"
    "</SpecifiedOrganization>\n"
    "   <SpecifiedPerson><NameText>홍길동</NameText></SpecifiedPerson>\n"
    "   <DefinedContact><PersonNameText>박담당</PersonNameText>"
    "<URICommunication>kim@example.com</URICommunication></DefinedContact>\n"
    "   <SpecifiedAddress><LineOneText>서울 구로구 디지털로 300</LineOneText></SpecifiedAddress>\n"
    "  </InvoicerParty>\n"
    "  <InvoiceeParty>\n"
    "   <ID>220-81-12341</ID><NameText>가산상사</NameText>\n"
    "   <SpecifiedOrganization><BusinessTypeCode>01</BusinessTypeCode></SpecifiedOrganization>\n"
    "   <SpecifiedPerson><NameText>김철수</NameText></SpecifiedPerson>\n"
    "   <PrimaryDefinedContact><URICommunication>lee@example.com</URICommunication>"
    "</PrimaryDefinedContact>\n"
    "  </InvoiceeParty>\n"
    "  <SpecifiedPaymentMeans><TypeCode>10</TypeCode><PaidAmount>0</PaidAmount>"
    "</SpecifiedPaymentMeans>\n"
    "  <SpecifiedMonetarySummation><ChargeTotalAmount>1500000</ChargeTotalAmount>"
    "<TaxTotalAmount>150000</TaxTotalAmount><GrandTotalAmount>1650000</GrandTotalAmount>"
    "</SpecifiedMonetarySummation>\n"
    " </TaxInvoiceTradeSettlement>\n"
    " <TaxInvoiceTradeLineItem><SequenceNumeric>1</SequenceNumeric>"
    "<InvoiceAmount>1000000</InvoiceAmount><ChargeableUnitQuantity>1000</ChargeableUnitQuantity>"
    "<InformationText>M8x20</InformationText><NameText>볼트 M8</NameText>"
    "<PurchaseExpiryDateTime>20250115</PurchaseExpiryDateTime><TotalTax><CalculatedAmount>100000"
    "</CalculatedAmount></TotalTax><UnitPrice><UnitAmount>1000</UnitAmount></UnitPrice>"
    "<DescriptionText>품목메모</DescriptionText></TaxInvoiceTradeLineItem>\n"
    " <TaxInvoiceTradeLineItem><SequenceNumeric>2</SequenceNumeric><NameText>너트 M8</NameText>"
    "<ChargeableUnitQuantity>2.5</ChargeableUnitQuantity><UnitPrice><UnitAmount>100000"
    "</UnitAmount></UnitPrice><InvoiceAmount>250000</InvoiceAmount><TotalTax><CalculatedAmount>"
    "25000</CalculatedAmount></TotalTax></TaxInvoiceTradeLineItem>\n"
    " <TaxInvoiceTradeLineItem><SequenceNumeric>3</SequenceNumeric><NameText>와셔</NameText>"
    "<PurchaseExpiryDateTime>0116</PurchaseExpiryDateTime>"
    "<ChargeableUnitQuantity>250</ChargeableUnitQuantity><UnitPrice><UnitAmount>1000</UnitAmount>"
    "</UnitPrice><InvoiceAmount>250000</InvoiceAmount><TotalTax><CalculatedAmount>25000"
    "</CalculatedAmount></TotalTax></TaxInvoiceTradeLineItem>\n"
    "</TaxInvoice>\n";

/* A 수정 document with prefixed names, to a private person. */
static const char kec_person[] =
    "<kec:TaxInvoice xmlns:kec=\"" KEC_NS "\">"
    "<kec:TaxInvoiceDocument><kec:IssueID>202502014100000000000079</kec:IssueID>"
    "<kec:TypeCode>0201</kec:TypeCode><kec:IssueDateTime>20250201</kec:IssueDateTime>"
    "<kec:AmendmentStatusCode>02</kec:AmendmentStatusCode><kec:PurposeCode>01</kec:PurposeCode>"
    "</kec:TaxInvoiceDocument><kec:TaxInvoiceTradeSettlement><kec:InvoicerParty>"
    "<kec:ID>1248100998</kec:ID><kec:NameText>두레전자</kec:NameText></kec:InvoicerParty>"
    "<kec:InvoiceeParty><kec:ID>9001011234567</kec:ID><kec:NameText>홍길순</kec:NameText>"
    "<kec:SpecifiedPerson><kec:NameText>홍길순</kec:NameText></kec:SpecifiedPerson>"
    "</kec:InvoiceeParty><kec:SpecifiedMonetarySummation>"
    "<kec:ChargeTotalAmount>-10000</kec:ChargeTotalAmount>"
    "<kec:TaxTotalAmount>-1000</kec:TaxTotalAmount>"
    "<kec:GrandTotalAmount>-11000</kec:GrandTotalAmount></kec:SpecifiedMonetarySummation>"
    "</kec:TaxInvoiceTradeSettlement><kec:TaxInvoiceTradeLineItem>"
    "<kec:NameText>반품</kec:NameText><kec:InvoiceAmount>-10000</kec:InvoiceAmount>"
    "</kec:TaxInvoiceTradeLineItem></kec:TaxInvoice>";

static void test_xml(void **state)
{
    char path[512];
    struct pool_invoice inv;
    (void)state;

    write_str("invoice.xml", kec_doc, path);
    struct pool_reader *r = open_path(path, POOL_FMT_AUTO);
    assert_string_equal(pool_reader_format_name(r), "xml");
    next_ok(r, &inv, 1);
    assert_string_equal(inv.approval_no, "202501154100000000000078");
    assert_string_equal(inv.written_on, "2025-01-15");
    assert_string_equal(inv.issued_on, "2025-01-15");
    assert_string_equal(inv.supplier_brn, BRN_A);
    assert_string_equal(inv.supplier_branch, "0001");
    assert_string_equal(inv.supplier_name, "두레전자");
    assert_int_equal(inv.buyer_kind, POOL_PARTY_BUSINESS);
    assert_string_equal(inv.buyer_brn, BRN_B);
    assert_string_equal(inv.buyer_name, "가산상사");
    assert_int_equal(inv.supply_krw, 1500000);
    assert_int_equal(inv.tax_krw, 150000);
    assert_int_equal(inv.total_krw, 1650000);
    assert_string_equal(inv.kind, "일반");
    assert_int_equal(inv.receipt, 0);
    assert_int_equal(inv.amended, 0);
    assert_int_equal(inv.tax_exempt, 0);
    assert_int_equal(inv.items_complete, 1);
    assert_int_equal(inv.nitems, 3);
    assert_string_equal(inv.items[0].name, "볼트 M8");
    assert_string_equal(inv.items[0].spec, "M8x20");
    assert_string_equal(inv.items[0].date, "2025-01-15");
    assert_int_equal(inv.items[0].qty_milli, 1000000);
    assert_int_equal(inv.items[0].unit_price_krw, 1000);
    assert_int_equal(inv.items[0].supply_krw, 1000000);
    assert_int_equal(inv.items[0].tax_krw, 100000);
    assert_string_equal(inv.items[1].name, "너트 M8");
    assert_string_equal(inv.items[1].date, "");
    assert_int_equal(inv.items[1].qty_milli, 2500);
    assert_int_equal(inv.items[1].unit_price_krw, 100000);
    assert_string_equal(inv.items[2].date, "2025-01-16");
    assert_int_equal(inv.items[2].tax_krw, 25000);
    next_end(r);
    assert_int_equal(pool_reader_bytes_read(r), pool_reader_bytes_total(r));
    pool_reader_close(r);

    /* From memory, with prefixes, to a private person. */
    struct dure_err err = {0};
    r = NULL;
    assert_int_equal(
        pool_reader_open_mem(kec_person, sizeof(kec_person) - 1, POOL_FMT_AUTO, &r, &err), 0);
    next_ok(r, &inv, 1);
    assert_int_equal(inv.buyer_kind, POOL_PARTY_PERSON);
    assert_string_equal(inv.buyer_brn, "");
    assert_string_equal(inv.buyer_name, "");
    assert_int_equal(inv.amended, 1);
    assert_int_equal(inv.receipt, 1);
    assert_int_equal(inv.total_krw, -11000);
    assert_int_equal(inv.nitems, 1);
    next_end(r);
    pool_reader_close(r);
}

static void test_xml_bad(void **state)
{
    struct pool_reader *r = NULL;
    struct dure_err err = {0};
    static const char *const bad[][2] = {
        {"<!DOCTYPE lolz [<!ENTITY lol \"lol\">]><TaxInvoice>&lol;</TaxInvoice>", "DOCTYPE"},
        {"<Invoice/>", "root element is Invoice"},
        {"<TaxInvoice><TaxInvoiceDocument><IssueID>1", "not well-formed"},
        {"<TaxInvoice/>", "IssueID (승인번호) is missing"},
        {"<TaxInvoice><TaxInvoiceDocument><IssueID>1</IssueID><IssueID>2</IssueID>"
         "</TaxInvoiceDocument></TaxInvoice>",
         "appears twice"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        r = NULL;
        assert_int_equal(pool_reader_open_mem(bad[i][0], strlen(bad[i][0]), POOL_FMT_XML, &r, &err),
                         0);
        next_bad(r, 1, 0, bad[i][1]);
        next_end(r);
        pool_reader_close(r);
    }
}

static void test_xml_zip(void **state)
{
    char path[512];
    struct pool_invoice inv;
    int zerr = 0;
    (void)state;

    snprintf(path, sizeof(path), "%s/invoices.zip", tmpdir);
    zip_t *za = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &zerr);
    assert_non_null(za);
    assert_true(zip_dir_add(za, "2025-01", ZIP_FL_ENC_UTF_8) >= 0);
    zip_put(za, "__MACOSX/2025-01/._b.xml", "junk");
    zip_put(za, "2025-01/b.xml", "<TaxInvoice><TaxInvoiceDocument>");
    zip_put(za, "2025-01/readme.txt", "not a document");
    zip_put(za, "2025-01/a.XML", kec_doc);
    zip_put(za, "2025-01/c.xml", kec_person);
    assert_int_equal(zip_close(za), 0);

    struct pool_reader *r = open_path(path, POOL_FMT_AUTO);
    assert_string_equal(pool_reader_format_name(r), "zip of xml");
    next_bad(r, 1, 0, "entry 2025-01/b.xml");
    next_ok(r, &inv, 2);
    assert_int_equal(inv.nitems, 3);
    assert_string_equal(inv.approval_no, "202501154100000000000078");
    next_ok(r, &inv, 3);
    assert_int_equal(inv.buyer_kind, POOL_PARTY_PERSON);
    next_end(r);
    pool_reader_close(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv_utf8),      cmocka_unit_test(test_csv_cp949),
        cmocka_unit_test(test_csv_memory),    cmocka_unit_test(test_csv_tax_exempt),
        cmocka_unit_test(test_csv_reordered), cmocka_unit_test(test_csv_bad_rows),
        cmocka_unit_test(test_csv_fatal),     cmocka_unit_test(test_open_errors),
        cmocka_unit_test(test_xlsx),          cmocka_unit_test(test_xlsx_fallback_and_limits),
        cmocka_unit_test(test_excel_serial),  cmocka_unit_test(test_xml),
        cmocka_unit_test(test_xml_bad),       cmocka_unit_test(test_xml_zip),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
