/* SPDX-License-Identifier: Apache-2.0 */
/* Replays a stored corpus through a fuzz target without libFuzzer, so every normal build
 * (and its sanitizers) runs the inputs that once found bugs. Usage: replay DIR|FILE... */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

/* Corpus files are small; anything bigger is a mistake in the corpus. */
#define REPLAY_MAX_BYTES ((size_t)64 * 1024 * 1024)

/* Run the target on one file. Returns 0 or -1 (message printed). */
static int replay_file(const char *path)
{
    FILE *fp = NULL;
    unsigned char *data = NULL;
    struct stat st;
    size_t len = 0;
    int rc = -1;

    fp = fopen(path, "rb");
    if (fp == NULL) {
        fprintf(stderr, "replay: cannot open %s: %s\n", path, strerror(errno));
        goto out;
    }
    if (fstat(fileno(fp), &st) != 0 || st.st_size < 0 ||
        (unsigned long long)st.st_size > REPLAY_MAX_BYTES) {
        fprintf(stderr, "replay: %s: cannot size or too large\n", path);
        goto out;
    }
    len = (size_t)st.st_size;
    data = malloc(len > 0 ? len : 1);
    if (data == NULL) {
        fprintf(stderr, "replay: out of memory for %s\n", path);
        goto out;
    }
    if (fread(data, 1, len, fp) != len) {
        fprintf(stderr, "replay: cannot read %s\n", path);
        goto out;
    }
    LLVMFuzzerTestOneInput(data, len);
    rc = 0;
out:
    free(data);
    if (fp != NULL)
        fclose(fp);
    return rc;
}

/* Run the target on every regular file directly inside dir; adds to *count.
 * Returns 0 or -1. */
static int replay_dir(const char *dir, size_t *count)
{
    DIR *d = NULL;
    struct dirent *e;
    char path[4096];
    struct stat st;
    int rc = -1;

    d = opendir(dir);
    if (d == NULL) {
        fprintf(stderr, "replay: cannot open directory %s: %s\n", dir, strerror(errno));
        goto out;
    }
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        int n = snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        if (n < 0 || (size_t)n >= sizeof(path)) {
            fprintf(stderr, "replay: path too long in %s\n", dir);
            goto out;
        }
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        if (replay_file(path) != 0)
            goto out;
        (*count)++;
    }
    rc = 0;
out:
    if (d != NULL)
        closedir(d);
    return rc;
}

int main(int argc, char **argv)
{
    size_t count = 0;
    struct stat st;

    if (argc < 2) {
        fprintf(stderr, "usage: %s CORPUS_DIR|FILE...\n", argv[0]);
        return 1;
    }
    for (int i = 1; i < argc; i++) {
        if (stat(argv[i], &st) != 0) {
            fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
            return 1;
        }
        if (S_ISDIR(st.st_mode)) {
            size_t before = count;
            if (replay_dir(argv[i], &count) != 0)
                return 1;
            if (count == before) {
                fprintf(stderr, "replay: %s holds no inputs; is the corpus missing?\n", argv[i]);
                return 1;
            }
        } else {
            if (replay_file(argv[i]) != 0)
                return 1;
            count++;
        }
    }
    printf("replayed %zu inputs\n", count);
    return 0;
}
