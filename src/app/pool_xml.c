/* SPDX-License-Identifier: Apache-2.0 */
/* The standard e-tax-invoice XML (KEC schema, root TaxInvoice) read by expat as it streams in:
 * elements are matched by local name and position, only the business facts are collected, and
 * the representative (SpecifiedPerson), contacts, e-mail addresses and street addresses are
 * never looked at. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <expat.h>

#include "app/pool_read_internal.h"
#include "util/buf.h"
#include "util/str.h"

/* Text of one element that we read; longer is an error. */
#define XML_TEXT_MAX ((size_t)4096)
/* Invoice-level texts are kept until the end of the document (a name, an id, a code). */
#define XML_FIELD_SIZE 512

/* The elements the reader knows; everything else is E_OTHER. */
enum el {
    E_OTHER,
    E_TAXINVOICE,
    E_EXCHANGED,
    E_DOCUMENT,
    E_SETTLEMENT,
    E_LINEITEM,
    E_INVOICER,
    E_INVOICEE,
    E_ORG,
    E_SUMMATION,
    E_ISSUEID,
    E_TYPECODE,
    E_ISSUEDT,
    E_PURPOSE,
    E_AMEND,
    E_ID,
    E_NAMETEXT,
    E_TAXREGID,
    E_CHARGETOTAL,
    E_TAXTOTAL,
    E_GRANDTOTAL,
    E_SEQ,
    E_PURCHASEDT,
    E_INFOTEXT,
    E_QTY,
    E_UNITPRICE,
    E_UNITAMOUNT,
    E_INVOICEAMOUNT,
    E_TOTALTAX,
    E_CALCAMOUNT,
    E_COUNT
};

static const char *const el_names[E_COUNT] = {
    [E_OTHER] = "",
    [E_TAXINVOICE] = "TaxInvoice",
    [E_EXCHANGED] = "ExchangedDocument",
    [E_DOCUMENT] = "TaxInvoiceDocument",
    [E_SETTLEMENT] = "TaxInvoiceTradeSettlement",
    [E_LINEITEM] = "TaxInvoiceTradeLineItem",
    [E_INVOICER] = "InvoicerParty",
    [E_INVOICEE] = "InvoiceeParty",
    [E_ORG] = "SpecifiedOrganization",
    [E_SUMMATION] = "SpecifiedMonetarySummation",
    [E_ISSUEID] = "IssueID",
    [E_TYPECODE] = "TypeCode",
    [E_ISSUEDT] = "IssueDateTime",
    [E_PURPOSE] = "PurposeCode",
    [E_AMEND] = "AmendmentStatusCode",
    [E_ID] = "ID",
    [E_NAMETEXT] = "NameText",
    [E_TAXREGID] = "TaxRegistrationID",
    [E_CHARGETOTAL] = "ChargeTotalAmount",
    [E_TAXTOTAL] = "TaxTotalAmount",
    [E_GRANDTOTAL] = "GrandTotalAmount",
    [E_SEQ] = "SequenceNumeric",
    [E_PURCHASEDT] = "PurchaseExpiryDateTime",
    [E_INFOTEXT] = "InformationText",
    [E_QTY] = "ChargeableUnitQuantity",
    [E_UNITPRICE] = "UnitPrice",
    [E_UNITAMOUNT] = "UnitAmount",
    [E_INVOICEAMOUNT] = "InvoiceAmount",
    [E_TOTALTAX] = "TotalTax",
    [E_CALCAMOUNT] = "CalculatedAmount",
};

/* The values read, by where they sit in the document. */
enum fld {
    F_NONE,
    /* invoice level: kept as text until the end */
    F_APPROVAL,
    F_TYPE,
    F_WRITTEN,
    F_PURPOSE,
    F_AMEND,
    F_ISSUED,
    F_S_ID,
    F_S_NAME,
    F_S_BRANCH,
    F_B_ID,
    F_B_NAME,
    F_B_BRANCH,
    F_SUPPLY,
    F_TAX,
    F_TOTAL,
    F_DOC_COUNT, /* invoice-level fields end here */
    /* line-item level: parsed when the element ends */
    F_I_SEQ = F_DOC_COUNT,
    F_I_DATE,
    F_I_NAME,
    F_I_SPEC,
    F_I_QTY,
    F_I_PRICE,
    F_I_SUPPLY,
    F_I_TAX,
    F_COUNT
};

