/* SPDX-License-Identifier: Apache-2.0 */
/* The synthetic G-Valley: centres, firms and members drawn from one seeded xoshiro256**
 * stream per kind with integer arithmetic only, so the bytes do not depend on the platform's
 * libm, and written in the public register layouts the importer reads. */
#include "gen/gen.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "core/brn.h"
#include "core/ksic.h"
#include "core/registry.h"
#include "gen/gen_internal.h"
#include "util/str.h"

/* ---------------------------------------------------------------- random numbers */

/* Independent streams per kind of record, so that e.g. the member draw does not shift when
 * the firm draw changes. The generator (struct rng, rng_*) lives in gen_internal.h. */
enum stream { STREAM_BUILDINGS = 1, STREAM_FIRMS, STREAM_EMPLOYEES, STREAM_MEMBERS };

/* ---------------------------------------------------------------- hash sets */

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (; *s != '\0'; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001b3ULL;
    }
    return h;
}

/* Open addressing over borrowed strings; sized once, at most half full. */
struct strset {
    const char **slots;
    size_t mask;
};

static int strset_init(struct strset *s, size_t expected)
{
    size_t cap = 64;
    while (cap < expected * 2 + 16)
        cap *= 2;
    s->slots = calloc(cap, sizeof(s->slots[0]));
    s->mask = cap - 1;
    return s->slots == NULL ? -1 : 0;
}

static void strset_cleanup(struct strset *s)
{
    free(s->slots);
    s->slots = NULL;
}

static int strset_has(const struct strset *s, const char *key)
{
    for (size_t i = fnv1a(key) & s->mask;; i = (i + 1) & s->mask) {
        if (s->slots[i] == NULL)
            return 0;
        if (strcmp(s->slots[i], key) == 0)
            return 1;
    }
}

/* Add key (borrowed: it must stay put); the caller checked it is absent and within size. */
static void strset_add(struct strset *s, const char *key)
{
    size_t i = fnv1a(key) & s->mask;
    while (s->slots[i] != NULL)
        i = (i + 1) & s->mask;
    s->slots[i] = key;
}

struct u64set {
    uint64_t *slots; /* 0 = empty; a BRN is never 0 */
    size_t mask;
};

static int u64set_init(struct u64set *s, size_t expected)
{
    size_t cap = 64;
    while (cap < expected * 2 + 16)
        cap *= 2;
    s->slots = calloc(cap, sizeof(s->slots[0]));
    s->mask = cap - 1;
    return s->slots == NULL ? -1 : 0;
}

static void u64set_cleanup(struct u64set *s)
{
    free(s->slots);
    s->slots = NULL;
}

/* Insert v; 1 when added, 0 when already present. */
static int u64set_insert(struct u64set *s, uint64_t v)
{
    uint64_t h = v * 0x9e3779b97f4a7c15ULL;
    for (size_t i = (size_t)(h >> 20) & s->mask;; i = (i + 1) & s->mask) {
        if (s->slots[i] == 0) {
            s->slots[i] = v;
            return 1;
        }
        if (s->slots[i] == v)
            return 0;
    }
}

/* ---------------------------------------------------------------- the cluster's vocabulary */

enum sector { SEC_IT, SEC_SVC, SEC_ELEC, SEC_OMFG, SEC_MACH, SEC_TEXT, SEC_PRINT, SEC_COUNT };
_Static_assert((int)SEC_IT == (int)GEN__SEC_IT && (int)SEC_SVC == (int)GEN__SEC_SVC &&
                   (int)SEC_ELEC == (int)GEN__SEC_ELEC && (int)SEC_OMFG == (int)GEN__SEC_OMFG &&
                   (int)SEC_MACH == (int)GEN__SEC_MACH && (int)SEC_TEXT == (int)GEN__SEC_TEXT &&
                   (int)SEC_PRINT == (int)GEN__SEC_PRINT && (int)SEC_COUNT == (int)GEN__SEC_COUNT,
               "gen_internal.h's sectors follow enum sector");

/* Shares of firms by sector in parts per million: 정보통신 (J 58-63), non-manufacturing
 * services (M, N, G46/47), 전기전자 (C 26-28), other manufacturing (C 22, 25, 32, 33),
 * machinery (C 29), textiles and apparel (C 13-14), printing (C 18). */
static const uint32_t sector_ppm[SEC_COUNT] = {350000, 280000, 150000, 130000, 40000, 30000, 20000};

/* Outside the centres stand mostly the older factories: manufacturing there is this many
 * times as likely as services (see pick_outside). */
static const uint32_t outside_weight[SEC_COUNT] = {1, 1, 3, 4, 4, 3, 3};

struct code_choice {
    unsigned char sector;
    unsigned char weight;
    const char *code;     /* KSIC 10 sub-class, checked against the table at start */
    const char *products; /* '|'-separated 생산품 */
};

