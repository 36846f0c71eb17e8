/* detectors/explore/xrt_sched.c - green threads, points and the choice of
 * who does the next step (see xrt.h).
 *
 * A point: the running thread records its pending operation and the
 * scheduler picks an enabled thread for the next step: the schedule
 * prefix's choice while there is one, else the running thread if it can go
 * on (no preemption), else the lowest-numbered enabled thread; after a
 * YIELD the next enabled thread after it (round robin), so that spin loops
 * with a yield end. The random strategy picks uniformly among the enabled.
 *
 * Spinning (CHESS's treatment of yield; notes/explorer.md "Spinning
 * threads"): a thread that comes to a YIELD (sched_yield, the sleep calls)
 * when no step of any thread changed anything since its previous YIELD
 * waits for a change: it is disabled until some step changes memory (a
 * store, an RMW or CAS that changed the word) or a primitive's state (a
 * lock, unlock, post, signal...). Its round read nothing that another
 * round would read differently, so running it again before a change only
 * repeats it; the search skips those schedules. (Only a round that waited:
 * one that failed a CAS, RMW or trylock, or read a word some step changed;
 * see xrt__spinning.) When no thread can go on
 * and some spin (a grace period), each spinner in turn, round robin, the
 * only thread enabled, gets up to XRT_SPIN_GRACE more rounds: a loop that
 * retries a bounded number of times, then does something else (its
 * counter is local: no point sees it), reaches its fallback and the search
 * goes on from the change it makes. Every spinner through its grace with
 * still no change: a deadlock, each spinner waiting for the word its round
 * failed to change (or read) last, held by the thread whose step last
 * changed it.
 * Invisible work (code between points, a new thread's code up to its first
 * point, a joiner's code after its join) is run as it comes: it touches
 * nothing another thread sees, so running it at once commutes with
 * everything, and creating or joining a thread adds no point. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "xrt.h"
#include "xrt_tls.h"
#include "xrt_tty.h"

struct xrt_run xrt_r;
struct xrt_shm *xrt_shm;
struct xrt_config xrt_cfg;
const uint8_t *xrt_prefix;
uint32_t xrt_prefix_len;
bool xrt_active;
uint64_t xrt_sleep0;

void sync__coro_switch(void **save_sp, void *load_sp);   /* sync/src/coro_switch_x86_64.S */

static void xrt__switch(int from, int to)
{
    xrt_r.cur = to;
    xrt_tls_switch(from, to);
    sync__coro_switch(&xrt_r.t[from].sp, xrt_r.t[to].sp);
}

uint64_t xrt_load_value(uintptr_t addr, unsigned size)
{
    uint64_t v = 0;
    memcpy(&v, (const void *)addr, size > 8 ? 8 : size);
    return v;
}

/* The value a thread's last STORE wrote: it has run since, so it is there. */
void xrt_fixup(struct xrt_thread *t)
{
    if (t->write_step < 0)
        return;
    struct xrt_step *s = &xrt_shm->steps[t->write_step];
    s->value = xrt_load_value((uintptr_t)s->addr, s->size);
    s->known = 1;
    t->write_step = -1;
}

static void xrt__fixup_all(void)
{
    for (int i = 0; i < xrt_r.nthreads; i++)
        xrt_fixup(&xrt_r.t[i]);
}

/* The bit of xrt_r.changed_words for the word holding |a|. */
static unsigned xrt__word_bit(uint64_t a)
{
    return (unsigned)(((a >> 3) * 0x9E3779B97F4A7C15ull) >> 51);   /* 13 bits */
}

static bool xrt__ever_changed(uint64_t a)
{
    unsigned b = xrt__word_bit(a);
    return xrt_r.changed_words[b >> 6] >> (b & 63) & 1;
}

/* At a YIELD, with nothing changed since its previous one, after a round
 * that waited for something: it tried to change a word and failed, or it
 * read a word that some step has changed (a flag, a lock word). A round
 * that only read words nothing ever changed (a delay loop counting on its
 * stack, reading its configuration) is left alone: its exit is its own. */
