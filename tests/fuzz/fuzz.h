/* SPDX-License-Identifier: Apache-2.0 */
/* The libFuzzer entry point every tests/fuzz/fuzz_*.c defines; replay.c calls it on a stored
 * corpus in normal builds, libFuzzer calls it in fuzz builds. */
#ifndef DURE_TESTS_FUZZ_H
#define DURE_TESTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/* Run one input (borrowed, size bytes, not NUL-terminated). Returns 0; a bug aborts. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
