/* SPDX-License-Identifier: Apache-2.0 */
/* The data pool's use cases: strict, deduplicated uploads with provenance, consent, data uses
 * and rollups. An upload is one write transaction: every row is checked, the first bad row
 * stops the storing (the rest are still checked so every error is reported), and a file with
 * any error is rolled back whole. A kill in the middle leaves nothing: the transaction never
 * committed. */
#include "app/pool.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/evp.h>

#include "app/events.h"
#include "app/pool_read.h"
#include "util/csv.h"
#include "util/str.h"

#define POOL_HASH_CHUNK (256 * 1024)
#define POOL_PROGRESS_EVERY 4096

void pool_result_cleanup(struct pool_result *res)
{
    if (res == NULL)
        return;
    free(res->errors);
    free(res->conflicts);
    res->errors = NULL;
    res->conflicts = NULL;
    res->nerrors = res->nconflicts = 0;
}

static void add_error(struct pool_result *res, uint64_t line, size_t column, const char *field,
                      const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void add_error(struct pool_result *res, uint64_t line, size_t column, const char *field,
                      const char *fmt, ...)
{
    if (res->nerrors >= IMPORT_MAX_ERRORS) {
        res->errors_dropped++;
        return;
    }
    if (res->errors == NULL &&
        (res->errors = calloc(IMPORT_MAX_ERRORS, sizeof(*res->errors))) == NULL) {
        res->errors_dropped++;
        return;
    }
    struct import_error *e = &res->errors[res->nerrors++];
    memset(e, 0, sizeof(*e));
    e->line = line;
    e->column = column;
    str_copy(e->field, field != NULL ? field : "", sizeof(e->field));
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof(e->message), fmt, ap);
    va_end(ap);
}

static void add_conflict(struct pool_result *res, uint64_t line, const char *approval,
                         const char *why)
{
    if (res->nconflicts >= POOL_MAX_CONFLICTS) {
        res->conflicts_dropped++;
        return;
    }
    if (res->conflicts == NULL &&
        (res->conflicts = calloc(POOL_MAX_CONFLICTS, sizeof(*res->conflicts))) == NULL) {
        res->conflicts_dropped++;
        return;
    }
    struct pool_conflict *c = &res->conflicts[res->nconflicts++];
    c->line = line;
    str_copy(c->approval_no, approval, sizeof(c->approval_no));
    str_copy(c->message, why, sizeof(c->message));
}

/* hex SHA-256 of a file, read in chunks. OpenSSL's libcrypto rather than libsodium here: it
 * picks the CPU's SHA extensions (SHA-NI) at run time, six to seven times faster than
 * libsodium's portable code, and the hash is the one pass over the file that is not also a
 * parse. */
static int file_sha256(const char *path, char out[65], struct dure_err *err)
{
    unsigned char h[EVP_MAX_MD_SIZE];
    unsigned int hlen = 0;
    EVP_MD_CTX *md = NULL;
    unsigned char *chunk = NULL;
    int rc = 0;
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return dure_err_set(err, DURE_EIO, "cannot open %s", path);
    /* Reads are already large; stdio's own buffer would only add a copy. */
    setvbuf(f, NULL, _IONBF, 0);
    chunk = malloc(POOL_HASH_CHUNK);
    md = EVP_MD_CTX_new();
    if (chunk == NULL || md == NULL) {
        rc = dure_err_set(err, DURE_ENOMEM, NULL);
        goto out;
    }
    if (EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
        rc = dure_err_set(err, DURE_EINTERNAL, "sha-256 is not available");
        goto out;
    }
    size_t got;
    while ((got = fread(chunk, 1, POOL_HASH_CHUNK, f)) > 0) {
        if (EVP_DigestUpdate(md, chunk, got) != 1) {
            rc = dure_err_set(err, DURE_EINTERNAL, "sha-256 failed");
            goto out;
        }
    }
    if (ferror(f)) {
        rc = dure_err_set(err, DURE_EIO, "cannot read %s", path);
        goto out;
    }
    if (EVP_DigestFinal_ex(md, h, &hlen) != 1 || hlen != 32) {
        rc = dure_err_set(err, DURE_EINTERNAL, "sha-256 failed");
        goto out;
    }
    str_hex(out, h, hlen);
out:
    EVP_MD_CTX_free(md);
    free(chunk);
    fclose(f);
    return rc;
}

/* The firm an actor uploads or reads for: must be a valid BRN it may act for. */
static int resolve_firm(const struct principal *actor, const char *firm, char out[BRN_SIZE],
                        struct dure_err *err)
{
    if (firm == NULL || firm[0] == '\0') {
        if (actor->role != DURE_ROLE_ADMIN && actor->nfirms == 1) {
            str_copy(out, actor->firms[0], BRN_SIZE);
            return 0;
        }
        return dure_err_set(err, DURE_EINVAL, "firm: say which firm (BRN)");
    }
    int rc = brn_parse(firm, out, err);
    if (rc != 0)
        return rc;
    if (!auth_can_act_for(actor, out))
        return dure_err_set(err, DURE_EFORBIDDEN, "you do not act for firm %s", out);
    return 0;
}

/* Public figures of an upload for its commitment and the member's receipt. */
static json_t *upload_figures(const struct pool_upload *u)
{
    return json_pack("{s:I, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I}", "upload", (json_int_t)u->id,
                     "kind", u->kind, "sha256", u->sha256, "format", u->format, "rows",
                     (json_int_t)u->rows, "new", (json_int_t)u->new_records, "linked",
                     (json_int_t)u->linked, "unchanged", (json_int_t)u->unchanged, "conflicts",
                     (json_int_t)u->conflicts);
}

/* Finish an upload: its figures, the firm's rollups (unless refresh is 0: the caller refreshes
 * them before its transaction commits) and the ledger event. */
static int upload_close(struct store *s, const struct principal *actor, struct pool_result *res,
                        int refresh, struct dure_err *err)
{
    struct pool_upload *u = &res->upload;
    char subject[48];
    int rc = store_upload_finish(s, u, err);
    if (rc == 0 && refresh && u->firm[0] != '\0' && strcmp(u->kind, "invoices") == 0)
        rc = store_rollup_refresh(s, u->firm, err);
    snprintf(subject, sizeof(subject), "upload:%lld", (long long)u->id);
    if (rc == 0)
        rc = events_record_private(s, actor, "upload.accepted", subject,
                                   u->firm[0] != '\0' ? u->firm : "", upload_figures(u),
                                   json_pack("{s:s}", "kind", u->kind), &res->event_seq, err);
    return rc;
}

