/* labs/common/db_client.h - what a database model's variant uses: a
 * connection to this run's server (db.h) and the per-trial numbers the
 * model reports beside the protocol's (retries, aborts, round-trip time,
 * operations per second: the "db_trial" and "db_summary" records of
 * labs/PROTOCOL.md). */
#ifndef RACELAB_DB_CLIENT_H
#define RACELAB_DB_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"

#ifdef RACELAB_HAVE_HIREDIS
#include <hiredis/hiredis.h>
/* A connection to the run's redis (AUTH and SELECT done), or NULL with err. */
redisContext *lab_redis_connect(char *err, size_t errlen);
#endif

#ifdef RACELAB_HAVE_LIBPQ
#include <libpq-fe.h>
/* A connection to the run's PostgreSQL, or NULL with err. */
PGconn *lab_pg_connect(char *err, size_t errlen);
#endif

/* What a trial's variant counted: filled by its teardown, printed by the
 * runtime after the trial record. */
struct lab_db_stats {
    uint64_t retries;    /* operations tried again (aborted transaction, lost WATCH, busy lock) */
    uint64_t aborts;     /* transactions the server aborted (serialization failures, EXEC nil) */
    uint64_t overlaps;   /* redis lock: times a client found another holder inside the lock */
    uint64_t rtt_ns;     /* median round trip of PING / SELECT 1, measured in the trial's setup */
    uint64_t errors;     /* requests that failed otherwise (the trial is then wrong) */
};
void lab_db_stats_set(const struct lab_db_stats *s);

#endif
