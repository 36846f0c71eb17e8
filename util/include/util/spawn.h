/* util/spawn.h - the one spawn-with-deadline: run a program (or a function
 * in a forked child), capture its output, end it when it outlives its time,
 * never leave a process behind.
 *
 * CONTRACT
 *   A run: fill the inputs of a zeroed struct util_spawn, util_spawn_start,
 *   then util_spawn_poll (many runs at once) or util_spawn_run (one run,
 *   start + wait) until util_spawn_done; read the outputs; util_spawn_free.
 *   - Child: argv runs with execvp (PATH search; a name with a slash is run
 *     as is); fn runs in the forked child and its return value & 0xff is the
 *     exit status (stdio is flushed, then _exit: no atexit handlers of the
 *     parent run twice). The child starts with an empty signal mask and
 *     SIGINT, SIGTERM, SIGHUP, SIGPIPE at their defaults. env entries
 *     ("NAME=VALUE") are added to (or replace those of) the parent's
 *     environment (a bare "NAME" removes NAME), for argv and fn alike; the
 *     environment is built before fork, so the child calls only
 *     async-signal-safe functions before exec. util_spawn_start returns once
 *     the child has exec'd or failed to (a close-on-exec pipe tells). A
 *     fn-mode child that another thread forks in that moment inherits the
 *     pipe and delays that return until its fn ends: when fn runs are
 *     involved, spawn from one thread.
 *   - Capture: through pipes made with O_CLOEXEC, so no run's pipe leaks into
 *     another run; the parent reads them while it waits (poll(2)), so a child
 *     writing megabytes never stalls on a full pipe. out/err hold exactly the
 *     bytes written (a NUL inside stays; out_len counts it) plus a final NUL;
 *     past UTIL_SPAWN_CAPTURE_MAX bytes a stream is still read but dropped.
 *   - Groups: with own_group the child leads its own process group (setpgid
 *     in parent and child, so no scheduling order leaves a window). When the
 *     leader exits, anything left in its group (a forked grandchild) is
 *     SIGKILLed while the leader's zombie still holds the group id, then the
 *     leader is reaped: no straggler outlives its run. Without own_group only
 *     the child itself is signalled and a grandchild holding a capture pipe
 *     does not delay the end of the run (what it writes after the child
 *     ended is not captured).
 *   - Deadline: past timeout_s the child (its group with own_group) gets
 *     SIGTERM, and SIGKILL after grace_s (0: 0.5 s) if it is still there; the
 *     run ends as UTIL_END_TIMEOUT whatever its status then.
 *   - Waiting: poll(2) on the capture pipes and a pidfd per child (a short
 *     poll tick only on kernels without pidfd_open), never a busy loop. A
 *     signal that interrupts the wait makes util_spawn_poll return early (so a
 *     caller can look at its flag); util_spawn_run waits on.
 *   - die_with_parent: PR_SET_PDEATHSIG(SIGKILL) in the child, so it goes
 *     when the thread that spawned it goes (spawn from a thread that outlives
 *     the run); a parent already gone when the child starts makes it exit 127.
 *   Call from any thread; one struct util_spawn belongs to one thread. fork
 *   in a multi-threaded program copies only the calling thread: fn must not
 *   need locks other threads may hold. SIGCHLD is left alone (not ignored:
 *   an ignored SIGCHLD makes children unwaitable). */
#ifndef RACELAB_UTIL_SPAWN_H
#define RACELAB_UTIL_SPAWN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define UTIL_SPAWN_CAPTURE_MAX ((size_t)64 << 20)   /* bytes kept per stream */

enum util_end {
    UTIL_END_EXIT,      /* code: exit status */
    UTIL_END_SIGNAL,    /* code: the signal number */
    UTIL_END_TIMEOUT,   /* code: the signal that ended it, or its exit status */
    UTIL_END_SPAWN,     /* code: errno of pipe/fork/exec (ENOENT: no such program) */
};

struct util_spawn {
    /* in: exactly one of argv (execvp) or fn (run in the forked child) */
    char *const *argv;
    int (*fn)(void *arg);
    void *arg;
    const char *const *env;   /* NAME=VALUE entries to add, NAME alone to remove; NULL-terminated, or NULL */
    double timeout_s;         /* 0: none */
    double grace_s;           /* SIGTERM to SIGKILL after the deadline; 0: 0.5 s */
    bool capture_out, capture_err;   /* else inherited */
    bool stdin_null;          /* stdin from /dev/null, else inherited */
    bool own_group;           /* the child leads its own process group (killed whole) */
    bool die_with_parent;     /* PR_SET_PDEATHSIG(SIGKILL) in the child */
    /* out */
    enum util_end end;
    int code;                 /* see enum util_end */
    char *out, *err;          /* captured, NUL-terminated; NULL if not captured */
    size_t out_len, err_len;
    double wall_s;            /* start to reap */
    /* private */
    int state_;               /* 0 not started, 1 running, 2 done */
    pid_t pid_;
    int out_fd_, err_fd_, pidfd_;   /* -1: closed */
    bool exited_;             /* the leader has exited (a zombie, not yet reaped) */
    bool timed_out_;          /* the deadline passed: SIGTERM sent */
    bool killed_;             /* SIGKILL sent */
    size_t out_cap_, err_cap_;
    uint64_t start_ns_, deadline_ns_, kill_ns_;   /* kill_ns_: SIGKILL due (after SIGTERM) */
};

/* Starts the run: 0, or an errno value (then end = UTIL_END_SPAWN, code =
 * the errno, the run is done and out/err are empty strings when captured).
 * A program that cannot be executed (missing, not executable) is reported
 * here, not as an exit status. */
int util_spawn_start(struct util_spawn *s);

/* Pumps the output of the running ones among v[0..n) (NULL entries and runs
 * not started or already done are skipped), reaps those that ended and
 * enforces deadlines, waiting until one of them ends, max_wait_s have
 * passed (0: do not wait, just pump and reap) or a signal arrives. Returns
 * how many are still running. */
size_t util_spawn_poll(struct util_spawn *const *v, size_t n, double max_wait_s);

/* util_spawn_start + wait until done. Returns what start returned. */
int util_spawn_run(struct util_spawn *s);

/* Ends a running run now: SIGKILL (to its group with own_group), reap. The
 * run ends as UTIL_END_SIGNAL (SIGKILL), or as it ended if it was quicker. */
void util_spawn_kill(struct util_spawn *s);

/* Frees out and err (the struct may be reused after zeroing its inputs). */
void util_spawn_free(struct util_spawn *s);

/* "exit 3", "SIGSEGV", "timeout after 5.0 s", "cannot start: No such file
 * or directory". Returns buf. */
const char *util_spawn_end_text(const struct util_spawn *s, char *buf, size_t n);

bool util_spawn_done(const struct util_spawn *s);

#endif
