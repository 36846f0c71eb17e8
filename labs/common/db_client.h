/* labs/common/db_client.h - what a database model's variant uses: a
 * connection to this run's server (db.h). Its numbers per trial (retries,
 * aborts, round-trip time, ...) are the lab's fields under the model
 * (struct lab.model_fields; labs/counter/db_fields.h).
 *
 * The client libraries are not linked into the lab programs: libpq alone
 * brings 25 shared libraries, which every run of every lab would load (and
 * valgrind would read, a third of a CPU second a run, and report p11-kit's
 * exit-time destructor on). lab__db_client_load() opens the model's library
 * with dlopen when a database model runs (db_dl.c), and fills a table of
 * pointers to the functions below; the macros after the table make the
 * library's own names mean its entries, so the variants read as plain
 * hiredis and libpq. Call nothing here before lab__db_start() (which loads
 * the client) or a successful lab__db_client_load(). */
#ifndef RACELAB_DB_CLIENT_H
#define RACELAB_DB_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"

#ifdef RACELAB_HAVE_HIREDIS
#include <hiredis/hiredis.h>

#define LAB_REDIS_API(X) \
    X(redisConnectWithTimeout) X(redisSetTimeout) X(redisCommand) X(freeReplyObject) X(redisFree)
#define LAB_DB__API_ENTRY(f) __typeof__(f) *f;
struct lab_redis_api {
    LAB_REDIS_API(LAB_DB__API_ENTRY)
};
extern struct lab_redis_api lab__redis_api;

#ifndef LAB_DB_API_TABLES   /* db_dl.c fills the tables under the plain names */
#define redisConnectWithTimeout (*lab__redis_api.redisConnectWithTimeout)
#define redisSetTimeout (*lab__redis_api.redisSetTimeout)
#define redisCommand (*lab__redis_api.redisCommand)
#define freeReplyObject (*lab__redis_api.freeReplyObject)
#define redisFree (*lab__redis_api.redisFree)
#endif

/* A connection to the run's redis (AUTH and SELECT done), or NULL with err. */
redisContext *lab_redis_connect(char *err, size_t errlen);
#endif

#ifdef RACELAB_HAVE_LIBPQ
#include <libpq-fe.h>

#define LAB_PQ_API(X)                                                                      \
    X(PQconnectdb) X(PQstatus) X(PQerrorMessage) X(PQfinish) X(PQexec) X(PQclear)          \
    X(PQresultStatus) X(PQresultErrorField) X(PQntuples) X(PQgetvalue) X(PQping)
#define LAB_DB__API_ENTRY(f) __typeof__(f) *f;
struct lab_pq_api {
    LAB_PQ_API(LAB_DB__API_ENTRY)
};
extern struct lab_pq_api lab__pq_api;

#ifndef LAB_DB_API_TABLES
#define PQconnectdb (*lab__pq_api.PQconnectdb)
#define PQstatus (*lab__pq_api.PQstatus)
#define PQerrorMessage (*lab__pq_api.PQerrorMessage)
#define PQfinish (*lab__pq_api.PQfinish)
#define PQexec (*lab__pq_api.PQexec)
#define PQclear (*lab__pq_api.PQclear)
#define PQresultStatus (*lab__pq_api.PQresultStatus)
#define PQresultErrorField (*lab__pq_api.PQresultErrorField)
#define PQntuples (*lab__pq_api.PQntuples)
#define PQgetvalue (*lab__pq_api.PQgetvalue)
#define PQping (*lab__pq_api.PQping)
#endif

/* A connection to the run's PostgreSQL, or NULL with err. */
PGconn *lab_pg_connect(char *err, size_t errlen);
#endif

#endif
