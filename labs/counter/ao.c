/* ao: the same fix as atomic, through libatomic_ops' AO_fetch_and_add1.
 *
 * libatomic_ops predates C11 atomics and is still what some portable code
 * (e.g. the Boehm GC) uses; on gcc and clang it now compiles to the same
 * lock xadd, so the cost should match atomic. Built only when the library
 * is installed. */
#define VARIANT_NAME ao
#define VARIANT_DESC "libatomic_ops AO_fetch_and_add1"

#include "counter.h"

#ifdef RACELAB_HAVE_AO
#include <atomic_ops.h>

#define VARIANT_OBSERVE observe

struct state {
    volatile AO_t value;
};

static inline void increment(struct state *s, unsigned worker)
{
    (void)worker;
    AO_fetch_and_add1(&s->value);
}

static uint64_t observe(const struct state *s, unsigned workers)
{
    (void)workers;
    return AO_load(&s->value);   /* after join */
}

#else
#define VARIANT_UNAVAILABLE \
    "libatomic_ops was not found at build time (apt-get install libatomic-ops-dev, then rebuild)"
#endif

#include "variant.h"
