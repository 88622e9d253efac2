/* SPDX-License-Identifier: Apache-2.0 */
/* The pool half of the synthetic G-Valley: monthly KPIs for every firm, calibrated to the
 * cluster's published production and exports, and a year of e-tax invoices of the member firms
 * in the Hometax list-export layout, coherent between members (one invoice, one approval
 * number, on the supplier's and the buyer's list). Every firm draws from its own xoshiro256**
 * sub-stream with integer arithmetic only, so the bytes are the same on every platform and the
 * registers (gen.c) never move. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "core/brn.h"
#include "gen/gen.h"
#include "gen/gen_internal.h"

/* Streams of the pool's data, each split per firm (rng_init_sub). */
enum pool_stream {
    PS_KPI = GEN__STREAM_POOL, /* a firm's KPI draws */
    PS_PARTY,                  /* a cluster firm's representative, e-mail, issuing channel */
    PS_OUTSIDE,                /* the outside firms */
    PS_ISSUED,                 /* a member's sales */
    PS_RECEIVED,               /* a member's purchases */
    PS_PERSON,                 /* a private buyer's details, per invoice */
    PS_FILE,                   /* per file: amount format */
};

#define NMONTHS 12
#define PPM INT64_C(1000000)

/* Monthly production and exports: a mild seasonal swing (the Lunar New Year in late January,
 * the short February, the August holidays, the year-end rush) that averages to 1 exactly. */
static const int32_t season_ppm[NMONTHS] = {980000,  960000, 1020000, 1000000, 990000,  1010000,
                                            1000000, 970000, 1020000, 980000,  1030000, 1040000};

/* ---------------------------------------------------------------- integer helpers */

/* v x ppm / 1,000,000, rounded toward zero, without overflow for |v| < 2^63 / 1e3. */
static int64_t mul_ppm(int64_t v, int64_t ppm)
{
    if (v < 0)
        return -mul_ppm(-v, ppm);
    return v / PPM * ppm + v % PPM * ppm / PPM;
}

/* num / den in parts per million (den > 0; both >= 0). */
static int64_t ratio_ppm(int64_t num, int64_t den)
{
    if (den <= 0)
        return PPM;
    while (num > INT64_MAX / PPM) {
        num /= 2;
        den /= 2;
    }
    if (den == 0)
        den = 1;
    return num * PPM / den;
}

/* a x b / c for a, b, c >= 0 where a x b might overflow but the result does not. */
static int64_t mul_div(int64_t a, int64_t b, int64_t c)
{
    if (c <= 0)
        return 0;
    if (b == 0 || a <= INT64_MAX / b)
        return a * b / c;
    return a / c * b + mul_div(a % c, b, c);
}

static uint64_t isqrt64(uint64_t x)
{
    uint64_t r = 0;
    uint64_t bit = UINT64_C(1) << 62;
    while (bit > x)
        bit >>= 2;
    while (bit != 0) {
        if (x >= r + bit) {
            x -= r + bit;
            r = (r >> 1) + bit;
        } else {
            r >>= 1;
        }
        bit >>= 2;
    }
    return r;
}

/* A firm's size for invoice counts: employees^0.75 in hundredths (1 employee: 100). */
static int64_t size_centi(int64_t employees)
{
    uint64_t e = (uint64_t)(employees < 1 ? 1 : employees > 5000 ? 5000 : employees);
    return (int64_t)isqrt64(isqrt64(e * e * e * UINT64_C(100000000)));
}

/* In [lo, hi] (1 <= lo <= hi) with a density falling about as 1/k, in constant time: an
 * octave [2^e, 2^(e+1)) chosen uniformly among those that meet the range, then a value
 * uniformly in its part of the range. (rng_loguniform's rejection is exact but takes about
 * hi / (lo ln(hi/lo)) draws, too many for a choice among 100,000 firms.) */
static int64_t rng_octave(struct rng *r, int64_t lo, int64_t hi)
{
    int elo = 0, ehi = 0;
    while ((INT64_C(2) << elo) <= lo)
        elo++;
    while ((INT64_C(2) << ehi) <= hi)
        ehi++;
    int e = elo + (int)rng_below(r, (uint64_t)(ehi - elo + 1));
    int64_t a = INT64_C(1) << e, b = (INT64_C(2) << e) - 1;
    if (a < lo)
        a = lo;
    if (b > hi)
        b = hi;
    return rng_range(r, a, b);
}

/* Skewed toward lo: uniform in [lo, u] for u uniform in [lo, hi]. */
static int64_t rng_skew(struct rng *r, int64_t lo, int64_t hi)
{
    return rng_range(r, lo, rng_range(r, lo, hi));
}

/* x rounded at random to one of its neighbouring integers (x in thousandths), keeping the mean. */
static int64_t rng_round_milli(struct rng *r, int64_t milli)
{
    if (milli <= 0)
        return 0;
    return milli / 1000 + ((int64_t)rng_below(r, 1000) < milli % 1000);
}

static int32_t month_first(int m) /* m 0..11 */
{
    return days_from_civil(GEN_POOL_YEAR, m + 1, 1);
}

static int month_days(int m)
{
    return (int)(m == 11 ? days_from_civil(GEN_POOL_YEAR + 1, 1, 1) - month_first(11)
                         : month_first(m + 1) - month_first(m));
}

/* 0 Sunday .. 6 Saturday. */
static int weekday(int32_t day)
{
    int w = (int)((day + 4) % 7);
    return w < 0 ? w + 7 : w;
}

static int is_wholesale(const char *ksic)
{
    return ksic[0] == '4' && (ksic[1] == '6' || ksic[1] == '7');
}

static int is_trader(const char *ksic)
{
    return strcmp(ksic, "46800") == 0 || strcmp(ksic, "46799") == 0 || strcmp(ksic, "46107") == 0 ||
           strcmp(ksic, "46443") == 0;
}

/* Books and magazines are VAT-exempt (부가가치세법 제26조): publishers issue 계산서. */
static int is_publisher(const char *ksic)
{
    return strcmp(ksic, "58113") == 0 || strcmp(ksic, "58122") == 0;
}

static int is_manufacturing(int sector)
{
    return sector == GEN__SEC_ELEC || sector == GEN__SEC_OMFG || sector == GEN__SEC_MACH ||
           sector == GEN__SEC_TEXT || sector == GEN__SEC_PRINT;
}

/* ---------------------------------------------------------------- what is traded */

/* Item groups. The names of common purchases come in the variants real invoices show for the
 * same thing (each supplier keeps to its habit), which is what the purchasing opportunity
 * finder has to see through. */
enum group {
    G_A4,
    G_TONER,
    G_NOTEBOOK,
    G_MONITOR,
    G_COURIER,
    G_BOX,
    G_PARTS,
    G_PCB,
    G_SMT,
    G_CLOUD,
    G_SWMAINT,
    G_LABOR,
    G_DEV,
    G_MGMT,
    G_RENT,
    G_TELECOM,
    G_COPIER,
    G_WATER,
    G_SUPPLIES,
    G_PRINTING,
    G_AD,
    G_TAXACC,
    G_METAL,
    G_RESIN,
    G_MACHINING,
    G_AUTOMATION,
    G_FABRIC,
    G_PAPER,
    G_FACILITY,
    G_CONSUMER,
    G_BOOK,
    /* A cluster firm's own product (생산품), priced by the kind of firm. */
    G_P_SERVICE,
    G_P_GOODS,
    G_P_ELEC,
    G_P_OMFG,
    G_P_MACH,
    G_P_TEXT,
    G_P_PRINT,
    G_COUNT
};

struct variant {
    const char *name;
    const char *spec;
};

static const struct variant v_a4[] = {
    {"복사용지 A4 80g", "500매x5권"},
    {"A4용지", ""},
    {"더블에이 A4 80g 2500매", "1BOX"},
    {"복사지 A4", "80g"},
    {"A4 복사용지", ""},
    {"밀크 A4 80g", "2500매"},
};
static const struct variant v_toner[] = {
    {"토너", ""},
    {"레이저토너 HP 26A", "CF226A"},
    {"토너 카트리지", "MLT-D111S"},
    {"재생토너", "HP 26A 호환"},
    {"정품토너", "TN-2480"},
};
static const struct variant v_notebook[] = {
    {"노트북", ""},
    {"노트북 LG그램 15", "15Z90S"},
    {"노트북 컴퓨터", "i5/16GB/512GB"},
    {"삼성 갤럭시북4", "NT750XGR"},
};
static const struct variant v_monitor[] = {
    {"모니터 27인치", ""},
    {"모니터", "27인치 QHD"},
    {"LG 27인치 모니터", "27QN600"},
    {"모니터 24인치", "FHD"},
};
static const struct variant v_courier[] = {
    {"택배 운임", ""}, {"택배비", ""}, {"택배 운송료", "월정산"}, {"택배 이용료", ""}};
static const struct variant v_box[] = {
    {"포장박스", ""},
    {"골판지 박스 5호", "480x380x340"},
    {"택배박스 3호", ""},
    {"완충재 에어캡", "1300mm x 50m"},
};
static const struct variant v_parts[] = {
    {"전자부품", ""},         {"칩저항 0603", "10K 1%"}, {"MLCC 0402", "100nF 16V"},
    {"커넥터", "2.54mm 10P"}, {"IC", "STM32F103C8T6"},   {"칩저항", "0603 1/10W"},
};
static const struct variant v_pcb[] = {
    {"PCB 기판", ""}, {"PCB 제작", "FR-4 4층 1.6T"}, {"인쇄회로기판", "2층"}, {"PCB", "양면"}};
static const struct variant v_smt[] = {{"SMT 임가공", ""}, {"PCB 실장", "SMT"}, {"SMT 작업비", ""}};
static const struct variant v_cloud[] = {
    {"클라우드 이용료", ""},        {"AWS 이용료", ""},    {"AWS 사용료", ""},
    {"네이버 클라우드 이용료", ""}, {"서버 호스팅료", ""},
};
static const struct variant v_swmaint[] = {{"소프트웨어 유지보수", ""},
                                           {"유지보수료", ""},
                                           {"SW 유지관리 용역", ""},
                                           {"ERP 유지보수", ""}};
static const struct variant v_labor[] = {
    {"인건비 용역", ""}, {"용역비", ""}, {"인력 지원 용역", ""}, {"외주 인건비", ""}};
static const struct variant v_dev[] = {
    {"외주 개발 용역", ""}, {"소프트웨어 개발 용역", ""}, {"개발 용역비", ""}};
static const struct variant v_mgmt[] = {
    {"관리비", ""}, {"일반관리비", ""}, {"관리비", "공용관리비"}};
static const struct variant v_rent[] = {{"임대료", ""}, {"사무실 임대료", ""}, {"공장 임대료", ""}};
static const struct variant v_telecom[] = {
    {"통신요금", ""}, {"인터넷 이용료", ""}, {"전화요금", ""}, {"기업인터넷", "100M"}};
static const struct variant v_copier[] = {
    {"복합기 임대료", ""}, {"복합기 렌탈료", ""}, {"복사기 사용료", "기본+초과"}};
static const struct variant v_water[] = {
    {"생수", "18.9L"}, {"정수기 렌탈료", ""}, {"커피 원두", "1kg"}, {"탕비실 용품", ""}};
static const struct variant v_supplies[] = {
    {"사무용품", ""}, {"문구류", ""}, {"사무용품 일체", ""}, {"볼펜", "0.5mm"}};
static const struct variant v_printing[] = {
    {"명함 인쇄", "90x50"}, {"카탈로그 인쇄", ""}, {"인쇄물", ""}, {"전단지 인쇄", "A4 양면"}};
static const struct variant v_ad[] = {
    {"광고비", ""}, {"온라인 광고 대행 수수료", ""}, {"키워드 광고비", ""}, {"광고 제작비", ""}};
static const struct variant v_taxacc[] = {
    {"기장료", ""}, {"세무기장 수수료", ""}, {"기장 수수료", ""}};
static const struct variant v_metal[] = {
    {"알루미늄 판재", "6061-T6 3T"},
    {"SUS304 판재", "1.5T"},
    {"환봉", "SM45C"},
    {"볼트 너트", "M6"},
    {"베어링", "6204ZZ"},
};
static const struct variant v_resin[] = {{"ABS 수지", "25kg"}, {"PC 원료", ""}, {"사출 원료", ""}};
static const struct variant v_machining[] = {
    {"CNC 가공", ""}, {"가공비", ""}, {"임가공비", ""}, {"정밀 가공", "도면 참조"}};
static const struct variant v_automation[] = {
    {"서보모터", "400W"}, {"PLC", "XGB"}, {"센서", "근접센서"}, {"자동화 부품", ""}};
static const struct variant v_fabric[] = {
    {"원단", "면 30수"}, {"원단", "폴리 원단"}, {"부자재", ""}, {"봉제 임가공", ""}};
static const struct variant v_paper[] = {
    {"인쇄용지", "아트지 150g"}, {"인쇄용지", "모조지 100g"}, {"잉크", "4색"}, {"용지", "국전지"}};
static const struct variant v_facility[] = {
    {"시설관리 용역", ""}, {"청소 용역", ""}, {"경비 용역", ""}};
static const struct variant v_consumer[] = {{"화장품 세트", ""},
                                            {"기초화장품", "50ml"},
                                            {"생활용품", ""},
                                            {"주방용품", ""},
                                            {"건강기능식품", ""}};
static const struct variant v_book[] = {
    {"도서", ""}, {"단행본", ""}, {"전문서적", ""}, {"정기간행물", "월간"}};

struct group_spec {
    const struct variant *v; /* NULL for a firm's own product */
    size_t nv;
    int64_t price_lo, price_hi; /* unit price, won */
    int64_t qty_lo, qty_hi;
    unsigned char service; /* priced per engagement: quantity 1 */
    unsigned char monthly; /* billed per month: written on the month's last day, 비고 "N월분" */
};

