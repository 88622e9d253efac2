/* SPDX-License-Identifier: Apache-2.0 */
/* A deterministic synthetic G-Valley (서울디지털산업단지): knowledge-industry centres, the
 * factory register and the cooperative's member register, written as UTF-8 CSV files in the
 * public register layouts and calibrated to published figures (106 centres, 10,145 firms of
 * which 9,271 in centres, about 150,000 employees), and optionally the members' pooled data: a
 * year of e-tax invoice lists and monthly KPIs. The same seed and options give the same bytes
 * on every platform: all draws are integer arithmetic on xoshiro256** streams. */
#ifndef DURE_GEN_GEN_H
#define DURE_GEN_GEN_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

/* Figures of the real cluster at scale 1. */
#define GEN_CENTRES 106
#define GEN_FIRMS 10145
#define GEN_FIRMS_IN_CENTRES 9271
#define GEN_EMPLOYEES 150000

/* Largest --scale accepted (about 200,000 firms). */
#define GEN_SCALE_MAX 20.0

/* Paths of the written files are at most this long, NUL included. */
#define GEN_PATH_SIZE 1024

/* File names inside the output directory, and their exact header lines. */
#define GEN_BUILDINGS_FILE "buildings.csv"
#define GEN_FIRMS_FILE "firms.csv"
#define GEN_MEMBERS_FILE "members.csv"
#define GEN_BUILDINGS_HEADER                                                                       \
    "연번,단지명,지식산업센터명,공장대표주소(도로명),건축면적(제곱미터),연면적(제곱미터),지상층수"
#define GEN_FIRMS_HEADER                                                                                                               \
    "연번,회사명,사업자등록번호,단지명,지식산업센터명,층,호,대표업종,업종명,종업원합계,생산품," \
    "공장대표주소(도로명),가동상태"
#define GEN_MEMBERS_HEADER "사업자등록번호,회사명,가입일,출자좌수,납입출자금"

/* Value of one member share (출자 1좌), in won. */
#define GEN_SHARE_VALUE_KRW 10000

/* The pool's data: a year of e-tax invoices of the member firms and monthly KPIs. Monthly
 * totals over all firms at scale 1 (they scale with the number of firms). */
#define GEN_POOL_YEAR 2025
#define GEN_PRODUCTION_KRW_MONTH INT64_C(967500000000) /* 967.5 billion won of production */
#define GEN_EXPORTS_KRW_MONTH INT64_C(230400000000)    /* 230.4 billion won of exports */

/* Largest --invoices-scale accepted. */
#define GEN_INVOICES_SCALE_MAX 10.0

#define GEN_KPIS_FILE "kpis.csv"
#define GEN_KPIS_HEADER "brn,month,revenue_krw,production_krw,exports_krw,employees"
#define GEN_INVOICES_DIR "invoices"
/* Per member firm, in GEN_INVOICES_DIR: "<BRN 10 digits>" followed by one of these. */
#define GEN_ISSUED_SUFFIX "_issued.csv"
#define GEN_RECEIVED_SUFFIX "_received.csv"
#define GEN_EXEMPT_SUFFIX "_issued_exempt.csv"
/* The title rows of an invoice list: line 1 is the title with "(매출)" or "(매입)", line 2
 * the period, line 3 the firm's BRN, line 4 empty, line 5 the header. */
#define GEN_INVOICE_TITLE "전자세금계산서 목록조회"
#define GEN_EXEMPT_TITLE "전자계산서 목록조회"
#define GEN_INVOICE_PERIOD "조회기간,2025-01-01 ~ 2025-12-31"
#define GEN_INVOICE_HEADER                                                                                                              \
    "작성일자,승인번호,발급일자,전송일자,공급자사업자등록번호,종사업장번호,상호,대표자명,주소," \
    "공급받는자사업자등록번호,종사업장번호,상호,대표자명,주소,합계금액,공급가액,세액,"              \
    "전자세금계산서분류,전자세금계산서종류,발급유형,비고,영수/청구 구분,공급자 이메일,"             \
    "공급받는자 이메일1,공급받는자 이메일2,품목일자,품목명,품목규격,품목수량,품목단가,"              \
    "품목공급가액,품목세액,품목비고"
/* The 계산서 (tax-exempt) list: the same without 세액. */
#define GEN_EXEMPT_HEADER                                                                                                               \
    "작성일자,승인번호,발급일자,전송일자,공급자사업자등록번호,종사업장번호,상호,대표자명,주소," \
    "공급받는자사업자등록번호,종사업장번호,상호,대표자명,주소,합계금액,공급가액,"                     \
    "전자세금계산서분류,전자세금계산서종류,발급유형,비고,영수/청구 구분,공급자 이메일,"             \
    "공급받는자 이메일1,공급받는자 이메일2,품목일자,품목명,품목규격,품목수량,품목단가,"              \
    "품목공급가액,품목세액,품목비고"
#define GEN_INVOICE_COLUMNS 33
#define GEN_EXEMPT_COLUMNS 32

