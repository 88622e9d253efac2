/* SPDX-License-Identifier: Apache-2.0 */
/* A deterministic synthetic G-Valley (서울디지털산업단지): knowledge-industry centres, the
 * factory register and the cooperative's member register, written as UTF-8 CSV files in the
 * public register layouts and calibrated to published figures (106 centres, 10,145 firms of
 * which 9,271 in centres, about 150,000 employees). The same seed and options give the same
 * bytes on every platform: all draws are integer arithmetic on a xoshiro256** stream. */
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

struct gen_options {
    uint64_t seed;        /* any value; the same seed gives the same files */
    double scale;         /* 0 < scale <= GEN_SCALE_MAX; scales firms, centres, employees */
    double members_share; /* 0..1: the fraction of firms in the member register */
    const char *out_dir;  /* borrowed; created with its parents when missing */
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
};

/* Fill opt with the defaults: seed 1, scale 1.0, members_share 0.30, out_dir NULL. */
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
 * out (OUT, may be NULL) receives the counts and the paths.
 * Returns 0, DURE_EINVAL (bad options), DURE_EIO (directory or file), DURE_ENOMEM. */
int gen_cluster(const struct gen_options *opt, struct gen_summary *out, struct dure_err *err);

#endif
