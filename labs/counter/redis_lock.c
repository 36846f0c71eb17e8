/* redis lock: a lock built of SET NX PX (a lease of --lease-ms, 100) with a
 * checked release (a script deletes the lock only if it still holds this
 * client's token), and GET / SET inside it.
 *
 * Exact while every holder finishes within the lease. With --hold-ms beyond
 * it (e.g. --hold-ms 150: the holder sleeps that long between its GET and
 * its SET, as a client stalled by a GC pause or a slow network would) the
 * lease expires under a holder that still works, another client takes the
 * lock, and both are inside at once: the "overlaps" counted through a
 * holders key, and the lost updates, show why a lease is not a mutex. The
 * checked release only keeps the late holder from deleting the next one's
 * lock; a fencing token checked by the store would be the fix. Even with no
 * --hold-ms the lock is exact only while no holder is descheduled for longer
 * than the lease: on a badly overloaded machine it can lose (the tests use
 * --lease-ms 10000). */
#define VARIANT_NAME redis_lock
#define VARIANT_LABEL "lock"
#define VARIANT_DESC "SET NX PX lock (a lease, checked release) around GET/SET; " \
                     "--hold-ms past --lease-ms breaks it"
#define DB_REDIS

#include <time.h>

#include "db_variant.h"

#ifndef VARIANT_UNAVAILABLE
static const char release_script[] =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) "
    "else return 0 end";

/* Takes the lock with |token|: 0, or -1 on an error. */
static int lock_take(conn_t *c, const struct state *s, struct db_worker *w, const char *token)
{
    for (;;) {
        redisReply *r = redisCommand(c, "SET %s:lock %s NX PX %u", s->name, token,
                                     s->lease_ms);
        if (!r_ok(r, c, w)) {
            freeReplyObject(r);
            return -1;
        }
        bool got = r->type == REDIS_REPLY_STATUS;   /* OK; nil: somebody holds it */
        freeReplyObject(r);
        if (got)
            return 0;
        w->retries++;
        struct timespec ts = { 0, 20 * 1000 };     /* 20 us, then try again */
        nanosleep(&ts, NULL);
    }
}

static int increment(conn_t *c, const struct state *s, struct db_worker *w)
{
    char token[32];
    snprintf(token, sizeof token, "%u-%u", (unsigned)getpid(), w->seed++);
    if (lock_take(c, s, w, token) != 0)
        return -1;
    redisReply *r = redisCommand(c, "INCR %s:holders", s->name);   /* who else is inside? */
    if (!r_ok(r, c, w)) {
        freeReplyObject(r);
        return -1;
    }
    w->overlaps += r_int(r) > 1;
    freeReplyObject(r);
    uint64_t v;
    if (r_get(c, s->name, &v, w) != 0)
        return -1;
    if (s->hold_ms) {
        struct timespec ts = { (time_t)(s->hold_ms / 1000), (long)(s->hold_ms % 1000) * 1000000 };
        nanosleep(&ts, NULL);
    }
    if (R_DO(c, w, "SET %s %llu", s->name, (unsigned long long)(v + 1)) != 0 ||
        R_DO(c, w, "DECR %s:holders", s->name) != 0)
        return -1;
    r = redisCommand(c, "EVAL %s 1 %s:lock %s", release_script, s->name, token);
    if (!r_ok(r, c, w)) {
        freeReplyObject(r);
        return -1;
    }
    w->aborts += r_int(r) == 0;   /* the lease had expired: the lock was not ours any more */
    freeReplyObject(r);
    return 0;
}
#endif
