/* labs/common/watch.c - the watchdog: deadlocks found, timeouts enforced.
 *
 * A variant whose workers can wait for each other (lock A, then lock B) has
 * a waiting() hook: for each worker, whether it waits now, for what, who
 * holds that, and a ticket that changes with every new wait. The watchdog
 * takes such a snapshot every LAB_WATCH_POLL_NS and follows the "waits for
 * what worker k holds" edges (each waiting worker has one, so the graph is
 * a function and a cycle is found in one pass).
 *
 * WHY A CYCLE THAT STAYS PUT IS A DEADLOCK, WITHOUT A CONSISTENT SNAPSHOT.
 * The hook's records are read one after the other while workers run, so one
 * snapshot could mix moments. But if two snapshots (LAB_CYCLE_STALL_NS
 * apart: any gap would do, the argument needs no time) both
 * show worker a in wait ticket t_a for a thing held by b, and b in wait t_b
 * for a thing held by a, then a was in the one wait t_a the whole time (a
 * wait ends only by getting the thing or giving up, and either gives a new
 * ticket next time), so a took nothing and released nothing in between:
 * what it held when b was seen waiting for it, it still holds. The same for
 * b. Neither can move: a deadlock, whatever the scheduler did meanwhile.
 * (The records keep this true: an owner word is set after the lock is
 * taken and cleared before it is released.) The second rule - every
 * unfinished worker in one unchanged wait for LAB_STALL_NS, none waiting
 * for a running worker (a lost wake-up: waiters on a condition nobody is
 * left to signal) - relies on a woken waiter running within LAB_STALL_NS.
 *
 * Once the trial is over (a deadlock, or the timeout) ctl->over says so:
 * lab_trial_over() turns true, the variant's waits give up and its workers
 * return, so the trial ends like any other and nothing is left running.
 * A variant whose waits cannot give up gets LAB_GIVE_UP_GRACE_S; then under
 * threads the process says why and exits with status 1 (procs kills). */
#include "trial.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int lab__watch_init(struct watch *w, const char *lab, const struct lab_variant *v,
                    struct ctl *ctl, void *state, unsigned workers, unsigned timeout_s,
                    char *err, size_t errlen)
{
    memset(w, 0, sizeof *w);
    *w = (struct watch){ .lab = lab, .v = v, .ctl = ctl, .state = state, .workers = workers,
                         .start_ns = lab_now_ns(),
                         .timeout_ns = (uint64_t)timeout_s * 1000000000u,
                         .outcome = LAB_OK };
    w->base_ns = w->start_ns;
    if (v->waiting == NULL)
        return 0;
    w->base = calloc(workers, sizeof *w->base);
    w->cur = calloc(workers, sizeof *w->cur);
    w->base_waits = calloc(workers, sizeof *w->base_waits);
    w->cur_waits = calloc(workers, sizeof *w->cur_waits);
    w->mark = calloc(workers, sizeof *w->mark);
    if (w->base && w->cur && w->base_waits && w->cur_waits && w->mark)
        return 0;
    lab__watch_fini(w);
    snprintf(err, errlen, "out of memory for the watchdog of %u workers", workers);
    return ENOMEM;
}

void lab__watch_fini(struct watch *w)
{
    free(w->base);
    free(w->cur);
    free(w->base_waits);
    free(w->cur_waits);
    free(w->mark);
    w->base = w->cur = NULL;
    w->base_waits = w->cur_waits = NULL;
    w->mark = NULL;
}

static bool worker_done(const struct watch *w, unsigned i)
{
    /* Acquire pairs with the release in lab__worker_run(): its records are
     * final. */
    return sync_load_u32(&w->ctl->w[i].done, SYNC_ACQUIRE) != 0;
}

static void snapshot(struct watch *w)
{
    for (unsigned i = 0; i < w->workers; i++) {
        memset(&w->cur[i], 0, sizeof w->cur[i]);
        w->cur[i].owner = -1;
        w->cur_waits[i] = !worker_done(w, i) && w->v->waiting(w->state, i, &w->cur[i]);
    }
}

/* The worker |i| waits for, if it waits for a worker that waits too. */
static int next_of(const struct watch *w, unsigned i)
{
    int o = w->cur[i].owner;
    if (!w->cur_waits[i] || o < 0 || (unsigned)o >= w->workers || !w->cur_waits[o])
        return -1;
    return o;
}