static bool xrt__spinning(const struct xrt_thread *t)
{
    return t->state == XRT_LIVE && t->op == XRT_OP_YIELD && t->yields > 0 &&
           t->mark == xrt_r.changes &&
           (t->tried_addr != 0 || (t->read_addr != 0 && xrt__ever_changed(t->read_addr)));
}

static bool xrt__enabled(const struct xrt_thread *t)
{
    if (t->state != XRT_LIVE)
        return false;
    switch (t->op) {
    case XRT_OP_YIELD:
        return !xrt__spinning(t);
    case XRT_OP_LOCK:
        return xrt_mutex_owner(t->addr) == 0;
    case XRT_OP_WAKE:
        return (t->signaled || t->timed) && xrt_mutex_owner(t->addr2) == 0;
    case XRT_OP_SEM_WAIT:
        return *(volatile unsigned *)t->addr > 0;
    case XRT_OP_RDLOCK: case XRT_OP_WRLOCK: case XRT_OP_ONCE: case XRT_OP_FWOKEN:
        return xrt_sync_enabled(t);
    default:
        return true;
    }
}

static uint64_t xrt__enabled_mask(void)
{
    uint64_t m = 0;
    for (int i = 0; i < xrt_r.nthreads; i++)
        if (xrt__enabled(&xrt_r.t[i]))
            m |= 1ull << i;
    return m;
}

void xrt_lock_seen(uintptr_t m, uint8_t kind)
{
    for (int i = 0; i < xrt_r.nmutexes; i++)
        if (xrt_r.mutexes[i] == m)
            return;
    if (xrt_r.nmutexes < XRT_MAX_MUTEXES) {
        xrt_r.mutex_kind[xrt_r.nmutexes] = kind;
        xrt_r.mutexes[xrt_r.nmutexes++] = m;
    }
}

void xrt_mutex_seen(uintptr_t m)
{
    xrt_lock_seen(m, XRT_KIND_MUTEX);
}

_Noreturn void xrt_fail(uint32_t status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(xrt_shm->msg, sizeof xrt_shm->msg, fmt, ap);
    va_end(ap);
    xrt__fixup_all();
    xrt_shm->status = status;
    _exit(3);
}

/* The thread whose step last changed [a, a + size), -1 none (the word
 * still has its initial value). */
static int xrt__last_changer(uint64_t a, unsigned size)
{
    for (uint32_t i = xrt_r.step; i-- > 0;) {
        const struct xrt_step *s = &xrt_shm->steps[i];
        if (s->changed && s->addr < a + (size ? size : 1) && a < s->addr + (s->size ? s->size : 1))
            return s->tid;
    }
    return -1;
}

/* A spinner's entry: what its round failed to change last, else what it
 * read last, and who last changed that word. */
static void xrt__spinner(const struct xrt_thread *t, struct xrt_blocked *b)
{
    bool tried = t->tried_addr != 0;
    b->op = tried ? t->tried_op : XRT_OP_LOAD;
    b->addr = tried ? t->tried_addr : t->read_addr;
    b->owner = (int8_t)xrt__last_changer(b->addr, tried ? t->tried_size : t->read_size);
}

static void xrt__held(struct xrt_blocked *b, uint64_t a)
{
    for (unsigned k = 0; k < b->nheld; k++)
        if (b->held[k] == a)
            return;
    if (b->nheld < 4)
        b->held[b->nheld++] = a;
}

/* The word a spinner waits for counts as held by its last changer, when
 * that one is blocked too (a lock of atomics, which no model knows). */
static void xrt__spin_holds(struct xrt_shm *s)
{
    for (uint32_t i = 0; i < s->nblocked; i++) {
        const struct xrt_blocked *w = &s->blocked[i];
        if (w->owner < 0 || w->owner == w->tid || w->addr == 0 || w->op > XRT_OP_CAS)
            continue;
        for (uint32_t k = 0; k < s->nblocked; k++)
            if (s->blocked[k].tid == (uint8_t)w->owner)
                xrt__held(&s->blocked[k], w->addr);
    }
}

