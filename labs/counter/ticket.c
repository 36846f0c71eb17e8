/* ticket: FIFO ticket lock.
 *
 * Take a number, wait until it is served: fair, first come first served.
 * The price of fairness shows when workers outnumber CPUs: the next owner
 * may be descheduled, and everyone waits for it (our ticket lock yields
 * the CPU after a bounded spin so that it still finishes). */
#define VARIANT_NAME ticket
#define VARIANT_DESC "FIFO ticket spin lock (sync/ticket.h)"
#define VARIANT_LOCK ticket

#include "desc/lock_ticket.h"

#include "counter.h"

struct state {
    lockd_ticket_t lock;
    uint64_t value;
};

static inline void increment(struct state *s, unsigned worker)
{
    (void)worker;
    lockd_node n;
    lockd_ticket_acquire(&s->lock, &n);
    uint64_t v = LAB_LOAD(&s->value);
    LAB_STORE(&s->value, v + 1);
    lockd_ticket_release(&s->lock, &n);
}

#include "variant.h"