static const struct code_choice codes[] = {
    {SEC_IT, 10, "58221",
     "보안 솔루션|시스템 관리 소프트웨어|데이터베이스 관리 소프트웨어|백업 소프트웨어"},
    {SEC_IT, 24, "58222",
     "ERP 솔루션|그룹웨어|모바일 앱|MES 소프트웨어|교육용 소프트웨어|의료정보 소프트웨어|회계 "
     "소프트웨어|영상 분석 소프트웨어"},
    {SEC_IT, 2, "58211", "온라인 게임"},
    {SEC_IT, 5, "58212", "모바일 게임|캐주얼 게임"},
    {SEC_IT, 1, "58219", "기능성 게임|VR 콘텐츠"},
    {SEC_IT, 20, "62010",
     "웹 개발 용역|앱 개발 용역|소프트웨어 개발 용역|임베디드 소프트웨어 개발"},
    {SEC_IT, 12, "62021", "시스템 통합 구축|네트워크 구축|스마트팩토리 구축|정보시스템 컨설팅"},
    {SEC_IT, 3, "62022", "전산시설 관리|데이터센터 운영"},
    {SEC_IT, 6, "62090", "IT 유지보수|IT 아웃소싱|소프트웨어 유지보수"},
    {SEC_IT, 4, "63111", "데이터 처리|데이터 라벨링|빅데이터 분석"},
    {SEC_IT, 3, "63112", "클라우드 호스팅|서버 호스팅|웹 호스팅"},
    {SEC_IT, 3, "63120", "온라인 플랫폼|쇼핑 플랫폼 운영|O2O 플랫폼"},
    {SEC_IT, 2, "63991", "온라인 정보 제공|데이터베이스 서비스"},
    {SEC_IT, 1, "63999", "정보 서비스"},
    {SEC_IT, 2, "59113", "광고 영상 제작"},
    {SEC_IT, 1, "59114", "방송 프로그램 제작"},
    {SEC_IT, 1, "59112", "애니메이션 제작"},
    {SEC_IT, 1, "59120", "영상 후반작업|컴퓨터 그래픽"},
    {SEC_IT, 1, "58113", "도서 출판"},
    {SEC_IT, 1, "58122", "전문 잡지"},

    {SEC_SVC, 14, "46510", "컴퓨터 및 주변기기 유통|소프트웨어 유통"},
    {SEC_SVC, 5, "46522", "통신 장비 유통"},
    {SEC_SVC, 3, "46521", "전자 부품 유통"},
    {SEC_SVC, 4, "46595", "전기 자재 유통"},
    {SEC_SVC, 4, "46539", "산업용 기계 유통"},
    {SEC_SVC, 3, "46593", "계측기 유통"},
    {SEC_SVC, 3, "46592", "의료기기 유통"},
    {SEC_SVC, 3, "46443", "화장품 유통|화장품 수출"},
    {SEC_SVC, 3, "46800", "종합 무역"},
    {SEC_SVC, 3, "46799", "무역|수출입"},
    {SEC_SVC, 2, "46107", "무역 중개"},
    {SEC_SVC, 4, "47912", "온라인 쇼핑몰"},
    {SEC_SVC, 5, "70121", "전기전자 연구개발"},
    {SEC_SVC, 4, "70129", "공학 연구개발"},
    {SEC_SVC, 5, "71531", "경영 컨설팅"},
    {SEC_SVC, 4, "71310", "광고 대행|디지털 마케팅"},
    {SEC_SVC, 1, "71202", "세무 대리"},
    {SEC_SVC, 3, "72129", "엔지니어링 서비스"},
    {SEC_SVC, 2, "72919", "시험 분석|인증 시험"},
    {SEC_SVC, 3, "73202", "제품 디자인"},
    {SEC_SVC, 3, "73203", "시각 디자인|웹 디자인"},
    {SEC_SVC, 1, "73209", "패션 디자인"},
    {SEC_SVC, 1, "73902", "번역 서비스"},
    {SEC_SVC, 2, "75320", "보안 시스템 서비스"},
    {SEC_SVC, 3, "75992", "전시 행사 대행"},
    {SEC_SVC, 2, "75991", "콜센터 운영"},
    {SEC_SVC, 2, "75122", "인력 파견"},
    {SEC_SVC, 2, "74100", "시설 관리"},
    {SEC_SVC, 2, "75999", "사업 지원 서비스"},

    {SEC_ELEC, 6, "26222", "경성 PCB|다층 PCB"},
    {SEC_ELEC, 3, "26223", "연성 PCB"},
    {SEC_ELEC, 6, "26224", "SMT 실장기판|PCB 어셈블리"},
    {SEC_ELEC, 6, "26295", "센서 모듈|이미지 센서 모듈|가스 센서"},
    {SEC_ELEC, 8, "26299", "전자 부품|커넥터|전자 모듈"},
    {SEC_ELEC, 3, "26129", "전력 반도체|반도체 소자"},
    {SEC_ELEC, 3, "26112", "시스템 반도체|통신용 칩"},
    {SEC_ELEC, 3, "26219", "디스플레이 모듈|LED 전광판"},
    {SEC_ELEC, 4, "26329", "컴퓨터 주변기기|산업용 키보드|POS 단말기"},
    {SEC_ELEC, 4, "26410", "네트워크 장비|광통신 장비"},
    {SEC_ELEC, 5, "26429", "무선 통신 모듈|RF 모듈|IoT 단말기"},
    {SEC_ELEC, 5, "26519", "CCTV 카메라|차량용 블랙박스|영상 감시 장비"},
    {SEC_ELEC, 2, "26529", "스피커|음향 장비"},
    {SEC_ELEC, 5, "27212", "계측기|전자기 측정기|시험 장비"},
    {SEC_ELEC, 4, "27215", "자동 제어 장치|측정 제어 장치"},
    {SEC_ELEC, 2, "27216", "공정 제어 장비"},
    {SEC_ELEC, 3, "27219", "정밀 측정기|분석 장비"},
    {SEC_ELEC, 4, "27199", "의료기기|재활 의료기기|수술 기구"},
    {SEC_ELEC, 3, "27112", "진단 기기|의료용 레이저 기기|초음파 진단기"},
    {SEC_ELEC, 2, "27301", "광학 렌즈|광학 부품"},
    {SEC_ELEC, 4, "28123", "자동제어반|배전반|분전반"},
    {SEC_ELEC, 2, "28114", "ESS 배터리 시스템"},
    {SEC_ELEC, 4, "28422", "LED 조명|스마트 조명"},
    {SEC_ELEC, 4, "28119", "SMPS 전원장치|인버터|배터리 충전기"},
    {SEC_ELEC, 2, "28202", "배터리 팩"},
    {SEC_ELEC, 2, "28909", "전기 장비"},
    {SEC_ELEC, 2, "28901", "화재 경보기|신호 장치"},

    {SEC_OMFG, 8, "22299", "플라스틱 사출품|플라스틱 부품"},
    {SEC_OMFG, 4, "22249", "전자기기용 플라스틱 케이스"},
    {SEC_OMFG, 2, "22232", "플라스틱 포장용기"},
    {SEC_OMFG, 2, "22192", "실리콘 고무 부품"},
    {SEC_OMFG, 8, "25924", "정밀 절삭 가공품|CNC 가공 부품"},
    {SEC_OMFG, 4, "25929", "금속 가공품|레이저 가공품"},
    {SEC_OMFG, 4, "25999", "금속 제품|금속 브래킷"},
    {SEC_OMFG, 2, "25942", "정밀 나사"},
    {SEC_OMFG, 3, "25994", "금속 명판|금속 표시판"},
    {SEC_OMFG, 2, "25112", "판금 가공품"},
    {SEC_OMFG, 4, "32091", "사무용 금속 가구|철제 캐비닛"},
    {SEC_OMFG, 3, "32029", "사무용 가구|목재 가구"},
    {SEC_OMFG, 8, "33910", "간판|광고물|LED 사인"},
    {SEC_OMFG, 2, "33401", "교육용 완구|장난감"},
    {SEC_OMFG, 2, "33920", "사무용품|문구"},
    {SEC_OMFG, 2, "33932", "전시용 모형|건축 모형"},
    {SEC_OMFG, 2, "33110", "귀금속 장신구"},
    {SEC_OMFG, 4, "33999", "생활용품|판촉물"},

    {SEC_MACH, 6, "29271", "반도체 제조 장비|웨이퍼 검사 장비"},
    {SEC_MACH, 4, "29272", "디스플레이 제조 장비|디스플레이 검사 장비"},
    {SEC_MACH, 3, "29280", "산업용 로봇|협동 로봇"},
    {SEC_MACH, 5, "29294", "사출 금형|프레스 금형"},
    {SEC_MACH, 4, "29199", "자동화 설비|산업용 기계"},
    {SEC_MACH, 4, "29299", "특수 목적용 기계|검사 자동화 장비"},
    {SEC_MACH, 2, "29180", "사무용 기계"},
    {SEC_MACH, 2, "29192", "포장 기계|충전 포장기"},
    {SEC_MACH, 2, "29174", "공기 정화 필터|집진 필터"},
    {SEC_MACH, 2, "29172", "공기 조화 장치"},

    {SEC_TEXT, 6, "14112", "여성복|원피스"},
    {SEC_TEXT, 3, "14111", "남성복|정장"},
    {SEC_TEXT, 4, "14199", "봉제 의류"},
    {SEC_TEXT, 3, "14300", "니트 의류"},
    {SEC_TEXT, 2, "14191", "셔츠|블라우스"},
    {SEC_TEXT, 2, "14192", "작업복|근무복"},
    {SEC_TEXT, 2, "14499", "의류 액세서리|스카프"},
    {SEC_TEXT, 2, "13229", "섬유 제품|에코백"},
    {SEC_TEXT, 1, "13222", "자수 제품"},

    {SEC_PRINT, 5, "18113", "오프셋 인쇄물|카탈로그"},
    {SEC_PRINT, 3, "18111", "경인쇄물|명함|전단"},
    {SEC_PRINT, 4, "18119", "디지털 인쇄물|실사 출력"},
    {SEC_PRINT, 2, "18112", "스크린 인쇄물"},
    {SEC_PRINT, 2, "18122", "제책"},
    {SEC_PRINT, 2, "18129", "인쇄 후가공"},
};

/* Firm names: a stem and a sector word, e.g. 한빛 + 테크, 대진 + 정밀, 에스앤씨 + 시스템. Stems are
 * native words, two Sino-Korean syllables, Latin letters spelt in Hangul, or loan words. */
static const char *const ko_stems[] = {
    "한빛",   "누리", "다온", "가람", "나래",   "새롬", "아름",   "하늘", "푸른",     "한결",
    "온누리", "세움", "이룸", "다인", "예담",   "한울", "한길",   "두리", "보람",     "참빛",
    "큰길",   "해솔", "가온", "라온", "마루",   "바른", "서린",   "도담", "하람",     "빛나",
    "늘품",   "아라", "소담", "다솜", "한누리", "새빛", "미리내", "여울", "그린나래", "솔빛",
    "해밀",   "시온", "단비", "나눔", "든솔",   "별빛", "한아름", "다올", "우리",     "새봄",
};

static const char *const hanja_first[] = {
    "대", "삼", "동", "한", "세", "신", "성", "우", "태", "영", "일", "진", "정", "광",
    "금", "미", "서", "남", "중", "천", "화", "협", "명", "부", "원", "유", "은", "장",
    "제", "평", "용", "아", "새", "해", "청", "풍", "극", "선", "혜", "경",
};

static const char *const hanja_second[] = {
    "성", "진", "원", "영", "광", "일", "우", "한", "신", "양", "창", "림", "산", "명",
    "정", "보", "인", "흥", "도", "현", "석", "웅", "덕", "경", "주", "안", "전", "국",
};

/* Pairs that would read as a well-known group's name. */
static const char *const hanja_avoid[] = {"삼성", "한화", "대림", "금호", "한진", "대우", "영풍",
                                          "동원", "태광", "일진", "세아", "신한", "한국"};

