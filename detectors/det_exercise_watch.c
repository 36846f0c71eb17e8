/* detectors/det_exercise_watch.c - racelab exercise --watch: check, then
 * check again each time the file is saved, until q or Ctrl-C (a closed
 * stdin just stops being read).
 *
 * Saves are seen with inotify on the file's directory (IN_CLOSE_WRITE: an
 * editor writing in place; IN_MOVED_TO: one writing a new file and renaming
 * it over the old), filtered by the file's name; the events pending when a
 * check starts are drained first, so one save is one check. The watch is
 * set up before the first check, so a save after its verdict line is never
 * missed. Each check runs in a child (util/spawn.h's fn mode) with stdin from
 * /dev/null: an answer that is bad input ends that check (exit 2, its one
 * line), not the watch. On a terminal, stdin is read a key at a time. */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <termios.h>
#include <unistd.h>

#include <jansson.h>

#include "det_exercise.h"

struct ex_watch_fn {
    int (*check)(void *);
    void *arg;
};

static int ex__watch_child(void *arg)
{
    struct ex_watch_fn *f = arg;
    return f->check(f->arg);
}

/* One check in a child; its status (130 after Ctrl-C). */
static int ex__watch_once(struct ex_watch_fn *f)
{
    fflush(NULL);
    struct util_spawn sp = { .fn = ex__watch_child, .arg = f, .stdin_null = true,
                             .own_group = true, .die_with_parent = true };
    if (util_spawn_start(&sp) != 0)
        det_usage_error("exercise --watch: cannot start a check: %s", strerror(sp.code));
    struct util_spawn *v[1] = { &sp };
    while (!util_spawn_done(&sp)) {
        util_spawn_poll(v, 1, 1.0);
        if (det_interrupted())
            util_spawn_kill(&sp);
    }
    int rc = sp.end == UTIL_END_EXIT ? sp.code : 130;
    util_spawn_free(&sp);
    return det_interrupted() ? 130 : rc;
}

/* Drains the inotify queue; true when one event names |base|. */
static bool ex__watch_drain(int fd, const char *base)
{
    char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
    bool hit = false;
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0)
        for (char *p = buf; p < buf + n;) {
            const struct inotify_event *e = (const struct inotify_event *)(void *)p;
            hit |= e->len > 0 && strcmp(e->name, base) == 0;
            p += sizeof *e + e->len;
        }
    return hit;
}

/* q on stdin: true; EOF or an error closes *open. */
static bool ex__watch_quit(bool *open)
{
    char c[64];
    ssize_t n = read(STDIN_FILENO, c, sizeof c);
    if (n <= 0) {
        *open = n < 0 && errno == EINTR;
        return false;
    }
    return memchr(c, 'q', (size_t)n) != NULL || memchr(c, 'Q', (size_t)n) != NULL;
}

static int ex__watch_setup(const char *file, char *base, size_t cap)
{
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", file);
    char *slash = strrchr(dir, '/');
    snprintf(base, cap, "%s", slash ? slash + 1 : dir);
    if (slash == dir)
        dir[1] = '\0';
    else if (slash != NULL)
        *slash = '\0';
    else
        snprintf(dir, sizeof dir, ".");
    int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (fd < 0 || inotify_add_watch(fd, dir, IN_CLOSE_WRITE | IN_MOVED_TO) < 0)
        det_usage_error("exercise --watch: cannot watch %s: %s", dir, strerror(errno));
    return fd;
}

static void ex__watch_say(const char *file, bool json)
{
    if (!json) {
        printf("watching %s: checked again when saved (q to stop)\n", file);
        return;
    }
    json_t *j = json_pack("{s:s, s:s}", "kind", "watching", "file", file);
    char *txt = json_dumps(j, JSON_COMPACT);
    printf("%s\n", txt ? txt : "{\"kind\":\"watching\"}");
    free(txt);
    json_decref(j);
}

int ex_watch(const char *file, bool json, int (*check)(void *arg), void *arg)
{
    if (access(file, R_OK) != 0)
        det_usage_error("exercise --watch: cannot read %s: %s", file, strerror(errno));
    char base[NAME_MAX + 1];
    int fd = ex__watch_setup(file, base, sizeof base);
    struct termios saved;
    bool tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved) == 0, in_open = true;
    if (tty) {
        struct termios raw = saved;
        raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
        tcsetattr(STDIN_FILENO, TCSANOW, &raw);
    }
    struct ex_watch_fn f = { check, arg };
    int rc = ex__watch_once(&f);
    bool announce = true;
    while (rc != 130 && !det_interrupted()) {
        if (announce)
            ex__watch_say(file, json);
        fflush(stdout);
        announce = false;
        struct pollfd p[2] = { { .fd = fd, .events = POLLIN },
                               { .fd = in_open ? STDIN_FILENO : -1, .events = POLLIN } };
        if (poll(p, 2, -1) < 0 && errno != EINTR)
            break;
        if (p[1].revents && ex__watch_quit(&in_open))
            break;
        if ((p[0].revents & POLLIN) && ex__watch_drain(fd, base)) {
            rc = ex__watch_once(&f);
            announce = true;
        }
    }
    if (tty)
        tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    close(fd);
    return det_interrupted() ? 130 : rc;
}