/* A worker on a wait-for cycle in the current snapshot, or -1. */
static int find_cycle(struct watch *w)
{
    memset(w->mark, 0, w->workers * sizeof *w->mark);
    for (unsigned i = 0; i < w->workers; i++) {
        int j = (int)i;
        while (j >= 0 && w->mark[j] == 0) {
            w->mark[j] = (int)i + 1;
            j = next_of(w, (unsigned)j);
        }
        if (j >= 0 && w->mark[j] == (int)i + 1)
            return j;
    }
    return -1;
}

/* Worker |i| is in the same wait as in the base snapshot. */
static bool same_wait(const struct watch *w, unsigned i)
{
    return w->cur_waits[i] && w->base_waits[i] && w->cur[i].ticket == w->base[i].ticket &&
           w->cur[i].owner == w->base[i].owner;
}

static size_t add(char *buf, size_t len, size_t used, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Appends to buf; a full buffer ends in "...". */
static size_t add(char *buf, size_t len, size_t used, const char *fmt, ...)
{
    if (used + 4 >= len)
        return used;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf + used, len - used, fmt, ap);
    va_end(ap);
    if (n < 0)
        return used;
    if (used + (size_t)n >= len) {
        memcpy(buf + len - 4, "...", 4);
        return len - 1;
    }
    return used + (size_t)n;
}

/* "worker 0 holds account 3 and waits for account 7 (held by worker 1)" */
static size_t add_wait(struct watch *w, unsigned i, size_t used)
{
    const struct lab_wait *x = &w->cur[i];
    used = add(w->detail, sizeof w->detail, used, "worker %u ", i);
    if (x->holds[0])
        used = add(w->detail, sizeof w->detail, used, "holds %s and ", x->holds);
    used = add(w->detail, sizeof w->detail, used, "waits for %s", x->what);
    if (x->owner >= 0)
        used = add(w->detail, sizeof w->detail, used, " (held by worker %d%s)", x->owner,
                   (unsigned)x->owner < w->workers && worker_done(w, (unsigned)x->owner)
                       ? ", which has finished" : "");
    return used;
}

static void describe_cycle(struct watch *w, int start)
{
    unsigned k = 1;
    for (int j = next_of(w, (unsigned)start); j != start; j = next_of(w, (unsigned)j))
        k++;
    size_t used = add(w->detail, sizeof w->detail, 0, "wait-for cycle of %u workers: ", k);
    int j = start;
    do {
        used = add_wait(w, (unsigned)j, used);
        j = next_of(w, (unsigned)j);
        if (j != start)
            used = add(w->detail, sizeof w->detail, used, "; ");
    } while (j != start);
}

/* The waits as they stand, after |lead|; returns how many waited. */
static unsigned describe_waits(struct watch *w, const char *lead)
{
    size_t used = add(w->detail, sizeof w->detail, 0, "%s", lead);
    unsigned n = 0;
    for (unsigned i = 0; i < w->workers; i++) {
        if (!w->cur_waits[i])
            continue;
        used = add(w->detail, sizeof w->detail, used, "%s", n++ ? "; " : ": ");
        used = add_wait(w, i, used);
    }
    return n;
}

/* Every unfinished worker in an unchanged wait, none for a running worker. */
static bool all_stuck(const struct watch *w)
{
    unsigned unfinished = 0;
    for (unsigned i = 0; i < w->workers; i++) {
        if (worker_done(w, i))
            continue;
        unfinished++;
        if (!same_wait(w, i))
            return false;
    }
    return unfinished > 0;
}

static void end_trial(struct watch *w, enum lab_outcome o, uint64_t now)
{
    w->outcome = o;
    w->over_ns = now;
    /* Release pairs with the acquire in lab_trial_over(). */
    sync_store_u32(&w->ctl->over, (uint32_t)o, SYNC_RELEASE);
}

/* A cycle unchanged for LAB_CYCLE_STALL_NS, or every worker stuck for
 * LAB_STALL_NS. */
static bool look_for_deadlock(struct watch *w, uint64_t now)
{
    snapshot(w);
    int c = find_cycle(w);
    bool stable = c >= 0;
    if (c >= 0) {
        int j = c;
        do {
            stable &= same_wait(w, (unsigned)j);
            j = next_of(w, (unsigned)j);
        } while (j != c);
    } else {
        stable = all_stuck(w);
    }
    if (stable && now - w->base_ns >= (c >= 0 ? LAB_CYCLE_STALL_NS : LAB_STALL_NS)) {
        if (c >= 0) {
            describe_cycle(w, c);
        } else {
            char lead[96];
            unsigned n = 0;
            for (unsigned i = 0; i < w->workers; i++)
                n += w->cur_waits[i];
            snprintf(lead, sizeof lead, "every unfinished worker (%u of %u) waits, and none is "
                     "left to wake them", n, w->workers);
            describe_waits(w, lead);
        }
        end_trial(w, LAB_DEADLOCK, now);
        return true;
    }
    if (!stable) {
        memcpy(w->base, w->cur, w->workers * sizeof *w->base);
        memcpy(w->base_waits, w->cur_waits, w->workers * sizeof *w->base_waits);
        w->base_ns = now;
    }
    return false;
}