static const char *const letters[] = {
    "에이", "비", "씨", "디", "이", "지",   "에이치", "아이", "제이", "케이",
    "엘",   "엠", "엔", "피", "알", "에스", "티",     "와이", "유",
};

static const char *const en_stems[] = {
    "넥스트", "스마트", "코어", "비전",   "웨이브", "링크",   "브릿지", "포커스", "이노",   "유니",
    "퓨처",   "네오",   "하이", "에이스", "베스트", "프라임", "엑셀",   "인피니", "제니스", "오션",
    "블루",   "그린",   "트리", "로직",   "매직",   "피플",   "비트",   "큐브",   "픽셀",   "노바",
    "루트",   "에버",   "아톰", "시너지", "모아",   "휴먼",   "메가",   "알파",   "오메가", "델타",
};

static const char *const sfx_it[] = {
    "소프트",   "시스템",   "테크",       "솔루션", "정보기술", "네트웍스", "아이앤씨",
    "데이터",   "랩스",     "소프트웨어", "인포텍", "컴즈",     "미디어",   "게임즈",
    "클라우드", "시큐리티", "정보통신",   "디지털", "에이아이", "웍스",     "인포",
};
static const char *const sfx_svc[] = {
    "컨설팅",         "무역",     "상사",     "통상",   "디자인",   "엔지니어링", "코리아",
    "인터내셔널",     "글로벌",   "파트너스", "유통",   "기획",     "리서치",     "마케팅",
    "커뮤니케이션즈", "에이전시", "트레이딩", "서비스", "네트웍스", "코퍼레이션",
};
static const char *const sfx_elec[] = {
    "전자", "일렉트로닉스", "테크",   "반도체",   "디스플레이", "옵틱스", "메디칼",
    "전기", "에너지",       "센서",   "일렉트릭", "텔레콤",     "하이텍", "라이팅",
    "파워", "계측",         "메딕스", "전자통신", "이엔씨",     "옵토",
};
static const char *const sfx_omfg[] = {
    "정밀", "산업", "금속", "플라스틱", "기공",       "몰드", "퍼니처", "공업",
    "애드", "사인", "테크", "코리아",   "인더스트리", "정공", "프라텍", "산업사",
};
static const char *const sfx_mach[] = {
    "기계", "엔지니어링", "메카트로닉스", "오토메이션", "정공", "로보틱스",
    "기전", "이엔지",     "머신",         "시스템",     "테크", "에프에이",
};
static const char *const sfx_text[] = {
    "섬유", "패션", "어패럴", "텍스타일", "니트", "의류", "모드", "인터내셔널", "클로징", "스타일",
};
static const char *const sfx_print[] = {
    "인쇄", "프린팅", "애드컴", "디자인", "기획", "프린텍", "문화사", "피앤피", "컴", "아트",
};

struct word_list {
    const char *const *items;
    size_t n;
};

static const struct word_list sector_suffixes[SEC_COUNT] = {
    {sfx_it, COUNT_OF(sfx_it)},       {sfx_svc, COUNT_OF(sfx_svc)},
    {sfx_elec, COUNT_OF(sfx_elec)},   {sfx_omfg, COUNT_OF(sfx_omfg)},
    {sfx_mach, COUNT_OF(sfx_mach)},   {sfx_text, COUNT_OF(sfx_text)},
    {sfx_print, COUNT_OF(sfx_print)},
};

/* Knowledge-industry centre brands of the cluster; max_series 0 for a one-off building,
 * otherwise buildings are numbered "1차", "2차" ... up to max_series (beyond it only when a
 * large scale has used every name). */
static const struct {
    const char *name;
    unsigned char max_series;
    unsigned char weight;
} brands[] = {
    {"에이스하이엔드타워", 10, 8}, {"에이스테크노타워", 10, 6},
    {"에이스트윈타워", 3, 3},      {"대륭포스트타워", 8, 7},
    {"대륭테크노타운", 20, 8},     {"우림라이온스밸리", 3, 3},
    {"우림이비지센터", 2, 2},      {"벽산디지털밸리", 7, 5},
    {"코오롱싸이언스밸리", 2, 2},  {"코오롱디지털타워", 3, 2},
    {"이앤씨벤처드림타워", 6, 4},  {"IT캐슬", 3, 3},
    {"롯데IT캐슬", 2, 2},          {"월드메르디앙벤처센터", 2, 2},
    {"한신IT타워", 2, 2},          {"디지털엠파이어", 2, 2},
    {"현대지식산업센터", 3, 2},    {"더스카이밸리", 2, 2},
    {"한라원앤원타워", 0, 2},      {"마리오타워", 0, 2},
    {"SK V1 센터", 0, 2},          {"삼성IT밸리", 0, 2},
    {"갑을그레이트밸리", 0, 2},    {"제이플라츠", 0, 2},
    {"가산W센터", 0, 2},           {"키콕스벤처센터", 0, 2},
    {"호서대벤처타워", 0, 2},      {"에이스가산타워", 0, 2},
    {"신한이노플렉스", 0, 2},      {"남성프라자", 0, 2},
    {"KCC웰츠밸리", 0, 2},         {"STX V타워", 0, 2},
    {"대성디폴리스", 0, 2},        {"BYC하이시티", 0, 2},
    {"G밸리비즈플라자", 0, 2},     {"데시앙플렉스", 0, 2},
    {"하우스디가산퍼스트", 0, 2},  {"가산테라타워", 0, 2},
    {"한라시그마밸리", 0, 2},
};

#define NBRANDS COUNT_OF(brands)

/* Roads of each complex with the building numbers seen on them. */
static const struct road {
    unsigned char complex;
    const char *gu;
    const char *name;
    unsigned short lo, hi;
} roads[] = {
    {1, "구로구", "디지털로", 242, 306},      {1, "구로구", "디지털로26길", 5, 123},
    {1, "구로구", "디지털로27길", 2, 48},     {1, "구로구", "디지털로31길", 12, 62},
    {1, "구로구", "디지털로33길", 11, 55},    {1, "구로구", "디지털로34길", 27, 55},
    {1, "구로구", "구로동로", 22, 104},       {2, "금천구", "가산디지털2로", 14, 98},
    {2, "금천구", "디지털로9길", 5, 68},      {2, "금천구", "디지털로10길", 9, 78},
    {2, "금천구", "디지털로", 121, 178},      {3, "금천구", "가산디지털1로", 1, 226},
    {3, "금천구", "가산디지털2로", 101, 184}, {3, "금천구", "벚꽃로", 244, 298},
    {3, "금천구", "가산로9길", 3, 109},       {3, "금천구", "가산로", 9, 99},
};

/* ---------------------------------------------------------------- records */

#define NAME_SIZE 96
#define ADDR_SIZE 128
#define PRODUCT_SIZE 64
#define NO_BUILDING UINT32_MAX

struct gbuilding {
    char name[NAME_SIZE];
    char addr[ADDR_SIZE];
    int complex;
    int floors;
    int rooms;       /* units per floor */
    size_t brand;    /* index into brands */
    unsigned series; /* the N of "N차"; 1 for a one-off building */
    int64_t area_c;  /* 건축면적 in hundredths of m² */
    int64_t gross_c; /* 연면적 in hundredths of m² */
    size_t quota;    /* firms to place here */
    size_t slot0;    /* first index of its (floors + 1) * rooms occupancy flags */
};

enum legal_form { FORM_PLAIN, FORM_JU_PRE, FORM_JUSIK_PRE, FORM_JU_POST, FORM_JUSIK_POST };

struct gfirm {
    char core[NAME_SIZE]; /* the name without its legal form; unique */
    char addr[ADDR_SIZE]; /* own address when outside the centres */
    char product[PRODUCT_SIZE];
    char brn[BRN_SIZE];
    const struct code_choice *code;
    const char *ksic_name;
    int64_t employees;
    uint32_t building; /* index into buildings, NO_BUILDING outside the centres */
    int floor;         /* -1 = B1; 0 outside the centres */
    int room;
    unsigned char complex, sector, form, suspended;
    uint32_t key; /* generation order, the last tie-break of the output order */
};

struct gmember {
    uint32_t firm;
    int32_t day; /* days since 1970-01-01 */
    int64_t shares;
    int64_t paid_krw;
};

