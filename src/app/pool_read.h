/* SPDX-License-Identifier: Apache-2.0 */
/* Readers of members' invoice files, one invoice at a time, whatever the format:
 * - Hometax e-tax-invoice list exports (전자(세금)계산서 목록조회, 매출 or 매입) as CSV (UTF-8 with or
 *   without BOM, or CP949) or .xlsx: title rows, then the header row found by its 승인번호 cell,
 *   then one row per invoice carrying its first or representative item; the 33-column layout, or
 *   32 columns for the tax-exempt 계산서 list (no 세액);
 * - the standard e-tax-invoice XML (KEC schema, root TaxInvoice) with every line item, as one
 *   .xml file or a .zip of them.
 * Records come out as struct pool_invoice (core/pool.h) with personal data already dropped. */
#ifndef DURE_APP_POOL_READ_H
#define DURE_APP_POOL_READ_H

#include <stddef.h>
#include <stdint.h>

#include "core/pool.h"
#include "util/err.h"

enum pool_format {
    POOL_FMT_AUTO = 0, /* by content: zip magic (xlsx or zip of xml), '<' (xml), else CSV */
    POOL_FMT_CSV,
    POOL_FMT_XLSX,
    POOL_FMT_XML,
    POOL_FMT_XML_ZIP,
};

struct pool_reader;

/* Open path. *out is owned; close with pool_reader_close. Errors: DURE_EIO (cannot open),
 * DURE_EINVAL (not a readable file of any supported format: message says why),
 * DURE_ETOOBIG (a zip member or sheet over the limits), DURE_ENOMEM. */
int pool_reader_open(const char *path, enum pool_format fmt, struct pool_reader **out,
                     struct dure_err *err);

/* Open the same formats from memory: data (len bytes) is borrowed and must stay valid and
 * unchanged until pool_reader_close. For uploads already in memory and for fuzzing. Errors as
 * pool_reader_open, without DURE_EIO. */
int pool_reader_open_mem(const void *data, size_t len, enum pool_format fmt,
                         struct pool_reader **out, struct dure_err *err);

/* Close and free; r may be NULL. */
void pool_reader_close(struct pool_reader *r);

/* The next invoice into *inv (OUT; inv->items points into the reader and stays valid until the
 * next call). Returns 0 with *has_record = 1, or 0 with *has_record = 0 at the end.
 * Recoverable errors (DURE_EINVAL: a bad row or document: missing approval number, a date that
 * does not exist, an amount that is not a number or out of range, a 25-digit approval number,
 * 공급가액 + 세액 ≠ 합계금액, bytes that do not decode ...) name the field in err->msg and are
 * located by pool_reader_line() / pool_reader_error_column(); the next call goes on.
 * Fatal errors (truncated file, no header row, duplicated or missing required columns, I/O)
 * set pool_reader_failed(). */
int pool_reader_next(struct pool_reader *r, struct pool_invoice *inv, int *has_record,
                     struct dure_err *err);

/* 1-based line (CSV), row (XLSX) or, for XML, the 1-based document number in a zip (1 for a
 * single file) of the current or failed record. */
uint64_t pool_reader_line(const struct pool_reader *r);

/* 1-based column of the last recoverable error, 0 when not known. */
size_t pool_reader_error_column(const struct pool_reader *r);

/* 1 after a fatal error. */
int pool_reader_failed(const struct pool_reader *r);

/* "csv (UTF-8)", "csv (CP949)", "xlsx", "xml", "zip of xml". Static. */
const char *pool_reader_format_name(const struct pool_reader *r);

/* Progress: bytes consumed and total size (0 when unknown). */
uint64_t pool_reader_bytes_read(const struct pool_reader *r);
uint64_t pool_reader_bytes_total(const struct pool_reader *r);

#endif