/* Invoices go to the store in batches (store_invoice_put_batch): one call per few thousand
 * rows, so that PostgreSQL can COPY them and SQLite runs its statements back to back. A batch
 * holds copies (the reader's records are only valid until its next call) and is never stored
 * once the file has an error. POOL_BATCH_ITEMS bounds the line items a batch copies; an
 * invoice with more (a KEC XML may carry 10,000) travels in a batch of its own. */
#define POOL_BATCH 2048
#define POOL_BATCH_ITEMS 8192

struct invoice_batch {
    struct pool_invoice *invs;
    uint64_t *lines;
    size_t *first_item; /* index into items of each invoice's first line item */
    enum store_invoice_outcome *outcomes;
    char (*why)[STORE_INVOICE_WHY_SIZE];
    struct pool_item *items;
    size_t n, nitems, items_cap;
    enum pool_side side;
};

static void batch_cleanup(struct invoice_batch *b)
{
    free(b->invs);
    free(b->lines);
    free(b->first_item);
    free(b->outcomes);
    free(b->why);
    free(b->items);
    memset(b, 0, sizeof(*b));
}

static int batch_init(struct invoice_batch *b, struct dure_err *err)
{
    memset(b, 0, sizeof(*b));
    b->invs = malloc(POOL_BATCH * sizeof(*b->invs));
    b->lines = malloc(POOL_BATCH * sizeof(*b->lines));
    b->first_item = malloc(POOL_BATCH * sizeof(*b->first_item));
    b->outcomes = malloc(POOL_BATCH * sizeof(*b->outcomes));
    b->why = malloc(POOL_BATCH * sizeof(*b->why));
    b->items_cap = POOL_BATCH_ITEMS;
    b->items = malloc(b->items_cap * sizeof(*b->items));
    if (b->invs == NULL || b->lines == NULL || b->first_item == NULL || b->outcomes == NULL ||
        b->why == NULL || b->items == NULL) {
        batch_cleanup(b);
        return dure_err_set(err, DURE_ENOMEM, NULL);
    }
    return 0;
}

/* Store the batch and count what happened to each invoice, in file order. */
static int batch_flush(struct store *s, struct invoice_batch *b, struct pool_result *res,
                       struct dure_err *err)
{
    struct pool_upload *u = &res->upload;
    if (b->n == 0)
        return 0;
    for (size_t i = 0; i < b->n; i++)
        b->invs[i].items = b->invs[i].nitems > 0 ? &b->items[b->first_item[i]] : NULL;
    int rc = store_invoice_put_batch(s, u->id, u->firm, b->side, b->invs, b->n, b->outcomes,
                                     b->why, err);
    for (size_t i = 0; i < b->n && rc == 0; i++) {
        switch (b->outcomes[i]) {
        case STORE_INVOICE_NEW:
            u->new_records++;
            break;
        case STORE_INVOICE_LINKED:
            u->linked++;
            break;
        case STORE_INVOICE_UNCHANGED:
        case STORE_INVOICE_UPGRADED:
            u->unchanged++;
            break;
        case STORE_INVOICE_CONFLICT:
            u->conflicts++;
            add_conflict(res, b->lines[i], b->invs[i].approval_no, b->why[i]);
            break;
        }
    }
    b->n = 0;
    b->nitems = 0;
    return rc;
}

/* Copy inv (read on line) into the batch, storing the batch first when it is full or holds the
 * other side. */
static int batch_add(struct store *s, struct invoice_batch *b, const struct pool_invoice *inv,
                     enum pool_side side, uint64_t line, struct pool_result *res,
                     struct dure_err *err)
{
    int rc = 0;
    if (b->n > 0 && (b->n == POOL_BATCH || b->side != side ||
                     inv->nitems > b->items_cap - b->nitems))
        rc = batch_flush(s, b, res, err);
    if (rc != 0)
        return rc;
    if (inv->nitems > b->items_cap) {
        struct pool_item *grown = realloc(b->items, inv->nitems * sizeof(*grown));
        if (grown == NULL)
            return dure_err_set(err, DURE_ENOMEM, NULL);
        b->items = grown;
        b->items_cap = inv->nitems;
    }
    b->side = side;
    b->invs[b->n] = *inv;
    b->invs[b->n].items = NULL;
    b->lines[b->n] = line;
    b->first_item[b->n] = b->nitems;
    if (inv->nitems > 0)
        memcpy(&b->items[b->nitems], inv->items, inv->nitems * sizeof(*inv->items));
    b->nitems += inv->nitems;
    b->n++;
    return 0;
}

/* ---- reading ahead (pool_upload_files) ---- */

/* While one file is stored, a helper thread hashes and parses the next ones: the parse is a
 * third of an import's work and needs no database, so on a machine with a second CPU it runs
 * beside the writer. A file of more than POOL_AHEAD_ROWS records is hashed and checked ahead
 * without keeping its records, and read again by the writer as pool_upload reads it, which
 * keeps the memory bounded; checked clean, it too is stored without a savepoint. */
#define POOL_AHEAD_FILES 2
#define POOL_AHEAD_ROWS 4096

/* One record as pool_reader_next gave it: an invoice (its items at first_item in the file's
 * items) or an error where it happened. */
struct ahead_rec {
    int rc;
    int failed;
    uint64_t line;
    size_t column;
    char *msg;
    struct pool_invoice inv;
    size_t first_item;
};

/* A file read ahead: its hash, and when parsed = 1, every record of it in order. A longer file
 * is read to its end all the same without keeping its records (checked = 1): whether every
 * record is an invoice, and of which firms it could then be the upload (the first record's
 * supplier or buyer, when every record names that firm). */
struct ahead {
    int ready;
    int sha_rc;
    struct dure_err sha_err;
    char sha256[65];
    int checked;
    char party[2][BRN_SIZE]; /* the first record's 공급자 and 공급받는자 */
    int every[2];            /* every record names party[k] on one side or the other */
    int parsed;
    char format[24];
    uint64_t bytes_total;
    struct ahead_rec *recs;
    size_t nrecs, recs_cap;
    struct pool_item *items;
    size_t nitems, items_cap;
};