#define V(a) a, COUNT_OF(a)
static const struct group_spec groups[G_COUNT] = {
    [G_A4] = {V(v_a4), 18000, 32000, 1, 40, 0, 0},
    [G_TONER] = {V(v_toner), 35000, 190000, 1, 10, 0, 0},
    [G_NOTEBOOK] = {V(v_notebook), 890000, 2390000, 1, 20, 0, 0},
    [G_MONITOR] = {V(v_monitor), 159000, 520000, 1, 30, 0, 0},
    [G_COURIER] = {V(v_courier), 2300, 4800, 5, 20000, 0, 1},
    [G_BOX] = {V(v_box), 250, 1800, 50, 20000, 0, 0},
    [G_PARTS] = {V(v_parts), 5, 900, 100, 2000000, 0, 0},
    [G_PCB] = {V(v_pcb), 1500, 60000, 5, 50000, 0, 0},
    [G_SMT] = {V(v_smt), 200, 3000, 50, 200000, 0, 0},
    [G_CLOUD] = {V(v_cloud), 1, 1, 1, 1, 1, 1},
    [G_SWMAINT] = {V(v_swmaint), 1, 1, 1, 1, 1, 1},
    [G_LABOR] = {V(v_labor), 1, 1, 1, 1, 1, 1},
    [G_DEV] = {V(v_dev), 1, 1, 1, 1, 1, 0},
    [G_MGMT] = {V(v_mgmt), 1, 1, 1, 1, 1, 1},
    [G_RENT] = {V(v_rent), 1, 1, 1, 1, 1, 1},
    [G_TELECOM] = {V(v_telecom), 1, 1, 1, 1, 1, 1},
    [G_COPIER] = {V(v_copier), 1, 1, 1, 1, 1, 1},
    [G_WATER] = {V(v_water), 8000, 45000, 1, 30, 0, 0},
    [G_SUPPLIES] = {V(v_supplies), 1000, 30000, 1, 100, 0, 0},
    [G_PRINTING] = {V(v_printing), 20, 3000, 100, 50000, 0, 0},
    [G_AD] = {V(v_ad), 1, 1, 1, 1, 1, 0},
    [G_TAXACC] = {V(v_taxacc), 1, 1, 1, 1, 1, 1},
    [G_METAL] = {V(v_metal), 2000, 300000, 1, 20000, 0, 0},
    [G_RESIN] = {V(v_resin), 45000, 120000, 1, 2000, 0, 0},
    [G_MACHINING] = {V(v_machining), 5000, 900000, 1, 5000, 0, 0},
    [G_AUTOMATION] = {V(v_automation), 20000, 1500000, 1, 500, 0, 0},
    [G_FABRIC] = {V(v_fabric), 2000, 15000, 10, 50000, 0, 0},
    [G_PAPER] = {V(v_paper), 30000, 250000, 1, 2000, 0, 0},
    [G_FACILITY] = {V(v_facility), 1, 1, 1, 1, 1, 1},
    [G_CONSUMER] = {V(v_consumer), 3000, 80000, 10, 50000, 0, 0},
    [G_BOOK] = {V(v_book), 12000, 45000, 10, 20000, 0, 0},
    [G_P_SERVICE] = {NULL, 0, 1, 1, 1, 1, 1, 0},
    [G_P_GOODS] = {NULL, 0, 20000, 3000000, 1, 5000, 0, 0},
    [G_P_ELEC] = {NULL, 0, 5000, 2500000, 1, 50000, 0, 0},
    [G_P_OMFG] = {NULL, 0, 300, 300000, 1, 100000, 0, 0},
    [G_P_MACH] = {NULL, 0, 3000000, 250000000, 1, 20, 0, 0},
    [G_P_TEXT] = {NULL, 0, 8000, 180000, 10, 50000, 0, 0},
    [G_P_PRINT] = {NULL, 0, 30, 5000, 100, 500000, 0, 0},
};
#undef V

/* Outside firms by what they are to the members. */
enum ocat {
    OC_OFFICE,
    OC_ITSHOP,
    OC_COURIER,
    OC_PACK,
    OC_PARTS,
    OC_PCB,
    OC_CLOUD,
    OC_SWMAINT,
    OC_LABOR,
    OC_LANDLORD,
    OC_TELECOM,
    OC_RENTAL,
    OC_PRINTSHOP,
    OC_AD,
    OC_TAXACC,
    OC_METAL,
    OC_RESIN,
    OC_MACHINING,
    OC_AUTOMATION,
    OC_FABRIC,
    OC_PAPER,
    OC_MAKER,
    OC_TRADER,   /* domestic exporters buying on 구매확인서: the 영세율 invoices */
    OC_CUSTOMER, /* firms anywhere in Korea buying from the members */
    OC_BUILDING, /* one management body per centre */
    OC_COUNT,
    OC_CLUSTER = 0xFF /* a party that is a firm of firms.csv */
};

static const char *const w_office[] = {"오피스", "사무용품", "오피스몰", "문구", "오피스텍"};
static const char *const w_itshop[] = {"컴퓨터", "정보통신", "컴", "피씨", "아이티"};
static const char *const w_courier[] = {"택배", "로지스", "물류", "익스프레스", "운송"};
static const char *const w_pack[] = {"포장", "패키지", "팩", "지업", "박스"};
static const char *const w_parts[] = {"전자", "일렉트로닉스", "부품", "디바이스", "반도체"};
static const char *const w_pcb[] = {"써키트", "회로", "피씨비", "전자"};
static const char *const w_cloud[] = {"클라우드", "호스팅", "데이터센터", "웹서비스"};
static const char *const w_swmaint[] = {"소프트", "시스템", "정보", "솔루션"};
static const char *const w_labor[] = {"아웃소싱", "인력", "휴먼", "개발", "소프트"};
static const char *const w_landlord[] = {"빌딩", "타워", "개발", "산업", "홀딩스"};
static const char *const w_telecom[] = {"텔레콤", "통신", "브로드밴드", "넷"};
static const char *const w_rental[] = {"렌탈", "오에이", "사무기기", "워터"};
static const char *const w_printshop[] = {"인쇄", "프린팅", "기획", "애드"};
static const char *const w_ad[] = {"애드", "커뮤니케이션", "마케팅", "미디어", "플래닝"};
static const char *const w_taxacc[] = {"세무회계", "세무법인", "회계사무소", "세무사무소"};
static const char *const w_metal[] = {"금속", "스틸", "메탈", "철강", "상사"};
static const char *const w_resin[] = {"화학", "케미칼", "수지", "폴리머"};
static const char *const w_machining[] = {"정밀", "정공", "기공", "테크"};
static const char *const w_automation[] = {"오토메이션", "에프에이", "메카", "제어"};
static const char *const w_fabric[] = {"섬유", "텍스", "원단", "패브릭"};
static const char *const w_paper[] = {"제지", "지업사", "페이퍼", "종이"};
static const char *const w_maker[] = {"코스메틱", "생활산업", "식품", "화장품", "산업"};
static const char *const w_trader[] = {"무역", "상사", "인터내셔널", "트레이딩", "글로벌"};
static const char *const w_customer[] = {"산업",   "전자", "건설",     "유통",       "시스템",
                                         "테크",   "물산", "산업개발", "엔지니어링", "정보",
                                         "솔루션", "기계", "화학",     "모터스",     "에너지",
                                         "바이오", "제약", "식품",     "홀딩스"};

struct ocat_spec {
    const char *const *words;
    size_t nwords;
    uint32_t base;     /* firms at scale 1 */
    uint32_t min;      /* firms at any scale */
    uint32_t corp_ppm; /* share of corporations */
    unsigned char groups[3];
    unsigned char ngroups;
};

#define W(a) a, COUNT_OF(a)
static const struct ocat_spec ocats[OC_COUNT] = {
    [OC_OFFICE] = {W(w_office), 40, 6, 500000, {G_A4, G_SUPPLIES, G_TONER}, 3},
    [OC_ITSHOP] = {W(w_itshop), 40, 6, 600000, {G_NOTEBOOK, G_MONITOR, G_TONER}, 3},
    [OC_COURIER] = {W(w_courier), 6, 6, 1000000, {G_COURIER}, 1},
    [OC_PACK] = {W(w_pack), 30, 4, 500000, {G_BOX}, 1},
    [OC_PARTS] = {W(w_parts), 40, 5, 800000, {G_PARTS}, 1},
    [OC_PCB] = {W(w_pcb), 20, 3, 800000, {G_PCB, G_SMT}, 2},
    [OC_CLOUD] = {W(w_cloud), 6, 6, 1000000, {G_CLOUD}, 1},
    [OC_SWMAINT] = {W(w_swmaint), 40, 5, 700000, {G_SWMAINT}, 1},
    [OC_LABOR] = {W(w_labor), 120, 10, 600000, {G_LABOR, G_DEV}, 2},
    [OC_LANDLORD] = {W(w_landlord), 200, 10, 400000, {G_RENT}, 1},
    [OC_TELECOM] = {W(w_telecom), 4, 4, 1000000, {G_TELECOM}, 1},
    [OC_RENTAL] = {W(w_rental), 15, 4, 700000, {G_COPIER, G_WATER}, 2},
    [OC_PRINTSHOP] = {W(w_printshop), 30, 4, 300000, {G_PRINTING}, 1},
    [OC_AD] = {W(w_ad), 40, 5, 700000, {G_AD}, 1},
    [OC_TAXACC] = {W(w_taxacc), 80, 6, 200000, {G_TAXACC}, 1},
    [OC_METAL] = {W(w_metal), 40, 5, 700000, {G_METAL}, 1},
    [OC_RESIN] = {W(w_resin), 15, 3, 900000, {G_RESIN}, 1},
    [OC_MACHINING] = {W(w_machining), 60, 6, 500000, {G_MACHINING}, 1},
    [OC_AUTOMATION] = {W(w_automation), 30, 4, 800000, {G_AUTOMATION}, 1},
    [OC_FABRIC] = {W(w_fabric), 40, 5, 500000, {G_FABRIC}, 1},
    [OC_PAPER] = {W(w_paper), 10, 3, 800000, {G_PAPER}, 1},
    [OC_MAKER] = {W(w_maker), 60, 6, 700000, {G_CONSUMER}, 1},
    [OC_TRADER] = {W(w_trader), 120, 10, 800000, {G_P_GOODS}, 1},
    [OC_CUSTOMER] = {W(w_customer), 0, 50, 700000, {G_P_GOODS}, 1},
    [OC_BUILDING] = {NULL, 0, 0, 0, 1000000, {G_MGMT}, 1},
};
#undef W

/* Stems of outside firms' names. */
static const char *const out_stems[] = {
    "대원", "동양",   "우진",   "한성",   "성우",   "태성",     "진영",   "세진",     "한울",
    "미래", "새한",   "동진",   "서진",   "청우",   "신우",     "대영",   "금성",     "보성",
    "한결", "누리",   "다올",   "해든",   "온빛",   "가온",     "한밭",   "중앙",     "제일",
    "동아", "삼진",   "명성",   "일신",   "영진",   "광명",     "유진",   "대경",     "신영",
    "코리", "에이원", "비앤비", "엠에스", "제이엠", "케이티엘", "에스엘", "디엔에이", "케이앤",
    "스타", "탑",     "베스트", "퍼스트", "오케이", "굿",       "원",     "뉴",       "하나",
    "참",   "바른",   "으뜸",
};

/* Road names outside the cluster, with the building numbers seen on them. */
static const struct {
    const char *road;
    unsigned short lo, hi;
} out_roads[] = {
    {"서울특별시 강남구 테헤란로", 100, 520},    {"서울특별시 서초구 서초대로", 200, 400},
    {"서울특별시 영등포구 국제금융로", 2, 10},   {"서울특별시 마포구 월드컵북로", 1, 400},
    {"서울특별시 중구 을지로", 5, 300},          {"서울특별시 용산구 청파로", 40, 120},
    {"서울특별시 송파구 법원로", 1, 130},        {"서울특별시 성동구 성수이로", 50, 200},
    {"서울특별시 영등포구 당산로", 40, 200},     {"서울특별시 구로구 경인로", 300, 700},
    {"서울특별시 금천구 시흥대로", 100, 500},    {"경기도 성남시 분당구 판교역로", 100, 250},
    {"경기도 성남시 중원구 둔촌대로", 400, 600}, {"경기도 안양시 동안구 시민대로", 100, 400},
    {"경기도 광명시 하안로", 50, 400},           {"경기도 부천시 원미구 길주로", 1, 400},
    {"경기도 시흥시 공단1대로", 1, 400},         {"경기도 안산시 단원구 산단로", 1, 400},
    {"경기도 화성시 동탄산단로", 1, 200},        {"경기도 파주시 회동길", 100, 500},
    {"인천광역시 남동구 남동대로", 200, 400},    {"인천광역시 서구 가좌로", 1, 200},
    {"경기도 수원시 영통구 광교로", 100, 200},   {"경기도 용인시 기흥구 흥덕중앙로", 1, 120},
    {"대전광역시 유성구 테크노중앙로", 1, 200},  {"부산광역시 강서구 녹산산업중로", 1, 400},
    {"경기도 김포시 양촌읍 황금로", 1, 200},     {"충청남도 천안시 서북구 공단1로", 1, 200},
};

static const char *const districts[] = {
    "서울특별시 관악구",   "서울특별시 동작구", "서울특별시 구로구", "서울특별시 금천구",
    "서울특별시 영등포구", "서울특별시 양천구", "경기도 광명시",     "경기도 안양시 만안구",
    "서울특별시 강서구",   "경기도 부천시",
};

/* Representatives' names: surnames by frequency, given names of the generations that run
 * small firms. */
static const struct {
    const char *name;
    unsigned char weight;
} surnames[] = {
    {"김", 21}, {"이", 15}, {"박", 8}, {"최", 5}, {"정", 5}, {"강", 2}, {"조", 2}, {"윤", 2},
    {"장", 2},  {"임", 2},  {"한", 1}, {"오", 1}, {"서", 1}, {"신", 1}, {"권", 1}, {"황", 1},
    {"안", 1},  {"송", 1},  {"류", 1}, {"전", 1}, {"홍", 1}, {"고", 1}, {"문", 1}, {"양", 1},
    {"손", 1},  {"배", 1},  {"백", 1}, {"허", 1}, {"남", 1}, {"심", 1}, {"노", 1}, {"하", 1},
};

static const char *const given_names[] = {
    "영수", "영호", "영식", "정호", "성호", "성민", "성수", "상철", "상훈", "현우", "현석", "동현",
    "준호", "준영", "재훈", "재원", "민수", "민호", "지훈", "지원", "승현", "승우", "경수", "경민",
    "진우", "진호", "태호", "태준", "병철", "광수", "은정", "은영", "미경", "미정", "지영", "수진",
    "현정", "혜진", "선영", "경희", "정희", "영미", "순자", "미숙", "윤정", "서연", "민지", "수빈",
};

/* ---------------------------------------------------------------- romanization (e-mails) */

