/* SPDX-License-Identifier: Apache-2.0 */
/* Layer-internal pieces of the invoice reader (app/pool_read.h): bounded reading of zip
 * entries, the .xlsx worksheet as a stream of rows (pool_xlsx.c), the KEC XML document parser
 * (pool_xml.c), and field helpers that both list and XML paths use (pool_read.c). */
#ifndef DURE_APP_POOL_READ_INTERNAL_H
#define DURE_APP_POOL_READ_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <zip.h>

#include "core/pool.h"
#include "util/err.h"

/* Reads from files and zip entries go in pieces of this size. */
#define POOL__CHUNK_BYTES ((size_t)64 * 1024)
/* Zip bombs: no entry is inflated beyond this many bytes, and an entry larger than
 * POOL__ZIP_RATIO_FROM bytes may not claim more than POOL__ZIP_RATIO_MAX times its
 * compressed size (deflate cannot exceed ~1032). */
#define POOL__ZIP_ENTRY_MAX ((uint64_t)1 << 30)
#define POOL__ZIP_RATIO_MAX 500
#define POOL__ZIP_RATIO_FROM ((uint64_t)16 * 1024 * 1024)
/* Small parts of an .xlsx (workbook, relationships) are read whole up to this size. */
#define POOL__XLSX_PART_MAX ((size_t)16 * 1024 * 1024)
/* Worksheet limits (Excel's own row limit; cell text of Excel is at most 32,767 characters). */
#define POOL__XLSX_MAX_ROWS UINT64_C(1048576)
#define POOL__XLSX_MAX_COLS ((size_t)1024)
#define POOL__XLSX_CELL_MAX ((size_t)32 * 1024)
#define POOL__XLSX_SS_MAX_COUNT ((size_t)1000000)
#define POOL__XLSX_SS_MAX_BYTES ((size_t)256 * 1024 * 1024)
/* A KEC XML document and its line items. */
#define POOL__XML_DOC_MAX ((uint64_t)16 * 1024 * 1024)
#define POOL__XML_ITEMS_MAX ((size_t)10000)
#define POOL__XML_MAX_DEPTH 64

/* ---- zip entries (pool_xlsx.c) ---- */

/* Open a zip archive from path, or from mem (len bytes, borrowed: must outlive the archive)
 * when path is NULL. *out is owned (zip_discard). Errors: DURE_EIO (cannot open the file),
 * DURE_EINVAL (not a zip archive), DURE_ENOMEM. */
int pool__zip_open(const char *path, const void *mem, size_t len, zip_t **out,
                   struct dure_err *err);

/* One zip entry being inflated under the limits. */
struct pool__entry {
    zip_file_t *zf;
    uint64_t size;  /* uncompressed size the archive declares */
    uint64_t read;  /* bytes inflated so far */
    uint64_t limit; /* the most that may be inflated */
    char name[128]; /* sanitised, for messages */
};

/* Open entry index of za for reading at most limit bytes. Errors: DURE_ETOOBIG (declared size
 * over limit, or a compression ratio over POOL__ZIP_RATIO_MAX), DURE_EINVAL (cannot be read:
 * encrypted, unknown method), DURE_ENOMEM. e is closed on error. */
int pool__entry_open(zip_t *za, uint64_t index, uint64_t limit, struct pool__entry *e,
                     struct dure_err *err);

/* Inflate up to cap bytes into buf; *got = 0 at the end. Errors: DURE_ETOOBIG (more than the
 * limit or than the declared size), DURE_EINVAL (corrupt data). */
int pool__entry_read(struct pool__entry *e, void *buf, size_t cap, size_t *got,
                     struct dure_err *err);

/* Close e (may be closed already). */
void pool__entry_close(struct pool__entry *e);

/* ---- the .xlsx worksheet as rows (pool_xlsx.c) ---- */

struct pool__xlsx;

/* Find the first worksheet of za (xl/workbook.xml and its relationships, else
 * xl/worksheets/sheet1.xml), load the shared strings and start streaming the sheet. Steals za
 * (closed on error too). *out is owned (pool__xlsx_close). Errors: DURE_EINVAL (not a
 * readable workbook: message says why), DURE_ETOOBIG (limits), DURE_ENOMEM. */
int pool__xlsx_open(zip_t *za, struct pool__xlsx **out, struct dure_err *err);

/* Close and free; x may be NULL. */
void pool__xlsx_close(struct pool__xlsx *x);

