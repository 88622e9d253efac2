/* SPDX-License-Identifier: Apache-2.0 */
/* A streaming RFC 4180 CSV reader for the files members and public registers hand us:
 * UTF-8 with or without BOM, or CP949 (Korean Excel), detected; quoted fields with commas,
 * newlines and doubled quotes; CRLF or LF; empty lines skipped; hard limits on every size. */
#ifndef DURE_UTIL_CSV_H
#define DURE_UTIL_CSV_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

enum csv_encoding {
    CSV_ENC_AUTO = 0, /* detect: BOM or valid UTF-8 -> UTF-8, otherwise CP949 */
    CSV_ENC_UTF8,
    CSV_ENC_CP949,
};

struct csv_options {
    enum csv_encoding encoding; /* CSV_ENC_AUTO unless the caller knows */
    size_t max_field_bytes;     /* 0 = default 64 KiB (after decoding to UTF-8) */
    size_t max_fields;          /* 0 = default 1024 */
    size_t max_record_bytes;    /* 0 = default 1 MiB */
};

struct csv_reader;

/* Open path for reading. opt may be NULL for defaults. *out is owned; free with csv_close.
 * Errors: DURE_EIO (cannot open/read), DURE_ENOMEM. */
int csv_open_file(const char *path, const struct csv_options *opt, struct csv_reader **out,
                  struct dure_err *err);

/* Read from memory (borrowed: data must outlive the reader). */
int csv_open_mem(const void *data, size_t len, const struct csv_options *opt,
                 struct csv_reader **out, struct dure_err *err);

/* Close and free; r may be NULL. */
void csv_close(struct csv_reader *r);

/* Read the next record. On success returns 0 and sets *has_record to 1 (a record is ready) or
 * 0 (end of input). Errors:
 * - DURE_EINVAL, recoverable: this record is bad (bytes that do not decode, a field or record over
 *   the limit, too many fields, a stray quote inside an unquoted field, text after a closing
 *   quote). err->msg says why; csv_line() and csv_error_column() locate it; the next call goes on
 *   with the following record.
 * - DURE_EINVAL, fatal: a quote opened and never closed before end of input (csv_line() gives
 *   the line where the record began). csv_failed() is then 1 and later calls return the error.
 * - DURE_EIO: a read failed (fatal). */
int csv_next(struct csv_reader *r, int *has_record, struct dure_err *err);

/* Fields of the current record, decoded to UTF-8 and NUL-terminated (embedded NULs are
 * rejected as undecodable). Borrowed: valid until the next csv_next or csv_close. */
size_t csv_nfields(const struct csv_reader *r);
const char *csv_field(const struct csv_reader *r, size_t i);

/* 1-based line number where the current (or failed) record starts. */
uint64_t csv_line(const struct csv_reader *r);

/* 1-based column of the last recoverable error, 0 when not known. */
size_t csv_error_column(const struct csv_reader *r);

/* 1 after a fatal error. */
int csv_failed(const struct csv_reader *r);

/* The encoding in use (after detection). */
enum csv_encoding csv_encoding(const struct csv_reader *r);

/* Bytes consumed so far and total size (0 when unknown), for progress bars. */
uint64_t csv_bytes_read(const struct csv_reader *r);
uint64_t csv_bytes_total(const struct csv_reader *r);

#endif
