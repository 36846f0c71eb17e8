/* redis lua: the GET and the SET in one EVAL script. A script runs whole
 * before the server's next command, like INCR: the read-modify-write of any
 * shape becomes atomic, at the price of blocking every client meanwhile. */
#define VARIANT_NAME redis_lua
#define VARIANT_LABEL "lua"
#define VARIANT_DESC "one EVAL script: GET, add, SET, run whole by the server"
#define DB_REDIS

#include "db_variant.h"

#ifndef VARIANT_UNAVAILABLE
static int increment(conn_t *c, const struct state *s, struct db_worker *w)
{
    return R_DO(c, w, "EVAL %s 1 %s",
                "local v = tonumber(redis.call('GET', KEYS[1]) or '0') "
                "redis.call('SET', KEYS[1], v + 1) return v + 1", s->name);
}
#endif
