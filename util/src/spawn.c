/* util/src/spawn.c - see util/spawn.h.
 *
 * One run's life: start (pipes, fork, exec or fn; the parent learns of a
 * failed exec through a close-on-exec error pipe), then steps: drain the
 * capture pipes, look for the leader's exit with waitid(WNOWAIT) (it stays a
 * zombie, so its group id cannot be reused while the group is killed),
 * enforce the deadline, and finish (kill the group's stragglers, reap, drain
 * what is left). Waiting is poll(2) on the pipes and a pidfd per child. */
#include "util/spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/time.h"

extern char **environ;

enum { ST_IDLE, ST_RUNNING, ST_DONE };

#define PUMP_MAX ((size_t)1 << 20)   /* bytes drained per stream per step: others get a turn */
#define NO_PIDFD_TICK_MS 10          /* poll tick when the kernel has no pidfd_open */

/* ---- the child ----------------------------------------------------------- */

struct child_fds {
    int out_w, err_w;   /* capture pipes' write ends, or -1 */
    int errpipe_w;      /* exec failure: errno is written here */
};

/* fd onto target, without close-on-exec (dup2 clears it; fd == target
 * would keep it). */
static void move_fd(int fd, int target)
{
    if (fd == target)
        fcntl(fd, F_SETFD, 0);
    else
        dup2(fd, target);
}

/* The child's setup and run: only async-signal-safe calls before exec. */
__attribute__((noreturn))
static void spawn_child(const struct util_spawn *s, const struct child_fds *c, char **envp,
                        pid_t parent)
{
    if (s->own_group)
        setpgid(0, 0);
    /* A parent that died before the prctl went unnoticed by it: check. */
    if (s->die_with_parent && (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent))
        _exit(127);
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE };
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        sigaction(sigs[i], &dfl, NULL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    if (s->stdin_null) {
        int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (fd >= 0)
            move_fd(fd, 0);
    }
    if (c->out_w >= 0)
        move_fd(c->out_w, 1);
    if (c->err_w >= 0)
        move_fd(c->err_w, 2);
    if (s->fn != NULL) {
        close(c->errpipe_w);   /* the parent stops waiting for an exec */
        if (envp != NULL)
            environ = envp;
        int rc = s->fn(s->arg);
        fflush(NULL);
        _exit(rc & 0xff);
    }
    if (envp != NULL)
        execvpe(s->argv[0], s->argv, envp);
    else
        execvp(s->argv[0], s->argv);
    int e = errno;
    while (write(c->errpipe_w, &e, sizeof e) < 0 && errno == EINTR)
        ;
    _exit(127);
}

/* ---- the environment ----------------------------------------------------- */

static bool same_name(const char *a, const char *b)
{
    size_t n = strcspn(b, "=");
    return strncmp(a, b, n) == 0 && a[n] == '=';
}

/* environ with s->env added (replacing entries of the same name), built
 * before fork because malloc is not async-signal-safe. NULL: no extras or
 * out of memory (*oom tells). */
static char **env_build(const char *const *extra, bool *oom)
{
    *oom = false;
    if (extra == NULL)
        return NULL;
    size_t ne = 0, nx = 0;
    while (environ != NULL && environ[ne] != NULL)
        ne++;
    while (extra[nx] != NULL)
        nx++;
    char **envp = malloc(sizeof *envp * (ne + nx + 1));
    if (envp == NULL) {
        *oom = true;
        return NULL;
    }
    size_t k = 0;
    for (size_t i = 0; i < ne; i++) {
        bool replaced = false;
        for (size_t j = 0; j < nx && !replaced; j++)
            replaced = same_name(environ[i], extra[j]);
        if (!replaced)
            envp[k++] = environ[i];
    }
    for (size_t j = 0; j < nx; j++)
        if (strchr(extra[j], '=') != NULL)   /* a bare NAME only removes NAME */
            envp[k++] = (char *)extra[j];
    envp[k] = NULL;
    return envp;
}

/* ---- start --------------------------------------------------------------- */

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

/* A run that never ran: UTIL_END_SPAWN with errno e, empty captures. */
static int spawn_failed(struct util_spawn *s, int e)
{
    close_fd(&s->out_fd_);
    close_fd(&s->err_fd_);
    s->end = UTIL_END_SPAWN;
    s->code = e;
    s->state_ = ST_DONE;
    s->out = s->capture_out ? calloc(1, 1) : NULL;
    s->err = s->capture_err ? calloc(1, 1) : NULL;
    s->wall_s = (double)(util_now_ns() - s->start_ns_) / 1e9;
    return e;
}