/* No thread can go on while some are unfinished: each blocked thread, what
 * it waits for and the locks it holds. */
static _Noreturn void xrt__deadlock(void)
{
    struct xrt_shm *s = xrt_shm;
    s->nblocked = 0;
    for (int i = 0; i < xrt_r.nthreads; i++) {
        const struct xrt_thread *t = &xrt_r.t[i];
        if (t->state != XRT_LIVE && t->state != XRT_JOINING && t->state != XRT_BARRIER)
            continue;
        struct xrt_blocked *b = &s->blocked[s->nblocked++];
        b->tid = (uint8_t)i;
        b->op = t->state == XRT_JOINING ? XRT_OP_NONE : t->state == XRT_BARRIER ? XRT_OP_BARRIER
                                                                                : t->op;
        b->addr = t->state == XRT_JOINING ? (uint64_t)t->join_on
                  : t->op == XRT_OP_WAKE ? t->addr2 : t->addr;
        b->owner = (int8_t)(t->state == XRT_LIVE ? xrt_wanted_owner(t) : -1);
        if (xrt__spinning(t))
            xrt__spinner(t, b);
        b->nheld = 0;
        for (int m = 0; m < xrt_r.nmutexes && b->nheld < 4; m++)
            if (xrt_holds(m, i))
                b->held[b->nheld++] = xrt_r.mutexes[m];
    }
    xrt__spin_holds(s);
    xrt_fail(XRT_ST_DEADLOCK, "no thread can go on");
}

/* Nothing else can go on: the next spinner after the running thread (round
 * robin) that has grace rounds left, alone; 0 when none has. */
static uint64_t xrt__grace(void)
{
    for (int k = 1; k <= xrt_r.nthreads; k++) {
        int i = (xrt_r.cur + k) % xrt_r.nthreads;
        const struct xrt_thread *t = &xrt_r.t[i];
        if (xrt__spinning(t) && t->idle < XRT_SPIN_GRACE)
            return 1ull << i;
    }
    return 0;
}

static void xrt__change(struct xrt_step *s)
{
    s->changed = 1;
    xrt_r.changes++;
    for (uint64_t a = s->addr & ~7ull; a < s->addr + (s->size ? s->size : 1); a += 8) {
        unsigned b = xrt__word_bit(a);
        xrt_r.changed_words[b >> 6] |= 1ull << (b & 63);
    }
}

void xrt_rmw_done(bool changed)
{
    struct xrt_thread *t = &xrt_r.t[xrt_r.cur];
    struct xrt_step *s = &xrt_shm->steps[xrt_r.step - 1];
    if (changed)
        return xrt__change(s);
    t->tried_addr = (uintptr_t)s->addr;
    t->tried_size = s->size;
    t->tried_op = s->op;
}

/* Will |t|'s pending try operation take its lock? (pthread_mutex_trylock,
 * sem_trywait, the rwlock tries; as the calls in xrt_pthread.c and
 * xrt_sync.c decide.) */
static bool xrt__try_takes(const struct xrt_thread *t)
{
    if (t->op == XRT_OP_TRYRDLOCK || t->op == XRT_OP_TRYWRLOCK) {
        struct xrt_thread as = *t;
        as.op = t->op == XRT_OP_TRYRDLOCK ? XRT_OP_RDLOCK : XRT_OP_WRLOCK;
        return xrt_sync_enabled(&as);
    }
    for (int i = 0; i < xrt_r.nmutexes; i++)
        if (xrt_r.mutexes[i] == t->addr)
            return xrt_mutex_owner(t->addr) == 0;
    return *(const volatile unsigned *)t->addr > 0;   /* a semaphore's value */
}

/* A YIELD step: one more round with (or without) a change before it. */
static void xrt__yielded(struct xrt_thread *t)
{
    t->idle = t->yields > 0 && t->mark == xrt_r.changes ? t->idle + 1 : 0;
    t->mark = xrt_r.changes;
    t->yields++;
    t->read_addr = t->tried_addr = 0;
}

