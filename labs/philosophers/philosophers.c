/* labs/philosophers/philosophers.c - the lab's descriptor, variants, fields. */
#include "philosophers.h"

#define LAB_VARIANT_PREFIX phil_variant_
#include "variant_gen.h"

#define PHIL_VARIANTS(X) X(naive) X(ordered) X(waiter) X(trylock)

LAB_VARIANT_TABLE(PHIL_VARIANTS, variants);

static const struct lab_field fields[PHIL_NFIELDS] = {
    [PHIL_F_MEALS_MIN] = { "meals_min", "meals of the slowest when the first finished",
                           LAB_AGG_MIN, false },
    [PHIL_F_WAIT_MAX] = { "wait_max_ns", "ns, the longest wait for two forks", LAB_AGG_MAX,
                          false },
    [PHIL_F_CONFLICTS] = { "conflicts", "forks found in another's hand", LAB_AGG_SUM, true },
    [PHIL_F_RETRIES] = { "retries", "left forks put back", LAB_AGG_SUM, false },
    [PHIL_F_GAVE_UP] = { "gave_up", "philosophers stopped when the trial was ended",
                         LAB_AGG_SUM, false },
};

const struct lab philosophers_lab = {
    .name = "philosophers",
    .title = "dining philosophers: the fork-order deadlock and three ways out",
    .default_variants = { [LAB_THREADS] = "naive,ordered,waiter,trylock",
                          [LAB_PROCS] = "naive,ordered,waiter,trylock",
                          [LAB_COROS] = "naive,ordered,waiter,trylock" },
    .baseline = "ordered",
    .default_iters = 20000,   /* meals each: a naive table deadlocks long before */
    .variants = variants,
    .nvariants = sizeof variants / sizeof variants[0],
    .expected = lab_expected_each,
    .fields = fields,
    .nfields = PHIL_NFIELDS,
    .explore = { .iters = 1 },   /* notes/explorer.md "Lab targets" */
};
