/* postgres update: UPDATE SET v = v + 1 - the read and the write in one
 * statement. A second UPDATE of the row waits for the first one's row lock,
 * then (READ COMMITTED) re-reads the row's newest version and adds to that:
 * exact, one round trip. */
#define VARIANT_NAME pg_update
#define VARIANT_LABEL "update"
#define VARIANT_DESC "UPDATE SET v = v + 1: the row lock and a re-read of the newest row"
#define DB_POSTGRES

#include <stdarg.h>

#include "db_variant.h"

#ifndef VARIANT_UNAVAILABLE
static int increment(conn_t *c, const struct state *s, struct db_worker *w)
{
    return pg_do(c, w, "UPDATE %s SET v = v + 1 WHERE id = 1", s->name) == 0 ? 0 : -1;
}
#endif