/* Loan words and Latin letters spelt in Hangul, written back as a firm would in its domain. */
static const struct {
    const char *ko;
    const char *en;
} roman_words[] = {
    {"커뮤니케이션즈", "comm"},
    {"메카트로닉스", "mechatronics"},
    {"일렉트로닉스", "electronics"},
    {"소프트웨어", "software"},
    {"인더스트리", "industry"},
    {"엔지니어링", "eng"},
    {"인터내셔널", "intl"},
    {"코퍼레이션", "corp"},
    {"오토메이션", "automation"},
    {"디스플레이", "display"},
    {"텍스타일", "textile"},
    {"로보틱스", "robotics"},
    {"시큐리티", "security"},
    {"클라우드", "cloud"},
    {"에이전시", "agency"},
    {"트레이딩", "trading"},
    {"정보기술", "it"},
    {"정보통신", "ict"},
    {"네트웍스", "networks"},
    {"아이앤씨", "inc"},
    {"파트너스", "partners"},
    {"플라스틱", "plastic"},
    {"일렉트릭", "electric"},
    {"에이아이", "ai"},
    {"시스템", "system"},
    {"솔루션", "solution"},
    {"데이터", "data"},
    {"인포텍", "infotech"},
    {"미디어", "media"},
    {"게임즈", "games"},
    {"디지털", "digital"},
    {"디자인", "design"},
    {"코리아", "korea"},
    {"글로벌", "global"},
    {"리서치", "research"},
    {"마케팅", "marketing"},
    {"서비스", "service"},
    {"반도체", "semi"},
    {"옵틱스", "optics"},
    {"메디칼", "medical"},
    {"에너지", "energy"},
    {"텔레콤", "telecom"},
    {"라이팅", "lighting"},
    {"메딕스", "medics"},
    {"퍼니처", "furniture"},
    {"프라텍", "pratec"},
    {"어패럴", "apparel"},
    {"클로징", "clothing"},
    {"스타일", "style"},
    {"프린팅", "printing"},
    {"프린텍", "printec"},
    {"에프에이", "fa"},
    {"에이치", "h"},
    {"넥스트", "next"},
    {"스마트", "smart"},
    {"웨이브", "wave"},
    {"브릿지", "bridge"},
    {"포커스", "focus"},
    {"프라임", "prime"},
    {"인피니", "infini"},
    {"제니스", "zenith"},
    {"시너지", "synergy"},
    {"오메가", "omega"},
    {"베스트", "best"},
    {"에이스", "ace"},
    {"하이텍", "hitech"},
    {"소프트", "soft"},
    {"이엔씨", "enc"},
    {"이엔지", "eng"},
    {"피앤피", "pnp"},
    {"애드컴", "adcom"},
    {"코어", "core"},
    {"비전", "vision"},
    {"링크", "link"},
    {"이노", "inno"},
    {"유니", "uni"},
    {"퓨처", "future"},
    {"네오", "neo"},
    {"하이", "hi"},
    {"엑셀", "excel"},
    {"오션", "ocean"},
    {"블루", "blue"},
    {"그린", "green"},
    {"트리", "tree"},
    {"로직", "logic"},
    {"매직", "magic"},
    {"피플", "people"},
    {"비트", "bit"},
    {"큐브", "cube"},
    {"픽셀", "pixel"},
    {"노바", "nova"},
    {"루트", "root"},
    {"에버", "ever"},
    {"아톰", "atom"},
    {"휴먼", "human"},
    {"메가", "mega"},
    {"알파", "alpha"},
    {"델타", "delta"},
    {"테크", "tech"},
    {"랩스", "labs"},
    {"컴즈", "comms"},
    {"웍스", "works"},
    {"인포", "info"},
    {"센서", "sensor"},
    {"파워", "power"},
    {"옵토", "opto"},
    {"몰드", "mold"},
    {"머신", "machine"},
    {"패션", "fashion"},
    {"니트", "knit"},
    {"모드", "mode"},
    {"아트", "art"},
    {"에이", "a"},
    {"아이", "i"},
    {"제이", "j"},
    {"케이", "k"},
    {"와이", "y"},
    {"에스", "s"},
    {"씨", "c"},
    {"디", "d"},
    {"엘", "l"},
    {"엠", "m"},
    {"엔", "n"},
    {"피", "p"},
    {"알", "r"},
    {"티", "t"},
    {"앤", "n"},
    {"컴", "com"},
    {"애드", "ad"},
    {"사인", "sign"},
};

static const char *const rr_initial[19] = {"g",  "kk", "n", "d",  "tt", "r", "m", "b", "pp", "s",
                                           "ss", "",   "j", "jj", "ch", "k", "t", "p", "h"};
static const char *const rr_medial[21] = {"a",  "ae", "ya", "yae", "eo", "e",  "yeo",
                                          "ye", "o",  "wa", "wae", "oe", "yo", "u",
                                          "wo", "we", "wi", "yu",  "eu", "ui", "i"};
static const char *const rr_final[28] = {"",  "k",  "k", "k", "n", "n", "n", "t", "l", "k",
                                         "m", "l",  "l", "l", "p", "l", "m", "p", "p", "t",
                                         "t", "ng", "t", "t", "k", "t", "p", "t"};

/* Romanize a name for a domain: known loan words back to English, other Hangul by the Revised
 * Romanization (without sound changes), ASCII letters and digits lowercased, the rest dropped.
 * out holds at most n - 1 bytes (cut at 20 letters, as domains are short). */
static void romanize(const char *s, char *out, size_t n)
{
    size_t len = 0;
    size_t limit = n - 1 < 20 ? n - 1 : 20;
    while (*s != '\0' && len < limit) {
        const char *add = NULL;
        size_t used = 0;
        char one[16];
        for (size_t i = 0; i < COUNT_OF(roman_words); i++) {
            size_t k = strlen(roman_words[i].ko);
            if (strncmp(s, roman_words[i].ko, k) == 0) {
                add = roman_words[i].en;
                used = k;
                break;
            }
        }
        unsigned char c = (unsigned char)s[0];
        if (add == NULL && c >= 0xE0 && c < 0xF0 && s[1] != '\0' && s[2] != '\0') {
            uint32_t cp = ((uint32_t)(c & 0x0F) << 12) | ((uint32_t)(s[1] & 0x3F) << 6) |
                          (uint32_t)(s[2] & 0x3F);
            used = 3;
            if (cp >= 0xAC00 && cp <= 0xD7A3) {
                uint32_t x = cp - 0xAC00;
                snprintf(one, sizeof(one), "%s%s%s", rr_initial[x / 588], rr_medial[(x / 28) % 21],
                         rr_final[x % 28]);
                add = one;
            } else {
                add = "";
            }
        } else if (add == NULL) {
            used = 1;
            one[0] = '\0';
            if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
                one[0] = (char)c;
                one[1] = '\0';
            } else if (c >= 'A' && c <= 'Z') {
                one[0] = (char)(c - 'A' + 'a');
                one[1] = '\0';
            } else if (c >= 0x80) { /* another multi-byte character: skip it whole */
                while (s[used] != '\0' && ((unsigned char)s[used] & 0xC0) == 0x80)
                    used++;
            }
            add = one;
        }
        for (; *add != '\0' && len < limit; add++)
            out[len++] = *add;
        s += used;
    }
    if (len == 0)
        for (const char *d = "firm"; *d != '\0'; d++)
            out[len++] = *d;
    out[len] = '\0';
}

static void person_name(struct rng *r, char *out, size_t n)
{
    unsigned total = 0;
    for (size_t i = 0; i < COUNT_OF(surnames); i++)
        total += surnames[i].weight;
    unsigned x = (unsigned)rng_below(r, total);
    size_t i = 0;
    while (x >= surnames[i].weight) {
        x -= surnames[i].weight;
        i++;
    }
    snprintf(out, n, "%s%s", surnames[i].name, PICK(r, given_names));
}

/* ---------------------------------------------------------------- KPIs */

struct kpi {
    int64_t revenue[NMONTHS];
    int64_t production[NMONTHS];
    int64_t exports[NMONTHS];
    int32_t employees[NMONTHS];
    /* How the firm's revenue and purchases show on its invoices (members only use them). */
    int32_t b2b_ppm;     /* issued supply value / revenue */
    int32_t purch_ppm;   /* invoiced purchases / revenue */
    int32_t cluster_ppm; /* share of purchases from cluster firms */
    int32_t exempt_ppm;  /* share of issued value on 계산서 (publishers) */
};

/* Production per employee and month in won (manufacturing), revenue per employee otherwise. */
static int64_t output_per_employee(const struct gen__firm *f)
{
    switch (f->sector) {
    case GEN__SEC_ELEC:
        return 19000000;
    case GEN__SEC_OMFG:
        return 15000000;
    case GEN__SEC_MACH:
        return 24000000;
    case GEN__SEC_TEXT:
        return 11000000;
    case GEN__SEC_PRINT:
        return 10000000;
    case GEN__SEC_IT:
        return 12000000;
    default:
        if (strcmp(f->ksic, "47912") == 0)
            return 25000000;
        return is_wholesale(f->ksic) ? 42000000 : 9000000;
    }
}

/* Chance of exporting at all and the range of the export share of revenue, in ppm: exports
 * concentrate in electronics and machinery, then the trading houses. */
static void export_profile(const struct gen__firm *f, uint32_t *chance, int64_t *lo, int64_t *hi)
{
    *lo = 50000;
    *hi = 300000;
    switch (f->sector) {
    case GEN__SEC_ELEC:
        *chance = 550000;
        *lo = 100000;
        *hi = 700000;
        break;
    case GEN__SEC_MACH:
        *chance = 600000;
        *lo = 100000;
        *hi = 750000;
        break;
    case GEN__SEC_OMFG:
        *chance = 200000;
        *hi = 350000;
        break;
    case GEN__SEC_TEXT:
        *chance = 250000;
        *hi = 450000;
        break;
    case GEN__SEC_PRINT:
        *chance = 50000;
        *lo = 20000;
        *hi = 150000;
        break;
    case GEN__SEC_IT:
        *chance = 100000;
        *hi = 350000;
        break;
    default:
        if (is_trader(f->ksic)) {
            *chance = 600000;
            *lo = 100000;
            *hi = 500000;
        } else {
            *chance = is_wholesale(f->ksic) ? 100000 : 30000;
            *lo = 20000;
            *hi = 200000;
        }
        break;
    }
}

static int64_t purchase_ratio_ppm(struct rng *r, const struct gen__firm *f)
{
    if (is_manufacturing(f->sector))
        return rng_range(r, 500000, 720000);
    if (f->sector == GEN__SEC_SVC && is_wholesale(f->ksic))
        return rng_range(r, 780000, 900000);
    return rng_range(r, 280000, 480000);
}

/* Draw every firm's months, then calibrate production and exports month by month to the
 * cluster's totals (scaled by the number of firms). */
static int make_kpis(const struct gen__cluster *c, uint64_t seed, struct kpi *k,
                     struct dure_err *err)
{
    int64_t prod_target = mul_div(GEN_PRODUCTION_KRW_MONTH, (int64_t)c->nfirms, GEN_FIRMS);
    int64_t exp_target = mul_div(GEN_EXPORTS_KRW_MONTH, (int64_t)c->nfirms, GEN_FIRMS);
    int64_t *xshare = calloc(c->nfirms > 0 ? c->nfirms : 1, sizeof(xshare[0]));
    int32_t *markup = calloc(c->nfirms > 0 ? c->nfirms : 1, sizeof(markup[0]));
    int rc = DURE_OK;

    if (xshare == NULL || markup == NULL) {
        rc = dure_err_set(err, DURE_ENOMEM, "out of memory");
        goto out;
    }

    for (size_t i = 0; i < c->nfirms; i++) {
        const struct gen__firm *f = &c->firms[i];
        struct kpi *q = &k[i];
        struct rng r;
        uint32_t chance;
        int64_t lo, hi;
        int mfg = is_manufacturing(f->sector);
        rng_init_sub(&r, seed, PS_KPI, i);
        int64_t noise_pm = rng_loguniform(&r, 500, 2000);
        int64_t base = f->employees * output_per_employee(f) / 1000 * noise_pm;
        int32_t mk = mfg ? (int32_t)rng_range(&r, 1020000, 1350000) : (int32_t)PPM;
        export_profile(f, &chance, &lo, &hi);
        int64_t xs = rng_chance(&r, chance) ? rng_range(&r, lo, hi) : 0;
        int64_t trend = rng_range(&r, -40000, 40000);
        q->b2b_ppm = (int32_t)rng_range(&r, 750000, 980000);
        q->purch_ppm = (int32_t)purchase_ratio_ppm(&r, f);
        q->cluster_ppm = (int32_t)rng_range(&r, 220000, 380000);
        q->exempt_ppm = is_publisher(f->ksic) ? (int32_t)rng_range(&r, 650000, 850000) : 0;
        for (int m = 0; m < NMONTHS; m++) {
            int64_t noise = rng_range(&r, 920000, 1080000);
            int64_t jitter = rng_range(&r, -10000, 10000);
            int64_t delta = trend * (2 * m - 11) / 11 + jitter;
            if (delta > 50000)
                delta = 50000;
            if (delta < -50000)
                delta = -50000;
            int64_t e = (f->employees * (PPM + delta) + PPM / 2) / PPM;
            q->employees[m] = (int32_t)(e < 1 ? 1 : e);
            int64_t v = f->suspended ? 0 : mul_ppm(mul_ppm(base, season_ppm[m]), noise);
            q->production[m] = mfg ? v : 0;
            q->revenue[m] = mfg ? 0 : v;
        }
        xshare[i] = xs;
        markup[i] = mk;
    }

    for (int m = 0; m < NMONTHS; m++) {
        int64_t sum = 0;
        for (size_t i = 0; i < c->nfirms; i++)
            sum += k[i].production[m];
        int64_t f = ratio_ppm(mul_ppm(prod_target, season_ppm[m]), sum);
        for (size_t i = 0; i < c->nfirms; i++) {
            struct kpi *q = &k[i];
            if (!is_manufacturing(c->firms[i].sector))
                continue;
            q->production[m] = mul_ppm(q->production[m], f);
            q->revenue[m] = mul_ppm(q->production[m], markup[i]);
        }
        /* Exports: a share of revenue, scaled to the month's total; no firm exports more than
         * 95% of its revenue, so the scaling is repeated over the firms below that cap. */
        int64_t target = mul_ppm(exp_target, season_ppm[m]);
        for (size_t i = 0; i < c->nfirms; i++)
            k[i].exports[m] = mul_ppm(k[i].revenue[m], xshare[i]);
        for (int round = 0; round < 12; round++) {
            sum = 0;
            for (size_t i = 0; i < c->nfirms; i++)
                sum += k[i].exports[m];
            if (sum == 0 || sum == target)
                break;
            f = ratio_ppm(target, sum);
            for (size_t i = 0; i < c->nfirms; i++) {
                int64_t cap = mul_ppm(k[i].revenue[m], 950000);
                int64_t x = mul_ppm(k[i].exports[m], f);
                k[i].exports[m] = x > cap ? cap : x;
            }
        }
    }
out:
    free(markup);
    free(xshare);
    return rc;
}

/* ---------------------------------------------------------------- parties */

/* Anyone on an invoice. Parties 0..nfirms-1 are the firms of firms.csv, then the outside firms;
 * a private buyer is PARTY_PERSON and drawn from the invoice's own seed. */
