/* tests/test_explore_tty.c - racelab explore --tty driven through a
 * pseudo-terminal (forkpty) with scripted keys: the screen after each key
 * (the counter's lost update stepped by hand, undo, reset, the schedule
 * that --replay confirms, a deadlock, refused keys), the exit statuses,
 * nothing left behind, and the refusal of a stdin that is no terminal.
 *
 * No sleeps: RACELAB_TTY_TEST=1 ends the screen drawn after the N-th key
 * with "[screen N]", and the test reads the terminal until that line; the
 * deadline is only a guard against a hang. */
#include <errno.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "run_prog.h"
#include "test_main.h"

#define RACELAB RACELAB_BIN_DIR "/racelab"
#define FX(name) EXPLORE_FIXTURES "/" name
#define TTY_DEADLINE_MS 60000

struct pty {
    pid_t pid;
    int fd;
    unsigned screen;             /* the screen the next key draws */
    char *buf;                   /* everything the terminal showed */
    size_t len, cap;
    bool eof;                    /* the child closed the terminal */
    char tmp[64];                /* the child's TMPDIR */
};

/* Starts racelab explore FILE --tty [ARG] on a 120x50 terminal. */
static bool pty_start(struct pty *p, const char *file, const char *arg)
{
    memset(p, 0, sizeof *p);
    snprintf(p->tmp, sizeof p->tmp, "/tmp/racelab-tty-test-XXXXXX");
    if (mkdtemp(p->tmp) == NULL)
        return false;
    struct winsize ws = { .ws_row = 50, .ws_col = 120 };
    p->pid = forkpty(&p->fd, NULL, NULL, &ws);
    if (p->pid == 0) {
        setenv("RACELAB_TTY_TEST", "1", 1);
        setenv("TMPDIR", p->tmp, 1);
        execl(RACELAB, "racelab", "explore", file, "--tty", arg, (char *)NULL);
        _exit(127);
    }
    return p->pid > 0;
}

/* Reads until |marker| shows after |from| (NULL: until EOF); false at EOF
 * or the deadline. */
static bool pty_until(struct pty *p, size_t from, const char *marker)
{
    for (int waited = 0; waited < TTY_DEADLINE_MS;) {
        if (marker != NULL && p->len > from && strstr(p->buf + from, marker) != NULL)
            return true;
        struct pollfd pf = { .fd = p->fd, .events = POLLIN };
        int rc = poll(&pf, 1, 1000);
        if (rc == 0) {
            waited += 1000;
            continue;
        }
        if (p->len + 4097 > p->cap)
            p->buf = realloc(p->buf, p->cap = p->cap * 2 + 8192);
        ssize_t n = rc > 0 ? read(p->fd, p->buf + p->len, 4096) : -1;
        if (n <= 0 && !(n < 0 && errno == EINTR)) {
            p->eof = true;   /* EIO: the other side is closed */
            return false;
        }
        p->len += n > 0 ? (size_t)n : 0;
        p->buf[p->len] = '\0';
    }
    fprintf(stderr, "no '%s' within %d ms; the terminal showed:\n%s\n",
            marker ? marker : "end of output", TTY_DEADLINE_MS, p->buf ? p->buf + from : "");
    return false;
}

/* The screen numbered |n|: from its clear-screen to its [screen n] line
 * (a static copy, "" when it never came). */
static const char *pty_screen(struct pty *p, unsigned n)
{
    static char screen[16384];
    char marker[32];
    snprintf(marker, sizeof marker, "[screen %u]", n);
    screen[0] = '\0';
    if (!pty_until(p, 0, marker))
        return screen;
    char *end = strstr(p->buf, marker);
    char *start = end;
    while (start > p->buf && strncmp(start, "\033[2J", 4) != 0)
        start--;
    size_t len = (size_t)(end - start) < sizeof screen - 1 ? (size_t)(end - start)
                                                          : sizeof screen - 1;
    memcpy(screen, start, len);
    screen[len] = '\0';
    return screen;
}