static void spawn_reset(struct util_spawn *s)
{
    s->end = UTIL_END_EXIT;
    s->code = 0;
    s->out = s->err = NULL;
    s->out_len = s->err_len = s->out_cap_ = s->err_cap_ = 0;
    s->wall_s = 0;
    s->state_ = ST_IDLE;
    s->pid_ = -1;
    s->out_fd_ = s->err_fd_ = s->pidfd_ = -1;
    s->exited_ = s->timed_out_ = s->killed_ = false;
    s->kill_ns_ = 0;
    s->start_ns_ = util_now_ns();
    double t = s->timeout_s;
    s->deadline_ns_ = t > 0 ? s->start_ns_ + (uint64_t)(t * 1e9) : 0;
}

/* The capture pipes (read ends in s, write ends in c) and the error pipe. */
static int open_pipes(struct util_spawn *s, struct child_fds *c, int errpipe[2])
{
    int p[2];
    c->out_w = c->err_w = -1;
    if (s->capture_out) {
        if (pipe2(p, O_CLOEXEC) != 0)
            return errno;
        s->out_fd_ = p[0];
        c->out_w = p[1];
    }
    if (s->capture_err) {
        if (pipe2(p, O_CLOEXEC) != 0)
            return errno;
        s->err_fd_ = p[0];
        c->err_w = p[1];
    }
    if (pipe2(errpipe, O_CLOEXEC) != 0)
        return errno;
    c->errpipe_w = errpipe[1];
    return 0;
}

/* After fork: the exec's errno from the error pipe, or 0 once it closed. */
static int exec_error(int fd)
{
    int e = 0;
    ssize_t n;
    while ((n = read(fd, &e, sizeof e)) < 0 && errno == EINTR)
        ;
    return n == (ssize_t)sizeof e ? e : 0;
}

static int pidfd_for(pid_t pid)
{
#ifdef SYS_pidfd_open
    return (int)syscall(SYS_pidfd_open, pid, 0);   /* close-on-exec by definition */
#else
    (void)pid;
    return -1;
#endif
}

/* The parent's half after a successful fork. */
static int spawn_parent(struct util_spawn *s, pid_t pid, int errpipe_r)
{
    if (s->own_group)
        setpgid(pid, pid);   /* also in the child: no window either way */
    int e = exec_error(errpipe_r);
    close(errpipe_r);
    if (e != 0) {
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
            ;
        return spawn_failed(s, e);
    }
    s->pid_ = pid;
    s->pidfd_ = pidfd_for(pid);
    if (s->out_fd_ >= 0)
        fcntl(s->out_fd_, F_SETFL, O_NONBLOCK);
    if (s->err_fd_ >= 0)
        fcntl(s->err_fd_, F_SETFL, O_NONBLOCK);
    s->state_ = ST_RUNNING;
    return 0;
}

int util_spawn_start(struct util_spawn *s)
{
    spawn_reset(s);
    if ((s->argv == NULL || s->argv[0] == NULL) == (s->fn == NULL))
        return spawn_failed(s, EINVAL);
    struct child_fds c = { -1, -1, -1 };
    int errpipe[2] = { -1, -1 };
    bool oom;
    char **envp = env_build(s->env, &oom);
    int e = oom ? ENOMEM : open_pipes(s, &c, errpipe);
    pid_t pid = -1;
    if (e == 0) {
        fflush(NULL);   /* a fn child flushes at its end: nothing of ours twice */
        pid_t self = getpid();
        pid = fork();
        e = pid < 0 ? errno : 0;
        if (pid == 0)
            spawn_child(s, &c, envp, self);
    }
    close_fd(&c.out_w);
    close_fd(&c.err_w);
    close_fd(&errpipe[1]);
    free(envp);
    if (e != 0) {
        close_fd(&errpipe[0]);
        return spawn_failed(s, e);
    }
    return spawn_parent(s, pid, errpipe[0]);
}

/* ---- pumping ------------------------------------------------------------- */

/* Where the next read into *buf goes and how much room it has: grows the
 * buffer up to UTIL_SPAWN_CAPTURE_MAX kept bytes (+ the NUL); 0 room when
 * the stream is past its limit (or out of memory: then the bytes are
 * dropped rather than left to stall the child). */