/* What step |s| of thread |t| changes, reads or tries (the atomics'
 * read-modify-writes are judged once done: xrt_rmw_done). */
static void xrt__account(struct xrt_thread *t, struct xrt_step *s)
{
    switch (s->op) {
    case XRT_OP_LOAD:
        t->read_addr = (uintptr_t)s->addr;
        t->read_size = s->size;
        return;
    case XRT_OP_YIELD:
        return xrt__yielded(t);
    case XRT_OP_RMW: case XRT_OP_CAS: case XRT_OP_FENCE: case XRT_OP_NONE:
        return;
    case XRT_OP_TRYLOCK: case XRT_OP_TRYRDLOCK: case XRT_OP_TRYWRLOCK:
        if (xrt__try_takes(t))
            return xrt__change(s);
        t->tried_addr = (uintptr_t)s->addr;
        t->tried_size = 1;
        t->tried_op = s->op;
        return;
    default:
        return xrt__change(s);
    }
}

static int xrt__pick(uint64_t en, int cur)
{
    if (xrt_cfg.strategy == XRT_PCT)
        return xrt_pct_pick(en);
    if (xrt_cfg.strategy == XRT_RANDOM) {
        int n = __builtin_popcountll(en);
        xrt_r.rng = xrt_r.rng * 6364136223846793005ull + 1442695040888963407ull;
        int k = (int)((xrt_r.rng >> 33) % (uint64_t)n);
        while (k-- > 0)
            en &= en - 1;
        return __builtin_ctzll(en);
    }
    bool yielded = xrt_r.step > 0 && xrt_shm->steps[xrt_r.step - 1].op == XRT_OP_YIELD;
    return xrt_default_next(en, cur, yielded);
}

/* dpor: every thread's pending operation at step |i|, and the sleep set
 * for step i + 1 once |n| does its operation. */
static void xrt__dpor_step(uint32_t i, int n)
{
    if (xrt_r.nthreads > XRT_DPOR_THREADS)
        xrt_fail(XRT_ST_UNSUPPORTED, "--strategy dpor: more than %d threads",
                 XRT_DPOR_THREADS);
    struct xrt_pend *row =
        (struct xrt_pend *)&xrt_shm->steps[xrt_cfg.max_steps] + (size_t)i * XRT_DPOR_THREADS;
    memset(row, 0, sizeof *row * XRT_DPOR_THREADS);
    for (int t = 0; t < xrt_r.nthreads; t++) {
        const struct xrt_thread *th = &xrt_r.t[t];
        bool live = th->state == XRT_LIVE;
        row[t].op = live ? th->op : XRT_OP_NONE;
        row[t].addr = live ? th->addr : 0;
        row[t].addr2 = live && xrt_has_addr2(th->op) ? th->addr2 : 0;
        row[t].size = th->size;
    }
    uint64_t keep = 0;
    for (int r = 0; r < xrt_r.nthreads; r++)
        if ((xrt_r.sleep >> r & 1) &&
            !xrt_dependent(row[r].op, row[r].addr, row[r].addr2, row[r].size, row[n].op,
                           row[n].addr, row[n].addr2, row[n].size))
            keep |= 1ull << r;
    xrt_r.sleep = keep;
}

static int xrt__decide(uint32_t i, uint64_t en, bool grace)
{
    if (i == xrt_prefix_len)
        xrt_tty_stop(en);   /* racelab explore --tty stops here (xrt_tty.c) */
    if (i < xrt_prefix_len) {
        int n = xrt_prefix[i];
        if (n >= 64 || !(en >> n & 1))
            xrt_fail(XRT_ST_DIVERGED, "diverged at step %u: thread %d cannot go on there",
                     i + 1, n);
        return n;
    }
    if (xrt_cfg.strategy != XRT_DPOR)
        return xrt__pick(en, xrt_r.cur);
    if (i == xrt_prefix_len)
        xrt_r.sleep = xrt_sleep0;
    if (grace) {   /* one thread only, no alternative: it wakes if it slept */
        xrt_r.sleep &= ~en;
        return __builtin_ctzll(en);
    }
    if ((en & ~xrt_r.sleep) == 0)
        xrt_fail(XRT_ST_ASLEEP, "every enabled thread sleeps");
    return xrt__pick(en & ~xrt_r.sleep, xrt_r.cur);
}

