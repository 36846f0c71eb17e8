/* labs/common/procs.c - the procs model: every worker a forked process.
 *
 * The workers share the trial's memory (mapped before the fork, so every
 * worker has it at the same address) and meet at its start gate like
 * threads do. util/spawn.h forks them (its fn mode: the child runs the
 * worker), watches them through pidfds and ends any that outlives the
 * timeout (SIGTERM, then SIGKILL); die_with_parent takes them along if the
 * supervisor itself is killed. While they run the supervisor catches
 * SIGINT, SIGTERM and SIGHUP: on one it kills and reaps every worker and
 * reports EINTR, so no worker is ever left behind. */
#include "trial.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/spawn.h"

/* How long one wait may last before the stop flag is looked at again: a
 * signal that arrives just before the wait starts is seen this much later
 * (a signal during the wait ends it at once). */
#define STOP_POLL_S 0.1

static volatile sig_atomic_t stop_sig;

static void on_stop(int sig)
{
    stop_sig = sig;
}

static const int stop_signals[] = { SIGINT, SIGTERM, SIGHUP };
#define NSTOP (sizeof stop_signals / sizeof stop_signals[0])

struct procs {
    struct worker *w;
    struct watch *watch;          /* the variant's waits, or NULL */
    struct util_spawn *s;         /* one run per worker */
    struct util_spawn **v;        /* &s[i], for util_spawn_poll() */
    unsigned workers, started;
};

static const char *signal_name(int sig, char *buf, size_t len)
{
    const char *abbrev = sigabbrev_np(sig);
    if (abbrev == NULL)
        snprintf(buf, len, "signal %d", sig);
    else
        snprintf(buf, len, "SIG%s", abbrev);
    return buf;
}

static int child_main(void *arg)
{
    const struct worker *w = arg;
    w->ctl->w[w->id].pid = (int)getpid();
    lab__worker_run(w);
    /* exit(), not a return into util_spawn's _exit(): a sanitizer's exit
     * status (TSan's 66 after a report) is set by exit's handlers and must
     * reach the supervisor. Our stdio buffers were flushed before the fork. */
    exit(0);
}

static int start_all(struct procs *p, unsigned timeout_s, char *err, size_t errlen)
{
    /* Watched workers give up their waits once the watchdog ends the trial
     * (at the timeout at the latest): they are killed only if they do not. */
    double kill_s = p->watch && timeout_s ? timeout_s + LAB_GIVE_UP_GRACE_S : timeout_s;
    fflush(NULL);   /* the children exit(): they must not flush our buffers again */
    for (; p->started < p->workers; p->started++) {
        struct util_spawn *s = &p->s[p->started];
        *s = (struct util_spawn){ .fn = child_main, .arg = &p->w[p->started],
                                  .timeout_s = kill_s, .die_with_parent = true };
        p->v[p->started] = s;
        int rc = util_spawn_start(s);
        if (rc != 0) {
            snprintf(err, errlen, "could not fork worker %u of %u: %s", p->started + 1,
                     p->workers, strerror(rc));
            lab__gate_abort(&p->w[0].ctl->gate);   /* those started leave at once */
            return rc;
        }
    }
    return 0;
}

/* Waits until every started worker has ended, or a stop signal came (then
 * they are killed). Returns the signal, or 0. */
static int supervise(struct procs *p)
{
    while (util_spawn_poll(p->v, p->started, STOP_POLL_S) > 0 && stop_sig == 0)
        if (p->watch)
            (void)lab__watch_poll(p->watch, lab_now_ns());
    for (unsigned i = 0; i < p->started; i++)
        if (!util_spawn_done(&p->s[i]))
            util_spawn_kill(&p->s[i]);
    return stop_sig;
}