/* Names for messages: the element's path tail and the Hometax name. */
static const char *const fld_names[F_COUNT] = {
    [F_NONE] = "",
    [F_APPROVAL] = "TaxInvoiceDocument/IssueID (승인번호)",
    [F_TYPE] = "TaxInvoiceDocument/TypeCode",
    [F_WRITTEN] = "TaxInvoiceDocument/IssueDateTime (작성일자)",
    [F_PURPOSE] = "TaxInvoiceDocument/PurposeCode (영수/청구)",
    [F_AMEND] = "TaxInvoiceDocument/AmendmentStatusCode",
    [F_ISSUED] = "ExchangedDocument/IssueDateTime (발급일자)",
    [F_S_ID] = "InvoicerParty/ID (공급자사업자등록번호)",
    [F_S_NAME] = "InvoicerParty/NameText (상호)",
    [F_S_BRANCH] = "InvoicerParty/SpecifiedOrganization/TaxRegistrationID (종사업장번호)",
    [F_B_ID] = "InvoiceeParty/ID (공급받는자사업자등록번호)",
    [F_B_NAME] = "InvoiceeParty/NameText (상호)",
    [F_B_BRANCH] = "InvoiceeParty/SpecifiedOrganization/TaxRegistrationID (종사업장번호)",
    [F_SUPPLY] = "SpecifiedMonetarySummation/ChargeTotalAmount (공급가액)",
    [F_TAX] = "SpecifiedMonetarySummation/TaxTotalAmount (세액)",
    [F_TOTAL] = "SpecifiedMonetarySummation/GrandTotalAmount (합계금액)",
    [F_I_SEQ] = "SequenceNumeric",
    [F_I_DATE] = "PurchaseExpiryDateTime (품목일자)",
    [F_I_NAME] = "NameText (품목명)",
    [F_I_SPEC] = "InformationText (품목규격)",
    [F_I_QTY] = "ChargeableUnitQuantity (품목수량)",
    [F_I_PRICE] = "UnitPrice/UnitAmount (품목단가)",
    [F_I_SUPPLY] = "InvoiceAmount (품목공급가액)",
    [F_I_TAX] = "TotalTax/CalculatedAmount (품목세액)",
};

struct pool__xml {
    XML_Parser p;
    uint64_t fed; /* bytes of the document so far */
    unsigned char stack[POOL__XML_MAX_DEPTH];
    size_t depth;
    int bad; /* the document failed; msg says why */
    struct dure_err msg;

    enum fld collecting; /* the field whose text is being read, F_NONE when none */
    size_t collect_depth;
    struct buf text;

    char doc[F_DOC_COUNT][XML_FIELD_SIZE];
    unsigned char seen[F_COUNT]; /* invoice-level: per document; item-level: per item */

    struct pool_item *items; /* reused from one document to the next */
    size_t nitems;
    size_t items_cap;
};

/* Stop the document with a message. */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void
doc_fail(struct pool__xml *x, const char *fmt, ...)
{
    va_list ap;
    if (x->bad)
        return;
    va_start(ap, fmt);
    dure_err_vset(&x->msg, DURE_EINVAL, fmt, ap);
    va_end(ap);
    x->bad = 1;
    XML_StopParser(x->p, XML_FALSE);
}

static const char *local_name(const char *name)
{
    const char *c = strrchr(name, ':');
    return c != NULL ? c + 1 : name;
}

static enum el el_of(const char *name)
{
    const char *ln = local_name(name);
    for (int i = 1; i < E_COUNT; i++)
        if (strcmp(ln, el_names[i]) == 0)
            return (enum el)i;
    return E_OTHER;
}