#define PARTY_PERSON UINT32_MAX

struct party {
    char brn[BRN_FORMATTED_SIZE]; /* "XXX-XX-XXXXX" */
    char branch[8];               /* 종사업장번호, mostly "" */
    char rep[24];                 /* 대표자명 */
    char email[48];
    char email2[48]; /* a second address for invoices received, mostly "" */
    char model[8];   /* a product-code prefix, e.g. "HT" */
    const char *name;
    const char *addr;
    uint32_t mid;        /* approval digits 9-16 of the invoices it issues */
    unsigned char cat;   /* enum ocat, OC_CLUSTER for a cluster firm */
    unsigned char habit; /* which variant of an item name it writes */
    unsigned char ngroups;
    unsigned char groups[3]; /* what it sells */
    uint32_t markets;        /* cluster firm: buyer sectors (bits) its goods suit */
};

#define ALL_SECTORS 0x7Fu
#define SECBIT(s) (1u << (s))
#define MFG_SECTORS                                                                                \
    (SECBIT(GEN__SEC_ELEC) | SECBIT(GEN__SEC_OMFG) | SECBIT(GEN__SEC_MACH) |                       \
     SECBIT(GEN__SEC_TEXT) | SECBIT(GEN__SEC_PRINT))

/* What a cluster firm sells, by its KSIC code, and to which sectors. */
static void seller_of(const struct gen__firm *f, struct party *p)
{
    static const struct {
        const char *ksic;
        unsigned char groups[3];
        unsigned char n;
        uint32_t markets;
    } known[] = {
        {"46510", {G_NOTEBOOK, G_MONITOR, G_TONER}, 3, ALL_SECTORS},
        {"46521", {G_PARTS}, 1, MFG_SECTORS | SECBIT(GEN__SEC_SVC)},
        {"46522", {G_PARTS}, 1, MFG_SECTORS | SECBIT(GEN__SEC_SVC)},
        {"26222", {G_PCB}, 1, MFG_SECTORS | SECBIT(GEN__SEC_SVC)},
        {"26223", {G_PCB}, 1, MFG_SECTORS | SECBIT(GEN__SEC_SVC)},
        {"26224", {G_SMT}, 1, MFG_SECTORS | SECBIT(GEN__SEC_SVC)},
        {"33920", {G_A4, G_SUPPLIES}, 2, ALL_SECTORS},
        {"63112", {G_CLOUD}, 1, ALL_SECTORS},
        {"62090", {G_SWMAINT}, 1, ALL_SECTORS},
        {"62010", {G_DEV}, 1, ALL_SECTORS},
        {"75122", {G_LABOR}, 1, ALL_SECTORS},
        {"18111", {G_PRINTING}, 1, ALL_SECTORS},
        {"18113", {G_PRINTING}, 1, ALL_SECTORS},
        {"18119", {G_PRINTING}, 1, ALL_SECTORS},
        {"71310", {G_AD}, 1, ALL_SECTORS},
        {"71202", {G_TAXACC}, 1, ALL_SECTORS},
        {"74100", {G_FACILITY}, 1, ALL_SECTORS},
    };
    for (size_t i = 0; i < COUNT_OF(known); i++) {
        if (strcmp(f->ksic, known[i].ksic) == 0) {
            memcpy(p->groups, known[i].groups, sizeof(p->groups));
            p->ngroups = known[i].n;
            p->markets = known[i].markets;
            return;
        }
    }
    p->ngroups = 1;
    switch (f->sector) {
    case GEN__SEC_ELEC:
        p->groups[0] = G_P_ELEC;
        p->markets = MFG_SECTORS | SECBIT(GEN__SEC_SVC) | SECBIT(GEN__SEC_IT);
        break;
    case GEN__SEC_OMFG:
        p->groups[0] = G_P_OMFG;
        /* furniture, signs and office goods suit anyone; parts suit the factories */
        p->markets = f->ksic[0] == '3' ? ALL_SECTORS : MFG_SECTORS | SECBIT(GEN__SEC_SVC);
        break;
    case GEN__SEC_MACH:
        p->groups[0] = G_P_MACH;
        p->markets = MFG_SECTORS;
        break;
    case GEN__SEC_TEXT:
        p->groups[0] = G_P_TEXT;
        p->markets = SECBIT(GEN__SEC_TEXT) | SECBIT(GEN__SEC_SVC);
        break;
    case GEN__SEC_PRINT:
        p->groups[0] = G_P_PRINT;
        p->markets = ALL_SECTORS;
        break;
    default:
        p->groups[0] = is_wholesale(f->ksic) ? G_P_GOODS : G_P_SERVICE;
        p->markets = ALL_SECTORS;
        break;
    }
}

/* The approval number's middle block: the issuing channel (10 for Hometax itself, 4x for the
 * ASP services) and six digits of the issuer. */
static uint32_t issuer_code(struct rng *r)
{
    static const uint32_t channels[] = {10, 10, 10, 10, 10, 41, 41, 42, 43, 44, 45, 46};
    return PICK(r, channels) * 1000000u + (uint32_t)rng_below(r, 1000000);
}

static void make_email(struct rng *r, const char *name, char *email, size_t n)
{
    static const char *const locals[] = {"tax", "tax", "tax",     "tax", "tax",   "tax",
                                         "tax", "acc", "account", "biz", "admin", "finance"};
    char dom[32];
    romanize(name, dom, sizeof(dom));
    uint64_t u = rng_below(r, 100);
    snprintf(email, n, "%s@%s%s", PICK(r, locals), dom,
             u < 80   ? ".co.kr"
             : u < 95 ? ".com"
                      : ".kr");
}

/* About one firm in twenty has invoices also sent to its accountant's mailbox. */
static void second_email(struct rng *r, struct party *q)
{
    const char *at = strchr(q->email, '@');
    q->email2[0] = '\0';
    if (at != NULL && rng_chance(r, 50000))
        snprintf(q->email2, sizeof(q->email2), "acc%s", at);
}

/* The cluster's firms as parties (the names and addresses of firms.csv). */
static void make_cluster_parties(const struct gen__cluster *c, uint64_t seed, struct party *p)
{
    for (size_t i = 0; i < c->nfirms; i++) {
        const struct gen__firm *f = &c->firms[i];
        struct party *q = &p[i];
        struct rng r;
        char rom[32];
        rng_init_sub(&r, seed, PS_PARTY, i);
        brn_format(f->brn, q->brn);
        q->branch[0] = '\0';
        person_name(&r, q->rep, sizeof(q->rep));
        make_email(&r, f->core, q->email, sizeof(q->email));
        second_email(&r, q);
        romanize(f->core, rom, sizeof(rom));
        q->model[0] = (char)(rom[0] - 'a' + 'A');
        q->model[1] = (char)('A' + rng_below(&r, 26));
        q->model[2] = '\0';
        if (rom[0] < 'a' || rom[0] > 'z')
            q->model[0] = 'D';
        q->name = f->name;
        q->addr = f->addr;
        q->mid = issuer_code(&r);
        q->cat = OC_CLUSTER;
        q->habit = (unsigned char)rng_below(&r, 60);
        seller_of(f, q);
    }
}

#define OUT_NAME_SIZE 96
#define OUT_ADDR_SIZE 128

struct outside {
    size_t first[OC_COUNT + 1]; /* party ids of category k: first[k] .. first[k+1]-1 */
    char *names;                /* OUT_NAME_SIZE each */
    char *addrs;                /* OUT_ADDR_SIZE each */
};

static uint64_t brn_value(const char *digits)
{
    uint64_t v = 0;
    for (int i = 0; i < BRN_LEN; i++)
        v = v * 10 + (uint64_t)(digits[i] - '0');
    return v;
}

/* Insert v; 1 when added, 0 when present. slots is a power-of-two table, 0 = empty. */
static int brnset_insert(uint64_t *slots, size_t mask, uint64_t v)
{
    for (size_t i = (size_t)((v * 0x9e3779b97f4a7c15ULL) >> 20) & mask;; i = (i + 1) & mask) {
        if (slots[i] == 0) {
            slots[i] = v;
            return 1;
        }
        if (slots[i] == v)
            return 0;
    }
}

/* A valid BRN not yet used whose tax office lies outside the cluster (not 113 구로, 119 금천). */
static void outside_brn(struct rng *r, int corporation, uint64_t *set, size_t mask,
                        char out[BRN_SIZE])
{
    static const char *const corp_types[] = {"81", "81", "81", "81", "81", "86", "86", "87", "85"};
    for (;;) {
        int office;
        do {
            office = (int)rng_range(r, 101, 899);
        } while (office == 113 || office == 119);
        long serial = (long)rng_range(r, 1, 9999);
        if (corporation)
            snprintf(out, BRN_SIZE, "%03d%s%04ld", office, PICK(r, corp_types), serial);
        else
            snprintf(out, BRN_SIZE, "%03d%02d%04ld", office, (int)rng_range(r, 1, 79), serial);
        out[9] = (char)('0' + brn_check_digit(out));
        out[10] = '\0';
        if (brnset_insert(set, mask, brn_value(out)))
            return;
    }
}

static size_t outside_count(int cat, size_t nfirms, size_t nbuildings)
{
    if (cat == OC_BUILDING)
        return nbuildings;
    if (cat == OC_CUSTOMER) {
        size_t n = nfirms * 2;
        return n < ocats[cat].min ? ocats[cat].min : n;
    }
    size_t n = (size_t)mul_div(ocats[cat].base, (int64_t)nfirms, GEN_FIRMS);
    return n < ocats[cat].min ? ocats[cat].min : n;
}

/* The outside firms: category by category, stable names, BRNs, addresses and habits. */
static int make_outside(const struct gen__cluster *c, uint64_t seed, struct party *p,
                        struct outside *o, struct dure_err *err)
{
    int rc = DURE_OK;
    size_t total = 0;
    size_t cap = 64;
    uint64_t *set = NULL;
    struct rng r;

