/* SPDX-License-Identifier: Apache-2.0 */
/* Bounded string helpers. */
#include "util/str.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

size_t str_copy(char *dst, const char *src, size_t n)
{
    size_t len = strlen(src);
    if (n == 0)
        return len;
    size_t m = len < n - 1 ? len : n - 1;
    memcpy(dst, src, m);
    dst[m] = '\0';
    return len;
}

int str_to_i64(const char *s, int allow_commas, int64_t *out)
{
    char tmp[64];
    size_t j = 0;
    while (*s == ' ' || *s == '\t')
        s++;
    for (; *s != '\0'; s++) {
        if (*s == ',' && allow_commas)
            continue;
        if (j + 1 >= sizeof(tmp))
            return -1;
        tmp[j++] = *s;
    }
    while (j > 0 && (tmp[j - 1] == ' ' || tmp[j - 1] == '\t'))
        j--;
    tmp[j] = '\0';
    if (j == 0)
        return -1;
    size_t k = (tmp[0] == '-' || tmp[0] == '+') ? 1 : 0;
    if (tmp[k] == '\0')
        return -1;
    for (size_t i = k; tmp[i] != '\0'; i++)
        if (!isdigit((unsigned char)tmp[i]))
            return -1;
    errno = 0;
    char *end = NULL;
    long long v = strtoll(tmp, &end, 10);
    if (errno != 0 || end == tmp || *end != '\0')
        return -1;
    *out = (int64_t)v;
    return 0;
}

char *str_trim(char *s)
{
    size_t len = strlen(s);
    while (len > 0 && isspace((unsigned char)s[len - 1]))
        s[--len] = '\0';
    size_t i = 0;
    while (isspace((unsigned char)s[i]))
        i++;
    if (i > 0)
        memmove(s, s + i, len - i + 1);
    return s;
}

int str_is_digits(const char *s)
{
    if (*s == '\0')
        return 0;
    for (; *s != '\0'; s++)
        if (*s < '0' || *s > '9')
            return 0;
    return 1;
}

void str_sanitize(char *dst, size_t n, const char *s, size_t max_chars)
{
    size_t j = 0;
    size_t i = 0;
    if (n == 0)
        return;
    for (; s[i] != '\0' && i < max_chars && j + 1 < n; i++)
        dst[j++] = ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) ? '?' : s[i];
    /* Do not cut a UTF-8 sequence in half. */
    if (s[i] != '\0') {
        while (j > 0 && ((unsigned char)dst[j - 1] & 0xC0) == 0x80)
            j--;
        if (j > 0 && ((unsigned char)dst[j - 1] & 0xC0) == 0xC0)
            j--;
        for (int k = 0; k < 3 && j + 1 < n; k++)
            dst[j++] = '.';
    }
    dst[j] = '\0';
}

void str_hex(char *out, const unsigned char *bytes, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[bytes[i] >> 4];
        out[2 * i + 1] = digits[bytes[i] & 15];
    }
    out[2 * n] = '\0';
}

void str_now_rfc3339(char *out, size_t n)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
