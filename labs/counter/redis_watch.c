/* redis watch: optimistic concurrency - WATCH the key, GET it, then
 * MULTI / SET v+1 / EXEC. If another client changed the key after WATCH,
 * EXEC answers nil and nothing is written: the client counts an abort and
 * tries again. Correct, and the retries are the price under contention. */
#define VARIANT_NAME redis_watch
#define VARIANT_LABEL "watch"
#define VARIANT_DESC "WATCH, GET, MULTI/SET/EXEC, again while EXEC aborts"
#define DB_REDIS

#include "db_variant.h"

#ifndef VARIANT_UNAVAILABLE
static int increment(conn_t *c, const struct state *s, struct db_worker *w)
{
    for (;;) {
        uint64_t v;
        if (R_DO(c, w, "WATCH %s", s->name) != 0 || r_get(c, s->name, &v, w) != 0 ||
            R_DO(c, w, "MULTI") != 0 ||
            R_DO(c, w, "SET %s %llu", s->name, (unsigned long long)(v + 1)) != 0)
            return -1;
        redisReply *r = redisCommand(c, "EXEC");
        if (!r_ok(r, c, w)) {
            freeReplyObject(r);
            return -1;
        }
        bool done = r->type == REDIS_REPLY_ARRAY;   /* nil: the key changed, aborted */
        freeReplyObject(r);
        if (done)
            return 0;
        w->aborts++;
        w->retries++;
    }
}
#endif