static size_t capture_room(char **buf, size_t len, size_t *cap)
{
    const size_t limit = UTIL_SPAWN_CAPTURE_MAX + 1;
    if (*cap - len < 4096 + 1 && *cap < limit) {
        size_t ncap = *cap ? *cap * 2 : 16384;
        ncap = ncap < limit ? ncap : limit;
        char *nb = realloc(*buf, ncap);
        if (nb != NULL) {
            *buf = nb;
            *cap = ncap;
        }
    }
    return *cap > len + 1 ? *cap - len - 1 : 0;
}

/* Reads what fd has now into *buf (the part past the limit is read and
 * dropped), at most PUMP_MAX bytes; closes fd at end of file. */
static void pump(int *fd, char **buf, size_t *len, size_t *cap)
{
    for (size_t got = 0; *fd >= 0 && got < PUMP_MAX;) {
        char drop[4096];
        size_t room = capture_room(buf, *len, cap);
        char *dst = room > 0 ? *buf + *len : drop;
        ssize_t n = read(*fd, dst, room > 0 ? room : sizeof drop);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        if (n <= 0) {
            close_fd(fd);
            return;
        }
        got += (size_t)n;
        if (dst != drop)
            *len += (size_t)n;
    }
}

static void pump_all(struct util_spawn *s)
{
    pump(&s->out_fd_, &s->out, &s->out_len, &s->out_cap_);
    pump(&s->err_fd_, &s->err, &s->err_len, &s->err_cap_);
}

/* ---- ending -------------------------------------------------------------- */

static void signal_run(struct util_spawn *s, int sig)
{
    kill(s->own_group ? -s->pid_ : s->pid_, sig);
}

/* NUL-terminated captures, "" when nothing came. */
static void terminate_captures(struct util_spawn *s)
{
    if (s->capture_out && s->out == NULL)
        s->out = calloc(1, 1);
    if (s->capture_err && s->err == NULL)
        s->err = calloc(1, 1);
    if (s->out != NULL)
        s->out[s->out_len] = '\0';
    if (s->err != NULL)
        s->err[s->err_len] = '\0';
}

/* The leader has exited (or must be waited for): no straggler survives it. */
static void finish(struct util_spawn *s)
{
    if (s->own_group)
        kill(-s->pid_, SIGKILL);   /* the zombie leader still holds the group id */
    int st = 0;
    while (waitpid(s->pid_, &st, 0) < 0 && errno == EINTR)
        ;
    s->wall_s = (double)(util_now_ns() - s->start_ns_) / 1e9;
    pump_all(s);   /* the leader's last words are in the pipes already */
    close_fd(&s->out_fd_);
    close_fd(&s->err_fd_);
    close_fd(&s->pidfd_);
    terminate_captures(s);
    bool sig = WIFSIGNALED(st);
    s->code = sig ? WTERMSIG(st) : WEXITSTATUS(st);
    s->end = s->timed_out_ ? UTIL_END_TIMEOUT : sig ? UTIL_END_SIGNAL : UTIL_END_EXIT;
    s->state_ = ST_DONE;
}

static bool leader_exited(const struct util_spawn *s)
{
    siginfo_t si;
    memset(&si, 0, sizeof si);
    return waitid(P_PID, (id_t)s->pid_, &si, WEXITED | WNOHANG | WNOWAIT) == 0 &&
           si.si_pid == s->pid_;
}

/* One look at a running run: pump, reap, deadline. True if it ended now. */
static bool step(struct util_spawn *s, uint64_t now)
{
    pump_all(s);
    if (!s->exited_)
        s->exited_ = leader_exited(s);
    if (s->exited_) {
        finish(s);
        return true;
    }
    if (s->deadline_ns_ != 0 && now >= s->deadline_ns_ && !s->timed_out_) {
        s->timed_out_ = true;
        signal_run(s, SIGTERM);
        double g = s->grace_s > 0 ? s->grace_s : 0.5;
        s->kill_ns_ = now + (uint64_t)(g * 1e9);
    }
    if (s->kill_ns_ != 0 && now >= s->kill_ns_ && !s->killed_) {
        s->killed_ = true;
        signal_run(s, SIGKILL);
    }
    return false;
}

/* ---- waiting ------------------------------------------------------------- */