/* Which field an element at the top of the stack is (depth = its 1-based depth). */
static enum fld field_at(const unsigned char *st, size_t depth)
{
    enum el top = (enum el)st[depth - 1];
    if (depth < 3 || st[0] != E_TAXINVOICE)
        return F_NONE;
    if (depth == 3 && st[1] == E_DOCUMENT) {
        switch (top) {
        case E_ISSUEID:
            return F_APPROVAL;
        case E_TYPECODE:
            return F_TYPE;
        case E_ISSUEDT:
            return F_WRITTEN;
        case E_PURPOSE:
            return F_PURPOSE;
        case E_AMEND:
            return F_AMEND;
        default:
            return F_NONE;
        }
    }
    if (depth == 3 && st[1] == E_EXCHANGED && top == E_ISSUEDT)
        return F_ISSUED;
    if (st[1] == E_SETTLEMENT) {
        int party = st[2] == E_INVOICER ? 1 : st[2] == E_INVOICEE ? 2 : 0;
        if (depth == 4 && party != 0 && top == E_ID)
            return party == 1 ? F_S_ID : F_B_ID;
        if (depth == 4 && party != 0 && top == E_NAMETEXT)
            return party == 1 ? F_S_NAME : F_B_NAME;
        if (depth == 5 && party != 0 && st[3] == E_ORG && top == E_TAXREGID)
            return party == 1 ? F_S_BRANCH : F_B_BRANCH;
        if (depth == 4 && st[2] == E_SUMMATION) {
            if (top == E_CHARGETOTAL)
                return F_SUPPLY;
            if (top == E_TAXTOTAL)
                return F_TAX;
            if (top == E_GRANDTOTAL)
                return F_TOTAL;
        }
        return F_NONE;
    }
    if (st[1] == E_LINEITEM) {
        if (depth == 3) {
            switch (top) {
            case E_SEQ:
                return F_I_SEQ;
            case E_PURCHASEDT:
                return F_I_DATE;
            case E_NAMETEXT:
                return F_I_NAME;
            case E_INFOTEXT:
                return F_I_SPEC;
            case E_QTY:
                return F_I_QTY;
            case E_INVOICEAMOUNT:
                return F_I_SUPPLY;
            default:
                return F_NONE;
            }
        }
        if (depth == 4 && st[2] == E_UNITPRICE && top == E_UNITAMOUNT)
            return F_I_PRICE;
        if (depth == 4 && st[2] == E_TOTALTAX && top == E_CALCAMOUNT)
            return F_I_TAX;
    }
    return F_NONE;
}

/* A new line item starts. */
static void item_begin(struct pool__xml *x)
{
    if (x->nitems == POOL__XML_ITEMS_MAX) {
        doc_fail(x, "more than %zu line items (TaxInvoiceTradeLineItem)", POOL__XML_ITEMS_MAX);
        return;
    }
    if (x->nitems == x->items_cap) {
        size_t cap = x->items_cap ? x->items_cap * 2 : 16;
        if (cap > POOL__XML_ITEMS_MAX)
            cap = POOL__XML_ITEMS_MAX;
        struct pool_item *it = realloc(x->items, cap * sizeof(*it));
        if (it == NULL) {
            doc_fail(x, "out of memory reading line items");
            return;
        }
        x->items = it;
        x->items_cap = cap;
    }
    memset(&x->items[x->nitems], 0, sizeof(x->items[0]));
    x->nitems++;
    for (int f = F_DOC_COUNT; f < F_COUNT; f++)
        x->seen[f] = 0;
}

/* A line-item field ended with text s. */
static void item_field(struct pool__xml *x, enum fld f, const char *s)
{
    struct pool_item *it = &x->items[x->nitems - 1];
    struct dure_err e;
    int rc = 0;

    switch (f) {
    case F_I_SEQ:
        break; /* the order of the document is the order kept */
    case F_I_DATE: {
        /* Kept raw until the end: a 4-digit MMDD takes the year of 작성일자. */
        char tmp[64];
        pool__copy_text(tmp, sizeof(tmp), s);
        if (strlen(tmp) >= sizeof(it->date)) {
            rc = dure_err_set(&e, DURE_EINVAL, "date is longer than 10 characters");
            break;
        }
        str_copy(it->date, tmp, sizeof(it->date));
        break;
    }
    case F_I_NAME:
        pool__copy_text(it->name, sizeof(it->name), s);
        break;
    case F_I_SPEC:
        pool__copy_text(it->spec, sizeof(it->spec), s);
        break;
    case F_I_QTY:
        rc = pool_qty_parse(s, &it->qty_milli, &e);
        break;
    case F_I_PRICE:
        rc = pool__price_parse(s, &it->unit_price_krw, &e);
        break;
    case F_I_SUPPLY:
        rc = pool_amount_parse(s, &it->supply_krw, &e);
        break;
    case F_I_TAX:
        rc = pool_amount_parse(s, &it->tax_krw, &e);
        break;
    default:
        break;
    }
    if (rc != 0)
        doc_fail(x, "line item %zu: %s: %s", x->nitems, fld_names[f], e.msg);
}

