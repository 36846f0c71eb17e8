/* postgres advisory: BEGIN; SELECT pg_advisory_xact_lock(key); the racy
 * SELECT and UPDATE; COMMIT. A lock on a number the application chooses,
 * held to the end of the transaction: it serializes the clients that take
 * it - and only those (a client that forgets it races freely). */
#define VARIANT_NAME pg_advisory
#define VARIANT_LABEL "advisory"
#define VARIANT_DESC "BEGIN; pg_advisory_xact_lock(key); SELECT; UPDATE; COMMIT"
#define DB_POSTGRES

#include <stdarg.h>

#include "db_variant.h"

#ifndef VARIANT_UNAVAILABLE
static int increment(conn_t *c, const struct state *s, struct db_worker *w)
{
    char pre[96];
    snprintf(pre, sizeof pre, "SELECT pg_advisory_xact_lock(%d)", (int)getpid());
    return pg_txn(c, s, w, "BEGIN", pre, "");
}
#endif
