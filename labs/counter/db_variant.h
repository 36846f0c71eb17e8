/* labs/counter/db_variant.h - a counter variant of --model redis or
 * postgres: the counter is a key (redis) or a row (postgres) in the run's
 * server, and every worker increments it through its own connection.
 *
 * THE RACE (racy, redis: GET then SET; postgres: SELECT then UPDATE)
 *     step  client 1              client 2              server
 *     1     GET k      -> 7                             7
 *     2                           GET k      -> 7       7
 *     3     SET k 8                                     8
 *     4                           SET k 8               8      (one lost)
 * The same lost update as two threads' load and store, but between
 * processes, in the server's data: TSan and valgrind see none of it.
 *
 * A variant file defines VARIANT_NAME, VARIANT_LABEL, VARIANT_DESC,
 * optionally VARIANT_RACY, and DB_REDIS or DB_POSTGRES; then
 *     static int increment(conn_t *c, const struct state *s, struct db_worker *w);
 * (one increment: 0, or -1 on an error the worker cannot go on from), and
 * includes this header last. Setup connects every worker and zeroes the
 * counter under a name of its own (redis key racelab:counter:<pid>:<n>,
 * table racelab_counter_<pid>_<n>); teardown drops it; the fields hook
 * hands the counts to the runtime (db_fields.h). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "counter.h"
#include "db_client.h"
#include "db_fields.h"
#include "util/stats.h"

#if defined(DB_REDIS)
#define DB__MODEL LAB_REDIS
#define DB__WHY "written for --model redis: the counter is a key in a Redis server"
#elif defined(DB_POSTGRES)
#define DB__MODEL LAB_POSTGRES
#define DB__WHY "written for --model postgres: the counter is a row in a PostgreSQL table"
#endif

#define DB__REFUSED                                                                      \
    { [LAB_THREADS] = DB__WHY, [LAB_PROCS] = DB__WHY, [LAB_COROS] = DB__WHY,             \
      [LAB_COROS_MN] = DB__WHY, [LAB_COROS_PREEMPT] = DB__WHY, [LAB_GIL] = DB__WHY,      \
      [DB__MODEL == LAB_REDIS ? LAB_POSTGRES : LAB_REDIS] = DB__WHY }

#if (defined(DB_REDIS) && !defined(RACELAB_HAVE_HIREDIS)) || \
    (defined(DB_POSTGRES) && !defined(RACELAB_HAVE_LIBPQ))

#define VARIANT_UNAVAILABLE                                                                \
    DB__MODEL == LAB_REDIS ? "built without hiredis (apt-get install libhiredis-dev, "     \
                             "then rebuild)"                                               \
                           : "built without libpq (apt-get install libpq-dev, then rebuild)"
#define LAB_VARIANT_PREFIX counter_variant_
#include "variant_gen.h"
const struct lab_variant LAB_VARIANT_SYMBOL = { LAB_VARIANT_IDENTITY(LAB_MODEL_BIT(DB__MODEL),
                                                                     DB__REFUSED) };

#else

#define LAB_VARIANT_PREFIX counter_variant_
#include "variant_gen.h"

#if defined(DB_REDIS)
typedef redisContext conn_t;
#else
typedef PGconn conn_t;
#endif

struct db_worker {
    conn_t *conn;
    uint64_t retries, aborts, overlaps, errors;
    uint64_t done;               /* increments completed */
    uint64_t t_start, t_end;     /* lab_now_ns() around its loop */
    unsigned seed;
    char err[160];   /* the first error, for the message */
} __attribute__((aligned(64)));

struct state {
    char name[64];       /* the key or table */
    unsigned workers;
    unsigned hold_ms, lease_ms;
    uint64_t rtt_ns;
    struct db_worker w[];
};

static size_t db__bytes(const struct lab_env *env)
{
    return sizeof(struct state) + env->workers * sizeof(struct db_worker);
}

#if defined(DB_REDIS)
#include "db_redis.h"
#else
#include "db_pg.h"
#endif

/* The median of 21 round trips on worker 0's connection. */
static uint64_t db__rtt(struct state *s)
{
    uint64_t t[21];
    for (unsigned i = 0; i < 21; i++) {
        uint64_t t0 = lab_now_ns();
        db__ping(s->w[0].conn);
        t[i] = lab_now_ns() - t0;
    }
    return util_median_u64(t, 21);
}

static void db__teardown(void *st)
{
    struct state *s = st;
    if (s->w[0].conn)
        db__drop(s);
    for (unsigned i = 0; i < s->workers; i++) {
        if (s->w[i].err[0] && i == 0)
            fprintf(stderr, "lab-counter: %s\n", s->w[i].err);
        if (s->w[i].conn)
            db__close(s->w[i].conn);
    }
}

/* The trial's numbers (db_fields.h), read after the workers finished. */
static void db__fields(const void *st, unsigned workers, int64_t *out)
{
    const struct state *s = st;
    uint64_t first = UINT64_MAX, last = 0, done = 0;
    for (unsigned i = 0; i < workers; i++) {
        const struct db_worker *w = &s->w[i];
        out[DB_F_RETRIES] += (int64_t)w->retries;
        out[DB_F_ABORTS] += (int64_t)w->aborts;
        out[DB_F_OVERLAPS] += (int64_t)w->overlaps;
        out[DB_F_ERRORS] += (int64_t)w->errors;
        done += w->done;
        if (w->t_start && w->t_start < first)
            first = w->t_start;
        if (w->t_end > last)
            last = w->t_end;
    }
    out[DB_F_RTT_NS] = (int64_t)s->rtt_ns;
    if (first != UINT64_MAX && last > first)
        out[DB_F_OPS_PER_S] = (int64_t)((double)done * 1e9 / (double)(last - first));
}

static int db__setup(void *st, const struct lab_env *env)
{
    static unsigned serial;
    struct state *s = st;
    s->workers = env->workers;
    s->hold_ms = env->mo->hold_ms;
    s->lease_ms = env->mo->lease_ms ? env->mo->lease_ms : LAB_DB_LEASE_MS;
    snprintf(s->name, sizeof s->name, DB__NAME_FMT, (int)getpid(), serial++);
    char err[256];
    for (unsigned i = 0; i < s->workers; i++) {
        s->w[i].seed = i * 2654435761u + 1;
        if ((s->w[i].conn = db__connect(err, sizeof err)) == NULL) {
            fprintf(stderr, "lab-counter: %s\n", err);
            db__teardown(s);
            return ECONNREFUSED;
        }
    }
    if (db__create(s, err, sizeof err) != 0) {
        fprintf(stderr, "lab-counter: %s\n", err);
        db__teardown(s);
        return EIO;
    }
    s->rtt_ns = db__rtt(s);
    return 0;
}

static int increment(conn_t *c, const struct state *s, struct db_worker *w);

static void db__work(void *st, unsigned worker, uint64_t iters)
{
    struct state *s = st;
    struct db_worker *w = &s->w[worker];
    w->t_start = lab_now_ns();
    for (uint64_t i = 0; i < iters && increment(w->conn, s, w) == 0; i++)
        w->done++;
    w->t_end = lab_now_ns();
}

static uint64_t db__observe(const void *st, unsigned workers)
{
    (void)workers;
    return db__read(st);
}

const struct lab_variant LAB_VARIANT_SYMBOL = {
    LAB_VARIANT_IDENTITY(LAB_MODEL_BIT(DB__MODEL), DB__REFUSED),
    .state_bytes = db__bytes,
    .setup = db__setup,
    .teardown = db__teardown,
    .work = db__work,
    .observe = db__observe,
    .fields = db__fields,
};

#endif
