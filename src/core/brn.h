/* SPDX-License-Identifier: Apache-2.0 */
/* 사업자등록번호 (business registration number, BRN): parsing, check digit and structure. */
#ifndef DURE_CORE_BRN_H
#define DURE_CORE_BRN_H

#include "util/err.h"

#define BRN_LEN 10
#define BRN_SIZE (BRN_LEN + 1)          /* digits plus NUL */
#define BRN_FORMATTED_SIZE (BRN_LEN + 3) /* "124-81-00998" plus NUL */

/* Parse a BRN given with or without hyphens (also spaces), e.g. "124-81-00998" or "1248100998".
 * Checks: exactly 10 digits; tax-office code (first three) >= 101; middle two not "00"; serial
 * (digits 6-9) not "0000"; check digit (weights 1,3,7,1,3,7,1,3,5 plus the tens digit of 5*d9).
 * out receives the 10 digits (OUT). Returns 0 or DURE_EINVAL with a reason in err. */
int brn_parse(const char *in, char out[BRN_SIZE], struct dure_err *err);

/* The check digit (0-9) for the first nine digits (ASCII '0'..'9'; not validated). */
int brn_check_digit(const char *digits9);

/* Format 10 digits as "XXX-XX-XXXXX" into out (OUT). */
void brn_format(const char *brn, char out[BRN_FORMATTED_SIZE]);

#endif
