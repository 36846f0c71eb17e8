/* spsc: the sync library's single-producer/single-consumer ring.
 *
 * With one producer and one consumer each index has one writer: the producer
 * alone moves tail, the consumer alone head, so plain loads and stores with
 * acquire/release suffice - no CAS, no lock. Each slot carries a sequence
 * word saying whether it is free or full, so neither side ever reads the
 * other's index (sync/spsc.h says why: notes/queues.md has the numbers).
 * That is the racy ring made correct by a contract, not by a lock: give it a
 * second producer and it is the racy ring again. Hence 1 x 1 only. */
#define VARIANT_NAME spsc
#define VARIANT_DESC "sync library SPSC ring: no CAS, a sequence word per slot (1 producer x 1 consumer)"
#define VARIANT_ONE_TO_ONE                                                              \
    "a single-producer/single-consumer ring: a second producer (or consumer) would "    \
    "race on its tail (or head) like the racy ring; use --producers 1 --consumers 1, "  \
    "or mpmc"
#define VARIANT_QUEUE spsc

#include "desc/queue_spsc.h"

#include "variant.h"