    for (int k = 0; k < OC_COUNT; k++) {
        o->first[k] = c->nfirms + total;
        total += outside_count(k, c->nfirms, c->nbuildings);
    }
    o->first[OC_COUNT] = c->nfirms + total;
    while (cap < (c->nfirms + total) * 2 + 16)
        cap *= 2;
    set = calloc(cap, sizeof(set[0]));
    o->names = calloc(total > 0 ? total : 1, OUT_NAME_SIZE);
    o->addrs = calloc(total > 0 ? total : 1, OUT_ADDR_SIZE);
    if (set == NULL || o->names == NULL || o->addrs == NULL) {
        rc = dure_err_set(err, DURE_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < c->nfirms; i++)
        brnset_insert(set, cap - 1, brn_value(c->firms[i].brn));

    rng_init(&r, seed, PS_OUTSIDE);
    for (int k = 0; k < OC_COUNT; k++) {
        const struct ocat_spec *spec = &ocats[k];
        for (size_t id = o->first[k]; id < o->first[k + 1]; id++) {
            struct party *q = &p[id];
            size_t j = id - c->nfirms;
            char *name = o->names + j * OUT_NAME_SIZE;
            char *addr = o->addrs + j * OUT_ADDR_SIZE;
            char digits[BRN_SIZE];
            char core[64];
            int corp = rng_chance(&r, spec->corp_ppm);
            outside_brn(&r, corp, set, cap - 1, digits);
            brn_format(digits, q->brn);
            if (k == OC_BUILDING) {
                const struct gen__building *b = &c->buildings[id - o->first[k]];
                snprintf(name, OUT_NAME_SIZE, "%s 관리단", b->name);
                snprintf(addr, OUT_ADDR_SIZE, "%s", b->addr);
                snprintf(core, sizeof(core), "%s", b->name);
            } else {
                snprintf(core, sizeof(core), "%s%s", PICK(&r, out_stems),
                         spec->words[rng_below(&r, spec->nwords)]);
                if (!corp)
                    snprintf(name, OUT_NAME_SIZE, "%s", core);
                else if (rng_chance(&r, 500000))
                    snprintf(name, OUT_NAME_SIZE, "(주)%s", core);
                else if (rng_chance(&r, 500000))
                    snprintf(name, OUT_NAME_SIZE, "주식회사 %s", core);
                else
                    snprintf(name, OUT_NAME_SIZE, "%s(주)", core);
                size_t road = (size_t)rng_below(&r, COUNT_OF(out_roads));
                long num = (long)rng_range(&r, out_roads[road].lo, out_roads[road].hi);
                if (rng_chance(&r, 400000))
                    snprintf(addr, OUT_ADDR_SIZE, "%s %ld, %ld층", out_roads[road].road, num,
                             (long)rng_range(&r, 1, 15));
                else
                    snprintf(addr, OUT_ADDR_SIZE, "%s %ld", out_roads[road].road, num);
            }
            /* The large national networks invoice from a branch (종사업장). */
            if (k == OC_COURIER || k == OC_TELECOM || (corp && rng_chance(&r, 20000)))
                snprintf(q->branch, sizeof(q->branch), "%04d", (int)rng_range(&r, 1, 120));
            else
                q->branch[0] = '\0';
            person_name(&r, q->rep, sizeof(q->rep));
            make_email(&r, core, q->email, sizeof(q->email));
            second_email(&r, q);
            snprintf(q->model, sizeof(q->model), "%c%c", (char)('A' + rng_below(&r, 26)),
                     (char)('A' + rng_below(&r, 26)));
            q->name = name;
            q->addr = addr;
            q->mid = issuer_code(&r);
            q->cat = (unsigned char)k;
            q->habit = (unsigned char)rng_below(&r, 60);
            q->ngroups = spec->ngroups;
            memcpy(q->groups, spec->groups, sizeof(q->groups));
            q->markets = ALL_SECTORS;
        }
    }
out:
    free(set);
    return rc;
}

/* ---------------------------------------------------------------- invoices */

enum inv_flag {
    F_AMENDED = 1 << 0,   /* 전자세금계산서분류 수정 */
    F_NEGATIVE = 1 << 1,  /* the cancelling half of an amendment */
    F_CORRECTED = 1 << 2, /* the corrected half of an amendment */
    F_ZERO = 1 << 3,      /* 영세율 */
    F_EXEMPT = 1 << 4,    /* 계산서 */
    F_RECEIPT = 1 << 5,   /* 영수 */
    F_MONTHLY = 1 << 6,   /* billed for the month: 비고 "N월분" */
};

struct inv {
    int64_t supply, tax;               /* 공급가액, 세액 */
    int64_t qty, price, isupply, itax; /* the representative item */
    uint32_t supplier, buyer;          /* party ids */
    uint32_t mid, last;                /* approval digits 9-16 and 17-24 */
    uint32_t ref_mid, ref_last;        /* an amendment's original */
    uint32_t seed;                     /* a private buyer's details */
    int32_t written, issued, ref_issued;
    unsigned char sent_off, group, variant, more, flags;
};

/* A growable array of invoices with a hard limit. */
#define INVVEC_MAX ((size_t)64 << 20)

struct invvec {
    struct inv *a;
    size_t n, cap;
};

static int invvec_push(struct invvec *v, const struct inv *x, struct dure_err *err)
{
    if (v->n == v->cap) {
        size_t cap = v->cap == 0 ? 1024 : v->cap * 2;
        if (cap > INVVEC_MAX)
            return dure_err_set(err, DURE_ETOOBIG, "more than %zu invoices in one list",
                                INVVEC_MAX);
        struct inv *a = realloc(v->a, cap * sizeof(a[0]));
        if (a == NULL)
            return dure_err_set(err, DURE_ENOMEM, "out of memory");
        v->a = a;
        v->cap = cap;
    }
    v->a[v->n++] = *x;
    return DURE_OK;
}

static void invvec_free(struct invvec *v)
{
    free(v->a);
    v->a = NULL;
    v->n = v->cap = 0;
}

/* Lists read in the order of 작성일자, then of approval number. */
static int cmp_inv(const void *pa, const void *pb)
{
    const struct inv *a = pa;
    const struct inv *b = pb;
    if (a->written != b->written)
        return a->written < b->written ? -1 : 1;
    if (a->issued != b->issued)
        return a->issued < b->issued ? -1 : 1;
    if (a->mid != b->mid)
        return a->mid < b->mid ? -1 : 1;
    return a->last < b->last ? -1 : a->last > b->last;
}

static int cmp_inv_buyer(const void *pa, const void *pb)
{
    const struct inv *a = pa;
    const struct inv *b = pb;
    if (a->buyer != b->buyer)
        return a->buyer < b->buyer ? -1 : 1;
    return cmp_inv(pa, pb);
}

/* The members' sales and purchases: run state. */
struct pool {
    const struct gen__cluster *c;
    uint64_t seed;
    int64_t inv_scale_ppm;
    const struct kpi *kpi;
    struct party *parties;
    struct outside out;
    int32_t *member_of;      /* firm -> member index, -1 for non-members */
    uint64_t *cum_employees; /* running sum over firms, for choosing trade partners */
    uint32_t *day_count;     /* approval numbers issued per day since day0 */
    int32_t day0;
    size_t ndays;
    int issuing;          /* 1 in the members' sales, when member buyers are collected */
    struct invvec m2m;    /* invoices between two members, from the supplier's side */
    struct invvec list;   /* the list being built */
    struct invvec exempt; /* a publisher's 계산서 */
};

/* The 10th of the month after the supply: the deadline for issuing (부가가치세법 제34조). */
static int32_t issue_deadline(int32_t written)
{
    int y, m, d;
    civil_from_days(written, &y, &m, &d);
    return m == 12 ? days_from_civil(y + 1, 1, 10) : days_from_civil(y, m + 1, 10);
}

/* The latest issue date generated: within 10 days of the supply and by the deadline. */
static int32_t issue_limit(int32_t written)
{
    int32_t deadline = issue_deadline(written);
    return written + 10 < deadline ? written + 10 : deadline;
}

static void set_issue(struct rng *r, struct inv *x, int32_t earliest)
{
    int32_t limit = issue_limit(x->written);
    int32_t span = limit - earliest;
    int32_t off = 0;
    if (span > 0 && !rng_chance(r, 600000))
        off = (int32_t)rng_range(r, 1, span < 10 ? span : 10);
    x->issued = earliest + off;
    x->sent_off = (unsigned char)(rng_chance(r, 150000) ? 1 : 0);
}

/* A supply date in month m: a working day mostly, the month's last day for monthly bills. */
static int32_t pick_written(struct rng *r, int m, int month_end)
{
    int32_t first = month_first(m);
    int days = month_days(m);
    if (month_end && rng_chance(r, 700000))
        return first + days - 1;
    for (;;) {
        int32_t d = first + (int32_t)rng_below(r, (uint64_t)days);
        int w = weekday(d);
        if ((w != 0 && w != 6) || rng_chance(r, 200000))
            return d;
    }
}

/* Give x its approval number: the issue date, the issuer's block and a per-day serial that a
 * fixed bijection of 0..10^8-1 scatters, unique over the whole data set. */
static int assign_approval(struct pool *P, struct inv *x, struct dure_err *err)
{
    size_t i = (size_t)(x->issued - P->day0);
    if (x->issued < P->day0 || i >= P->ndays)
        return dure_err_set(err, DURE_EINTERNAL, "issue date outside the generated period");
    uint64_t n = P->day_count[i]++;
    if (n >= 100000000)
        return dure_err_set(err, DURE_ETOOBIG, "more than 10^8 invoices issued on one day");
    uint64_t salt = ((uint64_t)x->issued * 2654435761u) % 100000000u;
    x->last = (uint32_t)((n * 73939133u + salt) % 100000000u);
    x->mid = P->parties[x->supplier].mid;
    return DURE_OK;
}

/* Round a unit price or a line's value as firms quote them. */
static int64_t round_price(int64_t v)
{
    int64_t step = v < 1000 ? 1 : v < 100000 ? 10 : v < 10000000 ? 100 : 1000;
    v = (v + step / 2) / step * step;
    return v < 1 ? 1 : v;
}

/* Quantity and unit price of about amount won of group g. */
static void price_item(struct rng *r, int g, int64_t amount, int64_t *qty, int64_t *price)
{
    const struct group_spec *s = &groups[g];
    if (amount < 1)
        amount = 1;
    if (s->service) {
        *qty = 1;
        *price = round_price(amount);
        return;
    }
    int64_t p = rng_skew(r, s->price_lo, s->price_hi);
    int64_t q = (amount + p / 2) / p;
    if (q < s->qty_lo)
        q = s->qty_lo;
    if (q > s->qty_hi)
        q = s->qty_hi;
    if (q < 1)
        q = 1;
    *qty = q;
    *price = round_price((amount + q / 2) / q);
}

/* Amounts of an invoice worth about amount won: the representative item, and the other lines
 * when there are several ("… 외 N건"). */
static void make_amounts(struct rng *r, struct inv *x, int64_t amount)
{
    const struct group_spec *s = &groups[x->group];
    uint64_t u = rng_below(r, 1000);
    int more;
    if (s->service)
        more = u < 920 ? 0 : (int)rng_range(r, 1, 3);
    else
        more = u < 700 ? 0 : u < 830 ? 1 : u < 910 ? 2 : (int)rng_range(r, 3, 9);
    x->more = (unsigned char)more;
    if (more == 0) {
        price_item(r, x->group, amount, &x->qty, &x->price);
        x->isupply = x->qty * x->price;
        x->supply = x->isupply;
    } else {
        int64_t first = amount * rng_range(r, 300, 700) / 1000;
        price_item(r, x->group, first, &x->qty, &x->price);
        x->isupply = x->qty * x->price;
        int64_t rest = amount - x->isupply;
        x->supply = x->isupply + round_price(rest < 10 ? 10 : rest);
    }
    if (x->flags & (F_ZERO | F_EXEMPT)) {
        x->tax = 0;
        x->itax = 0;
    } else {
        x->tax = x->supply / 10;
        x->itax = x->isupply / 10;
    }
}

static int add(struct pool *P, struct invvec *v, const struct inv *x, struct dure_err *err)
{
    int rc = invvec_push(v, x, err);
    if (rc == DURE_OK && P->issuing && x->buyer < P->c->nfirms && P->member_of[x->buyer] >= 0)
        rc = invvec_push(&P->m2m, x, err);
    return rc;
}

/* Number x, add it to v and, one time in two hundred, amend it: a negative invoice cancelling
 * it (비고 names the original) and a corrected one, both 수정 with the original's 작성일자. */
static int emit(struct pool *P, struct rng *r, struct invvec *v, struct inv *x, int may_amend,
                struct dure_err *err)
{
    int rc;
    if ((rc = assign_approval(P, x, err)) != DURE_OK || (rc = add(P, v, x, err)) != DURE_OK)
        return rc;
    if (!may_amend || !rng_chance(r, 5000))
        return DURE_OK;
    struct inv neg = *x;
    neg.flags = (unsigned char)(x->flags | F_AMENDED | F_NEGATIVE);
    neg.supply = -x->supply;
    neg.tax = -x->tax;
    neg.qty = -x->qty;
    neg.isupply = -x->isupply;
    neg.itax = -x->itax;
    neg.ref_issued = x->issued;
    neg.ref_mid = x->mid;
    neg.ref_last = x->last;
    /* issued after the original, unless it went out on the deadline itself */
    set_issue(r, &neg, x->issued < issue_limit(x->written) ? x->issued + 1 : x->issued);
    struct inv cor = *x;
    cor.flags = (unsigned char)(x->flags | F_AMENDED | F_CORRECTED);
    /* the mistake corrected: a quantity or a unit price off by up to a tenth */
    if (x->qty >= 10) {
        int64_t q = x->qty * rng_range(r, 900, 1100) / 1000;
        cor.qty = q == x->qty ? x->qty - 1 : q;
    } else {
        int64_t p = round_price(x->price * rng_range(r, 900, 1100) / 1000);
        cor.price = p == x->price && p > 1 ? p - 1 : p;
    }
    cor.isupply = cor.qty * cor.price;
    cor.supply = x->supply - x->isupply + cor.isupply;
    cor.tax = x->flags & F_ZERO ? 0 : cor.supply / 10;
    cor.itax = x->flags & F_ZERO ? 0 : cor.isupply / 10;
    cor.issued = neg.issued;
    cor.sent_off = neg.sent_off;
    if ((rc = assign_approval(P, &neg, err)) != DURE_OK || (rc = add(P, v, &neg, err)) != DURE_OK ||
        (rc = assign_approval(P, &cor, err)) != DURE_OK || (rc = add(P, v, &cor, err)) != DURE_OK)
        return rc;
    return DURE_OK;
}

/* Which variant of a group's name a supplier writes: its habit, now and then another. */
static unsigned char pick_variant(struct rng *r, const struct party *s, int g)
{
    size_t nv = groups[g].v != NULL ? groups[g].nv : 3;
    if (rng_chance(r, 80000))
        return (unsigned char)rng_below(r, nv);
    return (unsigned char)((s->habit + (unsigned)g * 7u) % nv);
}

/* Mostly the first entries: a firm's main partners take most of its trade. */
static size_t pick_zipf(struct rng *r, size_t n)
{
    return (size_t)rng_octave(r, 1, (int64_t)n) - 1;
}

/* An outside firm of category k, popular ones more often. */
static uint32_t pick_outside(struct pool *P, struct rng *r, int k)
{
    size_t n = P->out.first[k + 1] - P->out.first[k];
    size_t j = rng_chance(r, 500000) ? pick_zipf(r, n) : (size_t)rng_below(r, n);
    return (uint32_t)(P->out.first[k] + j);
}

/* A cluster firm, chance by size, that is not self, trades (not 휴업), is (or is not) a member
 * as asked (-1 either), and fits: a buyer whose sector the seller's markets include. Returns
 * PARTY_PERSON when none is found. */
static uint32_t pick_cluster(struct pool *P, struct rng *r, size_t self, int as_seller, int member)
{
    const struct gen__cluster *c = P->c;
    uint64_t total = c->nfirms > 0 ? P->cum_employees[c->nfirms - 1] : 0;
    if (total == 0)
        return PARTY_PERSON;
    for (int attempt = 0; attempt < 60; attempt++) {
        uint64_t x = rng_below(r, total);
        size_t lo = 0, hi = c->nfirms - 1;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (P->cum_employees[mid] > x)
                hi = mid;
            else
                lo = mid + 1;
        }
        const struct gen__firm *f = &c->firms[lo];
        if (lo == self || f->suspended)
            continue;
        if (member >= 0 && (P->member_of[lo] >= 0) != member)
            continue;
        const struct party *seller = as_seller ? &P->parties[lo] : &P->parties[self];
        const struct gen__firm *buyer = as_seller ? &c->firms[self] : f;
        if (seller->markets & SECBIT(buyer->sector))
            return (uint32_t)lo;
    }
    return PARTY_PERSON;
}

/* Invoices per year per unit of size (employees^0.75): sales ... */
static int64_t sales_rate(const struct gen__firm *f)
{
    switch (f->sector) {
    case GEN__SEC_IT:
        return 45;
    case GEN__SEC_ELEC:
    case GEN__SEC_OMFG:
    case GEN__SEC_TEXT:
        return 65;
    case GEN__SEC_MACH:
        return 35;
    case GEN__SEC_PRINT:
        return 85;
    default:
        if (strcmp(f->ksic, "47912") == 0)
            return 160;
        return is_wholesale(f->ksic) ? 90 : 50;
    }
}

/* ... and main purchases (the recurring costs come on top). */
static int64_t purchase_rate(const struct gen__firm *f)
{
    switch (f->sector) {
    case GEN__SEC_IT:
        return 25;
    case GEN__SEC_ELEC:
        return 60;
    case GEN__SEC_OMFG:
    case GEN__SEC_MACH:
        return 55;
    case GEN__SEC_TEXT:
        return 50;
    case GEN__SEC_PRINT:
        return 45;
    default:
        return is_wholesale(f->ksic) ? 60 : 30;
    }
}

/* Private buyers, in ppm of a firm's domestic invoices. */
static uint32_t b2c_ppm(const struct gen__firm *f)
{
    if (strcmp(f->ksic, "47912") == 0)
        return 250000;
    switch (f->sector) {
    case GEN__SEC_IT:
        return 30000;
    case GEN__SEC_SVC:
        return 40000;
    case GEN__SEC_PRINT:
        return 60000;
    case GEN__SEC_TEXT:
        return 40000;
    default:
        return 15000;
    }
}

enum bucket { B_DOMESTIC, B_ZERO, B_EXEMPT };

#define MAX_PARTNERS 300

struct sales_book {
    uint32_t customers[MAX_PARTNERS];
    size_t ncustomers;
    uint32_t traders[4];
    size_t ntraders;
    uint32_t cluster[12];
    size_t ncluster;
    uint32_t cluster_ppm; /* domestic invoices to cluster firms */
    uint32_t b2c_ppm;
};