static void ahead_free(struct ahead *a)
{
    for (size_t i = 0; i < a->nrecs; i++)
        free(a->recs[i].msg);
    free(a->recs);
    free(a->items);
    a->recs = NULL;
    a->items = NULL;
    a->nrecs = a->recs_cap = a->nitems = a->items_cap = 0;
}

/* Room for one more record and n more items; -1 when out of memory. */
static int ahead_reserve(struct ahead *a, size_t n)
{
    if (a->nrecs == a->recs_cap) {
        size_t cap = a->recs_cap ? 2 * a->recs_cap : 256;
        struct ahead_rec *r = realloc(a->recs, cap * sizeof(*r));
        if (r == NULL)
            return -1;
        a->recs = r;
        a->recs_cap = cap;
    }
    if (n > a->items_cap - a->nitems) {
        size_t cap = a->items_cap ? 2 * a->items_cap : 256;
        while (cap - a->nitems < n)
            cap *= 2;
        struct pool_item *it = realloc(a->items, cap * sizeof(*it));
        if (it == NULL)
            return -1;
        a->items = it;
        a->items_cap = cap;
    }
    return 0;
}

/* Note that record inv was read well: the firms the file could belong to. */
static void ahead_note_parties(struct ahead *a, const struct pool_invoice *inv, int first)
{
    if (first) {
        str_copy(a->party[0], inv->supplier_brn, BRN_SIZE);
        str_copy(a->party[1], inv->buyer_brn, BRN_SIZE);
        a->every[0] = a->every[1] = 1;
        return;
    }
    for (int k = 0; k < 2; k++)
        if (a->every[k] && strcmp(inv->supplier_brn, a->party[k]) != 0 &&
            strcmp(inv->buyer_brn, a->party[k]) != 0)
            a->every[k] = 0;
}

/* Hash path and, when it is short enough, parse it whole into a; a longer file is only
 * checked to its end. On the helper thread. */
static void ahead_read(const char *path, struct ahead *a)
{
    struct pool_reader *rd = NULL;
    struct dure_err e;
    size_t good = 0; /* records read well */
    int bad = 0;     /* a record was not */
    int keep = 1;    /* the records are kept */
    a->sha_rc = file_sha256(path, a->sha256, &a->sha_err);
    if (a->sha_rc != 0 || pool_reader_open(path, POOL_FMT_AUTO, &rd, &e) != 0)
        return; /* the writer opens it again and meets the error itself */
    str_copy(a->format, pool_reader_format_name(rd), sizeof(a->format));
    a->bytes_total = pool_reader_bytes_total(rd);
    for (;;) {
        struct pool_invoice inv;
        int has = 0;
        int rc = pool_reader_next(rd, &inv, &has, &e);
        if (rc == 0 && !has) {
            a->parsed = keep;
            a->checked = !bad;
            break;
        }
        int failed = rc != 0 && pool_reader_failed(rd); /* and the reading ends here */
        if (rc != 0)
            bad = 1;
        else
            ahead_note_parties(a, &inv, good++ == 0);
        if (keep &&
            (a->nrecs == POOL_AHEAD_ROWS || ahead_reserve(a, rc == 0 ? inv.nitems : 0) != 0)) {
            keep = 0; /* too long to keep (or no memory for it): only checked from here on */
            ahead_free(a);
        }
        if (!keep) {
            if (failed)
                break;
            continue;
        }
        struct ahead_rec *r = &a->recs[a->nrecs];
        memset(r, 0, sizeof(*r));
        r->rc = rc;
        r->line = pool_reader_line(rd);
        r->column = pool_reader_error_column(rd);
        if (rc != 0) {
            r->failed = failed;
            if ((r->msg = strdup(e.msg)) == NULL) {
                keep = 0;
                ahead_free(a);
                if (failed)
                    break;
                continue;
            }
            a->nrecs++;
            if (failed) {
                a->parsed = 1;
                break;
            }
            continue;
        }
        r->inv = inv;
        r->inv.items = NULL;
        r->first_item = a->nitems;
        if (inv.nitems > 0)
            memcpy(&a->items[a->nitems], inv.items, inv.nitems * sizeof(*inv.items));
        a->nitems += inv.nitems;
        a->nrecs++;
    }
    pool_reader_close(rd);
    if (!a->parsed)
        ahead_free(a);
}

/* Where ingest_invoices gets its records: a reader, or a file read ahead (a, from record at). */
struct inv_source {
    struct pool_reader *rd;
    const struct ahead *a;
    size_t at;
    uint64_t line;
    size_t column;
    int failed;
};

static int source_next(struct inv_source *src, struct pool_invoice *inv, int *has,
                       struct dure_err *e)
{
    if (src->a == NULL) {
        int rc = pool_reader_next(src->rd, inv, has, e);
        src->line = pool_reader_line(src->rd);
        src->column = pool_reader_error_column(src->rd);
        src->failed = rc != 0 && pool_reader_failed(src->rd);
        return rc;
    }
    *has = 0;
    if (src->at == src->a->nrecs)
        return 0;
    const struct ahead_rec *r = &src->a->recs[src->at++];
    src->line = r->line;
    src->column = r->column;
    src->failed = r->failed;
    if (r->rc != 0) {
        dure_err_set(e, r->rc, "%s", r->msg);
        return r->rc;
    }
    *inv = r->inv;
    inv->items = r->inv.nitems > 0 ? &src->a->items[r->first_item] : NULL;
    *has = 1;
    return 0;
}

static void source_progress(const struct inv_source *src, import_progress_fn progress, void *pctx)
{
    if (progress == NULL)
        return;
    if (src->a == NULL)
        progress(pctx, pool_reader_bytes_read(src->rd), pool_reader_bytes_total(src->rd));
    else
        progress(pctx,
                 src->a->nrecs > 0 ? src->a->bytes_total * src->at / src->a->nrecs
                                   : src->a->bytes_total,
                 src->a->bytes_total);
}

