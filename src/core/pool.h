/* SPDX-License-Identifier: Apache-2.0 */
/* The data pool's records and their rules: e-tax invoices (전자(세금)계산서) as Hometax lists
 * and the KEC XML deliver them, monthly KPIs, and consent scopes. Only business facts are kept:
 * representatives' names, e-mail addresses, addresses and resident numbers never enter these
 * records. No I/O here. */
#ifndef DURE_CORE_POOL_H
#define DURE_CORE_POOL_H

#include <stddef.h>
#include <stdint.h>

#include "core/brn.h"
#include "core/registry.h"
#include "util/err.h"

#define POOL_APPROVAL_LEN 24              /* 승인번호: 24 digits, shown 8-8-8 */
#define POOL_APPROVAL_SIZE (POOL_APPROVAL_LEN + 1)
#define POOL_ITEM_NAME_SIZE 256
#define POOL_ITEM_SPEC_SIZE 128
#define POOL_BRANCH_SIZE 5                /* 종사업장번호: 4 digits */
#define POOL_MONTH_SIZE 8                 /* YYYY-MM */
#define POOL_AMOUNT_MAX INT64_C(1000000000000000) /* 1,000조 won: larger is an error */

/* Which side of the invoice the uploading firm is on. */
enum pool_side {
    POOL_SIDE_ISSUED = 0,   /* 매출: the firm is the supplier */
    POOL_SIDE_RECEIVED = 1, /* 매입: the firm is the buyer */
};

/* Who the buyer is: a business (BRN) or a private person, whose resident number is dropped. */
enum pool_party_kind {
    POOL_PARTY_BUSINESS = 0,
    POOL_PARTY_PERSON = 1,
};

/* One line item of an invoice. Quantities may be fractional in Hometax (1.5 kg): kept in
 * thousandths (qty_milli) so sums stay exact. */
struct pool_item {
    char date[REG_DATE_SIZE];           /* 품목일자, "" when absent */
    char name[POOL_ITEM_NAME_SIZE];     /* 품목명 ("…외 N건" on a list export) */
    char spec[POOL_ITEM_SPEC_SIZE];     /* 품목규격 */
    int64_t qty_milli;                  /* 품목수량 x 1000; 0 when absent */
    int64_t unit_price_krw;             /* 품목단가 */
    int64_t supply_krw;                 /* 품목공급가액 */
    int64_t tax_krw;                    /* 품목세액 */
};

/* One invoice as the pool stores it. */
struct pool_invoice {
    char approval_no[POOL_APPROVAL_SIZE]; /* digits only */
    char written_on[REG_DATE_SIZE];       /* 작성일자: the supply date that sets the month */
    char issued_on[REG_DATE_SIZE];        /* 발급일자 */
    char supplier_brn[BRN_SIZE];
    char supplier_branch[POOL_BRANCH_SIZE];
    char supplier_name[REG_NAME_SIZE];
    enum pool_party_kind buyer_kind;
    char buyer_brn[BRN_SIZE];             /* "" for a private person */
    char buyer_branch[POOL_BRANCH_SIZE];
    char buyer_name[REG_NAME_SIZE];       /* "" for a private person */
    int64_t total_krw;                    /* 합계금액 */
    int64_t supply_krw;                   /* 공급가액 */
    int64_t tax_krw;                      /* 세액 (0 on a tax-exempt 계산서) */
    int tax_exempt;                       /* 1 for a 계산서 (no 세액 column) */
    int amended;                          /* 1 for a 수정 invoice (amounts may be negative) */
    char kind[32];                        /* 전자세금계산서종류: 일반, 영세율, 위수탁 ... */
    int receipt;                          /* 영수/청구: 1 영수, 0 청구 */
    int items_complete;                   /* 1 when items hold every line (XML), 0 for a
                                           * list export's representative line */
    size_t nitems;
    struct pool_item *items;              /* owned by whoever filled the record */
};

/* A month of a firm's key figures. */
struct pool_kpi {
    char brn[BRN_SIZE];
    char month[POOL_MONTH_SIZE];
    int64_t revenue_krw;
    int64_t production_krw;
    int64_t exports_krw;
    int64_t employees;
};

/* Uses a firm may allow for its data. */
enum pool_consent {
    POOL_CONSENT_STATISTICS = 1 << 0,
    POOL_CONSENT_BENCHMARKING = 1 << 1,
    POOL_CONSENT_PURCHASING = 1 << 2,
    POOL_CONSENT_MATCHING = 1 << 3,
};
#define POOL_CONSENT_ALL 0xF

/* Name of one consent bit ("statistics" ...), or NULL. */
const char *pool_consent_name(int bit);
/* The bit of a name, 0 when unknown. */
int pool_consent_parse(const char *name);

/* Parse an approval number given with or without hyphens (8-8-8) into 24 digits (OUT).
 * Returns 0 or DURE_EINVAL naming the problem (length, non-digits). */
int pool_approval_parse(const char *in, char out[POOL_APPROVAL_SIZE], struct dure_err *err);

/* Parse a Hometax date "YYYY-MM-DD", "YYYYMMDD" or "YYYY.MM.DD" into YYYY-MM-DD (OUT);
 * rejects dates that do not exist. */
int pool_date_parse(const char *in, char out[REG_DATE_SIZE], struct dure_err *err);

/* Parse an amount in won with optional thousands separators and sign ("-1,234,000").
 * Bounded by POOL_AMOUNT_MAX in absolute value. */
int pool_amount_parse(const char *in, int64_t *out, struct dure_err *err);

/* Parse a quantity ("3", "1.5", "1,200") into thousandths; at most 3 decimals. */
int pool_qty_parse(const char *in, int64_t *milli, struct dure_err *err);

/* Parse a KPI month "YYYY-MM" (or "YYYYMM"). */
int pool_month_parse(const char *in, char out[POOL_MONTH_SIZE], struct dure_err *err);

/* Check an invoice's internal rules: supply + tax = total; amounts within range; negative
 * amounts only on an amended invoice; a tax-exempt invoice has tax 0; supplier BRN present;
 * buyer BRN present for a business buyer. Returns 0 or DURE_EINVAL with the field in the
 * message. */
int pool_invoice_check(const struct pool_invoice *inv, struct dure_err *err);

/* Is a buyer id a resident number (주민등록번호, 13 digits with or without a hyphen, or
 * masked like 900101-1******)? Such an id marks a private person and is never stored. */
int pool_is_resident_number(const char *id);

/* The month (YYYY-MM) of a date YYYY-MM-DD. */
void pool_month_of(const char *date, char out[POOL_MONTH_SIZE]);

#endif