/* Who does the next step: recorded, and returned. */
static int xrt__choose(void)
{
    uint64_t en = xrt__enabled_mask();
    bool grace = en == 0;
    if (grace && (en = xrt__grace()) == 0)
        xrt__deadlock();
    uint32_t i = xrt_r.step;
    if (i >= xrt_cfg.max_steps)
        xrt_fail(XRT_ST_MAXSTEPS, "--max-steps %llu reached", (unsigned long long)i);
    int n = xrt__decide(i, en, grace);
    struct xrt_thread *t = &xrt_r.t[n];
    struct xrt_step *s = &xrt_shm->steps[i];
    s->tid = (uint8_t)n;
    s->op = t->op;
    s->size = t->size;
    s->addr = t->addr;
    s->addr2 = xrt_has_addr2(t->op) ? t->addr2 : 0;
    s->pc = t->pc;
    s->enabled = en;
    s->sleep = xrt_r.sleep;
    s->known = 0;
    s->atomic = t->atomic;
    s->value = 0;
    s->changed = 0;
    xrt__account(t, s);
    if (xrt_cfg.strategy == XRT_DPOR)
        xrt__dpor_step(i, n);
    xrt_r.step = i + 1;
    xrt_shm->nsteps = i + 1;
    return n;
}

void xrt_event(bool join, int a, int b)
{
    if (xrt_shm->nevents >= XRT_MAX_EVENTS)   /* happens-before would miss edges */
        xrt_fail(XRT_ST_UNSUPPORTED, "more than %d thread creations, joins and barrier "
                 "wakes in one run", XRT_MAX_EVENTS);
    xrt_shm->events[xrt_shm->nevents++] =
        (struct xrt_event){ .time = xrt_r.step, .join = join, .a = (uint8_t)a, .b = (uint8_t)b };
}

/* Parking (a new thread's or a joiner's invisible run) ends at its first
 * point: back to whoever started it, the pending operation recorded. */
static bool xrt__park_end(struct xrt_thread *self)
{
    if (!self->parking)
        return false;
    self->parking = false;
    xrt__switch((int)(self - xrt_r.t), self->park_to);
    return true;
}

void xrt_point(uint8_t op, uintptr_t addr, uint8_t size, uintptr_t pc)
{
    if (!xrt_active)
        return;
    int me = xrt_r.cur;
    struct xrt_thread *self = &xrt_r.t[me];
    xrt_fixup(self);
    self->op = op;
    self->addr = addr;
    self->size = size;
    self->pc = pc;
    if (xrt__park_end(self))
        return;
    int n = xrt__choose();
    if (n != me)
        xrt__switch(me, n);
}

void xrt_block(void)
{
    if (!xrt_active)
        return;
    int me = xrt_r.cur;
    struct xrt_thread *self = &xrt_r.t[me];
    xrt_fixup(self);
    if (xrt__park_end(self))
        return;
    int n = xrt__choose();
    if (n != me)
        xrt__switch(me, n);
}

/* Runs thread |t| invisibly up to its first point, then comes back. */
static void xrt__park_run(int t)
{
    int me = xrt_r.cur;
    xrt_r.t[t].parking = true;
    xrt_r.t[t].park_to = me;
    xrt__switch(me, t);
}

void xrt_resume(int t)
{
    xrt_r.t[t].state = XRT_LIVE;
    xrt_r.t[t].op = XRT_OP_NONE;
    xrt__park_run(t);
}

static _Noreturn void xrt__entry(void)
{
    struct xrt_thread *self = &xrt_r.t[xrt_r.cur];
    xrt_thread_exit(self->fn(self->arg));
}