static int ingest_invoices(struct store *s, struct inv_source *src, struct pool_result *res,
                           import_progress_fn progress, void *pctx, struct dure_err *err)
{
    struct pool_upload *u = &res->upload;
    struct invoice_batch batch;
    struct pool_invoice inv;
    struct dure_err e;
    int has = 0, rc = batch_init(&batch, err);
    if (rc != 0)
        return rc;
    for (;;) {
        rc = source_next(src, &inv, &has, &e);
        if (rc != 0) {
            add_error(res, src->line, src->column, "", "%s", e.msg);
            rc = 0;
            if (src->failed)
                break;
            continue;
        }
        if (!has)
            break;
        u->rows++;
        if (u->rows % POOL_PROGRESS_EVERY == 0)
            source_progress(src, progress, pctx);
        enum pool_side side;
        if (strcmp(inv.supplier_brn, u->firm) == 0) {
            side = POOL_SIDE_ISSUED;
        } else if (strcmp(inv.buyer_brn, u->firm) == 0) {
            side = POOL_SIDE_RECEIVED;
        } else {
            add_error(res, src->line, 0, "",
                      "neither 공급자 nor 공급받는자 is the uploading firm %s", u->firm);
            continue;
        }
        if (res->nerrors > 0 || res->errors_dropped > 0)
            continue; /* the file is rejected; only check the rest */
        rc = batch_add(s, &batch, &inv, side, src->line, res, err);
        if (rc != 0)
            goto out;
    }
    if (res->nerrors == 0 && res->errors_dropped == 0)
        rc = batch_flush(s, &batch, res, err);
    if (rc == 0)
        source_progress(src, progress, pctx);
out:
    batch_cleanup(&batch);
    return rc;
}

/* KPI columns: English names first (the layout dure documents), Korean aliases after. */
enum { K_BRN, K_MONTH, K_REVENUE, K_PRODUCTION, K_EXPORTS, K_EMPLOYEES, K_NCOLS };
static const char *const kpi_names[K_NCOLS][3] = {
    [K_BRN] = {"brn", "사업자등록번호", NULL},
    [K_MONTH] = {"month", "월", "기준월"},
    [K_REVENUE] = {"revenue_krw", "매출액", NULL},
    [K_PRODUCTION] = {"production_krw", "생산액", NULL},
    [K_EXPORTS] = {"exports_krw", "수출액", NULL},
    [K_EMPLOYEES] = {"employees", "종업원수", NULL},
};

/* The (brn, month) pairs of a KPI file with the line of each, so that a month given twice is
 * an error rather than a silent overwrite. Open addressing; line 0 marks a free slot (data
 * lines start at 2). */
struct kpi_slot {
    char key[BRN_SIZE + POOL_MONTH_SIZE];
    uint64_t line;
};
struct kpi_seen {
    struct kpi_slot *slots;
    size_t cap, n;
};

static size_t kpi_slot_of(const struct kpi_seen *t, const char *key)
{
    uint64_t h = UINT64_C(14695981039346656037);
    for (const unsigned char *p = (const unsigned char *)key; *p != '\0'; p++)
        h = (h ^ *p) * UINT64_C(1099511628211);
    size_t i = (size_t)h & (t->cap - 1);
    while (t->slots[i].line != 0 && strcmp(t->slots[i].key, key) != 0)
        i = (i + 1) & (t->cap - 1);
    return i;
}

/* Add key seen on line; *first (OUT) is the line that had it already, 0 when it is new. */
static int kpi_seen_add(struct kpi_seen *t, const char *key, uint64_t line, uint64_t *first,
                        struct dure_err *err)
{
    *first = 0;
    if ((t->n + 1) * 2 > t->cap) {
        struct kpi_seen grown = {NULL, t->cap > 0 ? t->cap * 2 : 1024, t->n};
        grown.slots = calloc(grown.cap, sizeof(*grown.slots));
        if (grown.slots == NULL)
            return dure_err_set(err, DURE_ENOMEM, NULL);
        for (size_t i = 0; i < t->cap; i++)
            if (t->slots[i].line != 0)
                grown.slots[kpi_slot_of(&grown, t->slots[i].key)] = t->slots[i];
        free(t->slots);
        *t = grown;
    }
    struct kpi_slot *slot = &t->slots[kpi_slot_of(t, key)];
    if (slot->line != 0) {
        *first = slot->line;
        return 0;
    }
    str_copy(slot->key, key, sizeof(slot->key));
    slot->line = line;
    t->n++;
    return 0;
}

