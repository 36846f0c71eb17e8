/* ticket: FIFO ticket lock.
 *
 * Take a number, wait until it is served: fair, first come first served.
 * The price of fairness shows when workers outnumber CPUs: the next owner
 * may be descheduled, and everyone waits for it (our ticket lock yields
 * the CPU after a bounded spin so that it still finishes). */
#define VARIANT_NAME ticket
#define VARIANT_DESC "FIFO ticket spin lock (sync/ticket.h)"
#define VARIANT_SETUP setup
#define VARIANT_HOLD hold

#include "sync/ticket.h"

#include "counter.h"

struct state {
    sync_ticket_t lock;
    uint64_t value;
};

static int setup(struct state *s, const struct lab_env *env)
{
    (void)env;
    return sync_ticket_init(&s->lock);
}

static inline void increment(struct state *s, unsigned worker)
{
    (void)worker;
    sync_ticket_lock(&s->lock);
    uint64_t v = LAB_LOAD(&s->value);
    LAB_STORE(&s->value, v + 1);
    sync_ticket_unlock(&s->lock);
}

static void hold(struct state *s)
{
    sync_ticket_lock(&s->lock);
}

#include "variant.h"
