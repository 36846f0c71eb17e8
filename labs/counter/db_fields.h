/* labs/counter/db_fields.h - the counter lab's fields under --model redis
 * and postgres (struct lab.model_fields; labs/PROTOCOL.md "Fields"): what a
 * database variant counts per trial beside the protocol's numbers. The
 * other models' variants have none of these, so they are the two models'
 * own set, not the lab's. */
#ifndef RACELAB_DB_FIELDS_H
#define RACELAB_DB_FIELDS_H

#include "lab.h"

enum db_field {
    DB_F_RETRIES,    /* operations tried again: aborted transaction, lost WATCH, busy lock */
    DB_F_ABORTS,     /* of those, the server's aborts (40001, EXEC nil); redis lock:
                        releases that found the lease expired */
    DB_F_OVERLAPS,   /* redis lock: times a client inside found another holder inside */
    DB_F_ERRORS,     /* requests that failed otherwise (the count is then short) */
    DB_F_RTT_NS,     /* median round trip of PING / SELECT 1, measured in the setup */
    DB_F_OPS_PER_S,  /* completed increments / (last worker's end - first worker's start) */
    DB_NFIELDS
};

#define DB_FIELDS_INIT                                                        \
    {                                                                         \
        [DB_F_RETRIES] = { "retries", "operations tried again", LAB_AGG_SUM, false }, \
        [DB_F_ABORTS] = { "aborts", "aborted by the server", LAB_AGG_SUM, false },   \
        [DB_F_OVERLAPS] = { "overlaps", "two lock holders at once", LAB_AGG_SUM, false }, \
        [DB_F_ERRORS] = { "errors", "failed requests", LAB_AGG_SUM, true },          \
        [DB_F_RTT_NS] = { "rtt_ns", "ns", LAB_AGG_MEDIAN, false },                   \
        [DB_F_OPS_PER_S] = { "ops_per_s", "operations/s", LAB_AGG_MEDIAN, false },   \
    }

#endif
