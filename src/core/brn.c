/* SPDX-License-Identifier: Apache-2.0 */
/* 사업자등록번호: the National Tax Service's structure (tax office, type, serial) and its
 * check digit. */
#include "core/brn.h"

#include <string.h>

#include "util/str.h"

/* Longer input is not a BRN however many separators it has; it also bounds the echo. */
#define BRN_INPUT_MAX 32

static const int weights[9] = {1, 3, 7, 1, 3, 7, 1, 3, 5};

int brn_check_digit(const char *digits9)
{
    int sum = 0;
    for (int i = 0; i < 9; i++)
        sum += (digits9[i] - '0') * weights[i];
    /* The ninth digit counts once more: the tens digit of its weighted product. */
    sum += ((digits9[8] - '0') * 5) / 10;
    return (10 - sum % 10) % 10;
}

int brn_parse(const char *in, char out[BRN_SIZE], struct dure_err *err)
{
    char digits[BRN_SIZE];
    char shown[48];
    size_t n = 0;
    size_t len;

    if (in == NULL)
        return dure_err_set(err, DURE_EINVAL, "business registration number is missing");
    len = strlen(in);
    if (len > BRN_INPUT_MAX) {
        str_sanitize(shown, sizeof(shown), in, 16);
        return dure_err_set(err, DURE_EINVAL,
                            "business registration number \"%s\" is too long (%zu bytes)", shown,
                            len);
    }
    for (size_t i = 0; i < len; i++) {
        char c = in[i];
        if (c >= '0' && c <= '9') {
            if (n < BRN_LEN)
                digits[n] = c;
            n++;
        } else if (c != '-' && c != ' ' && c != '\t') {
            str_sanitize(shown, sizeof(shown), in, BRN_INPUT_MAX);
            /* Report the byte in hex when it is not printable (e.g. part of a Hangul letter). */
            if ((unsigned char)c >= 0x21 && (unsigned char)c < 0x7f)
                return dure_err_set(err, DURE_EINVAL,
                                    "business registration number \"%s\" has '%c' at position "
                                    "%zu; only digits and hyphens are allowed",
                                    shown, c, i + 1);
            return dure_err_set(err, DURE_EINVAL,
                                "business registration number \"%s\" has byte 0x%02x at position "
                                "%zu; only digits and hyphens are allowed",
                                shown, (unsigned)(unsigned char)c, i + 1);
        }
    }
    if (n != BRN_LEN) {
        if (n == 0)
            return dure_err_set(err, DURE_EINVAL, "business registration number is empty");
        str_sanitize(shown, sizeof(shown), in, BRN_INPUT_MAX);
        return dure_err_set(err, DURE_EINVAL,
                            "business registration number \"%s\" has %zu digits, expected 10",
                            shown, n);
    }
    digits[BRN_LEN] = '\0';

    int office = (digits[0] - '0') * 100 + (digits[1] - '0') * 10 + (digits[2] - '0');
    if (office < 101)
        return dure_err_set(err, DURE_EINVAL,
                            "business registration number %s: tax office code %.3s is below 101",
                            digits, digits);
    if (digits[3] == '0' && digits[4] == '0')
        return dure_err_set(err, DURE_EINVAL,
                            "business registration number %s: type code (digits 4-5) is 00",
                            digits);
    if (memcmp(digits + 5, "0000", 4) == 0)
        return dure_err_set(err, DURE_EINVAL,
                            "business registration number %s: serial (digits 6-9) is 0000", digits);
    int expected = brn_check_digit(digits);
    if (digits[9] - '0' != expected)
        return dure_err_set(err, DURE_EINVAL,
                            "business registration number %s: check digit is %c, expected %d",
                            digits, digits[9], expected);
    memcpy(out, digits, BRN_SIZE);
    return DURE_OK;
}

void brn_format(const char *brn, char out[BRN_FORMATTED_SIZE])
{
    memcpy(out, brn, 3);
    out[3] = '-';
    memcpy(out + 4, brn + 3, 2);
    out[6] = '-';
    memcpy(out + 7, brn + 5, 5);
    out[12] = '\0';
}
