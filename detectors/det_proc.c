/* detectors/det_proc.c - isolated runs.
 *
 * Every run is a child in its own process group (setpgid in both parent and
 * child, so neither order of scheduling leaves a window), with stdout and
 * stderr going to unlinked temporary files (no pipe can fill up and stall a
 * child that we are not reading). When the leader exits, the harness sees it
 * with waitid(WNOWAIT) first: the zombie keeps the group id from being reused
 * while the whole group is SIGKILLed, so a straggler (a forked grandchild, a
 * symbolizer) never survives its run; only then is the leader reaped. On
 * timeout the group is killed the same way. SIGINT/SIGTERM to the harness
 * kill every running group before it exits. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "det.h"

#define DET_CAPTURE_MAX (8u << 20)   /* 8 MiB of output per stream is plenty */

static volatile sig_atomic_t det__stop;

static void det__on_signal(int sig)
{
    det__stop = sig;
}

void det_signals_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = det__on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
}

bool det_interrupted(void)
{
    return det__stop != 0;
}

double det_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

const char *det_tmpdir(void)
{
    const char *t = getenv("TMPDIR");
    return (t != NULL && *t != '\0') ? t : "/tmp";
}

static int det__tmpfile(void)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/racelab-XXXXXX", det_tmpdir());
    int fd = mkostemp(path, O_CLOEXEC);
    if (fd >= 0)
        unlink(path);
    return fd;
}

static char *det__slurp(int fd)
{
    struct stat st;
    size_t size = 0;
    if (fd >= 0 && fstat(fd, &st) == 0 && st.st_size > 0)
        size = (size_t)st.st_size;
    if (size > DET_CAPTURE_MAX)
        size = DET_CAPTURE_MAX;
    char *buf = det_xmalloc(size + 1);
    size_t got = 0;
    while (got < size) {
        ssize_t n = pread(fd, buf + got, size - got, (off_t)got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    buf[got] = '\0';
    /* A NUL inside the output would cut the text short; make it visible. */
    for (size_t i = 0; i < got; i++)
        if (buf[i] == '\0')
            buf[i] = '?';
    return buf;
}

static void det__start(struct det_proc *p)
{
    p->out = p->err = NULL;
    p->out_fd = det__tmpfile();
    p->err_fd = det__tmpfile();
    p->start = det_now();
    if (p->out_fd < 0 || p->err_fd < 0) {
        p->end = DET_END_SPAWN;
        p->code = errno;
        p->pid = -1;
        return;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        p->end = DET_END_SPAWN;
        p->code = errno;
        p->pid = -1;
        return;
    }
    if (pid == 0) {
        setpgid(0, 0);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        signal(SIGHUP, SIG_DFL);
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull >= 0)
            dup2(devnull, 0);
        dup2(p->out_fd, 1);
        dup2(p->err_fd, 2);
        if (p->env_set != NULL)
            putenv((char *)p->env_set);
        execv(p->argv[0], p->argv);
        dprintf(2, "racelab: cannot run %s: %s\n", p->argv[0], strerror(errno));
        _exit(127);
    }
    setpgid(pid, pid);
    p->pid = pid;
}

static void det__finish(struct det_proc *p, int status, bool timed_out)
{
    p->wall_s = det_now() - p->start;
    if (timed_out) {
        p->end = DET_END_TIMEOUT;
        p->code = 0;
    } else if (WIFSIGNALED(status)) {
        p->end = DET_END_SIGNAL;
        p->code = WTERMSIG(status);
    } else {
        p->end = DET_END_EXIT;
        p->code = WEXITSTATUS(status);
    }
    p->out = det__slurp(p->out_fd);
    p->err = det__slurp(p->err_fd);
    close(p->out_fd);
    close(p->err_fd);
    p->out_fd = p->err_fd = -1;
    p->pid = -1;
}

/* Kills the group of a leader that has exited or timed out, then reaps it. */
static void det__kill_and_reap(struct det_proc *p, bool timed_out)
{
    kill(-p->pid, SIGKILL);
    int status = 0;
    while (waitpid(p->pid, &status, 0) < 0 && errno == EINTR)
        ;
    det__finish(p, status, timed_out);
}

static void det__progress(struct det_proc **procs, size_t n, size_t done, double t0,
                          const struct det_proc *cur)
{
    (void)procs;
    fprintf(stderr, "\r\033[K[%zu/%zu] %.60s  %zu left  %.1f s", done, n,
            cur != NULL && cur->label != NULL ? cur->label : "", n - done, det_now() - t0);
    fflush(stderr);
}

int det_pool_run(struct det_proc **procs, size_t n, unsigned jobs, bool progress)
{
    if (jobs == 0)
        jobs = 1;
    size_t next = 0, done = 0, running = 0;
    struct det_proc **live = det_xmalloc(sizeof *live * jobs);
    double t0 = det_now();
    while (done < n) {
        while (running < jobs && next < n && !det__stop) {
            struct det_proc *p = procs[next++];
            det__start(p);
            if (p->pid < 0) {
                p->out = det_strdup("");
                char msg[256];
                snprintf(msg, sizeof msg, "racelab: cannot start %s: %s\n", p->argv[0],
                         strerror(p->code));
                p->err = det_strdup(msg);
                if (p->out_fd >= 0)
                    close(p->out_fd);
                if (p->err_fd >= 0)
                    close(p->err_fd);
                done++;
                continue;
            }
            live[running++] = p;
            if (progress)
                det__progress(procs, n, done, t0, p);
        }
        if (det__stop) {
            for (size_t i = 0; i < running; i++)
                det__kill_and_reap(live[i], true);
            free(live);
            if (progress)
                fprintf(stderr, "\r\033[K");
            return 130;
        }
        if (running == 0)
            continue;
        bool any = false;
        for (size_t i = 0; i < running;) {
            struct det_proc *p = live[i];
            siginfo_t si;
            memset(&si, 0, sizeof si);
            int rc = waitid(P_PID, (id_t)p->pid, &si, WEXITED | WNOHANG | WNOWAIT);
            bool exited = rc == 0 && si.si_pid == p->pid;
            bool late = !exited && det_now() - p->start > p->timeout_s;
            if (exited || late) {
                det__kill_and_reap(p, late);
                live[i] = live[--running];
                done++;
                any = true;
                if (progress)
                    det__progress(procs, n, done, t0, p);
                continue;
            }
            i++;
        }
        if (!any) {
            struct timespec ts = { 0, 2 * 1000 * 1000 };
            nanosleep(&ts, NULL);
        }
    }
    free(live);
    if (progress)
        fprintf(stderr, "\r\033[K");
    return det__stop ? 130 : 0;
}

void det_proc_free(struct det_proc *p)
{
    if (p == NULL)
        return;
    free(p->out);
    free(p->err);
    p->out = p->err = NULL;
}

const char *det_end_text(const struct det_proc *p, char *buf, size_t len)
{
    switch (p->end) {
    case DET_END_EXIT:
        snprintf(buf, len, "exit %d", p->code);
        break;
    case DET_END_SIGNAL:
        snprintf(buf, len, "SIG%s", sigabbrev_np(p->code) ? sigabbrev_np(p->code) : "?");
        break;
    case DET_END_TIMEOUT:
        snprintf(buf, len, "timeout after %.0f s", p->timeout_s);
        break;
    case DET_END_SPAWN:
        snprintf(buf, len, "could not start: %s", strerror(p->code));
        break;
    }
    return buf;
}
