/* labs/counter/db_redis.h - db_variant.h's redis half: the key, and the
 * commands the variants share. Include only from db_variant.h. */
#define DB__NAME_FMT "racelab:counter:%d:%u"

#define db__connect lab_redis_connect
#define db__close redisFree

static void db__ping(conn_t *c)
{
    freeReplyObject(redisCommand(c, "PING"));
}

/* Whether |r| is a reply that is no error; records the first error. Frees
 * nothing. */
static bool r_ok(const redisReply *r, conn_t *c, struct db_worker *w)
{
    if (r != NULL && r->type != REDIS_REPLY_ERROR)
        return true;
    if (w->errors++ == 0)
        snprintf(w->err, sizeof w->err, "redis: %s", r ? r->str : c->errstr);
    return false;
}

/* One command; its reply freed. 0 or -1 (counted as an error). */
#define R_DO(c, w, ...)                                      \
    __extension__({                                          \
        redisReply *r__ = redisCommand((c), __VA_ARGS__);    \
        int rc__ = r_ok(r__, (c), (w)) ? 0 : -1;             \
        if (r__)                                             \
            freeReplyObject(r__);                            \
        rc__;                                                \
    })

/* The integer a reply holds (an integer, or a string of digits), 0 for nil. */
__attribute__((unused)) static uint64_t r_int(const redisReply *r)
{
    if (r->type == REDIS_REPLY_INTEGER)
        return (uint64_t)r->integer;
    if (r->type == REDIS_REPLY_STRING)
        return strtoull(r->str, NULL, 10);
    return 0;
}

/* GET key into *v: 0 or -1. */
__attribute__((unused)) static int r_get(conn_t *c, const char *key, uint64_t *v, struct db_worker *w)
{
    redisReply *r = redisCommand(c, "GET %s", key);
    if (!r_ok(r, c, w)) {
        if (r)
            freeReplyObject(r);
        return -1;
    }
    *v = r_int(r);
    freeReplyObject(r);
    return 0;
}

static int db__create(struct state *s, char *err, size_t len)
{
    redisReply *r = redisCommand(s->w[0].conn, "SET %s 0", s->name);
    bool ok = r != NULL && r->type != REDIS_REPLY_ERROR;
    if (!ok)
        snprintf(err, len, "redis: SET %s 0: %s", s->name, r ? r->str : s->w[0].conn->errstr);
    if (r)
        freeReplyObject(r);
    return ok ? 0 : -1;
}

static void db__drop(struct state *s)
{
    freeReplyObject(redisCommand(s->w[0].conn, "DEL %s %s:lock %s:holders", s->name, s->name,
                                 s->name));
}

static uint64_t db__read(const struct state *s)
{
    struct db_worker w = { 0 };
    uint64_t v = 0;
    (void)r_get(s->w[0].conn, s->name, &v, &w);
    return v;
}
