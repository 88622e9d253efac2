/* SPDX-License-Identifier: Apache-2.0 */
/* The event journal writer: canonical JSON leaves appended in the caller's transaction. */
#include "app/events.h"

#include <stdlib.h>
#include <string.h>

#include "util/str.h"

char *events_canonical_json(const json_t *value, size_t *len)
{
    char *s = json_dumps(value, JSON_SORT_KEYS | JSON_COMPACT | JSON_ENCODE_ANY);
    if (s != NULL && len != NULL)
        *len = strlen(s);
    return s;
}

int events_record(struct store *s, const struct principal *actor, const char *kind,
                  const char *subject, json_t *data, struct dure_err *err)
{
    char now[REG_TIME_SIZE];
    char *leaf = NULL;
    size_t len = 0;
    int rc = 0;
    json_t *ev = NULL;

    if (data == NULL)
        data = json_object();
    str_now_rfc3339(now, sizeof(now));
    ev = json_pack("{s:i, s:s, s:s, s:s, s:s, s:O}", "v", 1, "kind", kind, "time", now, "actor",
                   actor != NULL ? actor->actor : "system", "subject", subject, "data", data);
    if (ev == NULL) {
        rc = dure_err_set(err, DURE_ENOMEM, "cannot build event %s", kind);
        goto out;
    }
    leaf = events_canonical_json(ev, &len);
    if (leaf == NULL) {
        rc = dure_err_set(err, DURE_ENOMEM, NULL);
        goto out;
    }
    rc = store_event_append(s, kind, subject, leaf, len, NULL, err);
out:
    free(leaf);
    json_decref(ev);
    json_decref(data);
    return rc;
}
