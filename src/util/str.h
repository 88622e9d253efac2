/* SPDX-License-Identifier: Apache-2.0 */
/* Small bounded string helpers that replace the banned libc calls. */
#ifndef DURE_UTIL_STR_H
#define DURE_UTIL_STR_H

#include <stddef.h>
#include <stdint.h>

/* Copy src into dst of size n, always NUL-terminating; returns strlen(src) (truncated if >= n). */
size_t str_copy(char *dst, const char *src, size_t n);

/* Parse a whole decimal integer (optional sign, optional ',' thousands separators when
 * allow_commas); leading/trailing ASCII spaces allowed. Returns 0 or -1 on any junk/overflow. */
int str_to_i64(const char *s, int allow_commas, int64_t *out);

/* Trim ASCII whitespace at both ends in place; returns s. */
char *str_trim(char *s);

/* 1 when s is non-empty and only ASCII digits. */
int str_is_digits(const char *s);

/* Copy s into dst (size n) keeping at most max_chars bytes, replacing control bytes with '?'
 * and marking truncation with "..."; for echoing untrusted input in messages. */
void str_sanitize(char *dst, size_t n, const char *s, size_t max_chars);

/* Lowercase hex of n bytes into out (size >= 2n+1). */
void str_hex(char *out, const unsigned char *bytes, size_t n);

/* Current time as RFC 3339 UTC "YYYY-MM-DDTHH:MM:SSZ" into out (size >= 21). */
void str_now_rfc3339(char *out, size_t n);

#endif
