/* labs/counter/gil_vm.h - the counter's Python program as bytecodes, for
 * --model gil: a worker is a Python thread running
 *
 *     def work():                     # racy               # lock
 *         global counter
 *         for _ in range(N):
 *             counter += 1            #  with lock: counter += 1
 *
 * compiled as CPython 3.9 compiles it (the names of `python3.9 -m dis`; 3.11
 * says BINARY_OP 13 and JUMP_BACKWARD for the same steps), run by a small
 * interpreter under the global interpreter lock of labs/common/gil.h.
 *
 * THE RACE (--check-points every: a check point before every bytecode)
 *     step  thread 1 (holds the GIL)       thread 2 (waits)           counter
 *     1     LOAD_GLOBAL counter -> 7                                    7
 *     2     check point: drop request! ->  takes the GIL                7
 *     3                                    5 ms of `counter += 1`       8 .. 30007
 *     4     takes the GIL back <-          check point: drops it        30007
 *     5     LOAD_CONST 1, INPLACE_ADD, STORE_GLOBAL counter -> 8        8 (30000 lost)
 * One switch inside the four bytecodes of `counter += 1` loses a whole
 * interval's worth of the other thread's increments: that is the seed's
 * 156432. With --check-points backedge (CPython 3.10 and later) the only
 * check point is JUMP_ABSOLUTE, between two increments: nothing is lost, by
 * construction - and the same program loses again with --no-gil
 * (free-threaded 3.13t), where only the lock variant stays exact.
 *
 * Each bytecode costs what its switch case costs plus a spin for
 * --bytecode-ns (default 20: a CPython 3.9 bytecode took about 24 ns here:
 * reference counting, type dispatch, the frame; notes/gil.md has the
 * measurement), so the loop runs at about the speed whose interplay with the
 * 5 ms switch interval the seed saw.
 *
 * A variant file defines VARIANT_NAME, VARIANT_LABEL, VARIANT_DESC,
 * VARIANT_RACY, GIL_CODE (its instructions, initializers of struct insn) and
 * includes this header. */
#include <pthread.h>
#include <stdint.h>

#include "counter.h"
#include "gil.h"

#define LAB_VARIANT_PREFIX counter_variant_
#include "variant_gen.h"

enum gil_op {
    FOR_ITER,        /* next of range(N), or jump to arg when exhausted */
    STORE_FAST,      /* _ = top */
    LOAD_GLOBAL,     /* push globals[arg] */
    LOAD_CONST,      /* push consts[arg] */
    INPLACE_ADD,     /* top-1 += top */
    STORE_GLOBAL,    /* globals[arg] = top */
    JUMP_ABSOLUTE,   /* the loop's backward jump, to arg */
    SETUP_WITH,      /* lock.__enter__(): acquire, dropping the GIL while blocked */
    WITH_EXIT,       /* lock.__exit__(): release */
    RETURN_VALUE,
};

enum { G_COUNTER, G_LOCK, G_N };   /* the globals' names */
static const uint64_t gil__consts[] = { 1 };

struct insn {
    uint8_t op, arg;
};

struct state {
    struct lab_gil gil;
    pthread_mutex_t pylock;        /* the Python program's threading.Lock() */
    uint64_t globals[G_N];         /* the module's dict, by name index */
    unsigned spin;                 /* spin units per bytecode */
    int check_points;
};

static int gil__setup(void *st, const struct lab_env *env)
{
    struct state *s = st;
    s->spin = lab_gil_spin_units(env->mo->bytecode_ns);
    s->check_points = env->mo->check_points;
    int rc = pthread_mutex_init(&s->pylock, NULL);
    if (rc == 0 && (rc = lab_gil_init(&s->gil, env->mo)) != 0)
        pthread_mutex_destroy(&s->pylock);
    return rc;
}

static void gil__teardown(void *st)
{
    struct state *s = st;
    lab_gil_fini(&s->gil);
    pthread_mutex_destroy(&s->pylock);
}

/* threading.Lock.acquire(): a free lock is taken with the GIL held; a taken
 * one is waited for with the GIL dropped (Py_BEGIN_ALLOW_THREADS). */
static void gil__acquire(struct state *s, int worker)
{
    if (pthread_mutex_trylock(&s->pylock) == 0)
        return;
    lab_gil_drop(&s->gil);
    pthread_mutex_lock(&s->pylock);
    lab_gil_take(&s->gil, worker);
}

/* The interpreter: one Python thread running |code| to its RETURN_VALUE. */
static void gil__run(struct state *s, const struct insn *code, int worker, uint64_t iters)
{
    struct lab_gil *g = &s->gil;
    const int every = s->check_points == LAB_CHECK_EVERY;
    uint64_t stack[4], range_next = 0, fast = 0, x = (uint64_t)worker;
    unsigned sp = 0;
    lab_gil_take(g, worker);
    for (unsigned pc = 0;; pc++) {
        const struct insn in = code[pc];
        if (every)
            lab_gil_check(g, worker);
        x = lab_gil_spin(s->spin, x);
        switch ((enum gil_op)in.op) {
        case FOR_ITER:
            if (range_next == iters)
                pc = in.arg - 1u;
            else
                stack[sp++] = range_next++;
            break;
        case STORE_FAST: fast = stack[--sp]; break;
        case LOAD_GLOBAL: stack[sp++] = LAB_LOAD(&s->globals[in.arg]); break;
        case LOAD_CONST: stack[sp++] = gil__consts[in.arg]; break;
        case INPLACE_ADD: sp--; stack[sp - 1] += stack[sp]; break;
        case STORE_GLOBAL: LAB_STORE(&s->globals[in.arg], stack[--sp]); break;
        case JUMP_ABSOLUTE:
            if (!every)
                lab_gil_check(g, worker);   /* 3.10+: the eval breaker at back-edges */
            pc = in.arg - 1u;
            break;
        case SETUP_WITH: sp--; gil__acquire(s, worker); break;
        case WITH_EXIT: pthread_mutex_unlock(&s->pylock); break;
        case RETURN_VALUE:
            lab_gil_drop(g);
            volatile uint64_t sink = x ^ fast;   /* keeps the spin */
            (void)sink;
            return;
        }
    }
}

static const struct insn gil__code[] = { GIL_CODE };

static void gil__work(void *st, unsigned worker, uint64_t iters)
{
    gil__run(st, gil__code, (int)worker, iters);
}

static uint64_t gil__observe(const void *st, unsigned workers)
{
    (void)workers;
    return ((const struct state *)st)->globals[G_COUNTER];   /* every worker has been joined */
}

#define GIL__WHY "written for --model gil: a Python thread's bytecodes under a global " \
                 "interpreter lock"

const struct lab_variant LAB_VARIANT_SYMBOL = {
    LAB_VARIANT_IDENTITY(LAB_MODEL_BIT(LAB_GIL),
                         { [LAB_THREADS] = GIL__WHY, [LAB_PROCS] = GIL__WHY,
                           [LAB_COROS] = GIL__WHY, [LAB_COROS_MN] = GIL__WHY,
                           [LAB_COROS_PREEMPT] = GIL__WHY, [LAB_REDIS] = GIL__WHY,
                           [LAB_POSTGRES] = GIL__WHY }),
    .state_size = sizeof(struct state),
    .setup = gil__setup,
    .teardown = gil__teardown,
    .work = gil__work,
    .observe = gil__observe,
};