/* Presses |key| and returns the screen it draws. */
static const char *pty_key(struct pty *p, char key)
{
    pty_screen(p, p->screen);   /* the screen before: the program waits for this key */
    CU_ASSERT_EQUAL(write(p->fd, &key, 1), 1);
    return pty_screen(p, ++p->screen);
}

/* Presses each key of |keys|; the last screen. */
static const char *pty_keys(struct pty *p, const char *keys)
{
    const char *s = "";
    for (; *keys; keys++)
        s = pty_key(p, *keys);
    return s;
}

/* Quits with |key| (q, or Ctrl-C), the exit status; TMPDIR must be empty. */
static int pty_quit(struct pty *p, char key)
{
    pty_screen(p, p->screen);
    CU_ASSERT_EQUAL(write(p->fd, &key, 1), 1);
    pty_until(p, p->len, NULL);
    CU_ASSERT(p->eof);
    if (!p->eof)
        kill(p->pid, SIGKILL);   /* a hang: the assertion above failed */
    int ws = 0;
    waitpid(p->pid, &ws, 0);
    close(p->fd);
    int rc = rmdir(p->tmp);              /* the stop file and the build are gone */
    CU_ASSERT_EQUAL(rc, 0);
    if (rc != 0) {
        fprintf(stderr, "left behind in %s:\n", p->tmp);
        char *ls[] = { "ls", "-lR", p->tmp, NULL }, *rm[] = { "rm", "-rf", p->tmp, NULL };
        struct prog_result r = run_prog(ls, 10);
        fprintf(stderr, "%s", r.out);
        prog_result_free(&r);
        r = run_prog(rm, 10);
        prog_result_free(&r);
    }
    free(p->buf);
    return WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
}

#define HAS(s, text) CU_ASSERT_PTR_NOT_NULL(strstr((s), (text)))
#define HASNT(s, text) CU_ASSERT_PTR_NULL(strstr((s), (text)))

/* 1 2 1 2 0 0 on the counter: both load 0, both store 1, main sees 1. */
static void test_explore_tty_lost_update(void)
{
    struct pty p;
    CU_ASSERT_FATAL(pty_start(&p, FX("counter.c"), NULL));
    const char *s = pty_screen(&p, 0);
    HAS(s, "0 steps taken, schedule (empty)");
    HAS(s, "T1  [can go]");
    HAS(s, "T2  [can go]");
    HAS(s, "counter.c:16");
    HAS(s, "counter = counter + 1;");
    HAS(s, "LOAD counter");
    HAS(s, "waits for T1 to finish");
    HAS(s, "pthread_join(t[i], NULL);");
    HAS(s, "counter              = 0");
    s = pty_key(&p, '0');
    HAS(s, "T0 cannot go on: waits for T1 to finish");
    HAS(s, "0 steps taken");
    s = pty_key(&p, '1');
    HAS(s, "1 step taken, schedule 1");
    HAS(s, "STORE counter");
    HAS(s, "T1   LOAD      counter               0");
    s = pty_keys(&p, "212");
    HAS(s, "4 steps taken, schedule 1,2,1,2");
    HAS(s, "overwrites step 3: lost update");
    HAS(s, "counter              = 1");
    HAS(s, "T0 (main)  [can go]");
    s = pty_key(&p, 'u');
    HAS(s, "undone");
    HAS(s, "3 steps taken, schedule 1,2,1");
    HASNT(s, "lost update");
    s = pty_keys(&p, "200");
    HAS(s, "YOU WIN: the invariant is broken");
    HAS(s, "final 1, expected 2");
    HAS(s, "overwrites step 3: lost update");
    s = pty_key(&p, 's');
    HAS(s, "schedule 1,2,1,2,0,0   (racelab explore");
    s = pty_key(&p, '1');
    HAS(s, "the program has ended");
    CU_ASSERT_EQUAL(pty_quit(&p, 'q'), 1);   /* quit after a win */
    struct prog_result r = run_progl(RACELAB, 120, "explore", FX("counter.c"), "--replay",
                                     "1,2,1,2,0,0", NULL);
    CU_ASSERT_EQUAL(r.status, 1);
    HAS(r.out, "FAIL");
    HAS(r.out, "final 1, expected 2");
    HAS(r.out, "overwrites step 3: lost update");
    prog_result_free(&r);
}

