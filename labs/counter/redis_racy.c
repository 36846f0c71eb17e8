/* redis racy: GET the counter, add one here, SET it back - two round trips
 * with a window between them in which another client's SET is overwritten.
 * Redis runs one command at a time, but that makes each command atomic, not
 * the pair. Compare: diff -u redis_racy.c redis_incr.c */
#define VARIANT_NAME redis_racy
#define VARIANT_LABEL "racy"
#define VARIANT_DESC "GET, then SET v+1: two commands, a window between them"
#define VARIANT_RACY true
#define DB_REDIS

#include "db_variant.h"

#ifndef VARIANT_UNAVAILABLE
static int increment(conn_t *c, const struct state *s, struct db_worker *w)
{
    uint64_t v;
    if (r_get(c, s->name, &v, w) != 0)
        return -1;
    return R_DO(c, w, "SET %s %llu", s->name, (unsigned long long)(v + 1));
}
#endif
