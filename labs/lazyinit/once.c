/* once: sync_once() runs the creation exactly once (sync/once.h).
 *
 * The first caller creates; callers that arrive meanwhile sleep until it
 * has returned; afterwards a get is one acquire load. The creation happens
 * before every return of sync_once(), so the plain pointer read after it
 * is ordered. */
#define VARIANT_NAME once
#define VARIANT_DESC "sync_once() per slot (sync/once.h)"
#define VARIANT_SLOT_INIT slot_init

#include "sync/once.h"

#include "lazyinit.h"

struct slot {
    struct lazy_obj *p;
    sync_once_t once;
};

struct once_arg {
    struct lazy *s;
    struct slot *sl;
    uint64_t i;
};

static int slot_init(struct slot *sl, const struct lab_env *env)
{
    return sync_once_init(&sl->once, env->sync_flags);
}

static void create_once(void *arg)
{
    struct once_arg *a = arg;
    a->sl->p = lazy_create(a->s, a->i);
}

static inline const struct lazy_obj *get(struct lazy *s, struct slot *sl, uint64_t i)
{
    struct once_arg a = { s, sl, i };
    sync_once(&sl->once, create_once, &a);
    return sl->p;   /* ordered by sync_once() */
}

#include "variant.h"