/* One thread at a time: no update lost, the program passes, no win. */
static void test_explore_tty_no_win(void)
{
    struct pty p;
    CU_ASSERT_FATAL(pty_start(&p, FX("counter.c"), NULL));
    const char *s = pty_keys(&p, "1122");
    HAS(s, "counter              = 2");
    s = pty_keys(&p, "00");
    HAS(s, "invariant held");
    HAS(s, "no win");
    HASNT(s, "YOU WIN");
    s = pty_key(&p, 'r');
    HAS(s, "reset: back to the start");
    HAS(s, "0 steps taken");
    HAS(s, "counter              = 0");
    CU_ASSERT_EQUAL(pty_quit(&p, 'q'), 0);
}

/* Opposite lock orders: T1 takes a, T2 takes b, and neither can go on. */
static void test_explore_tty_deadlock(void)
{
    struct pty p;
    CU_ASSERT_FATAL(pty_start(&p, FX("deadlock.c"), NULL));
    const char *s = pty_key(&p, '1');
    HAS(s, "LOCK b");
    HAS(s, "holds a");
    HAS(s, "a                      held by T1");
    s = pty_key(&p, '1');
    s = pty_key(&p, '2');
    HAS(s, "T2 cannot go on: blocked on b (held by T1)");
    s = pty_key(&p, 'u');
    s = pty_key(&p, '2');
    HAS(s, "YOU WIN: the threads are deadlocked");
    HAS(s, "T1 waits for b (held by T2); holds a");
    HAS(s, "T2 waits for a (held by T1); holds b");
    HAS(s, "--replay 1,2");
    CU_ASSERT_EQUAL(pty_quit(&p, 'q'), 1);
}

/* Keys that are refused, with the reason on the screen. */
static void test_explore_tty_refused_keys(void)
{
    struct pty p;
    CU_ASSERT_FATAL(pty_start(&p, FX("counter.c"), NULL));
    HAS(pty_key(&p, 'u'), "nothing to undo");
    HAS(pty_key(&p, '7'), "there is no thread T7 (the threads are T0-T2)");
    HAS(pty_key(&p, 'x'), "unknown key 'x'");
    HAS(pty_key(&p, 's'), "schedule: empty");
    CU_ASSERT_EQUAL(pty_quit(&p, 'q'), 0);
}

/* Ctrl-C at the terminal: exit 130, the terminal's mode back, nothing left. */
static void test_explore_tty_interrupt(void)
{
    struct pty p;
    CU_ASSERT_FATAL(pty_start(&p, FX("counter.c"), "2"));   /* K = 2 reaches the program */
    HAS(pty_key(&p, '1'), "1 step taken");
    CU_ASSERT_EQUAL(pty_quit(&p, 3), 130);
}

/* No terminal on stdin (run_prog gives /dev/null): one line, exit 2, before
 * anything is built; and --tty with a search's output option. */
static void test_explore_tty_not_a_tty(void)
{
    struct prog_result r = run_progl(RACELAB, 60, "explore", FX("counter.c"), "--tty", NULL);
    CU_ASSERT_EQUAL(r.status, 2);
    HAS(r.err, "needs a terminal on stdin");
    CU_ASSERT_EQUAL(count_lines(r.err), 1);
    CU_ASSERT_EQUAL(r.out[0], '\0');
    prog_result_free(&r);
    r = run_progl(RACELAB, 60, "explore", FX("counter.c"), "--tty", "--json", NULL);
    CU_ASSERT_EQUAL(r.status, 2);
    HAS(r.err, "--json");
    CU_ASSERT_EQUAL(count_lines(r.err), 1);
    prog_result_free(&r);
}

static const struct test_case tests[] = {
    { "lost_update", test_explore_tty_lost_update },
    { "no_win", test_explore_tty_no_win },
    { "deadlock", test_explore_tty_deadlock },
    { "refused_keys", test_explore_tty_refused_keys },
    { "interrupt", test_explore_tty_interrupt },
    { "not_a_tty", test_explore_tty_not_a_tty },
    { NULL, NULL },
};

TEST_MAIN("explore_tty", tests)