static void XMLCALL on_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    struct pool__xml *x = ud;
    enum el e = el_of(name);
    (void)atts;

    if (x->bad)
        return;
    if (x->depth == POOL__XML_MAX_DEPTH) {
        doc_fail(x, "elements nested deeper than %d", POOL__XML_MAX_DEPTH);
        return;
    }
    if (x->depth == 0 && e != E_TAXINVOICE) {
        char shown[64];
        str_sanitize(shown, sizeof(shown), local_name(name), 40);
        doc_fail(x, "the root element is %s, expected TaxInvoice", shown);
        return;
    }
    x->stack[x->depth++] = (unsigned char)e;
    if (x->collecting != F_NONE)
        return; /* an element inside a value: its text is not the value's */
    if (x->depth == 2 && e == E_LINEITEM) {
        item_begin(x);
        return;
    }
    enum fld f = field_at(x->stack, x->depth);
    if (f == F_NONE)
        return;
    if (x->seen[f]) {
        if (f >= F_DOC_COUNT)
            doc_fail(x, "line item %zu: %s appears twice", x->nitems, fld_names[f]);
        else
            doc_fail(x, "%s appears twice", fld_names[f]);
        return;
    }
    x->seen[f] = 1;
    x->collecting = f;
    x->collect_depth = x->depth;
    buf_reset(&x->text);
}

static void XMLCALL on_end(void *ud, const XML_Char *name)
{
    struct pool__xml *x = ud;
    (void)name;

    if (x->bad || x->depth == 0)
        return;
    if (x->collecting != F_NONE && x->depth == x->collect_depth) {
        enum fld f = x->collecting;
        x->collecting = F_NONE;
        if (f < F_DOC_COUNT)
            pool__copy_text(x->doc[f], sizeof(x->doc[f]), buf_str(&x->text));
        else
            item_field(x, f, buf_str(&x->text));
    }
    x->depth--;
}

static void XMLCALL on_text(void *ud, const XML_Char *s, int len)
{
    struct pool__xml *x = ud;
    if (x->bad || x->collecting == F_NONE || x->depth != x->collect_depth || len <= 0)
        return;
    if (buf_append(&x->text, s, (size_t)len) != 0)
        doc_fail(x, "%s is longer than %zu bytes", fld_names[x->collecting], XML_TEXT_MAX);
}

static void XMLCALL on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
                               const XML_Char *pubid, int has_internal_subset)
{
    (void)name;
    (void)sysid;
    (void)pubid;
    (void)has_internal_subset;
    /* KEC documents have none; refusing it refuses every entity expansion too. */
    doc_fail(ud, "a DOCTYPE is not allowed");
}

int pool__xml_create(struct pool__xml **out, struct dure_err *err)
{
    struct pool__xml *x = calloc(1, sizeof(*x));
    *out = NULL;
    if (x == NULL)
        return dure_err_set(err, DURE_ENOMEM, "out of memory creating the xml reader");
    buf_init(&x->text, XML_TEXT_MAX);
    x->p = XML_ParserCreate(NULL);
    if (x->p == NULL) {
        pool__xml_destroy(x);
        return dure_err_set(err, DURE_ENOMEM, "out of memory creating the xml reader");
    }
    *out = x;
    return DURE_OK;
}

void pool__xml_destroy(struct pool__xml *x)
{
    if (x == NULL)
        return;
    if (x->p != NULL)
        XML_ParserFree(x->p);
    buf_cleanup(&x->text);
    free(x->items);
    free(x);
}

