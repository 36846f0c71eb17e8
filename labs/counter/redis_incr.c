/* redis incr: INCR - the read-modify-write done by the server in one
 * command. Redis executes commands one at a time on one thread, so nothing
 * runs between INCR's read and its write: atomic, one round trip. */
#define VARIANT_NAME redis_incr
#define VARIANT_LABEL "incr"
#define VARIANT_DESC "INCR: one command, executed whole by the server's one thread"
#define DB_REDIS

#include "db_variant.h"

#ifndef VARIANT_UNAVAILABLE
static int increment(conn_t *c, const struct state *s, struct db_worker *w)
{
    return R_DO(c, w, "INCR %s", s->name);
}
#endif
