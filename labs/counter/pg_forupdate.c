/* postgres forupdate: BEGIN; SELECT v ... FOR UPDATE; UPDATE; COMMIT. The
 * SELECT takes the row lock the UPDATE would take, so the read-modify-write
 * is serialized by the row lock: the pessimistic fix, four round trips and
 * no retries. */
#define VARIANT_NAME pg_forupdate
#define VARIANT_LABEL "forupdate"
#define VARIANT_DESC "BEGIN; SELECT v FOR UPDATE (row lock); UPDATE; COMMIT"
#define DB_POSTGRES

#include <stdarg.h>

#include "db_variant.h"

#ifndef VARIANT_UNAVAILABLE
static int increment(conn_t *c, const struct state *s, struct db_worker *w)
{
    return pg_txn(c, s, w, "BEGIN", NULL, " FOR UPDATE");
}
#endif