int pool__xml_begin(struct pool__xml *x, struct dure_err *err)
{
    if (XML_ParserReset(x->p, NULL) != XML_TRUE)
        return dure_err_set(err, DURE_ENOMEM, "cannot reset the xml parser");
    /* A reset clears the handlers. */
    XML_SetUserData(x->p, x);
    XML_SetElementHandler(x->p, on_start, on_end);
    XML_SetCharacterDataHandler(x->p, on_text);
    XML_SetStartDoctypeDeclHandler(x->p, on_doctype);
    x->fed = 0;
    x->depth = 0;
    x->bad = 0;
    x->collecting = F_NONE;
    x->nitems = 0;
    buf_reset(&x->text);
    /* The last document's texts (a private buyer's name among them) go. */
    memset(x->doc, 0, sizeof(x->doc));
    memset(x->seen, 0, sizeof(x->seen));
    dure_err_clear(&x->msg);
    return DURE_OK;
}

int pool__xml_feed(struct pool__xml *x, const void *data, size_t len, int final,
                   struct dure_err *err)
{
    if (!x->bad && len > POOL__XML_DOC_MAX - x->fed) {
        x->bad = 1;
        dure_err_set(&x->msg, DURE_EINVAL, "the document is larger than %llu bytes",
                     (unsigned long long)POOL__XML_DOC_MAX);
    }
    if (!x->bad) {
        x->fed += len;
        /* A handler that fails the document has set bad and its message already. */
        if (XML_Parse(x->p, len > 0 ? data : "", (int)len, final) != XML_STATUS_OK && !x->bad) {
            x->bad = 1;
            dure_err_set(&x->msg, DURE_EINVAL, "not well-formed XML (line %lu, column %lu: %s)",
                         (unsigned long)XML_GetCurrentLineNumber(x->p),
                         (unsigned long)XML_GetCurrentColumnNumber(x->p) + 1,
                         XML_ErrorString(XML_GetErrorCode(x->p)));
        }
    }
    if (!x->bad)
        return DURE_OK;
    if (err != NULL)
        *err = x->msg;
    return DURE_EINVAL;
}

/* An invoice-level field, "" when absent. */
static const char *doc_text(const struct pool__xml *x, enum fld f)
{
    return x->doc[f];
}

/* Fail with the field's name in front of the message of e. */
static int field_error(enum fld f, const struct dure_err *e, struct dure_err *err)
{
    return dure_err_set(err, DURE_EINVAL, "%s: %s", fld_names[f], e->msg);
}