/* Read the next row that has cells. Returns 0 with *has_row 1 or 0 (end), DURE_EINVAL
 * recoverable (a bad cell: pool__xlsx_error_column() says which; the next call goes on), or
 * a fatal error (XML not well-formed, limits, corrupt zip; pool__xlsx_failed() is then 1 and
 * later calls repeat it). */
int pool__xlsx_next_row(struct pool__xlsx *x, int *has_row, struct dure_err *err);

/* The 1-based sheet row number of the current row. */
uint64_t pool__xlsx_row(const struct pool__xlsx *x);

/* Cells of the current row, gaps filled with empty cells; a cell index at or past
 * pool__xlsx_ncells() reads as "". Borrowed until the next call. Numbers appear as text
 * without exponent ("1.234E6" becomes "1234000"); numeric is 1 for number cells. */
size_t pool__xlsx_ncells(const struct pool__xlsx *x);
const char *pool__xlsx_cell(const struct pool__xlsx *x, size_t i);
int pool__xlsx_cell_numeric(const struct pool__xlsx *x, size_t i);

/* 1 when the workbook uses the 1904 date system. */
int pool__xlsx_date1904(const struct pool__xlsx *x);

/* 1-based column of the last recoverable error; 1 after a fatal error. */
size_t pool__xlsx_error_column(const struct pool__xlsx *x);
int pool__xlsx_failed(const struct pool__xlsx *x);

/* Worksheet XML bytes inflated so far and the size the archive declares. */
uint64_t pool__xlsx_bytes_read(const struct pool__xlsx *x);
uint64_t pool__xlsx_bytes_total(const struct pool__xlsx *x);

/* ---- KEC XML documents (pool_xml.c) ---- */

struct pool__xml;

/* A parser for KEC e-tax-invoice documents, reused from one document to the next. *out is
 * owned (pool__xml_destroy). Errors: DURE_ENOMEM. */
int pool__xml_create(struct pool__xml **out, struct dure_err *err);
void pool__xml_destroy(struct pool__xml *x);

/* Start a new document. Errors: DURE_ENOMEM. */
int pool__xml_begin(struct pool__xml *x, struct dure_err *err);

/* Feed the next len bytes of the document (final = 1 with the last piece). Returns 0,
 * DURE_EINVAL when the document is bad (not well-formed, a DOCTYPE, over the limits, a field
 * that does not parse; the message says why, and the document is abandoned), DURE_ENOMEM. */
int pool__xml_feed(struct pool__xml *x, const void *data, size_t len, int final,
                   struct dure_err *err);

/* After the final piece: check the document and fill *inv (cleared first; inv->items points
 * into x until the next pool__xml_begin). Returns 0 or DURE_EINVAL naming the field. */
int pool__xml_finish(struct pool__xml *x, struct pool_invoice *inv, struct dure_err *err);

/* ---- field helpers shared by the list and XML paths (pool_read.c) ---- */

/* Copy src into dst (size n) with surrounding white space removed, cut at a UTF-8 character
 * boundary when it does not fit. */
void pool__copy_text(char *dst, size_t n, const char *src);

/* Read a party's id for field (its column or element name). A business id becomes 10 digits
 * in brn (OUT) with *kind BUSINESS; when allow_person and the id is a resident number, *kind is
 * PERSON and brn is left empty. Messages never repeat a resident number. Returns 0 or
 * DURE_EINVAL. */
int pool__party_id(const char *in, const char *field, int allow_person, enum pool_party_kind *kind,
                   char brn[BRN_SIZE], struct dure_err *err);

/* 종사업장번호: empty, or 1-4 digits padded to 4 (spreadsheets drop leading zeros). */
int pool__branch_parse(const char *in, const char *field, char out[POOL_BRANCH_SIZE],
                       struct dure_err *err);

/* A line item's date: a full date (pool_date_parse) or MMDD in the year of written_on. */
int pool__item_date(const char *in, const char *written_on, char out[REG_DATE_SIZE],
                    struct dure_err *err);

/* A unit price in won (thousands separators allowed), decimals rounded half away from zero. */
int pool__price_parse(const char *in, int64_t *out, struct dure_err *err);

/* An Excel date serial number (text, an optional fraction is the time of day) into YYYY-MM-DD
 * (OUT), in the 1900 system (with its fictitious 1900-02-29, serial 60, rejected) or the 1904
 * system. Returns 0 or DURE_EINVAL. */
int pool__excel_serial_date(const char *serial, int date1904, char out[REG_DATE_SIZE],
                            struct dure_err *err);

#endif
