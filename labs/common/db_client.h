/* labs/common/db_client.h - what a database model's variant uses: a
 * connection to this run's server (db.h). Its numbers per trial (retries,
 * aborts, round-trip time, ...) are the lab's fields under the model
 * (struct lab.model_fields; labs/counter/db_fields.h). */
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

#endif