struct gen_state {
    struct rng rng;
    size_t nbuildings, nfirms, nin, nmembers;
    int64_t employees_target;
    struct gbuilding *buildings;
    struct gfirm *firms;
    struct gmember *members;
    unsigned char *occupied;
    struct strset names, addrs;
    struct u64set brns;
};

/* ---------------------------------------------------------------- small helpers */

static size_t scaled(double figure, double scale)
{
    /* The product is exact IEEE arithmetic, so this rounds the same everywhere. */
    return (size_t)(figure * scale + 0.5);
}

/* Copy the k-th '|'-separated part of list into out. */
static void list_part(const char *list, size_t k, char *out, size_t n)
{
    const char *p = list;
    for (; k > 0; k--) {
        const char *bar = strchr(p, '|');
        if (bar == NULL)
            break;
        p = bar + 1;
    }
    const char *end = strchr(p, '|');
    size_t len = end != NULL ? (size_t)(end - p) : strlen(p);
    if (len >= n)
        len = n - 1;
    memcpy(out, p, len);
    out[len] = '\0';
}

static size_t list_len(const char *list)
{
    size_t k = 1;
    for (; *list != '\0'; list++)
        k += *list == '|';
    return k;
}

/* Largest-remainder apportionment of total over n parts with weights w (sum > 0). */
static void apportion(size_t total, const uint64_t *w, size_t n, size_t *out, uint64_t *rem)
{
    uint64_t sum = 0;
    size_t given = 0;
    for (size_t i = 0; i < n; i++)
        sum += w[i];
    for (size_t i = 0; i < n; i++) {
        out[i] = (size_t)(total * w[i] / sum);
        rem[i] = total * w[i] % sum;
        given += out[i];
    }
    while (given < total) {
        size_t best = 0;
        for (size_t i = 1; i < n; i++)
            if (rem[i] > rem[best])
                best = i;
        out[best]++;
        rem[best] = 0;
        given++;
    }
}

static void shuffle_u32(struct rng *r, uint32_t *a, size_t n)
{
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)rng_below(r, i);
        uint32_t t = a[i - 1];
        a[i - 1] = a[j];
        a[j] = t;
    }
}

/* ---------------------------------------------------------------- buildings */

static void building_name(struct rng *r, unsigned *series, struct gbuilding *out)
{
    unsigned total = 0;
    for (size_t i = 0; i < NBRANDS; i++)
        if (series[i] < (brands[i].max_series == 0 ? 1u : brands[i].max_series))
            total += brands[i].weight;
    int extend = total == 0; /* every listed name used: number the series further */
    if (extend)
        for (size_t i = 0; i < NBRANDS; i++)
            if (brands[i].max_series > 0)
                total += brands[i].weight;
    unsigned x = (unsigned)rng_below(r, total);
    size_t b = 0;
    for (;; b++) {
        int open = extend ? brands[b].max_series > 0
                          : series[b] < (brands[b].max_series == 0 ? 1u : brands[b].max_series);
        if (!open)
            continue;
        if (x < brands[b].weight)
            break;
        x -= brands[b].weight;
    }
    series[b]++;
    out->brand = b;
    out->series = series[b];
    if (brands[b].max_series == 0)
        snprintf(out->name, sizeof(out->name), "%s", brands[b].name);
    else
        snprintf(out->name, sizeof(out->name), "%s %u차", brands[b].name, series[b]);
}

/* Complexes in order, then by brand and series number (2차 before 10차), as the list reads. */
static int cmp_building(const void *pa, const void *pb)
{
    const struct gbuilding *a = pa;
    const struct gbuilding *b = pb;
    if (a->complex != b->complex)
        return a->complex < b->complex ? -1 : 1;
    int c = strcmp(brands[a->brand].name, brands[b->brand].name);
    if (c != 0)
        return c;
    return a->series < b->series ? -1 : a->series > b->series;
}

/* A road address in the complex not used yet: "서울특별시 금천구 가산디지털1로 168", or with a
 * sub-number ("... 가산로 35-12") with probability sub_ppm, or always once the plain numbers
 * run short (large scales). */
static int road_address(struct gen_state *st, int complex, uint32_t sub_ppm, char *out, size_t n)
{
    size_t nr = 0;
    const struct road *mine[COUNT_OF(roads)];
    for (size_t i = 0; i < COUNT_OF(roads); i++)
        if (roads[i].complex == complex)
            mine[nr++] = &roads[i];
    for (int attempt = 0; attempt < 20000; attempt++) {
        const struct road *rd = mine[rng_below(&st->rng, nr)];
        long num = (long)rng_range(&st->rng, rd->lo, rd->hi);
        if (attempt >= 64 || rng_chance(&st->rng, sub_ppm))
            snprintf(out, n, "서울특별시 %s %s %ld-%ld", rd->gu, rd->name, num,
                     (long)rng_range(&st->rng, 1, attempt < 1000 ? 40 : 400));
        else
            snprintf(out, n, "서울특별시 %s %s %ld", rd->gu, rd->name, num);
        if (!strset_has(&st->addrs, out))
            return 0;
    }
    return -1;
}