/* Split value over n invoices with heavy-tailed weights and generate them. */
static int sales_bucket(struct pool *P, struct rng *r, size_t fi, const struct sales_book *b, int m,
                        enum bucket kind, int64_t value, int64_t n, struct dure_err *err)
{
    int64_t w[256];
    int64_t done = 0;
    int rc = DURE_OK;
    const struct party *self = &P->parties[fi];
    if (value <= 0 || n <= 0)
        return DURE_OK;
    while (n > 0 && rc == DURE_OK) {
        /* In chunks of at most 256 invoices, each chunk taking its share of the value. */
        int64_t k = n > 256 ? 256 : n;
        int64_t part = (value - done) * k / n;
        int64_t wsum = 0;
        for (int64_t j = 0; j < k; j++) {
            w[j] = rng_octave(r, 10, 2000);
            wsum += w[j];
        }
        for (int64_t j = 0; j < k && rc == DURE_OK; j++) {
            struct inv x;
            memset(&x, 0, sizeof(x));
            int64_t amount = mul_div(part, w[j], wsum);
            x.supplier = (uint32_t)fi;
            if (kind == B_ZERO) {
                x.buyer = b->traders[rng_below(r, b->ntraders)];
                x.flags = F_ZERO;
            } else if (kind == B_EXEMPT) {
                x.buyer = b->customers[pick_zipf(r, b->ncustomers)];
                x.flags = F_EXEMPT;
            } else if (rng_chance(r, b->b2c_ppm) && amount <= 5000000) {
                /* a private buyer; the large sales go to businesses */
                x.buyer = PARTY_PERSON;
                x.seed = (uint32_t)rng_next(r);
            } else if (b->ncluster > 0 && rng_chance(r, b->cluster_ppm)) {
                x.buyer = b->cluster[pick_zipf(r, b->ncluster)];
            } else {
                x.buyer = b->customers[pick_zipf(r, b->ncustomers)];
            }
            if (x.buyer == PARTY_PERSON && rng_chance(r, 800000))
                x.flags |= F_RECEIPT;
            else if (x.buyer != PARTY_PERSON && rng_chance(r, 40000))
                x.flags |= F_RECEIPT;
            x.group = kind == B_EXEMPT ? G_BOOK : self->groups[rng_below(r, self->ngroups)];
            x.variant = pick_variant(r, self, x.group);
            int monthly =
                groups[x.group].monthly || (x.group == G_P_SERVICE && rng_chance(r, 400000));
            if (monthly)
                x.flags |= F_MONTHLY;
            x.written = pick_written(r, m, monthly);
            set_issue(r, &x, x.written);
            make_amounts(r, &x, amount);
            rc = emit(P, r, kind == B_EXEMPT ? &P->exempt : &P->list, &x,
                      x.buyer != PARTY_PERSON && kind != B_EXEMPT, err);
        }
        done += part;
        n -= k;
    }
    return rc;
}

/* A member's sales for the year: invoices whose supply value tracks its monthly revenue. */
static int make_sales(struct pool *P, size_t fi, struct dure_err *err)
{
    const struct gen__firm *f = &P->c->firms[fi];
    const struct kpi *k = &P->kpi[fi];
    struct sales_book b;
    struct rng r;
    int rc = DURE_OK;
    int64_t size = size_centi(f->employees);

    memset(&b, 0, sizeof(b));
    rng_init_sub(&r, P->seed, PS_ISSUED, fi);
    b.ncustomers = (size_t)(3 + size / 30);
    if (b.ncustomers > MAX_PARTNERS)
        b.ncustomers = MAX_PARTNERS;
    for (size_t i = 0; i < b.ncustomers; i++)
        b.customers[i] = pick_outside(P, &r, OC_CUSTOMER);
    b.ntraders = (size_t)rng_range(&r, 1, 4);
    for (size_t i = 0; i < b.ntraders; i++)
        b.traders[i] = pick_outside(P, &r, OC_TRADER);
    size_t want = (size_t)(1 + size / 150);
    if (want > COUNT_OF(b.cluster))
        want = COUNT_OF(b.cluster);
    for (size_t i = 0; i < want; i++) {
        uint32_t id = pick_cluster(P, &r, fi, 0, -1);
        if (id != PARTY_PERSON)
            b.cluster[b.ncluster++] = id;
    }
    b.cluster_ppm = (uint32_t)rng_range(&r, 80000, 250000);
    b.b2c_ppm = b2c_ppm(f);
    /* per month, in thousandths of an invoice */
    int64_t per_month = mul_ppm(sales_rate(f) * size * 10, P->inv_scale_ppm) / NMONTHS;

    for (int m = 0; m < NMONTHS && rc == DURE_OK; m++) {
        int64_t revenue = k->revenue[m];
        if (revenue <= 0)
            continue;
        int64_t plan = mul_ppm(revenue, k->b2b_ppm);
        int64_t exempt = mul_ppm(plan, k->exempt_ppm);
        int64_t taxable = plan - exempt;
        int64_t zero = k->exports[m] < taxable * 9 / 10 ? k->exports[m] : taxable * 9 / 10;
        int64_t domestic = taxable - zero;
        int64_t n = rng_round_milli(&r, per_month * rng_range(&r, 850, 1150) / 1000);
        int64_t n_ex = exempt > 0 ? n * exempt / plan : 0;
        int64_t n_zero = zero > 0 ? n * zero / plan : 0;
        if (exempt > 0 && n_ex < 1)
            n_ex = 1;
        if (zero > 0 && n_zero < 1)
            n_zero = 1;
        int64_t n_dom = n - n_ex - n_zero;
        if (domestic > 0 && n_dom < 1)
            n_dom = 1;
        if ((rc = sales_bucket(P, &r, fi, &b, m, B_DOMESTIC, domestic, n_dom, err)) != DURE_OK ||
            (rc = sales_bucket(P, &r, fi, &b, m, B_ZERO, zero, n_zero, err)) != DURE_OK ||
            (rc = sales_bucket(P, &r, fi, &b, m, B_EXEMPT, exempt, n_ex, err)) != DURE_OK)
            break;
    }
    return rc;
}

/* Recurring costs every firm has, from outside suppliers: what, how often, how much. */
enum who { ANY, IN_CENTRE, OUTSIDE_CENTRE };

static const struct overhead {
    unsigned char cat, group, who;
    unsigned char per_year; /* at invoices scale 1; monthly bills: 12 */
    int64_t base_krw, per_employee_krw;
    uint32_t goods_ppm, other_ppm; /* share of firms with it: goods firms, the others */
} overheads[] = {
    {OC_BUILDING, G_MGMT, IN_CENTRE, 12, 200000, 60000, 1000000, 1000000},
    {OC_LANDLORD, G_RENT, OUTSIDE_CENTRE, 12, 800000, 200000, 800000, 800000},
    {OC_TELECOM, G_TELECOM, ANY, 12, 33000, 12000, 950000, 950000},
    {OC_RENTAL, G_COPIER, ANY, 12, 60000, 2000, 600000, 600000},
    {OC_TAXACC, G_TAXACC, ANY, 12, 100000, 6000, 700000, 700000},
    {OC_CLOUD, G_CLOUD, ANY, 12, 50000, 50000, 200000, 600000},
    {OC_COURIER, G_COURIER, ANY, 12, 30000, 20000, 900000, 300000},
    {OC_OFFICE, G_A4, ANY, 6, 20000, 1500, 900000, 900000},
    {OC_OFFICE, G_TONER, ANY, 3, 60000, 2000, 700000, 700000},
    {OC_OFFICE, G_SUPPLIES, ANY, 4, 30000, 2000, 800000, 800000},
    {OC_RENTAL, G_WATER, ANY, 6, 20000, 1500, 500000, 500000},
    {OC_ITSHOP, G_NOTEBOOK, ANY, 1, 1300000, 0, 700000, 800000},
    {OC_ITSHOP, G_MONITOR, ANY, 1, 250000, 0, 500000, 600000},
    {OC_PACK, G_BOX, ANY, 6, 100000, 15000, 800000, 100000},
    {OC_AD, G_AD, ANY, 4, 300000, 30000, 150000, 400000},
    {OC_PRINTSHOP, G_PRINTING, ANY, 2, 80000, 3000, 500000, 500000},
};

/* Main inputs by kind of firm: outside supplier categories and weights. */
struct input_mix {
    unsigned char cat[6];
    unsigned char weight[6];
};

static struct input_mix input_mix_of(const struct gen__firm *f)
{
    static const struct input_mix it = {{OC_LABOR, OC_SWMAINT, OC_CLOUD, OC_ITSHOP, OC_AD},
                                        {6, 2, 2, 1, 1}};
    static const struct input_mix publisher = {{OC_PRINTSHOP, OC_PAPER, OC_LABOR}, {4, 2, 1}};
    static const struct input_mix svc = {{OC_LABOR, OC_AD, OC_PRINTSHOP, OC_ITSHOP, OC_SWMAINT},
                                         {5, 2, 1, 1, 1}};
    static const struct input_mix computers = {{OC_ITSHOP, OC_PARTS}, {5, 1}};
    static const struct input_mix traders = {{OC_MAKER, OC_PACK}, {5, 1}};
    static const struct input_mix wholesale = {{OC_PARTS, OC_AUTOMATION, OC_METAL}, {3, 2, 1}};
    static const struct input_mix elec = {
        {OC_PARTS, OC_PCB, OC_METAL, OC_RESIN, OC_MACHINING, OC_LABOR}, {5, 4, 1, 1, 1, 1}};
    static const struct input_mix omfg = {{OC_METAL, OC_RESIN, OC_MACHINING, OC_LABOR},
                                          {4, 3, 2, 1}};
    static const struct input_mix mach = {
        {OC_METAL, OC_MACHINING, OC_AUTOMATION, OC_PARTS, OC_LABOR}, {3, 3, 3, 2, 1}};
    static const struct input_mix text = {{OC_FABRIC, OC_LABOR}, {6, 1}};
    static const struct input_mix print = {{OC_PAPER, OC_LABOR}, {6, 1}};
    switch (f->sector) {
    case GEN__SEC_IT:
        return is_publisher(f->ksic) ? publisher : it;
    case GEN__SEC_ELEC:
        return elec;
    case GEN__SEC_OMFG:
        return omfg;
    case GEN__SEC_MACH:
        return mach;
    case GEN__SEC_TEXT:
        return text;
    case GEN__SEC_PRINT:
        return print;
    default:
        if (strcmp(f->ksic, "46510") == 0)
            return computers;
        if (is_trader(f->ksic) || strcmp(f->ksic, "47912") == 0)
            return traders;
        return is_wholesale(f->ksic) ? wholesale : svc;
    }
}

struct purchase_book {
    uint32_t suppliers[OC_COUNT][3]; /* up to three regular suppliers per category */
    unsigned char nsuppliers[OC_COUNT];
    unsigned char has[COUNT_OF(overheads)];
    uint32_t cluster[10];
    size_t ncluster;
    struct input_mix mix;
    unsigned mix_total;
};

static int purchase(struct pool *P, struct rng *r, size_t fi, uint32_t supplier, int g, int m,
                    int64_t amount, struct dure_err *err)
{
    struct inv x;
    memset(&x, 0, sizeof(x));
    x.supplier = supplier;
    x.buyer = (uint32_t)fi;
    x.group = (unsigned char)g;
    x.variant = pick_variant(r, &P->parties[supplier], g);
    if (groups[g].monthly)
        x.flags |= F_MONTHLY;
    if (rng_chance(r, 30000))
        x.flags |= F_RECEIPT;
    x.written = pick_written(r, m, groups[g].monthly);
    set_issue(r, &x, x.written);
    make_amounts(r, &x, amount);
    return emit(P, r, &P->list, &x, 1, err);
}

/* Split value over n purchases of the main inputs, from outside (cluster 0) or from the
 * cluster's non-member firms (cluster 1). */
static int purchase_bucket(struct pool *P, struct rng *r, size_t fi, const struct purchase_book *b,
                           int m, int cluster, int64_t value, int64_t n, struct dure_err *err)
{
    int64_t w[256];
    int64_t done = 0;
    int rc = DURE_OK;
    if (value <= 0 || n <= 0)
        return DURE_OK;
    while (n > 0 && rc == DURE_OK) {
        int64_t k = n > 256 ? 256 : n;
        int64_t part = (value - done) * k / n;
        int64_t wsum = 0;
        for (int64_t j = 0; j < k; j++) {
            w[j] = rng_octave(r, 10, 1000);
            wsum += w[j];
        }
        for (int64_t j = 0; j < k && rc == DURE_OK; j++) {
            int64_t amount = mul_div(part, w[j], wsum);
            uint32_t s;
            if (cluster) {
                s = b->cluster[pick_zipf(r, b->ncluster)];
            } else {
                unsigned x = (unsigned)rng_below(r, b->mix_total);
                size_t i = 0;
                while (x >= b->mix.weight[i]) {
                    x -= b->mix.weight[i];
                    i++;
                }
                int cat = b->mix.cat[i];
                s = b->suppliers[cat][pick_zipf(r, b->nsuppliers[cat])];
            }
            const struct party *sp = &P->parties[s];
            int g = sp->groups[rng_below(r, sp->ngroups)];
            rc = purchase(P, r, fi, s, g, m, amount, err);
        }
        done += part;
        n -= k;
    }
    return rc;
}

/* A member's purchases for the year, apart from those from other members (which their sales
 * made): recurring costs, then main inputs from outside and from non-member cluster firms so
 * that about its share of purchases comes from the cluster. */
static int make_purchases(struct pool *P, size_t fi, const struct inv *from_members, size_t nfrom,
                          struct dure_err *err)
{
    const struct gen__firm *f = &P->c->firms[fi];
    const struct kpi *k = &P->kpi[fi];
    struct purchase_book b;
    struct rng r;
    int rc = DURE_OK;
    int64_t size = size_centi(f->employees);
    int64_t member_value[NMONTHS] = {0};
    int goods = is_manufacturing(f->sector) || is_wholesale(f->ksic);

    memset(&b, 0, sizeof(b));
    rng_init_sub(&r, P->seed, PS_RECEIVED, fi);
    for (int cat = 0; cat < OC_COUNT; cat++) {
        if (cat == OC_BUILDING) {
            if (f->building != GEN__NO_BUILDING) {
                b.suppliers[cat][0] = (uint32_t)(P->out.first[cat] + f->building);
                b.nsuppliers[cat] = 1;
            }
            continue;
        }
        b.nsuppliers[cat] = (unsigned char)rng_range(&r, 1, 3);
        for (int i = 0; i < b.nsuppliers[cat]; i++)
            b.suppliers[cat][i] = pick_outside(P, &r, cat);
    }
    for (size_t i = 0; i < COUNT_OF(overheads); i++) {
        const struct overhead *o = &overheads[i];
        int fits = o->who == ANY || (o->who == IN_CENTRE) == (f->building != GEN__NO_BUILDING);
        b.has[i] = (unsigned char)(fits && b.nsuppliers[o->cat] > 0 &&
                                   rng_chance(&r, goods ? o->goods_ppm : o->other_ppm));
    }
    size_t want = (size_t)(1 + size / 200);
    if (want > COUNT_OF(b.cluster))
        want = COUNT_OF(b.cluster);
    for (size_t i = 0; i < want; i++) {
        uint32_t id = pick_cluster(P, &r, fi, 1, 0);
        if (id != PARTY_PERSON)
            b.cluster[b.ncluster++] = id;
    }
    b.mix = input_mix_of(f);
    for (size_t i = 0; i < COUNT_OF(b.mix.weight); i++)
        b.mix_total += b.mix.weight[i];
    for (size_t i = 0; i < nfrom; i++) {
        int y, mo, d;
        civil_from_days(from_members[i].written, &y, &mo, &d);
        member_value[mo - 1] += from_members[i].supply;
    }
    int64_t per_month = mul_ppm(purchase_rate(f) * size * 10, P->inv_scale_ppm) / NMONTHS;

