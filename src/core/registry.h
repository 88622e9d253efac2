/* SPDX-License-Identifier: Apache-2.0 */
/* The registry's records (buildings, firms, member register entries) and the pure rules
 * on them: field limits, complex and status names, the 30% share cap of the Framework Act
 * on Cooperatives art. 22. No I/O here. */
#ifndef DURE_CORE_REGISTRY_H
#define DURE_CORE_REGISTRY_H

#include <stddef.h>
#include <stdint.h>

#include "core/brn.h"
#include "util/err.h"

#define REG_NAME_SIZE 256    /* names: up to ~80 Hangul syllables in UTF-8 */
#define REG_ADDRESS_SIZE 512
#define REG_UNIT_SIZE 32
#define REG_KSIC_SIZE 6
#define REG_DATE_SIZE 11     /* YYYY-MM-DD */
#define REG_TIME_SIZE 21     /* YYYY-MM-DDTHH:MM:SSZ */

/* A building: a knowledge-industry centre (지식산업센터) or another building in the cluster. */
struct building {
    int64_t id;                       /* assigned by the store; 0 before */
    char name[REG_NAME_SIZE];         /* unique */
    int complex;                      /* 1 (Guro, 1단지), 2 or 3 (Gasan, 2/3단지) */
    int is_centre;                    /* 1 for a knowledge-industry centre */
    char road_address[REG_ADDRESS_SIZE];
    int floors;                       /* above ground, 0 when unknown */
    double building_area_m2;          /* 건축면적; 0 when unknown */
    double gross_floor_area_m2;       /* 연면적; 0 when unknown */
    int64_t firm_count;               /* read-only: firms registered in it */
};

enum firm_status {
    FIRM_ACTIVE = 0, /* 가동 / 영업 */
    FIRM_SUSPENDED,  /* 휴업 */
    FIRM_CLOSED,     /* 폐업 */
};

struct firm {
    char brn[BRN_SIZE];
    char name[REG_NAME_SIZE];
    char ksic[REG_KSIC_SIZE];  /* KSIC 10th revision code, 2-5 digits */
    int64_t building_id;       /* 0 = not in a registered building */
    int floor;                 /* negative for basement floors, 0 unknown */
    char unit[REG_UNIT_SIZE];  /* room, e.g. "1203호" */
    int64_t employees;
    enum firm_status status;
    int member;                /* read-only: 1 when an active cooperative member */
};

/* An entry of the member register (조합원 명부). */
struct member {
    char brn[BRN_SIZE];
    char firm_name[REG_NAME_SIZE]; /* read-only, from the firm */
    char admitted_on[REG_DATE_SIZE];
    char withdrawn_on[REG_DATE_SIZE]; /* "" while a member */
    int64_t shares;                   /* 출자좌수 */
    int64_t paid_in_krw;              /* 납입출자금 */
};

/* Share cap (art. 22 of 협동조합 기본법): no member may hold more than 30% of all shares. */
#define COOP_SHARE_CAP_PERCENT 30
/* Below this many members no distribution satisfies the cap (3 members -> >= 33% each), so it
 * is enforced once the register has at least this many active members. */
#define COOP_SHARE_CAP_MIN_MEMBERS 4

/* Check the cap over a register of n members' shares. Returns 0, or DURE_ECONFLICT naming the
 * index of the first member over the cap in *over (OUT, may be NULL). */
int coop_share_cap_check(const int64_t *shares, size_t n, size_t *over, struct dure_err *err);

/* Names for firm_status: "active", "suspended", "closed". */
const char *firm_status_name(enum firm_status s);

/* Parse a status from English ("active") or the register's Korean (가동, 영업, 휴업, 폐업);
 * "" means active. Returns 0 or -1. */
int firm_status_parse(const char *s, enum firm_status *out);

/* Parse a complex from "1", "2", "3", "1단지", "제1단지", "서울디지털1단지", "구로" (1),
 * "가산" is ambiguous and rejected. Returns 1..3 or 0 when not recognised. */
int complex_parse(const char *s);

/* Validate a building's fields (name present, complex 1..3, sizes >= 0). */
int building_validate(const struct building *b, struct dure_err *err);

/* Validate a firm's fields: BRN (already parsed), name present, KSIC real, employees >= 0. */
int firm_validate(const struct firm *f, struct dure_err *err);

/* Employee size class of the statistics contract: "1-4", "5-9", "10-49", "50-299", "300+";
 * firms with 0 employees count as "1-4". Static string. */
const char *size_class_of(int64_t employees);

/* 1 when s is a real calendar date "YYYY-MM-DD". */
int date_valid(const char *s);

#endif