/* The next time something is due for s (deadline or SIGKILL), or UINT64_MAX. */
static uint64_t next_due(const struct util_spawn *s)
{
    if (s->deadline_ns_ != 0 && !s->timed_out_)
        return s->deadline_ns_;
    if (s->kill_ns_ != 0 && !s->killed_)
        return s->kill_ns_;
    return UINT64_MAX;
}

/* Adds the fds of s to p; returns the new count. */
static size_t watch(const struct util_spawn *s, struct pollfd *p, size_t k, bool *tick)
{
    const int fds[3] = { s->out_fd_, s->err_fd_, s->pidfd_ };
    for (int i = 0; i < 3; i++)
        if (fds[i] >= 0)
            p[k++] = (struct pollfd){ .fd = fds[i], .events = POLLIN };
    if (s->pidfd_ < 0)
        *tick = true;   /* no pidfd: look for its exit now and then */
    return k;
}

static bool is_running(const struct util_spawn *s)
{
    return s != NULL && s->state_ == ST_RUNNING;
}

/* Waits until one of the fds is ready, now reaches until (or a due time),
 * or a signal: false on a signal. */
static bool wait_some(struct util_spawn *const *v, size_t n, struct pollfd *p, uint64_t until)
{
    size_t k = 0;
    bool tick = false;
    uint64_t due = until;
    for (size_t i = 0; i < n; i++) {
        if (!is_running(v[i]))
            continue;
        k = watch(v[i], p, k, &tick);
        uint64_t d = next_due(v[i]);
        due = d < due ? d : due;
    }
    uint64_t now = util_now_ns();
    uint64_t ms = due > now ? (due - now + 999999) / 1000000 : 0;
    if (tick && ms > NO_PIDFD_TICK_MS)
        ms = NO_PIDFD_TICK_MS;
    int r = poll(p, (nfds_t)k, ms > 60000 ? 60000 : (int)ms);
    return !(r < 0 && errno == EINTR);
}

size_t util_spawn_poll(struct util_spawn *const *v, size_t n, double max_wait_s)
{
    struct pollfd stackp[48], *p = n * 3 <= 48 ? stackp : malloc(sizeof *p * n * 3);
    uint64_t until = util_now_ns() + (max_wait_s > 0 ? (uint64_t)(max_wait_s * 1e9) : 0);
    size_t running;
    for (;;) {
        bool ended = false;
        running = 0;
        uint64_t now = util_now_ns();
        for (size_t i = 0; i < n; i++) {
            if (!is_running(v[i]))
                continue;
            if (step(v[i], now))
                ended = true;
            else
                running++;
        }
        if (ended || running == 0 || now >= until)
            break;
        if (p == NULL) {   /* out of memory: wait a tick without poll */
            struct timespec ts = { 0, NO_PIDFD_TICK_MS * 1000000L };
            nanosleep(&ts, NULL);
            break;
        }
        if (!wait_some(v, n, p, until))
            break;
    }
    if (p != stackp)
        free(p);
    return running;
}

int util_spawn_run(struct util_spawn *s)
{
    int rc = util_spawn_start(s);
    struct util_spawn *const v[1] = { s };
    while (!util_spawn_done(s))
        util_spawn_poll(v, 1, 3600);
    return rc;
}

void util_spawn_kill(struct util_spawn *s)
{
    if (!is_running(s))
        return;
    signal_run(s, SIGKILL);
    s->killed_ = true;
    finish(s);
}

void util_spawn_free(struct util_spawn *s)
{
    free(s->out);
    free(s->err);
    s->out = s->err = NULL;
    s->out_len = s->err_len = s->out_cap_ = s->err_cap_ = 0;
}

bool util_spawn_done(const struct util_spawn *s)
{
    return s->state_ == ST_DONE;
}

const char *util_spawn_end_text(const struct util_spawn *s, char *buf, size_t n)
{
    const char *abbrev;
    switch (s->end) {
    case UTIL_END_EXIT:
        snprintf(buf, n, "exit %d", s->code);
        break;
    case UTIL_END_SIGNAL:
        abbrev = sigabbrev_np(s->code);
        if (abbrev != NULL)
            snprintf(buf, n, "SIG%s", abbrev);
        else
            snprintf(buf, n, "signal %d", s->code);
        break;
    case UTIL_END_TIMEOUT:
        snprintf(buf, n, "timeout after %.1f s", s->timeout_s);
        break;
    case UTIL_END_SPAWN:
        snprintf(buf, n, "cannot start: %s", strerror(s->code));
        break;
    }
    return buf;
}
