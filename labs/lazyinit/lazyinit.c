/* labs/lazyinit/lazyinit.c - the lazyinit lab's descriptor and variant table. */
#include "lazyinit.h"

#define LAB_VARIANT_PREFIX lazyinit_variant_
#include "variant_gen.h"

#define LAZYINIT_VARIANTS(X) X(racy) X(dclp) X(acqrel) X(once) X(pthread_once) X(mutex)

LAB_VARIANT_TABLE(LAZYINIT_VARIANTS, variants);

/* The lab's own numbers per trial (variant.h's lazy__fields() fills them):
 * exact is one creation per slot and no leak; a leak is a duplicate
 * creation, whose creator used an object nobody else saw. */
static const struct lab_field fields[] = {
    { "creations", "objects created (exact: one per slot)", LAB_AGG_SUM, false },
    { "leaked", "objects created but not published", LAB_AGG_SUM, true },
};

const struct lab lazyinit_lab = {
    .name = "lazyinit",
    .title = "lazy initialisation: created twice, or published half-made",
    .default_variants = { [LAB_THREADS] = "racy,dclp,acqrel,once,pthread-once,mutex",
                          [LAB_PROCS] = "racy,acqrel,once,mutex" },
    .baseline = "once",
    .max_expected = LAZY_MAX_GETS,
    .valgrind_iters = LAZY_VALGRIND_ITERS,
    /* the harness's bound (1 preemption, 2 iterations) with room: acqrel
     * exhausts it in exactly 100 runs, the harness's default budget */
    .explore = { .max_runs = 500 },
    .variants = variants,
    .nvariants = sizeof variants / sizeof variants[0],
    .expected = lab_expected_each,   /* every get returns its slot's one object, whole */
    .fields = fields,
    .nfields = sizeof fields / sizeof fields[0],
};