    for (int m = 0; m < NMONTHS && rc == DURE_OK; m++) {
        int64_t plan = mul_ppm(k->revenue[m], k->purch_ppm);
        int64_t cluster_target = mul_ppm(plan, k->cluster_ppm);
        int64_t overhead = 0;
        for (size_t i = 0; i < COUNT_OF(overheads) && rc == DURE_OK; i++) {
            const struct overhead *o = &overheads[i];
            if (!b.has[i])
                continue;
            int64_t n;
            if (o->per_year == 12) /* a monthly bill; the rent is never left out */
                n = o->cat == OC_BUILDING || o->cat == OC_LANDLORD ||
                            rng_chance(&r,
                                       (uint32_t)(P->inv_scale_ppm < PPM ? P->inv_scale_ppm : PPM))
                        ? 1
                        : 0;
            else
                n = rng_round_milli(
                    &r, mul_ppm((int64_t)o->per_year * (10000 + size * 50), P->inv_scale_ppm) /
                            (2 * NMONTHS) / 10);
            for (int64_t j = 0; j < n && rc == DURE_OK; j++) {
                int64_t amount = (o->base_krw + o->per_employee_krw * k->employees[m]) *
                                 rng_range(&r, 700, 1300) / 1000;
                uint32_t s = b.suppliers[o->cat][pick_zipf(&r, b.nsuppliers[o->cat])];
                overhead += amount;
                rc = purchase(P, &r, fi, s, o->group, m, amount, err);
            }
        }
        if (rc != DURE_OK || plan <= 0)
            continue;
        int64_t outside = plan - cluster_target - overhead;
        if (outside < plan / 20)
            outside = plan / 20;
        int64_t cluster = cluster_target - member_value[m];
        if (cluster < 0)
            cluster = 0;
        if (b.ncluster == 0) {
            outside += cluster;
            cluster = 0;
        }
        int64_t n = rng_round_milli(&r, per_month * rng_range(&r, 850, 1150) / 1000);
        int64_t need = (outside > 0) + (cluster > 0);
        if (n < need)
            n = need;
        int64_t n_cl = cluster > 0 ? n * cluster / (cluster + outside) : 0;
        if (cluster > 0 && n_cl < 1)
            n_cl = 1;
        if (outside > 0 && n - n_cl < 1)
            n_cl = n - 1;
        if ((rc = purchase_bucket(P, &r, fi, &b, m, 0, outside, n - n_cl, err)) != DURE_OK ||
            (rc = purchase_bucket(P, &r, fi, &b, m, 1, cluster, n_cl, err)) != DURE_OK)
            break;
    }
    return rc;
}

/* ---------------------------------------------------------------- writing */

/* A CSV file written through one large buffer, under a temporary name renamed into place. */
#define FOUT_CAP ((size_t)1 << 20)

struct fout {
    FILE *f;
    char *buf; /* FOUT_CAP bytes, borrowed */
    size_t len;
    uint64_t bytes;
    int sep; /* amounts with thousands separators */
    char path[GEN_PATH_SIZE];
    char tmp[GEN_PATH_SIZE];
};

static int fout_open(struct fout *o, const char *dir, const char *name, char *buf,
                     struct dure_err *err)
{
    size_t dl = strlen(dir);
    const char *sep = dl > 0 && dir[dl - 1] == '/' ? "" : "/";
    o->f = NULL;
    o->buf = buf;
    o->len = 0;
    o->bytes = 0;
    o->sep = 0;
    if (snprintf(o->path, sizeof(o->path), "%s%s%s", dir, sep, name) >= (int)sizeof(o->path) ||
        snprintf(o->tmp, sizeof(o->tmp), "%s%s.%s.tmp", dir, sep, name) >= (int)sizeof(o->tmp))
        return dure_err_set(err, DURE_EINVAL, "output path is too long");
    o->f = fopen(o->tmp, "wb");
    if (o->f == NULL)
        return dure_err_set(err, DURE_EIO, "cannot create %s: %s", o->tmp, strerror(errno));
    return DURE_OK;
}

static void fout_flush(struct fout *o)
{
    if (o->len > 0 && o->f != NULL)
        fwrite(o->buf, 1, o->len, o->f);
    o->bytes += o->len;
    o->len = 0;
}

static void put(struct fout *o, const char *s, size_t n)
{
    if (o->len + n > FOUT_CAP)
        fout_flush(o);
    if (n > FOUT_CAP) {
        fwrite(s, 1, n, o->f);
        o->bytes += n;
        return;
    }
    memcpy(o->buf + o->len, s, n);
    o->len += n;
}

static void put_s(struct fout *o, const char *s)
{
    put(o, s, strlen(s));
}

static void put_c(struct fout *o, char ch)
{
    if (o->len + 1 > FOUT_CAP)
        fout_flush(o);
    o->buf[o->len++] = ch;
}

/* A field, quoted (RFC 4180) when it holds a comma, quote or line break; then ',' or LF. */
static void put_field(struct fout *o, const char *s, int last)
{
    if (strpbrk(s, ",\"\r\n") == NULL) {
        put_s(o, s);
    } else {
        put_c(o, '"');
        for (; *s != '\0'; s++) {
            if (*s == '"')
                put_c(o, '"');
            put_c(o, *s);
        }
        put_c(o, '"');
    }
    put_c(o, last ? '\n' : ',');
}