static int make_buildings(struct gen_state *st, uint64_t seed, struct dure_err *err)
{
    int rc = DURE_OK;
    unsigned series[NBRANDS] = {0};
    size_t n = st->nbuildings;
    size_t c1 = (n * 30 + 50) / 100;
    size_t c2 = (n * 15 + 50) / 100;
    uint64_t *w = NULL;
    size_t *alloc = NULL;
    uint64_t *rem = NULL;

    rng_init(&st->rng, seed, STREAM_BUILDINGS);
    for (size_t i = 0; i < n; i++) {
        struct gbuilding *b = &st->buildings[i];
        do {
            building_name(&st->rng, series, b);
        } while (strset_has(&st->names, b->name)); /* cannot repeat; belt and braces */
        strset_add(&st->names, b->name);
    }
    /* Complexes: about 30% / 15% / 55%, in the (random) order the names came, except that a
     * name with "가산" in it stands in Gasan (complex 2 or 3), not in Guro, unless nothing else
     * is left. The array is zeroed, so complex 0 means not yet placed. */
    size_t taken = 0;
    for (size_t i = 0; i < n && taken < c1; i++) {
        if (strstr(st->buildings[i].name, "가산") == NULL) {
            st->buildings[i].complex = 1;
            taken++;
        }
    }
    for (size_t i = 0; i < n && taken < c1; i++) {
        if (st->buildings[i].complex == 0) {
            st->buildings[i].complex = 1;
            taken++;
        }
    }
    taken = 0;
    for (size_t i = 0; i < n; i++)
        if (st->buildings[i].complex == 0)
            st->buildings[i].complex = taken++ < c2 ? 2 : 3;
    for (size_t i = 0; i < n; i++) {
        struct gbuilding *b = &st->buildings[i];
        if (road_address(st, b->complex, 0, b->addr, sizeof(b->addr)) != 0) {
            rc = dure_err_set(err, DURE_EINTERNAL, "ran out of road addresses for complex %d",
                              b->complex);
            goto out;
        }
        strset_add(&st->addrs, b->addr);
        /* Towers of 10-27 floors, most of them 12-20. */
        b->floors = (int)(rng_chance(&st->rng, 700000) ? rng_range(&st->rng, 12, 20)
                                                       : rng_range(&st->rng, 10, 27));
        b->area_c = (rng_range(&st->rng, 200000, 800000) + rng_range(&st->rng, 200000, 800000)) / 2;
        /* Gross area counts basements and the podium: 110-160% of footprint x floors. */
        int64_t gross = b->area_c * b->floors * rng_range(&st->rng, 110, 160) / 100;
        if (gross > 15000000)
            gross = 14000000 + rng_range(&st->rng, 0, 1000000);
        if (gross < 2000000)
            gross = 2000000 + rng_range(&st->rng, 0, 500000);
        b->gross_c = gross;
        b->rooms = 8 + (int)(b->area_c / 20000);
    }

    qsort(st->buildings, n, sizeof(st->buildings[0]), cmp_building);
    /* The sets point into the array, which the sort rearranged: rebuild them. */
    memset(st->names.slots, 0, (st->names.mask + 1) * sizeof(st->names.slots[0]));
    memset(st->addrs.slots, 0, (st->addrs.mask + 1) * sizeof(st->addrs.slots[0]));
    for (size_t i = 0; i < n; i++) {
        strset_add(&st->names, st->buildings[i].name);
        strset_add(&st->addrs, st->buildings[i].addr);
    }

    /* Firms per centre in proportion to floor area, with some spread; every centre gets one
     * when there are enough firms. */
    w = calloc(n, sizeof(w[0]));
    alloc = calloc(n, sizeof(alloc[0]));
    rem = calloc(n, sizeof(rem[0]));
    if (w == NULL || alloc == NULL || rem == NULL) {
        rc = dure_err_set(err, DURE_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        w[i] = (uint64_t)(st->buildings[i].gross_c / 100) * (uint64_t)rng_range(&st->rng, 70, 130);
    apportion(st->nin, w, n, alloc, rem);
    if (st->nin >= n) {
        for (size_t i = 0; i < n; i++) {
            while (alloc[i] == 0) {
                size_t most = 0;
                for (size_t j = 1; j < n; j++)
                    if (alloc[j] > alloc[most])
                        most = j;
                alloc[most]--;
                alloc[i]++;
            }
        }
    }
    size_t slots = 0;
    for (size_t i = 0; i < n; i++) {
        st->buildings[i].quota = alloc[i];
        st->buildings[i].slot0 = slots;
        slots += (size_t)(st->buildings[i].floors + 1) * (size_t)st->buildings[i].rooms;
    }
    st->occupied = calloc(slots, 1);
    if (st->occupied == NULL)
        rc = dure_err_set(err, DURE_ENOMEM, "out of memory");
out:
    free(rem);
    free(alloc);
    free(w);
    return rc;
}

/* ---------------------------------------------------------------- firms */

static void letter_combo(struct rng *r, char *out, size_t n)
{
    const char *a = PICK(r, letters);
    const char *b;
    do {
        b = PICK(r, letters);
    } while (b == a);
    uint64_t u = rng_below(r, 100);
    if (u < 40) {
        snprintf(out, n, "%s앤%s", a, b);
    } else if (u < 75) {
        snprintf(out, n, "%s%s", a, b);
    } else {
        const char *c;
        do {
            c = PICK(r, letters);
        } while (c == b);
        snprintf(out, n, "%s%s%s", a, b, c);
    }
}

static void hanja_stem(struct rng *r, char *out, size_t n)
{
    for (;;) {
        snprintf(out, n, "%s%s", PICK(r, hanja_first), PICK(r, hanja_second));
        int avoid = 0;
        for (size_t i = 0; i < COUNT_OF(hanja_avoid); i++)
            avoid |= strcmp(out, hanja_avoid[i]) == 0;
        /* Also no doubled syllable ("성성"): each is three bytes of UTF-8. */
        if (!avoid && memcmp(out, out + 3, 3) != 0)
            return;
    }
}

static void firm_core(struct rng *r, int sector, int attempt, char *out, size_t n)
{
    char stem[32];
    uint64_t u = rng_below(r, 100);
    if (u < 40)
        hanja_stem(r, stem, sizeof(stem));
    else if (u < 55)
        snprintf(stem, sizeof(stem), "%s", PICK(r, ko_stems));
    else if (u < 80)
        letter_combo(r, stem, sizeof(stem));
    else
        snprintf(stem, sizeof(stem), "%s", PICK(r, en_stems));
    const struct word_list *sfx = &sector_suffixes[sector];
    const char *suffix = sfx->items[rng_below(r, sfx->n)];
    if (attempt < 24) {
        snprintf(out, n, "%s%s", stem, suffix);
    } else {
        /* Crowded (large scales): a second stem makes the space large. */
        char combo[32];
        letter_combo(r, combo, sizeof(combo));
        snprintf(out, n, "%s%s%s", stem, combo, suffix);
    }
}

static const struct code_choice *pick_code(struct rng *r, int sector, const unsigned *totals)
{
    unsigned x = (unsigned)rng_below(r, totals[sector]);
    for (size_t i = 0; i < COUNT_OF(codes); i++) {
        if (codes[i].sector != sector)
            continue;
        if (x < codes[i].weight)
            return &codes[i];
        x -= codes[i].weight;
    }
    return NULL; /* unreachable: totals are the sums of these weights */
}

static void make_brn(struct gen_state *st, struct gfirm *f, int corporation)
{
    static const char *const corp_types[] = {"81", "81", "81", "81", "81", "81",
                                             "86", "86", "86", "87", "88"};
    char d[BRN_SIZE];
    for (;;) {
        int office;
        uint64_t u = rng_below(&st->rng, 100);
        int local = f->complex == 1 ? 113 : 119;
        if (u < 72)
            office = local;
        else if (u < 82)
            office = local == 113 ? 119 : 113;
        else
            office = (int)rng_range(&st->rng, 101, 899);
        int type = corporation ? 0 : (int)rng_range(&st->rng, 1, 79);
        long serial = (long)rng_range(&st->rng, 1, 9999);
        if (corporation)
            snprintf(d, sizeof(d), "%03d%s%04ld", office, PICK(&st->rng, corp_types), serial);
        else
            snprintf(d, sizeof(d), "%03d%02d%04ld", office, type, serial);
        d[9] = (char)('0' + brn_check_digit(d));
        d[10] = '\0';
        uint64_t v = 0;
        for (int i = 0; i < BRN_LEN; i++)
            v = v * 10 + (uint64_t)(d[i] - '0');
        if (u64set_insert(&st->brns, v))
            break;
    }
    memcpy(f->brn, d, BRN_SIZE);
}

/* Employees: a heavy-tailed mixture of size bands calibrated to the cluster (median 5, mean
 * about 15), then scaled so the total lands on the target. */
static int64_t draw_employees(struct rng *r)
{
    uint64_t u = rng_below(r, 1000000);
    if (u < 485000)
        return rng_range(r, 1, 4);
    if (u < 745000)
        return rng_range(r, 5, 9);
    if (u < 963500)
        return rng_loguniform(r, 10, 49);
    if (u < 996500)
        return rng_loguniform(r, 50, 299);
    return rng_loguniform(r, 300, 1000);
}

static void settle_employees(struct gen_state *st)
{
    int64_t before = 0;
    int64_t after = 0;
    int64_t target = st->employees_target;
    size_t largest = 0;
    for (size_t i = 0; i < st->nfirms; i++)
        before += st->firms[i].employees;
    /* Within 1.5% the draw stands as it is; otherwise rescale onto the target. */
    int64_t diff = before > target ? before - target : target - before;
    if (diff * 1000 <= target * 15 || before == 0)
        return;
    for (size_t i = 0; i < st->nfirms; i++) {
        struct gfirm *f = &st->firms[i];
        int64_t e = (f->employees * target + before / 2) / before;
        f->employees = e < 1 ? 1 : e;
        after += f->employees;
        if (f->employees > st->firms[largest].employees)
            largest = i;
    }
    /* The rounding left over goes to the largest firm, where it is least visible. */
    int64_t rest = target - after;
    if (st->firms[largest].employees + rest >= 1)
        st->firms[largest].employees += rest;
}

static int cmp_u64(const void *pa, const void *pb)
{
    uint64_t a = *(const uint64_t *)pa;
    uint64_t b = *(const uint64_t *)pb;
    return a < b ? -1 : a > b;
}

static int cmp_firm_order(const void *pa, const void *pb)
{
    const struct gfirm *a = pa;
    const struct gfirm *b = pb;
    if (a->complex != b->complex)
        return a->complex < b->complex ? -1 : 1;
    /* Centres first (in list order), then the firms outside them. */
    if (a->building != b->building)
        return a->building < b->building ? -1 : 1;
    if (a->floor != b->floor)
        return a->floor < b->floor ? -1 : 1;
    if (a->room != b->room)
        return a->room < b->room ? -1 : 1;
    if (a->key != b->key)
        return a->key < b->key ? -1 : 1;
    return 0;
}

static void place_in_building(struct gen_state *st, struct gfirm *f, uint32_t bi)
{
    const struct gbuilding *b = &st->buildings[bi];
    size_t per = (size_t)b->rooms;
    size_t nslots = (size_t)(b->floors + 1) * per;
    unsigned char *occ = st->occupied + b->slot0;
    size_t slot = 0;
    int found = 0;
    for (int attempt = 0; attempt < 32 && !found; attempt++) {
        /* Floor index 0 is the first basement (about 1 firm in 100). */
        size_t fl = rng_chance(&st->rng, 10000) ? 0 : (size_t)rng_range(&st->rng, 1, b->floors);
        slot = fl * per + (size_t)rng_below(&st->rng, per);
        found = !occ[slot];
    }
    for (size_t k = per; k < nslots && !found; k++) { /* crowded: first free unit above ground */
        if (!occ[k]) {
            slot = k;
            found = 1;
        }
    }
    occ[slot] = 1;
    size_t fl = slot / per;
    f->building = bi;
    f->complex = (unsigned char)b->complex;
    f->floor = fl == 0 ? -1 : (int)fl;
    f->room = (int)(slot % per) + 1;
}

static int make_firms(struct gen_state *st, uint64_t seed, struct dure_err *err)
{
    int rc = DURE_OK;
    size_t n = st->nfirms;
    uint32_t *order = NULL;
    uint32_t *slots = NULL;
    uint64_t *pick = NULL;
    unsigned totals[SEC_COUNT] = {0};
    size_t quota[SEC_COUNT];
    uint64_t w[SEC_COUNT], rem[SEC_COUNT];

    for (size_t i = 0; i < COUNT_OF(codes); i++)
        totals[codes[i].sector] += codes[i].weight;

    order = calloc(n, sizeof(order[0]));
    slots = calloc(st->nin > 0 ? st->nin : 1, sizeof(slots[0]));
    pick = calloc(n, sizeof(pick[0]));
    if (order == NULL || slots == NULL || pick == NULL) {
        rc = dure_err_set(err, DURE_ENOMEM, "out of memory");
        goto out;
    }

    /* Sectors by exact quota, dealt out in random order. */
    rng_init(&st->rng, seed, STREAM_FIRMS);
    for (int s = 0; s < SEC_COUNT; s++)
        w[s] = sector_ppm[s];
    apportion(n, w, SEC_COUNT, quota, rem);
    size_t k = 0;
    for (int s = 0; s < SEC_COUNT; s++)
        for (size_t j = 0; j < quota[s]; j++)
            order[k++] = (uint32_t)s;
    shuffle_u32(&st->rng, order, n);
    for (size_t i = 0; i < n; i++)
        st->firms[i].sector = (unsigned char)order[i];

    /* Which firms stand outside the centres: the smallest random keys, with manufacturing
     * keys shrunk so that it is favoured; ties go by index. */
    for (size_t i = 0; i < n; i++) {
        uint64_t key = rng_below(&st->rng, 1u << 24) / outside_weight[st->firms[i].sector];
        pick[i] = key << 32 | i;
        st->firms[i].building = 0;
    }
    qsort(pick, n, sizeof(pick[0]), cmp_u64);
    for (size_t i = 0; i < n - st->nin; i++)
        st->firms[pick[i] & 0xffffffffu].building = NO_BUILDING;

    /* Centre firms: deal the centre quotas out in random order. */
    k = 0;
    for (size_t b = 0; b < st->nbuildings; b++)
        for (size_t j = 0; j < st->buildings[b].quota; j++)
            slots[k++] = (uint32_t)b;
    shuffle_u32(&st->rng, slots, st->nin);
    k = 0;
    for (size_t i = 0; i < n; i++) {
        struct gfirm *f = &st->firms[i];
        if (f->building == NO_BUILDING) {
            uint64_t u = rng_below(&st->rng, 100);
            f->complex = (unsigned char)(u < 20 ? 1 : u < 40 ? 2 : 3);
            f->floor = 0;
            f->room = 0;
            if (road_address(st, f->complex, 600000, f->addr, sizeof(f->addr)) != 0) {
                rc = dure_err_set(err, DURE_EINTERNAL, "ran out of road addresses");
                goto out;
            }
            strset_add(&st->addrs, f->addr);
        } else {
            place_in_building(st, f, slots[k++]);
        }
        f->key = (uint32_t)i;

        int corporation = rng_chance(&st->rng, 600000);
        if (corporation) {
            uint64_t u = rng_below(&st->rng, 100);
            f->form = u < 45   ? FORM_JU_PRE
                      : u < 75 ? FORM_JUSIK_PRE
                      : u < 95 ? FORM_JU_POST
                               : FORM_JUSIK_POST;
        } else {
            f->form = FORM_PLAIN;
        }
        int attempt = 0;
        do {
            firm_core(&st->rng, f->sector, attempt++, f->core, sizeof(f->core));
            if (attempt > 200) /* practically never: number it */
                snprintf(f->core + strlen(f->core), sizeof(f->core) - strlen(f->core), "%d",
                         attempt);
        } while (strset_has(&st->names, f->core));
        strset_add(&st->names, f->core);
        make_brn(st, f, corporation);

        f->code = pick_code(&st->rng, f->sector, totals);
        const struct ksic_entry *e = ksic_lookup(f->code->code);
        if (e == NULL) {
            rc = dure_err_set(err, DURE_EINTERNAL, "generator code %s is not in KSIC 10",
                              f->code->code);
            goto out;
        }
        f->ksic_name = e->name;
        list_part(f->code->products, (size_t)rng_below(&st->rng, list_len(f->code->products)),
                  f->product, sizeof(f->product));
        f->suspended = (unsigned char)rng_chance(&st->rng, 25000);
    }

    /* Employees from their own stream, so names and places do not move when sizes change. */
    rng_init(&st->rng, seed, STREAM_EMPLOYEES);
    for (size_t i = 0; i < n; i++)
        st->firms[i].employees = draw_employees(&st->rng);
    settle_employees(st);

    qsort(st->firms, n, sizeof(st->firms[0]), cmp_firm_order);
out:
    free(pick);
    free(slots);
    free(order);
    return rc;
}

/* ---------------------------------------------------------------- members */

static int cmp_member(const void *pa, const void *pb)
{
    const struct gmember *a = pa;
    const struct gmember *b = pb;
    if (a->day != b->day)
        return a->day < b->day ? -1 : 1;
    return a->firm < b->firm ? -1 : a->firm > b->firm;
}

static int make_members(struct gen_state *st, uint64_t seed, struct dure_err *err)
{
    int rc = DURE_OK;
    size_t n = st->nfirms;
    size_t m = st->nmembers;
    uint32_t *idx = NULL;
    int64_t *shares = NULL;
    int32_t first = days_from_civil(2021, 3, 1); /* the founding assembly */
    int32_t last = days_from_civil(2026, 10, 31);

    if (m == 0)
        return DURE_OK;
    idx = calloc(n, sizeof(idx[0]));
    shares = calloc(m, sizeof(shares[0]));
    if (idx == NULL || shares == NULL) {
        rc = dure_err_set(err, DURE_ENOMEM, "out of memory");
        goto out;
    }
    rng_init(&st->rng, seed, STREAM_MEMBERS);
    /* A uniform sample without replacement (partial Fisher-Yates) spreads the members over
     * centres and sectors as the firms are spread. */
    for (size_t i = 0; i < n; i++)
        idx[i] = (uint32_t)i;
    for (size_t i = 0; i < m; i++) {
        size_t j = i + (size_t)rng_below(&st->rng, n - i);
        uint32_t t = idx[i];
        idx[i] = idx[j];
        idx[j] = t;
    }
    for (size_t i = 0; i < m; i++) {
        struct gmember *g = &st->members[i];
        g->firm = idx[i];
        /* One in ten joined at the founding; the rest over the years since. */
        g->day = rng_chance(&st->rng, 100000) ? first : (int32_t)rng_range(&st->rng, first, last);
        uint64_t u = rng_below(&st->rng, 100);
        g->shares = u < 30   ? 1
                    : u < 60 ? rng_range(&st->rng, 2, 5)
                    : u < 85 ? rng_range(&st->rng, 6, 10)
                    : u < 97 ? rng_range(&st->rng, 11, 30)
                             : rng_range(&st->rng, 31, 50);
        shares[i] = g->shares;
    }
    /* The 30% cap only binds in a tiny register; bring the holder down until it holds. */
    size_t over = 0;
    while (coop_share_cap_check(shares, m, &over, NULL) == DURE_ECONFLICT) {
        int64_t others = 0;
        for (size_t i = 0; i < m; i++)
            if (i != over)
                others += shares[i];
        int64_t allowed = others * COOP_SHARE_CAP_PERCENT / (100 - COOP_SHARE_CAP_PERCENT);
        shares[over] = allowed < 1 ? 1 : allowed;
        st->members[over].shares = shares[over];
    }
    for (size_t i = 0; i < m; i++) {
        struct gmember *g = &st->members[i];
        /* A few have paid in only part of their subscription (by whole shares). */
        int64_t paid = g->shares;
        if (g->shares > 1 && rng_chance(&st->rng, 40000))
            paid = rng_range(&st->rng, 1, g->shares - 1);
        g->paid_krw = paid * GEN_SHARE_VALUE_KRW;
    }
    qsort(st->members, m, sizeof(st->members[0]), cmp_member);
out:
    free(shares);
    free(idx);
    return rc;
}

/* ---------------------------------------------------------------- files */

struct csv_out {
    FILE *f;
    char tmp[GEN_PATH_SIZE];
    const char *path;
};

static void put_field(FILE *f, const char *s, int last)
{
    if (strpbrk(s, ",\"\r\n") != NULL) {
        fputc('"', f);
        for (; *s != '\0'; s++) {
            if (*s == '"')
                fputc('"', f);
            fputc(*s, f);
        }
        fputc('"', f);
    } else {
        fputs(s, f);
    }
    fputc(last ? '\n' : ',', f);
}

static void put_i64(FILE *f, int64_t v, int last)
{
    fprintf(f, "%lld%c", (long long)v, last ? '\n' : ',');
}

/* Hundredths as "1234.56". */
static void put_centi(FILE *f, int64_t v, int last)
{
    fprintf(f, "%lld.%02lld%c", (long long)(v / 100), (long long)(v % 100), last ? '\n' : ',');
}

static int csv_begin(struct csv_out *o, const char *path, const char *header, struct dure_err *err)
{
    const char *slash = strrchr(path, '/');
    int dir_len = slash != NULL ? (int)(slash - path + 1) : 0;
    o->path = path;
    o->f = NULL;
    if (snprintf(o->tmp, sizeof(o->tmp), "%.*s.%s.tmp", dir_len, path, path + dir_len) >=
        (int)sizeof(o->tmp))
        return dure_err_set(err, DURE_EINVAL, "output path is too long");
    o->f = fopen(o->tmp, "wb");
    if (o->f == NULL)
        return dure_err_set(err, DURE_EIO, "cannot create %s: %s", o->tmp, strerror(errno));
    fputs(header, o->f);
    fputc('\n', o->f);
    return DURE_OK;
}

/* Close and rename into place; on failure (or when rc is already an error) remove the file. */
static int csv_end(struct csv_out *o, int rc, struct dure_err *err)
{
    if (o->f == NULL)
        return rc;
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

static const char *complex_name(int c)
{
    return c == 1 ? "서울디지털1단지" : c == 2 ? "서울디지털2단지" : "서울디지털3단지";
}

static int write_buildings(const struct gen_state *st, const char *path, struct dure_err *err)
{
    struct csv_out o;
    int rc = csv_begin(&o, path, GEN_BUILDINGS_HEADER, err);
    for (size_t i = 0; rc == DURE_OK && i < st->nbuildings; i++) {
        const struct gbuilding *b = &st->buildings[i];
        put_i64(o.f, (int64_t)i + 1, 0);
        put_field(o.f, complex_name(b->complex), 0);
        put_field(o.f, b->name, 0);
        put_field(o.f, b->addr, 0);
        put_centi(o.f, b->area_c, 0);
        put_centi(o.f, b->gross_c, 0);
        put_i64(o.f, b->floors, 1);
    }
    return csv_end(&o, rc, err);
}

static void firm_display_name(const struct gfirm *f, char *out, size_t n)
{
    switch ((enum legal_form)f->form) {
    case FORM_JU_PRE:
        snprintf(out, n, "(주)%s", f->core);
        break;
    case FORM_JUSIK_PRE:
        snprintf(out, n, "주식회사 %s", f->core);
        break;
    case FORM_JU_POST:
        snprintf(out, n, "%s(주)", f->core);
        break;
    case FORM_JUSIK_POST:
        snprintf(out, n, "%s 주식회사", f->core);
        break;
    case FORM_PLAIN:
    default:
        snprintf(out, n, "%s", f->core);
        break;
    }
}

static void firm_unit(const struct gfirm *f, char *out, size_t n)
{
    if (f->building == NO_BUILDING)
        out[0] = '\0';
    else if (f->floor < 0)
        snprintf(out, n, "B1%02d호", f->room);
    else
        snprintf(out, n, "%d%02d호", f->floor, f->room);
}

#define FIRM_ADDR_SIZE (ADDR_SIZE + 48)

/* The firm's 공장대표주소: its centre's address and unit, or its own address. */
static void firm_address(const struct gen_state *st, const struct gfirm *f, char *out, size_t n)
{
    char unit[32];
    firm_unit(f, unit, sizeof(unit));
    if (f->building != NO_BUILDING)
        snprintf(out, n, "%s, %s", st->buildings[f->building].addr, unit);
    else
        snprintf(out, n, "%s", f->addr);
}

static int write_firms(const struct gen_state *st, const char *path, struct dure_err *err)
{
    struct csv_out o;
    char name[NAME_SIZE + 32];
    char brn[BRN_FORMATTED_SIZE];
    char unit[32];
    char addr[FIRM_ADDR_SIZE];
    int rc = csv_begin(&o, path, GEN_FIRMS_HEADER, err);
    for (size_t i = 0; rc == DURE_OK && i < st->nfirms; i++) {
        const struct gfirm *f = &st->firms[i];
        const struct gbuilding *b = f->building == NO_BUILDING ? NULL : &st->buildings[f->building];
        firm_display_name(f, name, sizeof(name));
        brn_format(f->brn, brn);
        firm_unit(f, unit, sizeof(unit));
        firm_address(st, f, addr, sizeof(addr));
        put_i64(o.f, (int64_t)i + 1, 0);
        put_field(o.f, name, 0);
        put_field(o.f, brn, 0);
        put_field(o.f, complex_name(f->complex), 0);
        put_field(o.f, b != NULL ? b->name : "", 0);
        /* The first basement is written "B1", as the registers do (floor -1 once imported). */
        if (b == NULL)
            put_field(o.f, "", 0);
        else if (f->floor < 0)
            put_field(o.f, "B1", 0);
        else
            put_i64(o.f, f->floor, 0);
        put_field(o.f, unit, 0);
        put_field(o.f, f->code->code, 0);
        put_field(o.f, f->ksic_name, 0);
        put_i64(o.f, f->employees, 0);
        put_field(o.f, f->product, 0);
        put_field(o.f, addr, 0);
        put_field(o.f, f->suspended ? "휴업" : "가동", 1);
    }
    return csv_end(&o, rc, err);
}

static int write_members(const struct gen_state *st, const char *path, struct dure_err *err)
{
    struct csv_out o;
    char name[NAME_SIZE + 32];
    char brn[BRN_FORMATTED_SIZE];
    char date[32];
    int rc = csv_begin(&o, path, GEN_MEMBERS_HEADER, err);
    for (size_t i = 0; rc == DURE_OK && i < st->nmembers; i++) {
        const struct gmember *g = &st->members[i];
        const struct gfirm *f = &st->firms[g->firm];
        int y, m, d;
        civil_from_days(g->day, &y, &m, &d);
        snprintf(date, sizeof(date), "%04d-%02d-%02d", y, m, d);
        firm_display_name(f, name, sizeof(name));
        brn_format(f->brn, brn);
        put_field(o.f, brn, 0);
        put_field(o.f, name, 0);
        put_field(o.f, date, 0);
        put_i64(o.f, g->shares, 0);
        put_i64(o.f, g->paid_krw, 1);
    }
    return csv_end(&o, rc, err);
}

/* ---------------------------------------------------------------- the pool's view */

#define FIRM_NAME_SIZE (NAME_SIZE + 32)

/* Hand the registers to gen_pool.c as a read-only view (names and addresses as firms.csv
 * writes them) and let it write the invoices and KPIs. */
static int write_pool(const struct gen_state *st, const struct gen_options *opt,
                      struct gen_summary *sum, struct dure_err *err)
{
    int rc = DURE_OK;
    size_t n = st->nfirms;
    struct gen__firm *firms = calloc(n, sizeof(firms[0]));
    struct gen__building *buildings = calloc(st->nbuildings, sizeof(buildings[0]));
    uint32_t *members = calloc(st->nmembers > 0 ? st->nmembers : 1, sizeof(members[0]));
    char *names = calloc(n, FIRM_NAME_SIZE);
    char *addrs = calloc(n, FIRM_ADDR_SIZE);
    struct gen__cluster c;

    if (firms == NULL || buildings == NULL || members == NULL || names == NULL || addrs == NULL) {
        rc = dure_err_set(err, DURE_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < st->nbuildings; i++) {
        buildings[i].name = st->buildings[i].name;
        buildings[i].addr = st->buildings[i].addr;
    }
    for (size_t i = 0; i < n; i++) {
        const struct gfirm *f = &st->firms[i];
        struct gen__firm *v = &firms[i];
        char *name = names + i * FIRM_NAME_SIZE;
        char *addr = addrs + i * FIRM_ADDR_SIZE;
        firm_display_name(f, name, FIRM_NAME_SIZE);
        firm_address(st, f, addr, FIRM_ADDR_SIZE);
        v->name = name;
        v->core = f->core;
        v->brn = f->brn;
        v->addr = addr;
        v->ksic = f->code->code;
        v->product = f->product;
        v->sector = f->sector;
        v->corporation = f->form != FORM_PLAIN;
        v->employees = f->employees;
        v->building = f->building == NO_BUILDING ? GEN__NO_BUILDING : f->building;
        v->suspended = f->suspended;
    }
    for (size_t i = 0; i < st->nmembers; i++)
        members[i] = st->members[i].firm;
    c.firms = firms;
    c.nfirms = n;
    c.buildings = buildings;
    c.nbuildings = st->nbuildings;
    c.members = members;
    c.nmembers = st->nmembers;
    rc = gen__pool_write(&c, opt, sum, err);
out:
    free(addrs);
    free(names);
    free(members);
    free(buildings);
    free(firms);
    return rc;
}

/* mkdir -p: create dir and its missing parents. */
static int make_dirs(const char *dir, struct dure_err *err)
{
    char path[GEN_PATH_SIZE];
    struct stat sb;
    if (str_copy(path, dir, sizeof(path)) >= sizeof(path))
        return dure_err_set(err, DURE_EINVAL, "output directory path is too long");
    for (char *p = path + 1; *p != '\0'; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(path, 0777) != 0 && errno != EEXIST)
            return dure_err_set(err, DURE_EIO, "cannot create directory %s: %s", path,
                                strerror(errno));
        *p = '/';
    }
    if (mkdir(path, 0777) != 0 && errno != EEXIST)
        return dure_err_set(err, DURE_EIO, "cannot create directory %s: %s", path, strerror(errno));
    if (stat(path, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return dure_err_set(err, DURE_EIO, "%s is not a directory", path);
    return DURE_OK;
}

static int join_path(char out[GEN_PATH_SIZE], const char *dir, const char *file,
                     struct dure_err *err)
{
    size_t len = strlen(dir);
    const char *sep = len > 0 && dir[len - 1] == '/' ? "" : "/";
    /* Room for the ".NAME.tmp" the writer makes beside it. */
    if (len + strlen(file) + 8 >= GEN_PATH_SIZE)
        return dure_err_set(err, DURE_EINVAL, "output directory path is too long");
    snprintf(out, GEN_PATH_SIZE, "%s%s%s", dir, sep, file);
    return DURE_OK;
}

/* ---------------------------------------------------------------- entry points */

void gen_options_init(struct gen_options *opt)
{
    opt->seed = 1;
    opt->scale = 1.0;
    opt->members_share = 0.30;
    opt->out_dir = NULL;
    opt->invoices = 0;
    opt->invoices_scale = 1.0;
    opt->kpis = 0;
    opt->kpis_all = 0;
}

int gen_cluster(const struct gen_options *opt, struct gen_summary *out, struct dure_err *err)
{
    int rc = DURE_OK;
    struct gen_state st;
    struct gen_summary sum;

    memset(&st, 0, sizeof(st));
    memset(&sum, 0, sizeof(sum));
    if (opt == NULL || opt->out_dir == NULL || opt->out_dir[0] == '\0')
        return dure_err_set(err, DURE_EINVAL, "no output directory given");
    /* Written so that NaN fails too. */
    if (!(opt->scale > 0 && opt->scale <= GEN_SCALE_MAX))
        return dure_err_set(err, DURE_EINVAL, "scale must be above 0 and at most %g",
                            GEN_SCALE_MAX);
    if (!(opt->members_share >= 0 && opt->members_share <= 1))
        return dure_err_set(err, DURE_EINVAL, "members share must be between 0 and 1");
    if (opt->invoices &&
        !(opt->invoices_scale > 0 && opt->invoices_scale <= GEN_INVOICES_SCALE_MAX))
        return dure_err_set(err, DURE_EINVAL, "invoices scale must be above 0 and at most %g",
                            GEN_INVOICES_SCALE_MAX);
    if ((rc = join_path(sum.buildings_path, opt->out_dir, GEN_BUILDINGS_FILE, err)) != 0 ||
        (rc = join_path(sum.firms_path, opt->out_dir, GEN_FIRMS_FILE, err)) != 0 ||
        (rc = join_path(sum.members_path, opt->out_dir, GEN_MEMBERS_FILE, err)) != 0)
        return rc;

    /* Counts: at least one centre and a few firms however small the scale. */
    st.nbuildings = scaled(GEN_CENTRES, opt->scale);
    if (st.nbuildings < 1)
        st.nbuildings = 1;
    st.nfirms = scaled(GEN_FIRMS, opt->scale);
    if (st.nfirms < 3)
        st.nfirms = 3;
    st.nin = (st.nfirms * GEN_FIRMS_IN_CENTRES + GEN_FIRMS / 2) / GEN_FIRMS;
    st.nmembers = (size_t)((double)st.nfirms * opt->members_share + 0.5);
    if (st.nmembers > st.nfirms)
        st.nmembers = st.nfirms;
    st.employees_target = (int64_t)scaled(GEN_EMPLOYEES, opt->scale);
    if (st.employees_target < (int64_t)st.nfirms)
        st.employees_target = (int64_t)st.nfirms;

    for (size_t i = 0; i < COUNT_OF(codes); i++) {
        if (ksic_lookup(codes[i].code) == NULL)
            return dure_err_set(err, DURE_EINTERNAL, "generator code %s is not in KSIC 10",
                                codes[i].code);
    }

    st.buildings = calloc(st.nbuildings, sizeof(st.buildings[0]));
    st.firms = calloc(st.nfirms, sizeof(st.firms[0]));
    st.members = calloc(st.nmembers > 0 ? st.nmembers : 1, sizeof(st.members[0]));
    if (st.buildings == NULL || st.firms == NULL || st.members == NULL ||
        strset_init(&st.names, st.nbuildings + st.nfirms) != 0 ||
        strset_init(&st.addrs, st.nbuildings + st.nfirms) != 0 ||
        u64set_init(&st.brns, st.nfirms) != 0) {
        rc = dure_err_set(err, DURE_ENOMEM, "out of memory");
        goto out;
    }
    if ((rc = make_dirs(opt->out_dir, err)) != DURE_OK)
        goto out;
    if ((rc = make_buildings(&st, opt->seed, err)) != DURE_OK ||
        (rc = make_firms(&st, opt->seed, err)) != DURE_OK ||
        (rc = make_members(&st, opt->seed, err)) != DURE_OK)
        goto out;
    if ((rc = write_buildings(&st, sum.buildings_path, err)) != DURE_OK ||
        (rc = write_firms(&st, sum.firms_path, err)) != DURE_OK ||
        (rc = write_members(&st, sum.members_path, err)) != DURE_OK)
        goto out;

    sum.centres = st.nbuildings;
    for (size_t i = 0; i < st.nbuildings; i++)
        sum.centres_by_complex[st.buildings[i].complex - 1]++;
    sum.firms = st.nfirms;
    sum.firms_in_centres = st.nin;
    for (size_t i = 0; i < st.nfirms; i++)
        sum.employees += st.firms[i].employees;
    sum.members = st.nmembers;
    for (size_t i = 0; i < st.nmembers; i++) {
        sum.member_shares += st.members[i].shares;
        sum.member_paid_in_krw += st.members[i].paid_krw;
    }
    if ((opt->invoices || opt->kpis) && (rc = write_pool(&st, opt, &sum, err)) != DURE_OK)
        goto out;
    if (out != NULL)
        *out = sum;
out:
    u64set_cleanup(&st.brns);
    strset_cleanup(&st.addrs);
    strset_cleanup(&st.names);
    free(st.occupied);
    free(st.members);
    free(st.firms);
    free(st.buildings);
    return rc;
}