/* How the trial ended, from how each worker ended. */
static void judge(const struct procs *p, unsigned timeout_s, struct lab_trial *out)
{
    const struct ctl *ctl = p->w[0].ctl;
    unsigned stuck = 0;
    char name[32];
    out->outcome = LAB_OK;
    for (unsigned i = 0; i < p->workers; i++) {
        const struct util_spawn *s = &p->s[i];
        int pid = ctl->w[i].pid;
        if (s->end == UTIL_END_TIMEOUT)
            stuck++;
        if (s->end == UTIL_END_TIMEOUT || (int)i == ctl->victim || out->outcome != LAB_OK)
            continue;
        if (s->end == UTIL_END_SIGNAL) {
            out->outcome = LAB_CRASH;
            snprintf(out->detail, sizeof out->detail, "worker %u (pid %d) was killed by %s", i,
                     pid, signal_name(s->code, name, sizeof name));
        } else if (s->end == UTIL_END_EXIT && s->code != 0) {
            out->outcome = LAB_CRASH;
            snprintf(out->detail, sizeof out->detail, "worker %u (pid %d) exited with status "
                     "%d%s", i, pid, s->code, s->code == 66 ? " (a ThreadSanitizer report)" : "");
        }
    }
    if (out->outcome == LAB_OK && stuck > 0) {
        out->outcome = ctl->victim >= 0 ? LAB_DEADLOCK : LAB_TIMEOUT;
        if (ctl->victim >= 0)
            snprintf(out->detail, sizeof out->detail, "worker %d died holding the lock after "
                     "%llu operations; %u worker%s still waited for it after the %u s timeout",
                     ctl->victim, (unsigned long long)ctl->victim_iters, stuck,
                     stuck == 1 ? "" : "s", timeout_s);
        else
            snprintf(out->detail, sizeof out->detail, "%u worker%s still running after the "
                     "%u s timeout", stuck, stuck == 1 ? " was" : "s were", timeout_s);
    }
    if (p->watch && p->watch->outcome != LAB_OK && out->outcome != LAB_CRASH) {
        out->outcome = p->watch->outcome;   /* the watchdog's finding, not the kill's */
        memcpy(out->detail, p->watch->detail, sizeof out->detail);
    }
    if (out->outcome == LAB_OK && ctl->victim >= 0 &&
        !(p->s[ctl->victim].end == UTIL_END_SIGNAL && p->s[ctl->victim].code == SIGKILL)) {
        out->outcome = LAB_CRASH;
        snprintf(out->detail, sizeof out->detail,
                 "worker %d was to die holding the lock, but did not", ctl->victim);
    }
}

int lab__run_procs(struct worker *w, unsigned workers, unsigned timeout_s,
                   struct watch *watch, struct lab_trial *out, uint64_t *end_ns, char *err,
                   size_t errlen)
{
    struct procs p = { .w = w, .watch = watch, .workers = workers,
                       .s = calloc(workers, sizeof *p.s), .v = calloc(workers, sizeof *p.v) };
    if (p.s == NULL || p.v == NULL) {
        free(p.s);
        free(p.v);
        snprintf(err, errlen, "out of memory for %u workers", workers);
        return ENOMEM;
    }
    struct sigaction sa = { .sa_handler = on_stop }, old[NSTOP];
    sigemptyset(&sa.sa_mask);   /* no SA_RESTART: a stop signal ends the wait */
    stop_sig = 0;
    for (size_t i = 0; i < NSTOP; i++)
        sigaction(stop_signals[i], &sa, &old[i]);
    int rc = start_all(&p, timeout_s, err, errlen);
    int sig = supervise(&p);
    *end_ns = watch && watch->outcome != LAB_OK ? watch->over_ns : lab_now_ns();
    for (size_t i = 0; i < NSTOP; i++)
        sigaction(stop_signals[i], &old[i], NULL);
    char name[32];
    if (rc == 0 && sig != 0) {
        lab__set_interrupt(sig);
        rc = EINTR;
        snprintf(err, errlen, "interrupted by %s: workers stopped",
                 signal_name(sig, name, sizeof name));
    }
    if (rc == 0)
        judge(&p, timeout_s, out);
    for (unsigned i = 0; i < p.started; i++)
        util_spawn_free(&p.s[i]);
    free(p.s);
    free(p.v);
    return rc;
}
