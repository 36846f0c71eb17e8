/* tests/run_prog.h - run a program, capture its output, never hang.
 *
 * run_prog() forks, execs argv[0] with stdout and stderr captured into
 * NUL-terminated heap buffers, and kills the child's process group if it
 * outlives |timeout_s|. The result's status is the exit code, 128 + signal
 * number for a signal, or -1 when it timed out. */
#ifndef RACELAB_RUN_PROG_H
#define RACELAB_RUN_PROG_H

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct prog_result {
    int status;
    char *out;
    char *err;
};

static inline void prog_result_free(struct prog_result *r)
{
    free(r->out);
    free(r->err);
    r->out = r->err = NULL;
}

static inline int prog__append(char **buf, size_t *len, int fd)
{
    char chunk[4096];
    ssize_t n = read(fd, chunk, sizeof chunk);
    if (n <= 0)
        return n == 0 || errno != EINTR ? 0 : 1;
    char *grown = realloc(*buf, *len + (size_t)n + 1);
    if (grown == NULL)
        return 0;
    memcpy(grown + *len, chunk, (size_t)n);
    *len += (size_t)n;
    grown[*len] = '\0';
    *buf = grown;
    return 1;
}

static inline struct prog_result run_prog(char *const argv[], unsigned timeout_s)
{
    struct prog_result r = { .status = -1, .out = calloc(1, 1), .err = calloc(1, 1) };
    int po[2], pe[2];
    if (pipe(po) != 0 || pipe(pe) != 0)
        return r;
    pid_t pid = fork();
    if (pid == 0) {
        setpgid(0, 0);
        dup2(po[1], 1);
        dup2(pe[1], 2);
        close(po[0]);
        close(pe[0]);
        close(po[1]);
        close(pe[1]);
        execv(argv[0], argv);
        _exit(127);
    }
    close(po[1]);
    close(pe[1]);
    size_t lo = 0, le = 0;
    struct pollfd fds[2] = { { po[0], POLLIN, 0 }, { pe[0], POLLIN, 0 } };
    int open_fds = 2;
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    bool timed_out = false;
    while (open_fds > 0) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        long left_ms = (long)timeout_s * 1000 - ((now.tv_sec - start.tv_sec) * 1000 +
                                                 (now.tv_nsec - start.tv_nsec) / 1000000);
        if (left_ms <= 0) {
            timed_out = true;
            kill(-pid, SIGKILL);
            break;
        }
        if (poll(fds, 2, (int)left_ms) < 0 && errno != EINTR)
            break;
        for (int i = 0; i < 2; i++) {
            if (fds[i].fd >= 0 && (fds[i].revents & (POLLIN | POLLHUP))) {
                if (!prog__append(i ? &r.err : &r.out, i ? &le : &lo, fds[i].fd)) {
                    close(fds[i].fd);
                    fds[i].fd = -1;
                    open_fds--;
                }
            }
        }
    }
    for (int i = 0; i < 2; i++)
        if (fds[i].fd >= 0)
            close(fds[i].fd);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (timed_out)
        r.status = -1;
    else if (WIFEXITED(st))
        r.status = WEXITSTATUS(st);
    else if (WIFSIGNALED(st))
        r.status = 128 + WTERMSIG(st);
    return r;
}

static inline unsigned count_lines(const char *s)
{
    unsigned n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

#endif