struct gen_options {
    uint64_t seed;         /* any value; the same seed gives the same files */
    double scale;          /* 0 < scale <= GEN_SCALE_MAX; scales firms, centres, employees */
    double members_share;  /* 0..1: the fraction of firms in the member register */
    const char *out_dir;   /* borrowed; created with its parents when missing */
    int invoices;          /* 1: also write the members' invoice lists (GEN_INVOICES_DIR) */
    double invoices_scale; /* 0 < x <= GEN_INVOICES_SCALE_MAX: multiplies invoices per firm */
    int kpis;              /* 1: also write GEN_KPIS_FILE */
    int kpis_all;          /* 1: GEN_KPIS_FILE has every firm's rows, not only the members' */
};

struct gen_summary {
    size_t centres;               /* knowledge-industry centres (buildings.csv rows) */
    size_t centres_by_complex[3]; /* of which in complex 1, 2, 3 */
    size_t firms;                 /* firms.csv rows */
    size_t firms_in_centres;      /* firms with a 지식산업센터명 */
    int64_t employees;            /* sum of 종업원합계 */
    size_t members;               /* members.csv rows */
    int64_t member_shares;        /* sum of 출자좌수 */
    int64_t member_paid_in_krw;   /* sum of 납입출자금 */
    char buildings_path[GEN_PATH_SIZE];
    char firms_path[GEN_PATH_SIZE];
    char members_path[GEN_PATH_SIZE];

    /* Invoices (all 0 unless opt->invoices). */
    size_t invoice_files;              /* files written in invoices_dir */
    size_t invoice_files_exempt;       /* of which 계산서 lists */
    uint64_t invoice_rows;             /* data rows over all files */
    uint64_t invoice_rows_issued;      /* of which in _issued and _issued_exempt files */
    uint64_t invoices;                 /* distinct invoices (approval numbers) */
    uint64_t invoices_between_members; /* invoices on both a supplier's and a buyer's list */
    uint64_t invoice_bytes;            /* bytes written in invoices_dir */
    int64_t received_krw;              /* supply value on the members' received lists */
    int64_t received_cluster_krw;      /* of which from suppliers in firms.csv */
    char invoices_dir[GEN_PATH_SIZE];

    /* KPIs (0 unless opt->kpis). Averages are over the 12 months and cover every firm of the
     * cluster whichever rows the file holds. */
    size_t kpi_rows;
    int64_t kpi_revenue_krw_month;    /* Σ revenue over all firms, average month */
    int64_t kpi_production_krw_month; /* Σ production, average month */
    int64_t kpi_exports_krw_month;    /* Σ exports, average month */
    int64_t kpi_employees_month;      /* Σ employees, average month */
    char kpis_path[GEN_PATH_SIZE];
};

/* Fill opt with the defaults: seed 1, scale 1.0, members_share 0.30, out_dir NULL, and the
 * registers only (invoices 0, kpis 0, kpis_all 0, invoices_scale 1.0); `dure gen` turns the
 * invoices and KPIs on. */
void gen_options_init(struct gen_options *opt);

/* Generate the cluster for opt and write out_dir/buildings.csv, firms.csv and members.csv
 * (UTF-8 without BOM, LF line endings, RFC 4180 quoting; headers GEN_*_HEADER above). Each
 * file is written under a temporary name and renamed into place. Files:
 * - buildings.csv: one row per centre, ordered by complex; 단지명 "서울디지털N단지";
 *   areas with two decimals.
 * - firms.csv: 사업자등록번호 "XXX-XX-XXXXX" (valid, unique); 대표업종 a real 5-digit KSIC code
 *   and 업종명 its name; 층 an integer 1..지상층수, or "B1" for the first basement (about 1 firm
 *   in 100), empty outside centres; 호 like "1203호" ("B105호" in the basement);
 *   가동상태 "가동" or "휴업".
 * - members.csv: a sample of the firms, ordered by 가입일 (2021-03-01 to 2026-10-31);
 *   출자좌수 1-50; 납입출자금 a whole number of shares, at most 출자좌수 x GEN_SHARE_VALUE_KRW;
 *   no member above the 30% cap once there are 4 or more members.
 * With opt->kpis, also out_dir/kpis.csv (header GEN_KPIS_HEADER): for each member firm (every
 * firm with opt->kpis_all) in register order and each month 2025-01..2025-12: brn
 * "XXX-XX-XXXXX", month "YYYY-MM", revenue, production, exports (won) and employees. The
 * figures are drawn for every firm and calibrated so that the monthly sums over all firms
 * average GEN_PRODUCTION_KRW_MONTH and GEN_EXPORTS_KRW_MONTH (times firms / GEN_FIRMS), with a
 * seasonal swing of at most 4%; production only in KSIC section C; revenue >= production and
 * >= exports; employees within 5% of the register. They do not depend on the invoice options.
 * With opt->invoices, also out_dir/invoices/<BRN>_issued.csv and <BRN>_received.csv for every
 * member (and <BRN>_issued_exempt.csv for the publishers, whose books are VAT-exempt): a year
 * of e-tax invoices in the Hometax list-export layout (title rows, then GEN_INVOICE_HEADER or
 * GEN_EXEMPT_HEADER), see docs/gen.md. An invoice between two members appears on both lists
 * with the same approval number and amounts. Files there that match those names and were not
 * written by this run are removed, so the directory holds one data set.
 * out (OUT, may be NULL) receives the counts and the paths.
 * Returns 0, DURE_EINVAL (bad options), DURE_EIO (directory or file), DURE_ENOMEM. */
int gen_cluster(const struct gen_options *opt, struct gen_summary *out, struct dure_err *err);

#endif
