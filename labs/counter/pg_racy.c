/* postgres racy: SELECT v, then UPDATE SET v = <what we read + 1>, each
 * statement its own transaction under READ COMMITTED, the default. Every
 * statement sees committed data, and that is all it promises: between our
 * SELECT and our UPDATE another client's UPDATE commits, and ours
 * overwrites it. Compare: diff -u pg_racy.c pg_update.c */
#define VARIANT_NAME pg_racy
#define VARIANT_LABEL "racy"
#define VARIANT_DESC "SELECT v, then UPDATE SET v = $1 (READ COMMITTED, autocommit)"
#define VARIANT_RACY true
#define DB_POSTGRES

#include <stdarg.h>

#include "db_variant.h"

#ifndef VARIANT_UNAVAILABLE
static int increment(conn_t *c, const struct state *s, struct db_worker *w)
{
    uint64_t v;
    if (pg_get(c, s, "", &v, w) != 0)
        return -1;
    return pg_do(c, w, "UPDATE %s SET v = %llu WHERE id = 1", s->name,
                 (unsigned long long)(v + 1)) == 0 ? 0 : -1;
}
#endif
