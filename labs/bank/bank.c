/* labs/bank/bank.c - the bank lab's descriptor, variant table and fields. */
#include "bank.h"

#define LAB_VARIANT_PREFIX bank_variant_
#include "variant_gen.h"

#define BANK_VARIANTS(X) \
    X(racy) X(toctou) X(global) X(naive) X(ordered) X(trylock_fixed) X(trylock)

LAB_VARIANT_TABLE(BANK_VARIANTS, variants);

/* Money only moves: the total is the opening balances, whatever was asked. */
static uint64_t expected(unsigned workers, uint64_t iters)
{
    (void)workers;
    (void)iters;
    return (uint64_t)BANK_ACCOUNTS * BANK_INITIAL;
}

static const struct lab_field fields[BANK_NFIELDS] = {
    [BANK_F_TOTAL_BEFORE] = { "total_before", "money", LAB_AGG_MAX, false },
    [BANK_F_TOTAL_AFTER] = { "total_after", "money", LAB_AGG_MIN, false },
    [BANK_F_OVERDRAFTS] = { "overdrafts", "debits below zero", LAB_AGG_SUM, true },
    [BANK_F_NEGATIVE] = { "negative", "accounts below zero at the end", LAB_AGG_MAX, true },
    [BANK_F_TRANSFERS] = { "transfers", "done", LAB_AGG_SUM, false },
    [BANK_F_REFUSED] = { "refused", "insufficient funds", LAB_AGG_SUM, false },
    [BANK_F_RETRIES] = { "retries", "failed tries", LAB_AGG_SUM, false },
    [BANK_F_MAX_STREAK] = { "max_streak", "failed tries of one transfer", LAB_AGG_MAX, false },
    [BANK_F_GAVE_UP] = { "gave_up", "transfers abandoned when the trial was ended",
                         LAB_AGG_SUM, false },
};

const struct lab bank_lab = {
    .name = "bank",
    .title = "transfers between accounts: money lost or created, overdrafts, deadlock",
    .default_variants = { [LAB_THREADS] = "racy,toctou,naive,ordered",
                          [LAB_PROCS] = "racy,toctou,naive,ordered",
                          [LAB_COROS] = "racy,toctou,naive,ordered" },
    .baseline = "global",
    .default_iters = 1000000,  /* a trial must outlast a scheduler gap on a loaded machine */
    .variants = variants,
    .nvariants = sizeof variants / sizeof variants[0],
    .expected = expected,
    .fields = fields,
    .nfields = BANK_NFIELDS,
};