static int ingest_kpis(struct store *s, const struct principal *actor, struct csv_reader *csv,
                       struct pool_result *res, const char *only_firm, import_progress_fn progress,
                       void *pctx, struct dure_err *err)
{
    struct pool_upload *u = &res->upload;
    struct kpi_seen seen = {NULL, 0, 0};
    long col[K_NCOLS];
    size_t header_fields = 0;
    int has = 0, rc = 0;
    struct dure_err e;
    /* The header is the first record. */
    rc = csv_next(csv, &has, &e);
    if (rc != 0 || !has) {
        add_error(res, 1, 0, "", "%s", rc != 0 ? e.msg : "the file is empty");
        return 0;
    }
    header_fields = csv_nfields(csv);
    for (size_t c = 0; c < K_NCOLS; c++) {
        col[c] = -1;
        for (size_t i = 0; i < header_fields; i++) {
            char cell[64];
            str_copy(cell, csv_field(csv, i), sizeof(cell));
            str_trim(cell);
            for (size_t k = 0; k < 3 && kpi_names[c][k] != NULL; k++) {
                if (strcmp(cell, kpi_names[c][k]) != 0)
                    continue;
                if (col[c] >= 0)
                    add_error(res, 1, i + 1, kpi_names[c][0], "column %s appears twice",
                              kpi_names[c][0]);
                col[c] = (long)i;
            }
        }
        if (col[c] < 0)
            add_error(res, 1, 0, kpi_names[c][0], "required column %s is missing", kpi_names[c][0]);
    }
    if (res->nerrors > 0)
        return 0;
    for (;;) {
        rc = csv_next(csv, &has, &e);
        if (rc != 0) {
            add_error(res, csv_line(csv), csv_error_column(csv), "", "%s", e.msg);
            if (csv_failed(csv))
                break;
            continue;
        }
        if (!has)
            break;
        u->rows++;
        uint64_t line = csv_line(csv);
        if (csv_nfields(csv) != header_fields) {
            add_error(res, line, 0, "", "expected %zu columns as in the header, found %zu",
                      header_fields, csv_nfields(csv));
            continue;
        }
        struct pool_kpi k;
        memset(&k, 0, sizeof(k));
        size_t before = res->nerrors + res->errors_dropped;
        if (brn_parse(csv_field(csv, (size_t)col[K_BRN]), k.brn, &e) != 0)
            add_error(res, line, (size_t)col[K_BRN] + 1, "brn", "brn: %s", e.msg);
        else if (only_firm != NULL && strcmp(k.brn, only_firm) != 0)
            add_error(res, line, (size_t)col[K_BRN] + 1, "brn",
                      "brn: %s is not the uploading firm %s", k.brn, only_firm);
        else if (!auth_can_act_for(actor, k.brn))
            add_error(res, line, (size_t)col[K_BRN] + 1, "brn", "brn: you do not act for %s",
                      k.brn);
        if (pool_month_parse(csv_field(csv, (size_t)col[K_MONTH]), k.month, &e) != 0)
            add_error(res, line, (size_t)col[K_MONTH] + 1, "month", "month: %s", e.msg);
        int64_t *vals[] = {&k.revenue_krw, &k.production_krw, &k.exports_krw, &k.employees};
        for (size_t c = K_REVENUE; c <= K_EMPLOYEES; c++) {
            if (pool_amount_parse(csv_field(csv, (size_t)col[c]), vals[c - K_REVENUE], &e) != 0 ||
                *vals[c - K_REVENUE] < 0)
                add_error(res, line, (size_t)col[c] + 1, kpi_names[c][0],
                          "%s: not a whole number of at least 0", kpi_names[c][0]);
        }
        if (res->nerrors + res->errors_dropped == before) {
            char key[BRN_SIZE + POOL_MONTH_SIZE];
            uint64_t first = 0;
            snprintf(key, sizeof(key), "%s%s", k.brn, k.month);
            rc = kpi_seen_add(&seen, key, line, &first, err);
            if (rc != 0)
                goto out;
            if (first != 0)
                add_error(res, line, (size_t)col[K_MONTH] + 1, "month",
                          "month: %s of firm %s is already on line %llu", k.month, k.brn,
                          (unsigned long long)first);
        }
        if (res->nerrors + res->errors_dropped != before || res->nerrors > 0)
            continue;
        struct firm f;
        rc = store_firm_get(s, k.brn, &f, err);
        if (rc == DURE_ENOTFOUND) {
            add_error(res, line, (size_t)col[K_BRN] + 1, "brn", "brn: firm %s is not registered",
                      k.brn);
            rc = 0;
            continue;
        }
        if (rc != 0)
            goto out;
        int changed = 0;
        rc = store_kpi_put(s, u->id, &k, &changed, err);
        if (rc != 0)
            goto out;
        if (changed == 0)
            u->unchanged++;
        else
            u->new_records++;
        if (progress != NULL && u->rows % POOL_PROGRESS_EVERY == 0)
            progress(pctx, csv_bytes_read(csv), csv_bytes_total(csv));
    }
    rc = 0;
out:
    free(seen.slots);
    return rc;
}

/* A file read ahead whose every record is an invoice of firm: storing it can then fail only
 * in the store itself (or if the file changes before the writer reads it again). */
static int ahead_clean(const struct ahead *a, const char *firm)
{
    if (a == NULL)
        return 0;
    if (a->parsed) {
        for (size_t i = 0; i < a->nrecs; i++) {
            const struct ahead_rec *r = &a->recs[i];
            if (r->rc != 0 ||
                (strcmp(r->inv.supplier_brn, firm) != 0 && strcmp(r->inv.buyer_brn, firm) != 0))
                return 0;
        }
        return 1;
    }
    return a->checked && ((a->every[0] && strcmp(a->party[0], firm) == 0) ||
                          (a->every[1] && strcmp(a->party[1], firm) == 0));
}

/* How upload_one stores a file: in a transaction of its own (pool_upload); in the caller's open
 * transaction, in a savepoint unless the file was read ahead and found clean (a savepoint
 * copies every page the file changes first, about a tenth of an import's time); or in the
 * caller's transaction and always in a savepoint (a group stored again). In the caller's
 * transaction the firm's rollups are left to the caller, who refreshes each firm once before
 * it commits (a firm's issued and received lists usually share a group). */
enum upload_mode { UPLOAD_ALONE, UPLOAD_GROUPED, UPLOAD_GROUPED_SAVEPOINT };

/* pool_upload, in the given mode. *lost is set when the file failed after it wrote to the
 * caller's transaction without a savepoint: that transaction must be rolled back whole. */
static int upload_one(struct app *app, const struct principal *actor, const char *kind,
                      const char *firm, const char *path, const char *filename,
                      enum upload_mode mode, const struct ahead *a, import_progress_fn progress,
                      void *progress_ctx, struct pool_result *res, int *lost,
                      struct dure_err *err)
{
    struct inv_source src;
    struct store *s = NULL;
    struct pool_reader *rd = NULL;
    struct csv_reader *csv = NULL;
    struct pool_upload *u = &res->upload;
    int rc = 0, in_tx = 0, unit = 1; /* in a transaction or savepoint of its own */
    int invoices = kind != NULL && strcmp(kind, "invoices") == 0;
    *lost = 0;
    memset(res, 0, sizeof(*res));
    res->event_seq = -1;
    if (!invoices && (kind == NULL || strcmp(kind, "kpis") != 0))
        return dure_err_set(err, DURE_EINVAL, "kind: invoices or kpis");
    str_copy(u->kind, kind, sizeof(u->kind));
    str_copy(u->actor, actor->actor, sizeof(u->actor));
    str_now_rfc3339(u->created_at, sizeof(u->created_at));
    if (filename != NULL)
        str_sanitize(u->filename, sizeof(u->filename), filename, 100);
    if (invoices || firm != NULL || actor->role != DURE_ROLE_ADMIN) {
        rc = resolve_firm(actor, firm, u->firm, err);
        if (rc != 0)
            return rc;
    }
    if (a != NULL && a->sha_rc != 0) {
        *err = a->sha_err;
        return a->sha_rc;
    }
    if (a != NULL)
        str_copy(u->sha256, a->sha256, sizeof(u->sha256));
    else if ((rc = file_sha256(path, u->sha256, err)) != 0)
        return rc;
    if ((rc = app_store(app, &s, err)) != 0)
        return rc;

    /* The same file again changes nothing. */
    rc = store_upload_find(s, u->firm, u->kind, u->sha256, u, err);
    if (rc == 0) {
        res->already = 1;
        return 0;
    }
    if (rc != DURE_ENOTFOUND)
        return rc;
    str_copy(u->actor, actor->actor, sizeof(u->actor));
    str_now_rfc3339(u->created_at, sizeof(u->created_at));

