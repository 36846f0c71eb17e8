/* labs/common/redis.c - the redis model's server and connections (db.h). */
#include "db.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "db_client.h"

static const char *const server_paths[] = { "/usr/bin/redis-server", "/usr/local/bin/redis-server",
                                            "/usr/sbin/redis-server", NULL };

/* redis-server on 127.0.0.1:|port|, persistence off, its files in |dir|. */
static int commands(const char *prog, const char *dir, unsigned port, char *const *argv[4],
                    char *buf, size_t len)
{
    static char *v[24];
    char sport[12], *s[3];
    snprintf(sport, sizeof sport, "%u", port);
    if (!lab__db_strings(buf, len, s, 3, prog, sport, dir))
        return 0;
    char *const args[] = { s[0], "--port", s[1], "--bind", "127.0.0.1", "--save", "",
                           "--appendonly", "no", "--dir", s[2], "--daemonize", "no",
                           "--protected-mode", "no", "--maxclients", "2000", NULL };
    memcpy(v, args, sizeof args);
    argv[0] = v;
    return 1;
}

#ifdef RACELAB_HAVE_HIREDIS
/* NULL if the reply is not an error, else its text (static); frees it. */
static const char *reply_error(redisContext *c, void *reply)
{
    static char msg[200];
    redisReply *r = reply;
    const char *bad = NULL;
    if (r == NULL)
        bad = c->errstr;
    else if (r->type == REDIS_REPLY_ERROR)
        bad = r->str;
    if (bad)
        snprintf(msg, sizeof msg, "%s", bad);
    if (r)
        freeReplyObject(r);
    return bad ? msg : NULL;
}

redisContext *lab_redis_connect(char *err, size_t errlen)
{
    const struct lab_db_server *s = lab_db_server();
    struct timeval tv = { 2, 0 };
    redisContext *c = redisConnectWithTimeout(s->u.host, (int)s->u.port, tv);
    if (c == NULL || c->err) {
        snprintf(err, errlen, "cannot connect to redis at %s:%u: %s", s->u.host, s->u.port,
                 c ? c->errstr : "out of memory");
        if (c)
            redisFree(c);
        return NULL;
    }
    struct timeval reply_tv = { 10, 0 };   /* no reply within 10 s: not a working server */
    redisSetTimeout(c, reply_tv);
    const char *bad = NULL;
    if (s->u.password[0])
        bad = s->u.user[0] ? reply_error(c, redisCommand(c, "AUTH %s %s", s->u.user,
                                                          s->u.password))
                           : reply_error(c, redisCommand(c, "AUTH %s", s->u.password));
    if (bad == NULL && s->u.path[0])
        bad = reply_error(c, redisCommand(c, "SELECT %s", s->u.path));
    if (bad != NULL) {
        snprintf(err, errlen, "redis at %s:%u: %s", s->u.host, s->u.port, bad);
        redisFree(c);
        return NULL;
    }
    return c;
}

static bool answers(const struct lab_db_server *s)
{
    (void)s;
    char err[256];
    redisContext *c = lab_redis_connect(err, sizeof err);
    if (c == NULL)
        return false;
    struct timeval tv = { 1, 0 };
    redisSetTimeout(c, tv);
    redisReply *r = redisCommand(c, "PING");
    bool ok = r != NULL && r->type == REDIS_REPLY_STATUS && strcmp(r->str, "PONG") == 0;
    if (r)
        freeReplyObject(r);
    redisFree(c);
    return ok;
}
#define ANSWERS answers
#else
#define ANSWERS NULL   /* never asked: lab__db_client_load() refuses the model first */
#endif

const struct lab_db_kind lab__redis_kind = {
    .server_name = "redis-server",
    .paths = server_paths,
    .missing = "redis-server is not installed (apt-get install redis-server), or use "
               "--db-url redis://HOST:PORT",
    .url_fmt = "redis://127.0.0.1:%u",
    .commands = commands,
    .answers = ANSWERS,
    .stop_signal = SIGTERM,
};
