/* labs/lazyinit/variant.h - turns a lazyinit variant's hooks into a
 * lab_variant: the worker loop (one get per slot, checked), the state's
 * layout, and the observation (gets that returned the slot's one whole
 * object), and the fields (objects created, objects leaked). Include it
 * last, after struct slot and get(); optional: VARIANT_WEAK_MEMORY (what
 * its failure needs beyond SC: struct lab_variant.weak_memory). */
#include <stddef.h>
#include <stdint.h>

#include "lazyinit.h"

#define LAB_VARIANT_PREFIX lazyinit_variant_
#include "variant_gen.h"

#define LAZY__NOT_COROS \
    "a lazy initialisation races only when workers run at the same instant: threads or procs"
#define LAZY__REFUSED                                                                   \
    { [LAB_PROCS] = LAB_VARIANT_PROCS_WHY, [LAB_COROS] = LAZY__NOT_COROS,                \
      [LAB_COROS_MN] = LAZY__NOT_COROS, [LAB_COROS_PREEMPT] = LAZY__NOT_COROS }

#ifndef LAZY_FINAL
#define LAZY_FINAL(sl) ((sl)->p)
#endif

static struct slot *lazy__slot(const struct lazy *s, uint64_t i)
{
    return (struct slot *)(void *)(s->slots + i * sizeof(struct slot));
}

static void lazy__work(void *st, unsigned worker, uint64_t iters)
{
    struct lazy *s = st;
    const struct lazy_obj **got = s->got + (uint64_t)worker * s->iters;
    for (uint64_t i = 0; i < iters; i++) {
        const struct lazy_obj *o = get(s, lazy__slot(s, i), i);
        got[i] = lazy_whole(o, i) ? o : NULL;
    }
}

static size_t lazy__bytes(const struct lab_env *env)
{
    uint64_t gets = (uint64_t)env->workers * env->iters;
    return sizeof(struct lazy) + gets * (sizeof(struct lazy_obj) + sizeof(void *)) +
           env->iters * sizeof(struct slot) + 64;
}

static int lazy__setup(void *st, const struct lab_env *env)
{
    struct lazy *s = st;
    uint64_t gets = (uint64_t)env->workers * env->iters;
    s->iters = env->iters;
    s->workers = env->workers;
    s->slot_size = sizeof(struct slot);
    s->pool = (struct lazy_obj *)(void *)(s + 1);
    s->got = (const struct lazy_obj **)(void *)(s->pool + gets);
    s->slots = (unsigned char *)(void *)(s->got + gets);
    s->slots += (64 - (uintptr_t)s->slots % 64) % 64;
#ifdef VARIANT_SLOT_INIT
    for (uint64_t i = 0; i < env->iters; i++) {
        int rc = VARIANT_SLOT_INIT(lazy__slot(s, i), env);
        if (rc != 0)
            return rc;
    }
#endif
    return 0;
}

/* Gets that returned the slot's final object, whole. */
static uint64_t lazy__observe(const void *st, unsigned workers)
{
    const struct lazy *s = st;
    uint64_t good = 0;
    for (uint64_t i = 0; i < s->iters; i++) {
        const struct lazy_obj *final = LAZY_FINAL(lazy__slot(s, i));
        for (unsigned w = 0; w < workers; w++)
            good += s->got[(uint64_t)w * s->iters + i] == final && final != NULL;
    }
    return good;
}

/* The lab's fields (lazyinit.c): creations, then leaked - objects created
 * that no slot published (each slot publishes one: creations - leaked). */
static void lazy__fields(const void *st, unsigned workers, int64_t *out)
{
    const struct lazy *s = st;
    (void)workers;
    uint64_t made = sync_load_u64(&s->made, SYNC_RELAXED), published = 0;
    for (uint64_t i = 0; i < s->iters; i++)
        published += LAZY_FINAL(lazy__slot(s, i)) != NULL;
    out[0] = (int64_t)made;
    out[1] = made > published ? (int64_t)(made - published) : 0;
}

const struct lab_variant LAB_VARIANT_SYMBOL = {
    LAB_VARIANT_IDENTITY(LAB_MODEL_BIT(LAB_THREADS) | LAB_VARIANT_PROCS_BIT, LAZY__REFUSED),
    .state_bytes = lazy__bytes,
    .setup = lazy__setup,
    .work = lazy__work,
    .observe = lazy__observe,
    .fields = lazy__fields,
#ifdef VARIANT_WEAK_MEMORY
    .weak_memory = VARIANT_WEAK_MEMORY,
#endif
};