    memset(&src, 0, sizeof(src));
    if (invoices && a != NULL && a->parsed) {
        src.a = a;
        str_copy(u->format, a->format, sizeof(u->format));
    } else if (invoices) {
        rc = pool_reader_open(path, POOL_FMT_AUTO, &rd, err);
        if (rc == DURE_EINVAL) {
            add_error(res, 1, 0, "", "%s", err->msg);
            rc = 0;
            goto out;
        }
        if (rc != 0)
            goto out;
        str_copy(u->format, pool_reader_format_name(rd), sizeof(u->format));
        src.rd = rd;
    } else {
        rc = csv_open_file(path, NULL, &csv, err);
        if (rc != 0)
            goto out;
        str_copy(u->format, "csv", sizeof(u->format));
    }
    if (mode == UPLOAD_GROUPED && invoices && ahead_clean(a, u->firm))
        unit = 0;
    if ((rc = mode == UPLOAD_ALONE ? store_begin(s, err) : unit ? store_savepoint(s, err) : 0) != 0)
        goto out;
    in_tx = 1;
    if (u->firm[0] != '\0') {
        struct firm f;
        rc = store_firm_get(s, u->firm, &f, err);
        if (rc == DURE_ENOTFOUND)
            rc = dure_err_set(err, DURE_ENOTFOUND, "firm %s is not registered", u->firm);
        if (rc != 0)
            goto out;
    }
    if ((rc = store_upload_create(s, u, err)) != 0)
        goto out;
    if (invoices)
        rc = ingest_invoices(s, &src, res, progress, progress_ctx, err);
    else
        rc = ingest_kpis(s, actor, csv, res, u->firm[0] != '\0' ? u->firm : NULL, progress,
                         progress_ctx, err);
    if (csv != NULL)
        str_copy(u->format, csv_encoding(csv) == CSV_ENC_CP949 ? "csv (CP949)" : "csv (UTF-8)",
                 sizeof(u->format));
    if (rc == 0 && res->nerrors == 0 && res->errors_dropped == 0)
        rc = upload_close(s, actor, res, mode == UPLOAD_ALONE, err);
out:
    if (rc == 0 && (res->nerrors > 0 || res->errors_dropped > 0))
        rc = dure_err_set(err, DURE_EUNPROCESSABLE, "%zu error%s in the file; nothing was stored",
                          res->nerrors + res->errors_dropped,
                          res->nerrors + res->errors_dropped == 1 ? "" : "s");
    if (in_tx) {
        if (rc == 0 && unit)
            rc = mode == UPLOAD_ALONE ? store_commit(s, err) : store_savepoint_release(s, err);
        if (rc != 0) {
            if (mode == UPLOAD_ALONE)
                store_rollback(s);
            else if (unit)
                store_savepoint_rollback(s);
            else
                *lost = 1;
        }
    }
    if (rc != 0)
        u->id = 0;
    pool_reader_close(rd);
    csv_close(csv);
    return rc;
}

int pool_upload(struct app *app, const struct principal *actor, const char *kind, const char *firm,
                const char *path, const char *filename, import_progress_fn progress,
                void *progress_ctx, struct pool_result *res, struct dure_err *err)
{
    int lost;
    return upload_one(app, actor, kind, firm, path, filename, UPLOAD_ALONE, NULL, progress,
                      progress_ctx, res, &lost, err);
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* pool_upload_files: the progress of one file as progress of them all. */
struct files_progress {
    import_progress_fn fn;
    void *ctx;
    uint64_t before, total;
};

static void files_progress(void *ctx, uint64_t done, uint64_t total)
{
    struct files_progress *fp = ctx;
    (void)total;
    fp->fn(fp->ctx, fp->before + done, fp->total);
}

/* Report files [from, to) once their group is final: a failed commit fails them all. */
static void files_settle(struct pool_file *files, size_t from, size_t to, int commit_rc,
                         const struct dure_err *commit_err, pool_file_done_fn done, void *ctx)
{
    for (size_t i = from; i < to; i++) {
        struct pool_file *f = &files[i];
        if (commit_rc != 0 && f->rc == 0 && !f->res.already) {
            f->rc = commit_rc;
            f->err = *commit_err;
            f->res.upload.id = 0;
        }
        if (done != NULL)
            done(ctx, i, f);
    }
}

/* The helper thread of pool_upload_files: files read ahead, at most POOL_AHEAD_FILES past the
 * one being stored. */
struct reader_ahead {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    const struct pool_file *files;
    struct ahead *slots;
    size_t n;
    size_t consumed; /* files the writer is done with */
    int stop;
};

static void *reader_ahead_main(void *arg)
{
    struct reader_ahead *ra = arg;
    for (size_t i = 0; i < ra->n; i++) {
        pthread_mutex_lock(&ra->mu);
        while (!ra->stop && i >= ra->consumed + POOL_AHEAD_FILES)
            pthread_cond_wait(&ra->cv, &ra->mu);
        int stop = ra->stop;
        pthread_mutex_unlock(&ra->mu);
        if (stop)
            break;
        ahead_read(ra->files[i].path, &ra->slots[i]);
        pthread_mutex_lock(&ra->mu);
        ra->slots[i].ready = 1;
        pthread_cond_broadcast(&ra->cv);
        pthread_mutex_unlock(&ra->mu);
    }
    return NULL;
}

/* Start reading files ahead; 0 when it could not (the writer then reads every file itself). */
static int reader_ahead_start(struct reader_ahead *ra, const struct pool_file *files, size_t n)
{
    memset(ra, 0, sizeof(*ra));
    ra->files = files;
    ra->n = n;
    if ((ra->slots = calloc(n, sizeof(*ra->slots))) == NULL)
        return 0;
    pthread_mutex_init(&ra->mu, NULL);
    pthread_cond_init(&ra->cv, NULL);
    if (pthread_create(&ra->thread, NULL, reader_ahead_main, ra) != 0) {
        pthread_cond_destroy(&ra->cv);
        pthread_mutex_destroy(&ra->mu);
        free(ra->slots);
        ra->slots = NULL;
        return 0;
    }
    return 1;
}

/* File i, once the helper has read it; NULL when nothing is read ahead. */
static const struct ahead *reader_ahead_wait(struct reader_ahead *ra, size_t i)
{
    if (ra->slots == NULL)
        return NULL;
    pthread_mutex_lock(&ra->mu);
    while (!ra->slots[i].ready)
        pthread_cond_wait(&ra->cv, &ra->mu);
    pthread_mutex_unlock(&ra->mu);
    return &ra->slots[i];
}

/* The writer is done with file i: free what was read of it and let the helper go on (a file
 * stored again is not read ahead again). */
static void reader_ahead_done(struct reader_ahead *ra, size_t i)
{
    if (ra->slots == NULL || i < ra->consumed)
        return;
    ahead_free(&ra->slots[i]);
    pthread_mutex_lock(&ra->mu);
    ra->consumed = i + 1;
    pthread_cond_broadcast(&ra->cv);
    pthread_mutex_unlock(&ra->mu);
}

static void reader_ahead_stop(struct reader_ahead *ra)
{
    if (ra->slots == NULL)
        return;
    pthread_mutex_lock(&ra->mu);
    ra->stop = 1;
    pthread_cond_broadcast(&ra->cv);
    pthread_mutex_unlock(&ra->mu);
    pthread_join(ra->thread, NULL);
    for (size_t i = 0; i < ra->n; i++)
        ahead_free(&ra->slots[i]);
    free(ra->slots);
    pthread_cond_destroy(&ra->cv);
    pthread_mutex_destroy(&ra->mu);
}

/* Add firm to the n firms of a group unless it is there already (a group holds a few hundred). */
static void firms_add(char (*firms)[BRN_SIZE], size_t *n, const char *firm)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp(firms[i], firm) == 0)
            return;
    str_copy(firms[*n], firm, BRN_SIZE);
    (*n)++;
}