int xrt_spawn(void *(*fn)(void *), void *arg)
{
    if (xrt_r.nthreads >= XRT_MAX_THREADS)
        xrt_fail(XRT_ST_UNSUPPORTED, "pthread_create: more than %d threads",
                 XRT_MAX_THREADS);
    int id = xrt_r.nthreads++;
    struct xrt_thread *t = &xrt_r.t[id];
    /* A PROT_NONE page below the stack: an overflow faults in its thread. */
    char *stk = mmap(NULL, XRT_STACK_SIZE + 4096, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (stk == MAP_FAILED || mprotect(stk, 4096, PROT_NONE) != 0)
        xrt_fail(XRT_ST_UNSUPPORTED, "pthread_create: no memory for a stack");
    stk += 4096;
    memset(t, 0, sizeof *t);
    t->fn = fn;
    t->arg = arg;
    t->stack_lo = (uintptr_t)stk;
    t->stack_hi = (uintptr_t)stk + XRT_STACK_SIZE;
    t->state = XRT_LIVE;
    t->op = XRT_OP_NONE;
    t->write_step = -1;
    if (xrt_cfg.strategy == XRT_PCT)
        xrt_pct_thread(id);
    /* The frame sync__coro_switch pops (sync/src/coro_switch_x86_64.S): the
     * callee-saved registers, MXCSR and the x87 control word, the entry. */
    uint64_t *sp = (uint64_t *)(t->stack_hi & ~(uintptr_t)15);
    *--sp = 0;
    *--sp = (uint64_t)(uintptr_t)xrt__entry;
    for (int i = 0; i < 6; i++)
        *--sp = 0;
    *--sp = (uint64_t)0x1f80 | (uint64_t)0x037f << 32;
    t->sp = sp;
    xrt__park_run(id);
    return id;
}

_Noreturn void xrt_thread_exit(void *ret)
{
    int me = xrt_r.cur;
    struct xrt_thread *self = &xrt_r.t[me];
    xrt_fixup(self);
    self->ret = ret;
    self->state = XRT_DONE;
    bool parked = self->parking;
    for (int i = 0; i < xrt_r.nthreads; i++)
        if (xrt_r.t[i].state == XRT_JOINING && xrt_r.t[i].join_on == me)
            xrt_resume(i);
    bool alive = false;
    for (int i = 0; i < xrt_r.nthreads; i++)
        alive |= xrt_r.t[i].state == XRT_LIVE || xrt_r.t[i].state == XRT_JOINING ||
                 xrt_r.t[i].state == XRT_BARRIER;
    if (!alive)
        exit(0);   /* the main thread called pthread_exit and every thread is done */
    int n = parked ? self->park_to : xrt__choose();
    xrt_r.cur = n;
    xrt_tls_switch(me, n);
    void *dead;
    sync__coro_switch(&dead, xrt_r.t[n].sp);
    __builtin_unreachable();
}

/* The child's end of the run, whatever the program's exit status. */
static void xrt__at_exit(void)
{
    xrt__fixup_all();
}

void xrt_child_begin(uintptr_t main_lo, uintptr_t main_hi)
{
    memset(&xrt_r, 0, sizeof xrt_r);
    struct xrt_thread *m = &xrt_r.t[0];
    m->state = XRT_LIVE;
    m->op = XRT_OP_NONE;
    m->stack_lo = main_lo;
    m->stack_hi = main_hi;
    m->write_step = -1;
    xrt_r.nthreads = 1;
    xrt_r.rng = xrt_cfg.seed * 2654435761u + 1;
    if (xrt_cfg.strategy == XRT_PCT)
        xrt_pct_begin();
    xrt_shm->nsteps = 0;
    xrt_shm->status = XRT_ST_RUNNING;
    xrt_shm->msg[0] = '\0';
    xrt_shm->nblocked = 0;
    xrt_shm->nevents = 0;
    xrt_shm->nallocs = 0;
    xrt_shm->alloc_lost = 0;
    xrt_shm->nfrees = 0;
    atexit(xrt__at_exit);
    xrt_active = true;
}
