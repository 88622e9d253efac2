/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target for the KEC XML reader. An input starting with "PK" is read as a zip of
 * documents as it is; any other input is read as one .xml document, and then, split at
 * "\n==DOC==\n", as the documents of a zip (stored, with a directory and macOS metadata that
 * must be skipped), so that one broken document never stops the next. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "fuzz_pool.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pool_reader *r = NULL;
    struct dure_err err;
    struct fuzz_zip z;
    const uint8_t *a, *b;
    size_t alen, blen;

    if (size >= 2 && data[0] == 'P' && data[1] == 'K') {
        if (pool_reader_open_mem(data, size, POOL_FMT_XML_ZIP, &r, &err) == 0)
            fuzz_read_all(r, 0, size + 2);
        return 0;
    }
    if (pool_reader_open_mem(data, size, POOL_FMT_XML, &r, &err) == 0)
        fuzz_read_all(r, 0, 2);

    fuzz_split(data, size, "\n==DOC==\n", &a, &alen, &b, &blen);
    memset(&z, 0, sizeof(z));
    fuzz_zip_add(&z, "docs/", "", 0);
    fuzz_zip_add(&z, "__MACOSX/docs/._1.xml", a, alen);
    fuzz_zip_add(&z, "docs/1.xml", a, alen);
    fuzz_zip_add(&z, "docs/note.txt", b, blen);
    fuzz_zip_add(&z, "docs/2.XML", b, blen);
    fuzz_zip_finish(&z);
    if (pool_reader_open_mem(z.data, z.len, POOL_FMT_AUTO, &r, &err) == 0) {
        if (strcmp(pool_reader_format_name(r), "zip of xml") != 0)
            abort();
        /* Two documents: exactly two results, then the end. */
        fuzz_read_all(r, 0, 3);
    }
    fuzz_zip_free(&z);
    return 0;
}