int pool_upload_files(struct app *app, const struct principal *actor, const char *kind,
                      struct pool_file *files, size_t n, import_progress_fn progress,
                      void *progress_ctx, pool_file_done_fn done, void *done_ctx,
                      struct dure_err *err)
{
    struct store *s = NULL;
    struct files_progress fp = {progress, progress_ctx, 0, 0};
    struct reader_ahead ra;
    size_t first = 0;   /* the first file of the open group */
    size_t redo = 0;    /* files before this one are stored again, each in a savepoint */
    uint64_t rows = 0;  /* rows stored in the open group */
    double began = 0;   /* when it began */
    int in_tx = 0, rc = 0;
    struct dure_err cerr;
    uint64_t *sizes = NULL; /* of each file, for the progress of them all */
    char(*firms)[BRN_SIZE] = NULL; /* the firms whose invoices the open group stored */
    size_t nfirms = 0;
    dure_err_clear(&cerr);
    memset(&ra, 0, sizeof(ra));

    if ((rc = app_store(app, &s, err)) != 0)
        return rc;
    sizes = calloc(n + 1, sizeof(*sizes));
    firms = calloc(n + 1, sizeof(*firms));
    if (sizes == NULL || firms == NULL) {
        free(sizes);
        free(firms);
        return dure_err_set(err, DURE_ENOMEM, NULL);
    }
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        if (stat(files[i].path, &st) == 0 && st.st_size > 0)
            sizes[i] = (uint64_t)st.st_size;
        fp.total += sizes[i];
    }
    /* Only invoice files are read ahead; KPI files are small and few. */
    if (kind != NULL && strcmp(kind, "invoices") == 0 && n > 1)
        reader_ahead_start(&ra, files, n);
    for (size_t i = 0; i < n; i++) {
        struct pool_file *f = &files[i];
        dure_err_clear(&f->err);
        if (!in_tx) {
            if ((rc = store_begin(s, err)) != 0) {
                /* Nothing more can be stored: the rest fail with the reason. */
                for (size_t k = i; k < n; k++) {
                    files[k].rc = rc;
                    files[k].err = *err;
                    memset(&files[k].res, 0, sizeof(files[k].res));
                    files[k].res.event_seq = -1;
                }
                files_settle(files, i, n, 0, err, done, done_ctx);
                break;
            }
            in_tx = 1;
            first = i;
            rows = 0;
            nfirms = 0;
            began = now_s();
        }
        /* A file stored again was counted towards the progress the first time, except the
         * one that sent its group back (fp.before has not counted that one yet). */
        int again = i < redo, lost = 0, counted = again && i + 1 < redo;
        f->rc = upload_one(app, actor, kind, f->firm, f->path, f->filename,
                           again ? UPLOAD_GROUPED_SAVEPOINT : UPLOAD_GROUPED,
                           again ? NULL : reader_ahead_wait(&ra, i),
                           progress != NULL && !again ? files_progress : NULL, &fp, &f->res,
                           &lost, &f->err);
        reader_ahead_done(&ra, i);
        if (lost) {
            /* The file failed in the store after it had written without a savepoint: roll
             * the group back and store it again from its first file, this time each file in a
             * savepoint, up to and including this one (read again from disk). */
            store_rollback(s);
            in_tx = 0;
            redo = i + 1;
            i = first;
            i--; /* the loop's i++ comes back to first (unsigned wrap-around when it is 0) */
            continue;
        }
        if (f->rc == 0 && !f->res.already) {
            const struct pool_upload *u = &f->res.upload;
            rows += u->rows;
            if (strcmp(u->kind, "invoices") == 0 && u->firm[0] != '\0')
                firms_add(firms, &nfirms, u->firm);
        }
        if (!counted) {
            fp.before += sizes[i];
            if (progress != NULL)
                progress(progress_ctx, fp.before, fp.total);
        }
        /* After a store error the transaction may be gone: end the group here, and if the
         * commit fails, every file of it says so. */
        if (rows >= POOL_GROUP_ROWS || now_s() - began >= POOL_GROUP_SECONDS || i + 1 == n ||
            f->rc == DURE_ESTORE) {
            int crc = 0;
            for (size_t k = 0; k < nfirms && crc == 0; k++)
                crc = store_rollup_refresh(s, firms[k], &cerr);
            if (crc == 0)
                crc = store_commit(s, &cerr);
            if (crc != 0)
                store_rollback(s);
            in_tx = 0;
            files_settle(files, first, i + 1, crc, &cerr, done, done_ctx);
        }
    }
    reader_ahead_stop(&ra);
    free(sizes);
    free(firms);
    return rc;
}

int pool_uploads(struct app *app, const struct principal *actor, const char *firm,
                 struct pool_upload **items, size_t *n, struct dure_err *err)
{
    struct store *s = NULL;
    char brn[BRN_SIZE] = "";
    int rc = 0;
    if (firm != NULL || actor->role != DURE_ROLE_ADMIN)
        rc = resolve_firm(actor, firm, brn, err);
    if (rc == 0)
        rc = app_store(app, &s, err);
    return rc != 0 ? rc : store_upload_list(s, brn, items, n, err);
}