static void timed_out(struct watch *w, uint64_t now)
{
    unsigned running = 0;
    for (unsigned i = 0; i < w->workers; i++)
        running += !worker_done(w, i);
    char lead[128];
    snprintf(lead, sizeof lead, "%u of %u workers still running after the %llu s timeout",
             running, w->workers, (unsigned long long)(w->timeout_ns / 1000000000u));
    if (w->v->waiting) {
        snapshot(w);
        describe_waits(w, lead);
    } else {
        snprintf(w->detail, sizeof w->detail, "%s", lead);
    }
    end_trial(w, LAB_TIMEOUT, now);
}

bool lab__watch_poll(struct watch *w, uint64_t now)
{
    if (w->outcome != LAB_OK)
        return false;
    if (w->v->waiting && look_for_deadlock(w, now))
        return true;
    if (w->timeout_ns && now - w->start_ns >= w->timeout_ns) {
        timed_out(w, now);
        return true;
    }
    return false;
}

void lab__watch_describe(struct watch *w, const char *lead)
{
    if (w->v->waiting == NULL) {
        snprintf(w->detail, sizeof w->detail, "%s", lead);
        return;
    }
    snapshot(w);
    int c = find_cycle(w);
    if (c >= 0)
        describe_cycle(w, c);
    else
        describe_waits(w, lead);
}

/* threads: the process gives up on workers that did not give up, naming
 * them and what they wait for now. */
static void abandon_process(struct watch *w)
{
    char ended[sizeof w->detail], stuck[128];
    memcpy(ended, w->detail, sizeof ended);
    size_t used = add(stuck, sizeof stuck, 0, "still running:");
    for (unsigned i = 0; i < w->workers; i++)
        if (!worker_done(w, i))
            used = add(stuck, sizeof stuck, used, " %u", i);
    if (w->v->waiting) {
        snapshot(w);
        describe_waits(w, stuck);
    } else {
        memcpy(w->detail, stuck, sizeof stuck);
    }
    fflush(stdout);
    fprintf(stderr, "lab-%s: %s: the workers did not give up their waits within %u s of the "
            "trial's end (%s: %s): exiting, status 1; %s\n", w->lab, w->v->name,
            LAB_GIVE_UP_GRACE_S, lab_outcome_name(w->outcome), ended, w->detail);
    _exit(1);
}

/* Waits LAB_WATCH_POLL_NS or until stopped: true when stopped. The clock
 * is CLOCK_REALTIME (sem_timedwait's): a clock step makes one poll early or
 * late, no more. */
static bool stopped_within_poll(struct watch *w)
{
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_nsec += LAB_WATCH_POLL_NS;
    deadline.tv_sec += deadline.tv_nsec / 1000000000;
    deadline.tv_nsec %= 1000000000;
    int rc;
    while ((rc = sem_timedwait(&w->stop, &deadline)) != 0 && errno == EINTR)
        ;
    return rc == 0;
}

static void *watch_main(void *arg)
{
    struct watch *w = arg;
    while (!stopped_within_poll(w)) {
        uint64_t now = lab_now_ns();
        if (w->outcome == LAB_OK)
            (void)lab__watch_poll(w, now);
        else if (now - w->over_ns > LAB_GIVE_UP_GRACE_S * 1000000000ull)
            abandon_process(w);
    }
    return NULL;
}

int lab__watch_start(struct watch *w, char *err, size_t errlen)
{
    int rc = sem_init(&w->stop, 0, 0) == 0 ? 0 : errno;
    if (rc == 0 && (rc = pthread_create(&w->tid, NULL, watch_main, w)) != 0)
        sem_destroy(&w->stop);
    if (rc != 0)
        snprintf(err, errlen, "could not start the watchdog thread: %s", strerror(rc));
    w->running = rc == 0;
    return rc;
}

void lab__watch_stop(struct watch *w)
{
    if (!w->running)
        return;
    sem_post(&w->stop);
    pthread_join(w->tid, NULL);
    sem_destroy(&w->stop);
    w->running = false;
}
