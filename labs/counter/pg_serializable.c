/* postgres serializable: the same in a SERIALIZABLE transaction. For one
 * row it aborts the same conflicts REPEATABLE READ does (40001); its
 * predicate locks catch the anomalies of many rows (write skew) as well. */
#define VARIANT_NAME pg_serializable
#define VARIANT_LABEL "serializable"
#define VARIANT_DESC "SELECT then UPDATE in SERIALIZABLE, again on SQLSTATE 40001"
#define DB_POSTGRES

#include <stdarg.h>

#include "db_variant.h"

#ifndef VARIANT_UNAVAILABLE
static int increment(conn_t *c, const struct state *s, struct db_worker *w)
{
    return pg_txn(c, s, w, "BEGIN ISOLATION LEVEL SERIALIZABLE", NULL, "");
}
#endif