int pool_upload_delete(struct app *app, const struct principal *actor, int64_t id,
                       struct dure_err *err)
{
    struct store *s = NULL;
    struct pool_upload u;
    char subject[48];
    int rc = app_store(app, &s, err);
    if (rc != 0)
        return rc;
    if ((rc = store_begin(s, err)) != 0)
        return rc;
    rc = store_upload_get(s, id, &u, err);
    /* Another firm's upload is "not found" to a member, so ids reveal nothing. */
    if (rc == 0 && (u.deleted || (u.firm[0] != '\0' && !auth_can_act_for(actor, u.firm)) ||
                    (u.firm[0] == '\0' && actor->role != DURE_ROLE_ADMIN)))
        rc = dure_err_set(err, DURE_ENOTFOUND, "no such upload");
    if (rc == 0)
        rc = store_upload_delete(s, id, err);
    if (rc == 0 && u.firm[0] != '\0' && strcmp(u.kind, "invoices") == 0)
        rc = store_rollup_refresh(s, u.firm, err);
    snprintf(subject, sizeof(subject), "upload:%lld", (long long)id);
    if (rc == 0)
        rc = events_record_private(
            s, actor, "upload.deleted", subject, u.firm,
            json_pack("{s:I, s:s}", "upload", (json_int_t)id, "sha256", u.sha256),
            json_pack("{s:s}", "kind", u.kind), NULL, err);
    if (rc == 0)
        rc = store_commit(s, err);
    if (rc != 0)
        store_rollback(s);
    return rc;
}

int pool_invoices(struct app *app, const struct principal *actor,
                  const struct invoice_filter *filter, struct pool_invoice **items, size_t *n,
                  struct dure_err *err)
{
    struct store *s = NULL;
    struct invoice_filter f = *filter;
    char brn[BRN_SIZE];
    int rc = resolve_firm(actor, filter->firm, brn, err);
    if (rc != 0)
        return rc;
    f.firm = brn;
    if ((rc = app_store(app, &s, err)) != 0)
        return rc;
    return store_invoice_list(s, &f, items, n, err);
}

int pool_kpis(struct app *app, const struct principal *actor, const char *firm, const char *month,
              struct pool_kpi **items, size_t *n, struct dure_err *err)
{
    struct store *s = NULL;
    char brn[BRN_SIZE];
    int rc = resolve_firm(actor, firm, brn, err);
    if (rc == 0)
        rc = app_store(app, &s, err);
    return rc != 0 ? rc : store_kpi_list(s, brn, month, items, n, err);
}

int pool_rollups(struct app *app, const struct principal *actor, const char *firm,
                 struct firm_month **items, size_t *n, struct dure_err *err)
{
    struct store *s = NULL;
    char brn[BRN_SIZE];
    int rc = resolve_firm(actor, firm, brn, err);
    if (rc == 0)
        rc = app_store(app, &s, err);
    return rc != 0 ? rc : store_rollup_list(s, brn, items, n, err);
}

int pool_consent_get(struct app *app, const struct principal *actor, const char *firm, int *scopes,
                     char updated_at[REG_TIME_SIZE], struct dure_err *err)
{
    struct store *s = NULL;
    struct firm f;
    char brn[BRN_SIZE];
    int rc = resolve_firm(actor, firm, brn, err);
    if (rc == 0)
        rc = app_store(app, &s, err);
    if (rc == 0)
        rc = store_firm_get(s, brn, &f, err);
    return rc != 0 ? rc : store_consent_get(s, brn, scopes, updated_at, err);
}

int pool_consent_set(struct app *app, const struct principal *actor, const char *firm, int scopes,
                     struct dure_err *err)
{
    struct store *s = NULL;
    struct firm f;
    char brn[BRN_SIZE], now[REG_TIME_SIZE], subject[32];
    int rc = resolve_firm(actor, firm, brn, err);
    if (rc == 0 && (scopes & ~POOL_CONSENT_ALL) != 0)
        rc = dure_err_set(err, DURE_EINVAL, "consent: unknown scope");
    if (rc == 0)
        rc = app_store(app, &s, err);
    if (rc != 0)
        return rc;
    if ((rc = store_begin(s, err)) != 0)
        return rc;
    rc = store_firm_get(s, brn, &f, err);
    /* Setting what is already set changes nothing and records nothing. */
    int old = 0, same = 0;
    char old_at[REG_TIME_SIZE] = "";
    if (rc == 0)
        rc = store_consent_get(s, brn, &old, old_at, err);
    same = rc == 0 && old_at[0] != '\0' && old == scopes;
    str_now_rfc3339(now, sizeof(now));
    if (rc == 0 && !same)
        rc = store_consent_put(s, brn, scopes, now, err);
    if (rc == 0 && !same) {
        json_t *fig = json_object();
        for (int bit = 1; bit <= POOL_CONSENT_MATCHING; bit <<= 1)
            json_object_set_new(fig, pool_consent_name(bit), json_boolean(scopes & bit));
        snprintf(subject, sizeof(subject), "consent");
        rc = events_record_private(s, actor, "consent.changed", subject, brn, fig, NULL, NULL, err);
    }
    if (rc == 0)
        rc = store_commit(s, err);
    if (rc != 0)
        store_rollback(s);
    return rc;
}

int pool_data_uses(struct app *app, const struct principal *actor, const char *firm,
                   struct data_use **items, size_t *n, struct dure_err *err)
{
    struct store *s = NULL;
    char brn[BRN_SIZE];
    int rc = resolve_firm(actor, firm, brn, err);
    if (rc == 0)
        rc = app_store(app, &s, err);
    return rc != 0 ? rc : store_data_use_list(s, brn, items, n, err);
}

int pool_data_use_record(struct store *s, const char *brn, const char *purpose,
                         const char *computation, const char *actor, struct dure_err *err)
{
    struct data_use u;
    memset(&u, 0, sizeof(u));
    str_copy(u.brn, brn, sizeof(u.brn));
    str_copy(u.purpose, purpose, sizeof(u.purpose));
    str_copy(u.computation, computation, sizeof(u.computation));
    str_copy(u.actor, actor, sizeof(u.actor));
    str_now_rfc3339(u.used_at, sizeof(u.used_at));
    return store_data_use_add(s, &u, err);
}