int pool__xml_finish(struct pool__xml *x, struct pool_invoice *inv, struct dure_err *err)
{
    static const enum fld required[] = {F_APPROVAL, F_WRITTEN, F_S_ID, F_B_ID, F_SUPPLY, F_TOTAL};
    struct dure_err e;
    const char *type;
    int rc = 0;

    memset(inv, 0, sizeof(*inv));
    if (x->bad) {
        if (err != NULL)
            *err = x->msg;
        rc = DURE_EINVAL;
        goto out;
    }
    for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++)
        if (doc_text(x, required[i])[0] == '\0') {
            rc = dure_err_set(err, DURE_EINVAL, "%s is missing", fld_names[required[i]]);
            goto out;
        }

    /* TypeCode: 01 세금계산서, 02 수정세금계산서, 03 계산서, 04 수정계산서, then the kind. */
    type = doc_text(x, F_TYPE);
    if (type[0] != '\0') {
        static const char *const kinds[] = {"",     "일반",         "영세율",      "위수탁",
                                            "수입", "영세율위수탁", "수입납부유예"};
        int k;
        if (strlen(type) != 4 || !str_is_digits(type) || type[0] != '0' || type[1] < '1' ||
            type[1] > '4') {
            char shown[48];
            str_sanitize(shown, sizeof(shown), type, 16);
            rc = dure_err_set(err, DURE_EINVAL, "%s \"%s\" is not a known type (0101 ... 0406)",
                              fld_names[F_TYPE], shown);
            goto out;
        }
        k = (type[2] - '0') * 10 + (type[3] - '0');
        inv->tax_exempt = type[1] == '3' || type[1] == '4';
        inv->amended = type[1] == '2' || type[1] == '4';
        if (k >= 1 && k < (int)(sizeof(kinds) / sizeof(kinds[0])))
            str_copy(inv->kind, kinds[k], sizeof(inv->kind));
    }
    if (doc_text(x, F_AMEND)[0] != '\0')
        inv->amended = 1;
    inv->receipt = strcmp(doc_text(x, F_PURPOSE), "01") == 0;

    rc = pool_approval_parse(doc_text(x, F_APPROVAL), inv->approval_no, &e);
    if (rc != 0) {
        rc = field_error(F_APPROVAL, &e, err);
        goto out;
    }
    rc = pool_date_parse(doc_text(x, F_WRITTEN), inv->written_on, &e);
    if (rc != 0) {
        rc = field_error(F_WRITTEN, &e, err);
        goto out;
    }
    /* ExchangedDocument/IssueDateTime is a timestamp YYYYMMDDHHMMSS; only a real date is kept. */
    if (strlen(doc_text(x, F_ISSUED)) >= 8) {
        char d[9];
        memcpy(d, doc_text(x, F_ISSUED), 8);
        d[8] = '\0';
        if (pool_date_parse(d, inv->issued_on, NULL) != 0)
            memset(inv->issued_on, 0, sizeof(inv->issued_on));
    }
    enum pool_party_kind kind;
    rc = pool__party_id(doc_text(x, F_S_ID), fld_names[F_S_ID], 0, &kind, inv->supplier_brn, err);
    if (rc != 0)
        goto out;
    rc = pool__branch_parse(doc_text(x, F_S_BRANCH), fld_names[F_S_BRANCH], inv->supplier_branch,
                            err);
    if (rc != 0)
        goto out;
    pool__copy_text(inv->supplier_name, sizeof(inv->supplier_name), doc_text(x, F_S_NAME));
    rc = pool__party_id(doc_text(x, F_B_ID), fld_names[F_B_ID], 1, &inv->buyer_kind, inv->buyer_brn,
                        err);
    if (rc != 0)
        goto out;
    if (inv->buyer_kind == POOL_PARTY_BUSINESS) {
        rc = pool__branch_parse(doc_text(x, F_B_BRANCH), fld_names[F_B_BRANCH], inv->buyer_branch,
                                err);
        if (rc != 0)
            goto out;
        pool__copy_text(inv->buyer_name, sizeof(inv->buyer_name), doc_text(x, F_B_NAME));
    }

    rc = pool_amount_parse(doc_text(x, F_SUPPLY), &inv->supply_krw, &e);
    if (rc != 0) {
        rc = field_error(F_SUPPLY, &e, err);
        goto out;
    }
    rc = pool_amount_parse(doc_text(x, F_TOTAL), &inv->total_krw, &e);
    if (rc != 0) {
        rc = field_error(F_TOTAL, &e, err);
        goto out;
    }
    if (doc_text(x, F_TAX)[0] != '\0') {
        rc = pool_amount_parse(doc_text(x, F_TAX), &inv->tax_krw, &e);
        if (rc != 0) {
            rc = field_error(F_TAX, &e, err);
            goto out;
        }
    } else if (!inv->tax_exempt) {
        rc = dure_err_set(err, DURE_EINVAL, "%s is missing", fld_names[F_TAX]);
        goto out;
    }

    for (size_t i = 0; i < x->nitems; i++) {
        struct pool_item *it = &x->items[i];
        if (it->date[0] == '\0')
            continue;
        char raw[REG_DATE_SIZE];
        memcpy(raw, it->date, sizeof(raw));
        rc = pool__item_date(raw, inv->written_on, it->date, &e);
        if (rc != 0) {
            rc = dure_err_set(err, DURE_EINVAL, "line item %zu: %s: %s", i + 1, fld_names[F_I_DATE],
                              e.msg);
            goto out;
        }
    }
    inv->items = x->items;
    inv->nitems = x->nitems;
    inv->items_complete = 1;
    rc = pool_invoice_check(inv, err);
out:
    if (rc != 0) {
        memset(inv, 0, sizeof(*inv));
        x->nitems = 0;
    }
    /* Whatever was read, the document's texts are not kept past this point. */
    memset(x->doc, 0, sizeof(x->doc));
    return rc;
}
