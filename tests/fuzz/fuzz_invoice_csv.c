/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target for the Hometax list reader on CSV: the input as a whole file (title rows and
 * header included), then as data rows behind the 33-column header, then by format detection;
 * every record must satisfy the rules of core/pool.h and carry no private buyer's data. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "fuzz_pool.h"

static const char header[] =
    "작성일자,승인번호,발급일자,전송일자,공급자사업자등록번호,종사업장번호,상호,대표자명,주소,"
    "공급받는자사업자등록번호,종사업장번호,상호,대표자명,주소,합계금액,공급가액,세액,"
    "전자세금계산서분류,전자세금계산서종류,발급유형,비고,영수/청구 구분,공급자 이메일,"
    "공급받는자 이메일1,공급받는자 이메일2,품목일자,품목명,품목규격,품목수량,품목단가,"
    "품목공급가액,품목세액,품목비고\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pool_reader *r = NULL;
    struct dure_err err;
    unsigned char *p;

    if (pool_reader_open_mem(data, size, POOL_FMT_CSV, &r, &err) == 0)
        fuzz_read_all(r, 1, size + 2);

    p = malloc(sizeof(header) - 1 + size + 1);
    if (p == NULL)
        return 0;
    memcpy(p, header, sizeof(header) - 1);
    if (size > 0)
        memcpy(p + sizeof(header) - 1, data, size);
    if (pool_reader_open_mem(p, sizeof(header) - 1 + size, POOL_FMT_CSV, &r, &err) == 0)
        fuzz_read_all(r, 1, size + 3);
    free(p);

    if (pool_reader_open_mem(data, size, POOL_FMT_AUTO, &r, &err) == 0)
        fuzz_read_all(r, -1, size + 2);
    return 0;
}