/* Decimal digits of v (>= 0) right-aligned ending at end; returns the first byte. */
static char *digits_of(uint64_t v, char *end)
{
    do {
        *--end = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    return end;
}

static void put_i64(struct fout *o, int64_t v, int last)
{
    char b[32];
    char *p = digits_of(v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v, b + sizeof(b));
    if (v < 0)
        *--p = '-';
    put(o, p, (size_t)(b + sizeof(b) - p));
    put_c(o, last ? '\n' : ',');
}

/* An amount: "1234000", or "1,234,000" (quoted) in a file written with separators. */
static void put_amount(struct fout *o, int64_t v, int last)
{
    if (!o->sep || (v < 1000 && v > -1000)) {
        put_i64(o, v, last);
        return;
    }
    char b[48];
    char *end = b + sizeof(b);
    char *p = end;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    int n = 0;
    *--p = '"';
    do {
        if (n > 0 && n % 3 == 0)
            *--p = ',';
        *--p = (char)('0' + u % 10);
        u /= 10;
        n++;
    } while (u != 0);
    if (v < 0)
        *--p = '-';
    *--p = '"';
    put(o, p, (size_t)(end - p));
    put_c(o, last ? '\n' : ',');
}

static void format_date(int32_t day, char out[11])
{
    int y, m, d;
    civil_from_days(day, &y, &m, &d);
    out[0] = (char)('0' + y / 1000);
    out[1] = (char)('0' + y / 100 % 10);
    out[2] = (char)('0' + y / 10 % 10);
    out[3] = (char)('0' + y % 10);
    out[4] = '-';
    out[5] = (char)('0' + m / 10);
    out[6] = (char)('0' + m % 10);
    out[7] = '-';
    out[8] = (char)('0' + d / 10);
    out[9] = (char)('0' + d % 10);
    out[10] = '\0';
}

static void put_date(struct fout *o, int32_t day, int last)
{
    char s[11];
    format_date(day, s);
    put(o, s, 10);
    put_c(o, last ? '\n' : ',');
}

/* 승인번호 as Hometax shows it: YYYYMMDD-NNNNNNNN-NNNNNNNN, the first block the issue date. */
static void format_approval(int32_t issued, uint32_t mid, uint32_t last, char out[27])
{
    char d[11];
    format_date(issued, d);
    memcpy(out, d, 4);
    memcpy(out + 4, d + 5, 2);
    memcpy(out + 6, d + 8, 2);
    out[8] = '-';
    for (int i = 0; i < 8; i++) {
        out[16 - i] = (char)('0' + mid % 10);
        mid /= 10;
        out[25 - i] = (char)('0' + last % 10);
        last /= 10;
    }
    out[17] = '-';
    out[26] = '\0';
}

/* A private buyer (B2C): an obviously synthetic resident number of valid shape (region block
 * 0000, which is never issued), masked as Hometax shows it most of the time. */
struct person {
    char id[16];
    char name[24];
    char addr[64];
    char email[48];
};

static void make_person(uint64_t seed, uint32_t which, struct person *p)
{
    struct rng r;
    rng_init_sub(&r, seed, PS_PERSON, which);
    int year = (int)rng_range(&r, 1955, 2003);
    int month = (int)rng_range(&r, 1, 12);
    int mdays =
        (int)(days_from_civil(month == 12 ? year + 1 : year, month == 12 ? 1 : month + 1, 1) -
              days_from_civil(year, month, 1));
    int day = (int)rng_range(&r, 1, mdays);
    int sex = (int)rng_range(&r, 1, 2) + (year >= 2000 ? 2 : 0);
    char d[14];
    snprintf(d, sizeof(d), "%02d%02d%02d%d0000%d", year % 100, month, day, sex,
             (int)rng_range(&r, 1, 9));
    static const int weights[12] = {2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5};
    int sum = 0;
    for (int i = 0; i < 12; i++)
        sum += (d[i] - '0') * weights[i];
    d[12] = (char)('0' + (11 - sum % 11) % 10);
    d[13] = '\0';
    if (rng_chance(&r, 800000))
        snprintf(p->id, sizeof(p->id), "%.6s-%c******", d, d[6]);
    else
        snprintf(p->id, sizeof(p->id), "%s", d);
    person_name(&r, p->name, sizeof(p->name));
    if (rng_chance(&r, 500000))
        snprintf(p->addr, sizeof(p->addr), "%s", PICK(&r, districts));
    else
        p->addr[0] = '\0';
    p->email[0] = '\0';
    if (rng_chance(&r, 200000)) {
        char rom[24];
        romanize(p->name, rom, sizeof(rom));
        snprintf(p->email, sizeof(p->email), "%s%02d@example.com", rom, year % 100);
    }
}

/* 품목명 and 품목규격 of an invoice's representative item. */
static void item_text(const struct pool *P, const struct inv *x, char *name, size_t nn, char *spec,
                      size_t ns)
{
    const struct group_spec *g = &groups[x->group];
    const struct party *s = &P->parties[x->supplier];
    const char *base;
    spec[0] = '\0';
    if (g->v != NULL) {
        const struct variant *v = &g->v[x->variant % g->nv];
        base = v->name;
        snprintf(spec, ns, "%s", v->spec);
    } else {
        base = x->supplier < P->c->nfirms ? P->c->firms[x->supplier].product : "상품";
        unsigned model = 1000u + (s->habit * 131u + x->variant * 17u) % 9000u;
        static const char *const sizes[] = {"FREE", "S", "M", "L", "XL", "55", "66", "77"};
        static const char *const prints[] = {"A4 양면 4도", "90x50", "A3", "B5 무선제본"};
        switch (x->group) {
        case G_P_ELEC:
        case G_P_MACH:
        case G_P_GOODS:
            snprintf(spec, ns, "%s-%u", s->model, model);
            break;
        case G_P_OMFG:
            if (x->variant != 0)
                snprintf(spec, ns, "도면 %s%u", s->model, model);
            break;
        case G_P_TEXT:
            snprintf(spec, ns, "%s", sizes[(s->habit + x->variant) % COUNT_OF(sizes)]);
            break;
        case G_P_PRINT:
            snprintf(spec, ns, "%s", prints[(s->habit + x->variant) % COUNT_OF(prints)]);
            break;
        default:
            break;
        }
    }
    if (x->more > 0)
        snprintf(name, nn, "%s 외 %d건", base, x->more);
    else
        snprintf(name, nn, "%s", base);
}

static void put_row(const struct pool *P, struct fout *o, const struct inv *x, int exempt)
{
    const struct party *s = &P->parties[x->supplier];
    char approval[27];
    char remark[64];
    char name[160];
    char spec[64];
    struct person person;

    put_date(o, x->written, 0);
    format_approval(x->issued, x->mid, x->last, approval);
    put_field(o, approval, 0);
    put_date(o, x->issued, 0);
    put_date(o, x->issued + x->sent_off, 0);
    put_field(o, s->brn, 0);
    put_field(o, s->branch, 0);
    put_field(o, s->name, 0);
    put_field(o, s->rep, 0);
    put_field(o, s->addr, 0);
    const char *email1, *email2;
    if (x->buyer == PARTY_PERSON) {
        make_person(P->seed, x->seed, &person);
        put_field(o, person.id, 0);
        put_field(o, "", 0);
        put_field(o, "", 0); /* 상호: none for a private person */
        put_field(o, person.name, 0);
        put_field(o, person.addr, 0);
        email1 = person.email;
        email2 = "";
    } else {
        const struct party *b = &P->parties[x->buyer];
        put_field(o, b->brn, 0);
        put_field(o, b->branch, 0);
        put_field(o, b->name, 0);
        put_field(o, b->rep, 0);
        put_field(o, b->addr, 0);
        email1 = b->email;
        email2 = b->email2;
    }
    put_amount(o, x->supply + x->tax, 0);
    put_amount(o, x->supply, 0);
    if (!exempt)
        put_amount(o, x->tax, 0);
    put_field(o, x->flags & F_AMENDED ? "수정" : "일반", 0);
    put_field(o, x->flags & F_ZERO ? "영세율" : "일반", 0);
    put_field(o, "정기발급", 0);
    remark[0] = '\0';
    if (x->flags & F_NEGATIVE) {
        char ref[27];
        format_approval(x->ref_issued, x->ref_mid, x->ref_last, ref);
        snprintf(remark, sizeof(remark), "당초승인번호 %s", ref);
    } else if (x->flags & F_CORRECTED) {
        snprintf(remark, sizeof(remark), "착오 정정");
    } else if (x->flags & F_MONTHLY) {
        int y, m, d;
        civil_from_days(x->written, &y, &m, &d);
        snprintf(remark, sizeof(remark), "%d월분", m);
    }
    put_field(o, remark, 0);
    put_field(o, x->flags & F_RECEIPT ? "영수" : "청구", 0);
    put_field(o, s->email, 0);
    put_field(o, email1, 0);
    put_field(o, email2, 0);
    put_date(o, x->written, 0);
    item_text(P, x, name, sizeof(name), spec, sizeof(spec));
    put_field(o, name, 0);
    put_field(o, spec, 0);
    put_amount(o, x->qty, 0);
    put_amount(o, x->price, 0);
    put_amount(o, x->isupply, 0);
    if (exempt)
        put_field(o, "", 0);
    else
        put_amount(o, x->itax, 0);
    put_field(o, "", 1);
}

/* Close o: flush, and rename into place, or remove when anything failed. */
static int fout_close(struct fout *o, int rc, struct dure_err *err)
{
    if (o->f == NULL)
        return rc;
    fout_flush(o);
    int bad = ferror(o->f);
    if (fclose(o->f) != 0)
        bad = 1;
    o->f = NULL;
    if (rc == DURE_OK && bad)
        rc = dure_err_set(err, DURE_EIO, "cannot write %s", o->tmp);
    if (rc == DURE_OK && rename(o->tmp, o->path) != 0)
        rc = dure_err_set(err, DURE_EIO, "cannot rename %s to %s: %s", o->tmp, o->path,
                          strerror(errno));
    if (rc != DURE_OK)
        remove(o->tmp);
    return rc;
}

enum list_kind { LIST_ISSUED, LIST_RECEIVED, LIST_EXEMPT };

static const char *const list_suffix[] = {GEN_ISSUED_SUFFIX, GEN_RECEIVED_SUFFIX,
                                          GEN_EXEMPT_SUFFIX};

struct run {
    char *buf;
    char dir[GEN_PATH_SIZE];
    uint64_t *written; /* brn value * 4 + kind of each file written */
    size_t nwritten, cap_written;
};

/* Write one firm's list: the title rows, the header and v's invoices in order. */
static int write_list(struct pool *P, struct run *R, size_t fi, enum list_kind kind,
                      struct invvec *v, struct gen_summary *sum, struct dure_err *err)
{
    const struct gen__firm *f = &P->c->firms[fi];
    const struct party *self = &P->parties[fi];
    struct fout o;
    struct rng r;
    char name[64];
    int exempt = kind == LIST_EXEMPT;
    int rc;

    snprintf(name, sizeof(name), "%s%s", f->brn, list_suffix[kind]);
    if ((rc = fout_open(&o, R->dir, name, R->buf, err)) != DURE_OK)
        return rc;
    /* About a third of the files show amounts as Excel formats them, "1,234,000". */
    rng_init_sub(&r, P->seed, PS_FILE, (uint64_t)fi * 4 + (uint64_t)kind);
    o.sep = rng_chance(&r, 333333);
    if (v->n > 1)
        qsort(v->a, v->n, sizeof(v->a[0]), cmp_inv);
    put_s(&o, exempt ? GEN_EXEMPT_TITLE : GEN_INVOICE_TITLE);
    put_s(&o, kind == LIST_RECEIVED ? " (매입)\n" : " (매출)\n");
    put_s(&o, GEN_INVOICE_PERIOD "\n사업자등록번호,");
    put_s(&o, self->brn);
    put_s(&o, "\n\n");
    put_s(&o, exempt ? GEN_EXEMPT_HEADER : GEN_INVOICE_HEADER);
    put_c(&o, '\n');
    for (size_t i = 0; i < v->n; i++) {
        const struct inv *x = &v->a[i];
        put_row(P, &o, x, exempt);
        if (kind == LIST_RECEIVED) {
            sum->received_krw += x->supply;
            if (x->supplier < P->c->nfirms)
                sum->received_cluster_krw += x->supply;
        }
    }
    rc = fout_close(&o, DURE_OK, err);
    if (rc != DURE_OK)
        return rc;
    sum->invoice_files++;
    sum->invoice_files_exempt += exempt;
    sum->invoice_rows += v->n;
    if (kind != LIST_RECEIVED)
        sum->invoice_rows_issued += v->n;
    sum->invoice_bytes += o.bytes;
    if (R->nwritten == R->cap_written) {
        size_t cap = R->cap_written == 0 ? 1024 : R->cap_written * 2;
        uint64_t *w = realloc(R->written, cap * sizeof(w[0]));
        if (w == NULL)
            return dure_err_set(err, DURE_ENOMEM, "out of memory");
        R->written = w;
        R->cap_written = cap;
    }
    R->written[R->nwritten++] = brn_value(f->brn) * 4 + (uint64_t)kind;
    return DURE_OK;
}

static int cmp_u64v(const void *pa, const void *pb)
{
    uint64_t a = *(const uint64_t *)pa;
    uint64_t b = *(const uint64_t *)pb;
    return a < b ? -1 : a > b;
}

/* Remove the lists of an earlier run (other seed, scale or member sample) that this run did
 * not write: only files named like ours, only in the invoices directory. */
static int remove_stale(struct run *R, struct dure_err *err)
{
    DIR *d = opendir(R->dir);
    struct dirent *e;
    if (d == NULL)
        return dure_err_set(err, DURE_EIO, "cannot read %s: %s", R->dir, strerror(errno));
    if (R->nwritten > 1)
        qsort(R->written, R->nwritten, sizeof(R->written[0]), cmp_u64v);
    while ((e = readdir(d)) != NULL) {
        const char *n = e->d_name;
        size_t i = 0;
        while (i < BRN_LEN && n[i] >= '0' && n[i] <= '9')
            i++;
        if (i != BRN_LEN)
            continue;
        for (int kind = 0; kind < 3; kind++) {
            if (strcmp(n + BRN_LEN, list_suffix[kind]) != 0)
                continue;
            uint64_t key = brn_value(n) * 4 + (uint64_t)kind;
            if (R->nwritten == 0 ||
                bsearch(&key, R->written, R->nwritten, sizeof(key), cmp_u64v) == NULL) {
                char path[GEN_PATH_SIZE];
                if (snprintf(path, sizeof(path), "%s/%s", R->dir, n) < (int)sizeof(path))
                    remove(path);
            }
        }
    }
    closedir(d);
    return DURE_OK;
}

/* First index of v (sorted by buyer) whose buyer is at least buyer. */
static size_t lower_bound_buyer(const struct invvec *v, uint32_t buyer)
{
    size_t lo = 0, hi = v->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v->a[mid].buyer < buyer)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static int make_invoices(struct pool *P, const struct gen_options *opt, struct gen_summary *sum,
                         struct dure_err *err)
{
    const struct gen__cluster *c = P->c;
    struct run R;
    int rc = DURE_OK;
    size_t dl = strlen(opt->out_dir);

    memset(&R, 0, sizeof(R));
    if (snprintf(R.dir, sizeof(R.dir), "%s%s" GEN_INVOICES_DIR, opt->out_dir,
                 dl > 0 && opt->out_dir[dl - 1] == '/' ? "" : "/") >= (int)sizeof(R.dir) - 40)
        return dure_err_set(err, DURE_EINVAL, "output directory path is too long");
    snprintf(sum->invoices_dir, sizeof(sum->invoices_dir), "%s", R.dir);
    if (mkdir(R.dir, 0777) != 0 && errno != EEXIST)
        return dure_err_set(err, DURE_EIO, "cannot create directory %s: %s", R.dir,
                            strerror(errno));
    R.buf = malloc(FOUT_CAP);
    if (R.buf == NULL)
        return dure_err_set(err, DURE_ENOMEM, "out of memory");

    /* The members' sales, which also produce every invoice between two members. */
    P->issuing = 1;
    for (size_t i = 0; i < c->nmembers && rc == DURE_OK; i++) {
        size_t fi = c->members[i];
        P->list.n = 0;
        P->exempt.n = 0;
        if ((rc = make_sales(P, fi, err)) != DURE_OK ||
            (rc = write_list(P, &R, fi, LIST_ISSUED, &P->list, sum, err)) != DURE_OK)
            break;
        if (P->exempt.n > 0)
            rc = write_list(P, &R, fi, LIST_EXEMPT, &P->exempt, sum, err);
    }
    P->issuing = 0;
    if (rc == DURE_OK && P->m2m.n > 1)
        qsort(P->m2m.a, P->m2m.n, sizeof(P->m2m.a[0]), cmp_inv_buyer);

    /* Their purchases: the other members' invoices to them, and the rest. */
    for (size_t i = 0; i < c->nmembers && rc == DURE_OK; i++) {
        size_t fi = c->members[i];
        size_t lo = lower_bound_buyer(&P->m2m, (uint32_t)fi);
        size_t hi = lower_bound_buyer(&P->m2m, (uint32_t)fi + 1);
        P->list.n = 0;
        if ((rc = make_purchases(P, fi, hi > lo ? P->m2m.a + lo : NULL, hi - lo, err)) != DURE_OK)
            break;
        for (size_t j = lo; j < hi && rc == DURE_OK; j++)
            rc = invvec_push(&P->list, &P->m2m.a[j], err);
        if (rc == DURE_OK)
            rc = write_list(P, &R, fi, LIST_RECEIVED, &P->list, sum, err);
    }
    if (rc == DURE_OK)
        rc = remove_stale(&R, err);
    sum->invoices_between_members = P->m2m.n;
    sum->invoices = sum->invoice_rows - P->m2m.n;
    free(R.written);
    free(R.buf);
    return rc;
}

/* kpis.csv: the members' rows (every firm's with all), in register order, month by month. */
static int write_kpis(const struct gen__cluster *c, const struct kpi *k, const char *dir, int all,
                      struct gen_summary *sum, struct dure_err *err)
{
    struct fout o;
    char *buf = malloc(FOUT_CAP);
    size_t n = all ? c->nfirms : c->nmembers;
    int rc;
    if (buf == NULL)
        return dure_err_set(err, DURE_ENOMEM, "out of memory");
    if ((rc = fout_open(&o, dir, GEN_KPIS_FILE, buf, err)) != DURE_OK) {
        free(buf);
        return rc;
    }
    snprintf(sum->kpis_path, sizeof(sum->kpis_path), "%s", o.path);
    put_s(&o, GEN_KPIS_HEADER "\n");
    for (size_t i = 0; i < n; i++) {
        size_t fi = all ? i : c->members[i];
        char brn[BRN_FORMATTED_SIZE];
        brn_format(c->firms[fi].brn, brn);
        for (int m = 0; m < NMONTHS; m++) {
            char month[8] = {
                '2', '0', '2', '5', '-', (char)('0' + (m + 1) / 10), (char)('0' + (m + 1) % 10),
                '\0'};
            put_field(&o, brn, 0);
            put_field(&o, month, 0);
            put_i64(&o, k[fi].revenue[m], 0);
            put_i64(&o, k[fi].production[m], 0);
            put_i64(&o, k[fi].exports[m], 0);
            put_i64(&o, k[fi].employees[m], 1);
        }
    }
    rc = fout_close(&o, DURE_OK, err);
    free(buf);
    if (rc == DURE_OK)
        sum->kpi_rows = n * NMONTHS;
    return rc;
}

/* ---------------------------------------------------------------- entry point */

int gen__pool_write(const struct gen__cluster *c, const struct gen_options *opt,
                    struct gen_summary *sum, struct dure_err *err)
{
    int rc = DURE_OK;
    struct pool P;
    struct kpi *kpi = calloc(c->nfirms > 0 ? c->nfirms : 1, sizeof(kpi[0]));

    memset(&P, 0, sizeof(P));
    if (kpi == NULL)
        return dure_err_set(err, DURE_ENOMEM, "out of memory");
    _Static_assert(GEN_POOL_YEAR == 2025, "GEN_INVOICE_PERIOD and the KPI months say 2025");
    if ((rc = make_kpis(c, opt->seed, kpi, err)) != DURE_OK)
        goto out;
    for (size_t i = 0; i < c->nfirms; i++) {
        for (int m = 0; m < NMONTHS; m++) {
            sum->kpi_revenue_krw_month += kpi[i].revenue[m];
            sum->kpi_production_krw_month += kpi[i].production[m];
            sum->kpi_exports_krw_month += kpi[i].exports[m];
            sum->kpi_employees_month += kpi[i].employees[m];
        }
    }
    sum->kpi_revenue_krw_month /= NMONTHS;
    sum->kpi_production_krw_month /= NMONTHS;
    sum->kpi_exports_krw_month /= NMONTHS;
    sum->kpi_employees_month = (sum->kpi_employees_month + NMONTHS / 2) / NMONTHS;
    if (opt->kpis && (rc = write_kpis(c, kpi, opt->out_dir, opt->kpis_all, sum, err)) != DURE_OK)
        goto out;
    if (!opt->invoices)
        goto out;

    size_t nparties = c->nfirms;
    for (int k = 0; k < OC_COUNT; k++)
        nparties += outside_count(k, c->nfirms, c->nbuildings);
    P.c = c;
    P.seed = opt->seed;
    /* exact IEEE arithmetic: the same on every platform */
    P.inv_scale_ppm = (int64_t)(opt->invoices_scale * 1e6 + 0.5);
    P.kpi = kpi;
    P.day0 = days_from_civil(GEN_POOL_YEAR, 1, 1);
    P.ndays = (size_t)(days_from_civil(GEN_POOL_YEAR + 1, 1, 10) - P.day0 + 1);
    P.parties = calloc(nparties, sizeof(P.parties[0]));
    P.member_of = calloc(c->nfirms > 0 ? c->nfirms : 1, sizeof(P.member_of[0]));
    P.cum_employees = calloc(c->nfirms > 0 ? c->nfirms : 1, sizeof(P.cum_employees[0]));
    P.day_count = calloc(P.ndays, sizeof(P.day_count[0]));
    if (P.parties == NULL || P.member_of == NULL || P.cum_employees == NULL ||
        P.day_count == NULL) {
        rc = dure_err_set(err, DURE_ENOMEM, "out of memory");
        goto out;
    }
    make_cluster_parties(c, opt->seed, P.parties);
    if ((rc = make_outside(c, opt->seed, P.parties, &P.out, err)) != DURE_OK)
        goto out;
    uint64_t run = 0;
    for (size_t i = 0; i < c->nfirms; i++) {
        P.member_of[i] = -1;
        run += (uint64_t)(c->firms[i].employees > 0 ? c->firms[i].employees : 1);
        P.cum_employees[i] = run;
    }
    for (size_t i = 0; i < c->nmembers; i++)
        P.member_of[c->members[i]] = (int32_t)i;
    rc = make_invoices(&P, opt, sum, err);
out:
    invvec_free(&P.exempt);
    invvec_free(&P.list);
    invvec_free(&P.m2m);
    free(P.out.addrs);
    free(P.out.names);
    free(P.day_count);
    free(P.cum_employees);
    free(P.member_of);
    free(P.parties);
    free(kpi);
    return rc;
}
