/* mpmc: the sync library's bounded MPMC queue, a sequence number per slot.
 *
 * A producer claims a position with one CAS on tail, then owns the slot
 * until it bumps the slot's sequence number to say "full"; a consumer
 * claims with a CAS on head and bumps the sequence to "free for the next
 * lap". Two producers can never write the same slot (the CAS gives each
 * position to one), and no consumer reads a slot before its producer is
 * done (the sequence says so): no lock, and a stalled worker can delay the
 * others but not corrupt the queue. All atomics, no pointers: it works
 * across processes as it is. */
#define VARIANT_NAME mpmc
#define VARIANT_DESC "sync library bounded MPMC queue (a sequence number per slot, no lock)"
#define VARIANT_QUEUE mpmc

#include "desc/queue_mpmc.h"

#include "variant.h"
