/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target for the .xlsx list reader. An input starting with "PK" is read as an .xlsx file
 * as it is; any other input is a worksheet's XML, optionally followed by "\n==SST==\n" and the
 * shared-string table's XML, which the target packs into a valid workbook (stored zip), so the
 * fuzzer works on the XML rather than on CRCs. Without a table of its own, the sheet gets one
 * with the 33 Hometax header names at indexes 0-32. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "fuzz_pool.h"

static const char *const header_names[33] = {"작성일자",
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

static const char content_types[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Types "
    "xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"/>";
static const char workbook[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><workbook "
    "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" "
    "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">"
    "<sheets><sheet name=\"s\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>";
static const char rels[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships "
    "xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship "
    "Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
    "worksheet\" Target=\"worksheets/sheet1.xml\"/></Relationships>";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pool_reader *r = NULL;
    struct dure_err err;
    struct fuzz_zip z;
    const uint8_t *sheet, *sst;
    size_t sheet_len, sst_len;
    char table[2048];
    size_t tlen = 0;

    if (size >= 2 && data[0] == 'P' && data[1] == 'K') {
        if (pool_reader_open_mem(data, size, POOL_FMT_AUTO, &r, &err) == 0)
            fuzz_read_all(r, -1, size + 2);
        return 0;
    }
    fuzz_split(data, size, "\n==SST==\n", &sheet, &sheet_len, &sst, &sst_len);
    if (sst_len == 0) {
        tlen = (size_t)snprintf(table, sizeof(table), "<sst>");
        for (int i = 0; i < 33; i++)
            tlen += (size_t)snprintf(table + tlen, sizeof(table) - tlen, "<si><t>%s</t></si>",
                                     header_names[i]);
        tlen += (size_t)snprintf(table + tlen, sizeof(table) - tlen, "</sst>");
        sst = (const uint8_t *)table;
        sst_len = tlen;
    }
    memset(&z, 0, sizeof(z));
    fuzz_zip_add(&z, "[Content_Types].xml", content_types, sizeof(content_types) - 1);
    fuzz_zip_add(&z, "xl/workbook.xml", workbook, sizeof(workbook) - 1);
    fuzz_zip_add(&z, "xl/_rels/workbook.xml.rels", rels, sizeof(rels) - 1);
    fuzz_zip_add(&z, "xl/sharedStrings.xml", sst, sst_len);
    fuzz_zip_add(&z, "xl/worksheets/sheet1.xml", sheet, sheet_len);
    fuzz_zip_finish(&z);
    if (pool_reader_open_mem(z.data, z.len, POOL_FMT_AUTO, &r, &err) == 0) {
        if (strcmp(pool_reader_format_name(r), "xlsx") != 0)
            abort();
        fuzz_read_all(r, 1, size + 2);
    }
    fuzz_zip_free(&z);
    return 0;
}
