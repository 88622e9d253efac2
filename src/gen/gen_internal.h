/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by the generator's files (gen.c: the registers; gen_pool.c: invoices and KPIs): the
 * xoshiro256** streams, calendar arithmetic, and the read-only view of the generated cluster
 * that gen.c hands to gen_pool.c. Not part of the public interface. */
#ifndef DURE_GEN_GEN_INTERNAL_H
#define DURE_GEN_GEN_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "gen/gen.h"
#include "util/err.h"

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))
#define PICK(r, a) ((a)[rng_below((r), COUNT_OF(a))])

/* ---------------------------------------------------------------- random numbers */

struct rng {
    uint64_t s[4];
};

static inline uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Seed r for one kind of record (stream). gen.c's register streams are 1-4; gen_pool.c's
 * start at GEN__STREAM_POOL, so adding pool data never moves a register byte. */
static inline void rng_init(struct rng *r, uint64_t seed, uint64_t stream)
{
    uint64_t x = seed ^ (stream * 0xd1b54a32d192ed03ULL);
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
}

/* Seed r for one record (sub, e.g. a firm's index) of a stream, so that each firm's draws are
 * independent of how many draws the others made. */
static inline void rng_init_sub(struct rng *r, uint64_t seed, uint64_t stream, uint64_t sub)
{
    uint64_t x = seed ^ (stream * 0xd1b54a32d192ed03ULL);
    x ^= splitmix64(&x) ^ ((sub + 1) * 0xa0761d6478bd642fULL);
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
}

static inline uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static inline uint64_t rng_next(struct rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

/* Uniform in [0, n) for n > 0, without modulo bias. */
static inline uint64_t rng_below(struct rng *r, uint64_t n)
{
    uint64_t threshold = (0 - n) % n; /* 2^64 mod n */
    for (;;) {
        uint64_t x = rng_next(r);
        if (x >= threshold)
            return x % n;
    }
}

/* Uniform in [lo, hi]. */
static inline int64_t rng_range(struct rng *r, int64_t lo, int64_t hi)
{
    return lo + (int64_t)rng_below(r, (uint64_t)(hi - lo) + 1);
}

/* 1 with probability ppm / 1,000,000. */
static inline int rng_chance(struct rng *r, uint32_t ppm)
{
    return rng_below(r, 1000000) < ppm;
}

/* In [lo, hi] with probability proportional to 1/k (a discrete log-uniform), by rejection:
 * a uniform k is kept with probability lo/k. */
static inline int64_t rng_loguniform(struct rng *r, int64_t lo, int64_t hi)
{
    for (;;) {
        int64_t k = rng_range(r, lo, hi);
        if ((int64_t)rng_below(r, (uint64_t)k) < lo)
            return k;
    }
}

/* ---------------------------------------------------------------- calendar */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
static inline int32_t days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - era * 400;
    int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static inline void civil_from_days(int32_t z, int *y, int *m, int *d)
{
    z += 719468;
    int era = (z >= 0 ? z : z - 146096) / 146097;
    int doe = z - era * 146097;
    int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = yoe + era * 400 + (*m <= 2);
}

/* ---------------------------------------------------------------- the cluster, read-only */

/* Sectors in the order of gen.c's enum sector (checked there at compile time). */
enum gen__sector {
    GEN__SEC_IT,    /* 정보통신, KSIC J 58-63 */
    GEN__SEC_SVC,   /* services and wholesale: M, N, G 46/47 */
    GEN__SEC_ELEC,  /* 전기전자, C 26-28 */
    GEN__SEC_OMFG,  /* other manufacturing, C 22, 25, 32, 33 */
    GEN__SEC_MACH,  /* machinery, C 29 */
    GEN__SEC_TEXT,  /* textiles and apparel, C 13-14 */
    GEN__SEC_PRINT, /* printing, C 18 */
    GEN__SEC_COUNT
};

#define GEN__NO_BUILDING UINT32_MAX

/* Register streams end at 4 (gen.c); the pool's streams start here. */
#define GEN__STREAM_POOL 0x100

/* One firm as firms.csv shows it. Strings are borrowed from the view's owner and stay valid
 * for the duration of gen__pool_write. */
struct gen__firm {
    const char *name;    /* 회사명 with its legal form, e.g. "(주)한빛테크" */
    const char *core;    /* the name without the legal form, e.g. "한빛테크" */
    const char *brn;     /* 10 digits */
    const char *addr;    /* 공장대표주소(도로명), with the unit inside a centre */
    const char *ksic;    /* 5-digit KSIC 10 code */
    const char *product; /* 생산품 */
    int sector;          /* enum gen__sector */
    int corporation;     /* 1 for a 법인 (BRN type 81/86/87/88) */
    int64_t employees;   /* 종업원합계 */
    uint32_t building;   /* index into gen__cluster.buildings, GEN__NO_BUILDING outside */
    int suspended;       /* 가동상태 휴업 */
};

struct gen__building {
    const char *name; /* 지식산업센터명 */
    const char *addr; /* road address */
};

/* The generated registers as gen__pool_write sees them; all borrowed. */
struct gen__cluster {
    const struct gen__firm *firms; /* firms.csv order */
    size_t nfirms;
    const struct gen__building *buildings; /* buildings.csv order */
    size_t nbuildings;
    const uint32_t *members; /* firm indexes in members.csv order */
    size_t nmembers;
};

/* Write the pool's files for the cluster c as opt asks (opt->kpis, opt->invoices) and add
 * their counts and paths to sum (IN/OUT: the register counts are already there). Returns 0,
 * DURE_EIO, DURE_ENOMEM or DURE_EINTERNAL, with err filled. */
int gen__pool_write(const struct gen__cluster *c, const struct gen_options *opt,
                    struct gen_summary *sum, struct dure_err *err);

#endif
