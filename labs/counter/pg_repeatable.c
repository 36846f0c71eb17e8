/* postgres repeatable: the racy SELECT and UPDATE in one REPEATABLE READ
 * transaction. The snapshot is taken at the first statement; when another
 * transaction has updated the row since, our UPDATE fails with SQLSTATE
 * 40001 ("could not serialize access due to concurrent update") and the
 * client rolls back and retries: the optimistic fix, paid in retries. */
#define VARIANT_NAME pg_repeatable
#define VARIANT_LABEL "repeatable"
#define VARIANT_DESC "SELECT then UPDATE in REPEATABLE READ, again on SQLSTATE 40001"
#define DB_POSTGRES

#include <stdarg.h>

#include "db_variant.h"

#ifndef VARIANT_UNAVAILABLE
static int increment(conn_t *c, const struct state *s, struct db_worker *w)
{
    return pg_txn(c, s, w, "BEGIN ISOLATION LEVEL REPEATABLE READ", NULL, "");
}
#endif
