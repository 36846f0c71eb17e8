/* tests/test_util.c - the util library: the option parser and its lists,
 * spawn with a deadline, JSON/XML escaping, statistics, time, CPUs, SVG. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "test_main.h"
#include "util/cpu.h"
#include "util/json.h"
#include "util/opt.h"
#include "util/spawn.h"
#include "util/stats.h"
#include "util/svg.h"
#include "util/time.h"
#include "util/tsan.h"

/* ---- the option parser --------------------------------------------------- */

static const char *const models[] = { "threads", "procs", "coros", NULL };

static struct {
    bool quick;
    unsigned workers;
    uint64_t iters;
    double timeout;
    const char *out;
    int model;
    uint64_t cpus[8];
    size_t ncpus;
    bool workers_seen;
} o;

static int parse_cpus(const char *val, void *dest, char *err, size_t errlen)
{
    (void)dest;
    return util_list_u64(val, 0, 63, o.cpus, 8, &o.ncpus, err, errlen);
}

static const struct util_opt table[] = {
    { .name = "quick", .kind = UTIL_OPT_FLAG, .dest = &o.quick, .help = "a short run" },
    { .name = "workers", .kind = UTIL_OPT_UINT, .dest = &o.workers, .arg = "N",
      .help = "worker count", .min = 1, .max = 1024, .seen = &o.workers_seen },
    { .name = "iters", .kind = UTIL_OPT_U64, .dest = &o.iters, .arg = "N", .help = "iterations" },
    { .name = "timeout", .kind = UTIL_OPT_DOUBLE, .dest = &o.timeout, .arg = "SECONDS",
      .help = "per run", .min = 0.001, .max = 3600 },
    { .name = "out", .kind = UTIL_OPT_STRING, .dest = &o.out, .arg = "FILE", .help = "output" },
    { .name = "model", .kind = UTIL_OPT_CHOICE, .dest = &o.model, .arg = "MODEL",
      .help = "execution model", .choices = models },
    { .name = "cpus", .kind = UTIL_OPT_CUSTOM, .dest = NULL, .arg = "LIST",
      .help = "CPUs to use", .parse = parse_cpus },
    { .name = NULL },
};

static struct util_cmdline cmd = {
    .prog = "lab-test", .usage = "[OPTIONS] [FILE...]", .summary = "A test program.",
    .epilog = "Exit status: 0 ok, 2 bad usage.", .opts = table, .max_positional = 2,
};

static char err[512];
static char *pos[TEST_MAX_ARGS];
static int npos;

/* Parses a NULL-terminated list of arguments after the program name. */
static int parse(const char *first, ...)
{
    static char *argv[TEST_MAX_ARGS];
    va_list ap;
    va_start(ap, first);
    int argc = test_argv(argv, "lab-test", first, ap);
    va_end(ap);
    memset(&o, 0, sizeof o);
    o.workers = 2;
    o.model = -1;
    strcpy(err, "untouched");
    return util_opt_parse(&cmd, argc, argv, pos, &npos, err, sizeof err);
}

static void test_util_opt_values(void)
{
    CU_ASSERT_EQUAL(parse("--quick", "--workers", "8", "--iters=12345678901234", "--timeout",
                          "0.25", "--out=x.json", "--model", "procs", "--cpus", "0,3", NULL),
                    UTIL_OPT_OK);
    CU_ASSERT_STRING_EQUAL(err, "");
    CU_ASSERT_TRUE(o.quick);
    CU_ASSERT_EQUAL(o.workers, 8);
    CU_ASSERT_TRUE(o.workers_seen);
    CU_ASSERT_EQUAL(o.iters, 12345678901234u);
    CU_ASSERT_DOUBLE_EQUAL(o.timeout, 0.25, 1e-12);
    CU_ASSERT_STRING_EQUAL(o.out, "x.json");
    CU_ASSERT_EQUAL(o.model, 1);
    CU_ASSERT_EQUAL_FATAL(o.ncpus, 2);
    CU_ASSERT_EQUAL(o.cpus[1], 3);
    CU_ASSERT_EQUAL(npos, 0);
}

static void test_util_opt_defaults_kept(void)
{
    CU_ASSERT_EQUAL(parse(NULL), UTIL_OPT_OK);
    CU_ASSERT_EQUAL(o.workers, 2);
    CU_ASSERT_FALSE(o.workers_seen);
    CU_ASSERT_EQUAL(o.model, -1);
    /* the last of two wins */
    CU_ASSERT_EQUAL(parse("--workers=3", "--workers", "5", NULL), UTIL_OPT_OK);
    CU_ASSERT_EQUAL(o.workers, 5);
}

static void test_util_opt_equals_value(void)
{
    CU_ASSERT_EQUAL(parse("--model=coros", "--workers=1024", NULL), UTIL_OPT_OK);
    CU_ASSERT_EQUAL(o.model, 2);
    CU_ASSERT_EQUAL(o.workers, 1024);
    /* the value after --name is taken as is, even with a leading dash */
    CU_ASSERT_EQUAL(parse("--out", "-", NULL), UTIL_OPT_OK);
    CU_ASSERT_STRING_EQUAL(o.out, "-");
    CU_ASSERT_EQUAL(parse("--out", "--quick", NULL), UTIL_OPT_OK);
    CU_ASSERT_STRING_EQUAL(o.out, "--quick");
    CU_ASSERT_FALSE(o.quick);
    CU_ASSERT_EQUAL(parse("--out=", NULL), UTIL_OPT_OK);
    CU_ASSERT_STRING_EQUAL(o.out, "");
}

static void test_util_opt_unknown(void)
{
    CU_ASSERT_EQUAL(parse("--frobnicate", NULL), UTIL_OPT_ERROR);
    CU_ASSERT_STRING_EQUAL(err, "unknown option '--frobnicate'");
    CU_ASSERT_EQUAL(parse("--frob=3", NULL), UTIL_OPT_ERROR);
    CU_ASSERT_STRING_EQUAL(err, "unknown option '--frob'");
    CU_ASSERT_EQUAL(parse("-x", NULL), UTIL_OPT_ERROR);
    CU_ASSERT_STRING_EQUAL(err, "unknown option '-x'");
    CU_ASSERT_EQUAL(parse("--work", "2", NULL), UTIL_OPT_ERROR);   /* no abbreviations */
    CU_ASSERT_STRING_EQUAL(err, "unknown option '--work'");
}

static void test_util_opt_missing_value(void)
{
    CU_ASSERT_EQUAL(parse("--iters", NULL), UTIL_OPT_ERROR);
    CU_ASSERT_STRING_EQUAL(err, "--iters needs a value");
    CU_ASSERT_EQUAL(parse("--quick", "--model", NULL), UTIL_OPT_ERROR);
    CU_ASSERT_STRING_EQUAL(err, "--model needs a value");
}

static void test_util_opt_flag_value(void)
{
    CU_ASSERT_EQUAL(parse("--quick=yes", NULL), UTIL_OPT_ERROR);
    CU_ASSERT_STRING_EQUAL(err, "--quick takes no value");
    CU_ASSERT_EQUAL(parse("--quick=", NULL), UTIL_OPT_ERROR);
    CU_ASSERT_STRING_EQUAL(err, "--quick takes no value");
    CU_ASSERT_EQUAL(parse("--help=1", NULL), UTIL_OPT_ERROR);
    CU_ASSERT_STRING_EQUAL(err, "--help takes no value");
}

static void test_util_opt_range(void)
{
    CU_ASSERT_EQUAL(parse("--workers", "abc", NULL), UTIL_OPT_ERROR);
    CU_ASSERT_STRING_EQUAL(err, "--workers needs a whole number from 1 to 1024, not 'abc'");
    CU_ASSERT_EQUAL(parse("--workers=0", NULL), UTIL_OPT_ERROR);
    CU_ASSERT_STRING_EQUAL(err, "--workers needs a whole number from 1 to 1024, not '0'");
    CU_ASSERT_EQUAL(parse("--workers", "1025", NULL), UTIL_OPT_ERROR);
    CU_ASSERT_EQUAL(parse("--workers", "-1", NULL), UTIL_OPT_ERROR);
    CU_ASSERT_STRING_EQUAL(err, "--workers needs a whole number from 1 to 1024, not '-1'");
    CU_ASSERT_EQUAL(parse("--workers", " 4", NULL), UTIL_OPT_ERROR);
    CU_ASSERT_EQUAL(parse("--workers", "0x10", NULL), UTIL_OPT_ERROR);
    CU_ASSERT_EQUAL(parse("--workers=", NULL), UTIL_OPT_ERROR);
    CU_ASSERT_STRING_EQUAL(err, "--workers needs a whole number from 1 to 1024, not ''");
    /* both bounds 0: the type's whole range */
    CU_ASSERT_EQUAL(parse("--iters", "18446744073709551615", NULL), UTIL_OPT_OK);
    CU_ASSERT_EQUAL(o.iters, UINT64_MAX);
    CU_ASSERT_EQUAL(parse("--iters", "18446744073709551616", NULL), UTIL_OPT_ERROR);
    CU_ASSERT_STRING_EQUAL(err, "--iters needs a whole number, not '18446744073709551616'");
    CU_ASSERT_EQUAL(parse("--timeout", "0", NULL), UTIL_OPT_ERROR);
    CU_ASSERT_STRING_EQUAL(err, "--timeout needs a number from 0.001 to 3600, not '0'");
    CU_ASSERT_EQUAL(parse("--timeout", "nan", NULL), UTIL_OPT_ERROR);
    CU_ASSERT_EQUAL(parse("--timeout", "inf", NULL), UTIL_OPT_ERROR);
    CU_ASSERT_EQUAL(parse("--timeout", "1e-3", NULL), UTIL_OPT_OK);
    CU_ASSERT_EQUAL(parse("--timeout", "2s", NULL), UTIL_OPT_ERROR);
}

static void test_util_opt_choice(void)
{
    CU_ASSERT_EQUAL(parse("--model", "x", NULL), UTIL_OPT_ERROR);
    CU_ASSERT_STRING_EQUAL(err, "--model needs one of threads, procs, coros, not 'x'");
    CU_ASSERT_EQUAL(parse("--model=Threads", NULL), UTIL_OPT_ERROR);   /* exact */
    CU_ASSERT_EQUAL(parse("--model=threads", NULL), UTIL_OPT_OK);
    CU_ASSERT_EQUAL(o.model, 0);
}

static void test_util_opt_custom(void)
{
    CU_ASSERT_EQUAL(parse("--cpus", "1,,2", NULL), UTIL_OPT_ERROR);
    CU_ASSERT_STRING_EQUAL(err, "--cpus: empty item in '1,,2'");
    CU_ASSERT_EQUAL(parse("--cpus=1,64", NULL), UTIL_OPT_ERROR);
    CU_ASSERT_STRING_EQUAL(err, "--cpus: '64' is not a whole number from 0 to 63 (in '1,64')");
}

static void test_util_opt_double_dash(void)
{
    CU_ASSERT_EQUAL(parse("--quick", "--", "--workers", "-h", NULL), UTIL_OPT_OK);
    CU_ASSERT_TRUE(o.quick);
    CU_ASSERT_EQUAL(o.workers, 2);
    CU_ASSERT_EQUAL_FATAL(npos, 2);
    CU_ASSERT_STRING_EQUAL(pos[0], "--workers");
    CU_ASSERT_STRING_EQUAL(pos[1], "-h");
}

static void test_util_opt_positionals(void)
{
    CU_ASSERT_EQUAL(parse("a", "--quick", "-", NULL), UTIL_OPT_OK);
    CU_ASSERT_TRUE(o.quick);
    CU_ASSERT_EQUAL_FATAL(npos, 2);
    CU_ASSERT_STRING_EQUAL(pos[0], "a");
    CU_ASSERT_STRING_EQUAL(pos[1], "-");
    CU_ASSERT_EQUAL(parse("a", "b", "c", NULL), UTIL_OPT_ERROR);
    CU_ASSERT_STRING_EQUAL(err, "too many arguments: 'c' (at most 2)");
    cmd.max_positional = 0;
    CU_ASSERT_EQUAL(parse("--quick", "foo", NULL), UTIL_OPT_ERROR);
    CU_ASSERT_STRING_EQUAL(err, "unexpected argument 'foo'");
    cmd.max_positional = -1;
    CU_ASSERT_EQUAL(parse("1", "2", "3", "4", "5", NULL), UTIL_OPT_OK);
    CU_ASSERT_EQUAL(npos, 5);
    cmd.max_positional = 2;
}

static void test_util_opt_stop_at_positional(void)
{
    cmd.stop_at_positional = true;
    CU_ASSERT_EQUAL(parse("--quick", "run", "--workers", "9", "--bogus", "x", NULL), UTIL_OPT_OK);
    CU_ASSERT_TRUE(o.quick);
    CU_ASSERT_EQUAL(o.workers, 2);
    CU_ASSERT_EQUAL_FATAL(npos, 5);
    CU_ASSERT_STRING_EQUAL(pos[0], "run");
    CU_ASSERT_STRING_EQUAL(pos[2], "9");
    CU_ASSERT_STRING_EQUAL(pos[4], "x");
    /* options before the subcommand are still checked */
    CU_ASSERT_EQUAL(parse("--bogus", "run", NULL), UTIL_OPT_ERROR);
    cmd.stop_at_positional = false;
}

/* The text util_opt_help writes, in a static buffer. */
static const char *help_text(void)
{
    static char buf[8192];
    FILE *f = fmemopen(buf, sizeof buf, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    util_opt_help(f, &cmd);
    fclose(f);
    return buf;
}

static void test_util_opt_help(void)
{
    const char *h = help_text();
    CU_ASSERT_PTR_NOT_NULL(strstr(h, "usage: lab-test [OPTIONS] [FILE...]\nA test program.\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(h, "--workers N"));
    CU_ASSERT_PTR_NOT_NULL(strstr(h, "worker count (from 1 to 1024)\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(h, "execution model (one of threads, procs, coros)\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(h, "iterations\n"));   /* unbounded: no range */
    CU_ASSERT_PTR_NOT_NULL(strstr(h, "  --quick "));
    CU_ASSERT_PTR_NOT_NULL(strstr(h, "-h, --help"));
    CU_ASSERT_PTR_NOT_NULL(strstr(h, "\nExit status: 0 ok, 2 bad usage.\n"));
    /* -h and --help print it on stdout and stop there, whatever follows */
    fflush(stdout);
    int saved = dup(1);
    CU_ASSERT_TRUE_FATAL(freopen("/dev/null", "w", stdout) != NULL);
    int a = parse("-h", "--bogus", NULL), b = parse("--workers", "3", "--help", NULL);
    fflush(stdout);
    dup2(saved, 1);
    close(saved);
    CU_ASSERT_EQUAL(a, UTIL_OPT_HELP);
    CU_ASSERT_EQUAL(b, UTIL_OPT_HELP);
}

static void test_util_opt_fail(void)
{
    fflush(stderr);
    int saved = dup(2);
    FILE *tmp = tmpfile();
    CU_ASSERT_PTR_NOT_NULL_FATAL(tmp);
    dup2(fileno(tmp), 2);
    int rc = util_opt_fail("lab-test", "unknown option '--x'");
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    char line[256] = "";
    rewind(tmp);
    CU_ASSERT_PTR_NOT_NULL(fgets(line, sizeof line, tmp));
    fclose(tmp);
    CU_ASSERT_EQUAL(rc, 2);
    CU_ASSERT_STRING_EQUAL(line, "lab-test: unknown option '--x' (try --help)\n");
}

static void test_util_list_u64(void)
{
    uint64_t v[4];
    size_t n;
    CU_ASSERT_EQUAL(util_list_u64("1,2,4,8", 1, 64, v, 4, &n, err, sizeof err), 0);
    CU_ASSERT_EQUAL(n, 4);
    CU_ASSERT_EQUAL(v[3], 8);
    CU_ASSERT_EQUAL(util_list_u64("7", 1, 64, v, 4, &n, err, sizeof err), 0);
    CU_ASSERT_EQUAL(n, 1);
    static const char *const bad[] = { "", ",1", "1,", "1,,2", "," };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        CU_ASSERT_EQUAL(util_list_u64(bad[i], 1, 64, v, 4, &n, err, sizeof err), -1);
    CU_ASSERT_STRING_EQUAL(err, "empty item in ','");
    CU_ASSERT_EQUAL(util_list_u64("1,2,3,4,5", 1, 64, v, 4, &n, err, sizeof err), -1);
    CU_ASSERT_STRING_EQUAL(err, "more than 4 items in '1,2,3,4,5'");
    CU_ASSERT_EQUAL(util_list_u64("1,x", 1, 64, v, 4, &n, err, sizeof err), -1);
    CU_ASSERT_STRING_EQUAL(err, "'x' is not a whole number from 1 to 64 (in '1,x')");
    CU_ASSERT_EQUAL(util_list_u64("1,0", 1, 64, v, 4, &n, err, sizeof err), -1);
    CU_ASSERT_EQUAL(util_list_u64("123456789012345678901234567890", 0, UINT64_MAX, v, 4, &n, err,
                                  sizeof err), -1);
}

static void test_util_list_split(void)
{
    char buf[64], *items[4];
    size_t n;
    CU_ASSERT_EQUAL(util_list_split("mutex,ticket,mcs", buf, sizeof buf, items, 4, &n, err,
                                    sizeof err), 0);
    CU_ASSERT_EQUAL_FATAL(n, 3);
    CU_ASSERT_STRING_EQUAL(items[0], "mutex");
    CU_ASSERT_STRING_EQUAL(items[2], "mcs");
    CU_ASSERT_EQUAL(util_list_split("a,,b", buf, sizeof buf, items, 4, &n, err, sizeof err), -1);
    CU_ASSERT_STRING_EQUAL(err, "empty item in 'a,,b'");
    CU_ASSERT_EQUAL(util_list_split("a,b,c,d,e", buf, sizeof buf, items, 4, &n, err, sizeof err),
                    -1);
    CU_ASSERT_EQUAL(util_list_split("abcdef", buf, 4, items, 4, &n, err, sizeof err), -1);
    CU_ASSERT_EQUAL(util_list_split("", buf, sizeof buf, items, 4, &n, err, sizeof err), -1);
}

static void test_util_parse_numbers(void)
{
    uint64_t u = 99;
    double d = 99;
    CU_ASSERT_TRUE(util_parse_u64("0", 0, 10, &u) && u == 0);
    CU_ASSERT_FALSE(util_parse_u64("+1", 0, 10, &u));
    CU_ASSERT_FALSE(util_parse_u64("11", 0, 10, &u));
    CU_ASSERT_FALSE(util_parse_u64(NULL, 0, 10, &u));
    CU_ASSERT_TRUE(util_parse_double("-1.5", -2, 2, &d) && d == -1.5);
    CU_ASSERT_TRUE(util_parse_double(".5", 0, 1, &d) && d == 0.5);
    CU_ASSERT_FALSE(util_parse_double("1e999", 0, INFINITY, &d));
    CU_ASSERT_FALSE(util_parse_double("0x10", 0, 100, &d));
    CU_ASSERT_FALSE(util_parse_double(".", 0, 100, &d));
    CU_ASSERT_FALSE(util_parse_double("1 ", 0, 100, &d));
}

/* ---- spawn --------------------------------------------------------------- */

static char *sh_argv[4] = { "sh", "-c", NULL, NULL };

/* A run of sh -c script, stdout and stderr captured, stdin from /dev/null. */
static struct util_spawn sh_run(const char *script)
{
    sh_argv[2] = (char *)script;
    return (struct util_spawn){ .argv = sh_argv, .capture_out = true, .capture_err = true,
                                .stdin_null = true, .timeout_s = 60, .own_group = true };
}

/* True once pid is gone or a zombie (reaped or reapable: not running);
 * waits up to 20 s for the kernel and its reaper to catch up. */
static bool process_gone(pid_t pid)
{
    for (int i = 0; i < 2000; i++) {
        if (test_process_dead(pid))
            return true;
        struct timespec ts = { 0, 10 * 1000 * 1000 };
        nanosleep(&ts, NULL);
    }
    return false;
}

static unsigned open_fds(void)
{
    unsigned n = 0;
    for (int fd = 0; fd < 1024; fd++)
        n += fcntl(fd, F_GETFD) >= 0;
    return n;
}

static void test_util_spawn_exit_code(void)
{
    struct util_spawn s = sh_run("echo out; echo err >&2; exit 3");
    CU_ASSERT_EQUAL_FATAL(util_spawn_run(&s), 0);
    char b[64];
    CU_ASSERT_TRUE(util_spawn_done(&s));
    CU_ASSERT_EQUAL(s.end, UTIL_END_EXIT);
    CU_ASSERT_EQUAL(s.code, 3);
    CU_ASSERT_STRING_EQUAL(util_spawn_end_text(&s, b, sizeof b), "exit 3");
    CU_ASSERT_STRING_EQUAL(s.out, "out\n");
    CU_ASSERT_EQUAL(s.out_len, 4);
    CU_ASSERT_STRING_EQUAL(s.err, "err\n");
    CU_ASSERT_TRUE(s.wall_s >= 0);
    util_spawn_free(&s);
    CU_ASSERT_PTR_NULL(s.out);
    struct util_spawn q = sh_run("exit 0");
    q.capture_err = false;
    util_spawn_run(&q);
    CU_ASSERT_EQUAL(q.end, UTIL_END_EXIT);
    CU_ASSERT_EQUAL(q.code, 0);
    CU_ASSERT_STRING_EQUAL(q.out, "");   /* captured, nothing came */
    CU_ASSERT_PTR_NULL(q.err);           /* not captured */
    util_spawn_free(&q);
}

static void test_util_spawn_signal(void)
{
    struct util_spawn s = sh_run("kill -SEGV $$");
    util_spawn_run(&s);
    char b[64];
    CU_ASSERT_EQUAL(s.end, UTIL_END_SIGNAL);
    CU_ASSERT_EQUAL(s.code, SIGSEGV);
    CU_ASSERT_STRING_EQUAL(util_spawn_end_text(&s, b, sizeof b), "SIGSEGV");
    util_spawn_free(&s);
}

static void test_util_spawn_timeout(void)
{
    char *argv[] = { "sleep", "30", NULL };
    struct util_spawn s = { .argv = argv, .timeout_s = 0.2, .own_group = true };
    util_spawn_run(&s);
    char b[64];
    CU_ASSERT_EQUAL(s.end, UTIL_END_TIMEOUT);
    CU_ASSERT_EQUAL(s.code, SIGTERM);   /* sleep dies of the first signal */
    CU_ASSERT_STRING_EQUAL(util_spawn_end_text(&s, b, sizeof b), "timeout after 0.2 s");
    CU_ASSERT_TRUE(process_gone(s.pid_));
    util_spawn_free(&s);
}

/* A group that ignores SIGTERM, with a grandchild: SIGKILL after the grace
 * period takes all of it. A shell that has not yet run its trap when the
 * deadline comes dies of the SIGTERM: then again with a longer deadline
 * (each attempt still asserts that nothing of the group is left). */
static void test_util_spawn_timeout_kills_group(void)
{
    int code = 0;
    for (double t = 0.2; t < 60 && code != SIGKILL; t *= 5) {
        struct util_spawn s = sh_run("trap '' TERM; sleep 30 & echo $!; wait; wait");
        s.timeout_s = t;
        s.grace_s = 0.2;
        util_spawn_run(&s);
        CU_ASSERT_EQUAL(s.end, UTIL_END_TIMEOUT);
        code = s.code;
        long grandchild = strtol(s.out, NULL, 10);
        if (grandchild > 1)
            CU_ASSERT_TRUE(process_gone((pid_t)grandchild));
        util_spawn_free(&s);
    }
    CU_ASSERT_EQUAL(code, SIGKILL);
}

/* The leader exits and leaves a grandchild in its group: it goes too, and
 * the pipe it holds does not keep the run alive. */
static void test_util_spawn_leader_exit_kills_stragglers(void)
{
    struct util_spawn s = sh_run("sleep 30 & echo $!");
    util_spawn_run(&s);
    CU_ASSERT_EQUAL(s.end, UTIL_END_EXIT);
    CU_ASSERT_EQUAL(s.code, 0);
    long grandchild = strtol(s.out, NULL, 10);
    CU_ASSERT_TRUE_FATAL(grandchild > 1);
    CU_ASSERT_TRUE(process_gone((pid_t)grandchild));
    util_spawn_free(&s);
}

/* Without its own group the grandchild survives, but holding the capture
 * pipe does not hold up the run. */
static void test_util_spawn_no_group(void)
{
    struct util_spawn s = sh_run("sleep 30 & echo $!");
    s.own_group = false;
    s.timeout_s = 20;
    util_spawn_run(&s);
    CU_ASSERT_EQUAL(s.end, UTIL_END_EXIT);
    long grandchild = strtol(s.out, NULL, 10);
    CU_ASSERT_TRUE_FATAL(grandchild > 1);
    CU_ASSERT_EQUAL(kill((pid_t)grandchild, SIGKILL), 0);   /* it was still there */
    util_spawn_free(&s);
}

static void test_util_spawn_large_output(void)
{
    /* 300 000 bytes on each stream at once: a parent reading one pipe only
     * would deadlock with the child blocked on the other */
    struct util_spawn s = sh_run("head -c 300000 /dev/zero | tr '\\0' a; "
                                 "head -c 300000 /dev/zero | tr '\\0' b >&2; "
                                 "head -c 300000 /dev/zero | tr '\\0' c");
    util_spawn_run(&s);
    CU_ASSERT_EQUAL(s.end, UTIL_END_EXIT);
    CU_ASSERT_EQUAL(s.code, 0);
    CU_ASSERT_EQUAL_FATAL(s.out_len, 600000);
    CU_ASSERT_EQUAL_FATAL(s.err_len, 300000);
    CU_ASSERT_EQUAL(s.out[0], 'a');
    CU_ASSERT_EQUAL(s.out[599999], 'c');
    CU_ASSERT_EQUAL(s.out[600000], '\0');
    CU_ASSERT_EQUAL(strspn(s.err, "b"), 300000);
    util_spawn_free(&s);
}

static int child_writes(void *arg)
{
    size_t n = *(const size_t *)arg;
    char chunk[1000];
    memset(chunk, 0, sizeof chunk);   /* binary: NULs must come through */
    chunk[0] = 'x';
    for (size_t i = 0; i < n / sizeof chunk; i++)
        fwrite(chunk, 1, sizeof chunk, stdout);
    fprintf(stderr, "%s", getenv("UTIL_TEST_VAR") ? getenv("UTIL_TEST_VAR") : "unset");
    return 7;
}

static int child_aborts(void *arg)
{
    (void)arg;
    signal(SIGABRT, SIG_DFL);
    abort();
}

static void test_util_spawn_fn(void)
{
    size_t n = 200000;
    const char *const env[] = { "UTIL_TEST_VAR=from fn", NULL };
    struct util_spawn s = { .fn = child_writes, .arg = &n, .env = env, .capture_out = true,
                            .capture_err = true, .timeout_s = 60 };
    CU_ASSERT_EQUAL_FATAL(util_spawn_run(&s), 0);
    CU_ASSERT_EQUAL(s.end, UTIL_END_EXIT);
    CU_ASSERT_EQUAL(s.code, 7);
    CU_ASSERT_EQUAL_FATAL(s.out_len, n);
    CU_ASSERT_EQUAL(s.out[0], 'x');
    CU_ASSERT_EQUAL(s.out[1], '\0');
    CU_ASSERT_EQUAL(s.out[1000], 'x');
    CU_ASSERT_STRING_EQUAL(s.err, "from fn");
    util_spawn_free(&s);
    struct util_spawn a = { .fn = child_aborts, .capture_err = true };
    util_spawn_run(&a);
    CU_ASSERT_EQUAL(a.end, UTIL_END_SIGNAL);
    CU_ASSERT_EQUAL(a.code, SIGABRT);
    util_spawn_free(&a);
}

static void test_util_spawn_env(void)
{
    setenv("UTIL_TEST_OLD", "old", 1);
    const char *const env[] = { "UTIL_TEST_NEW=one", "UTIL_TEST_OLD=replaced", NULL };
    struct util_spawn s = sh_run("printf '%s %s ' \"$UTIL_TEST_NEW\" \"$UTIL_TEST_OLD\"; "
                                 "env | grep -c '^UTIL_TEST_OLD='");
    s.env = env;
    util_spawn_run(&s);
    CU_ASSERT_EQUAL(s.end, UTIL_END_EXIT);
    CU_ASSERT_STRING_EQUAL(s.out, "one replaced 1\n");
    util_spawn_free(&s);
    const char *const unset[] = { "UTIL_TEST_OLD", NULL };   /* a bare name removes it */
    struct util_spawn u = sh_run("printf '[%s]' \"${UTIL_TEST_OLD-unset}\"");
    u.env = unset;
    util_spawn_run(&u);
    CU_ASSERT_STRING_EQUAL(u.out, "[unset]");
    util_spawn_free(&u);
    unsetenv("UTIL_TEST_OLD");
}

static void test_util_spawn_missing_program(void)
{
    char *argv[] = { "/nonexistent/racelab-no-such-program", NULL };
    struct util_spawn s = { .argv = argv, .capture_out = true, .capture_err = true };
    CU_ASSERT_EQUAL(util_spawn_run(&s), ENOENT);
    char b[128];
    CU_ASSERT_TRUE(util_spawn_done(&s));
    CU_ASSERT_EQUAL(s.end, UTIL_END_SPAWN);
    CU_ASSERT_EQUAL(s.code, ENOENT);
    CU_ASSERT_STRING_EQUAL(util_spawn_end_text(&s, b, sizeof b),
                           "cannot start: No such file or directory");
    CU_ASSERT_STRING_EQUAL(s.out, "");
    util_spawn_free(&s);
    char *onpath[] = { "racelab-no-such-program-on-path", NULL };
    struct util_spawn p = { .argv = onpath };
    CU_ASSERT_EQUAL(util_spawn_start(&p), ENOENT);
    CU_ASSERT_EQUAL(p.end, UTIL_END_SPAWN);
    struct util_spawn both = { .argv = onpath, .fn = child_aborts };
    CU_ASSERT_EQUAL(util_spawn_start(&both), EINVAL);
}

static void test_util_spawn_pool(void)
{
    struct util_spawn r[3];
    static const char *const scripts[] = { "exit 1", "sleep 0.1; exit 2", "echo three; exit 3" };
    for (int i = 0; i < 3; i++) {
        r[i] = sh_run(scripts[i]);
        CU_ASSERT_EQUAL_FATAL(util_spawn_start(&r[i]), 0);
    }
    struct util_spawn idle = { .argv = sh_argv };   /* never started: skipped */
    struct util_spawn *const v[] = { &r[0], NULL, &r[1], &idle, &r[2] };
    size_t running = 5;
    for (int round = 0; running > 0 && round < 10000; round++)
        running = util_spawn_poll(v, 5, 1.0);
    CU_ASSERT_EQUAL(running, 0);
    for (int i = 0; i < 3; i++) {
        CU_ASSERT_TRUE(util_spawn_done(&r[i]));
        CU_ASSERT_EQUAL(r[i].end, UTIL_END_EXIT);
        CU_ASSERT_EQUAL(r[i].code, i + 1);
        util_spawn_free(&r[i]);
    }
    CU_ASSERT_FALSE(util_spawn_done(&idle));
}

static void test_util_spawn_kill(void)
{
    struct util_spawn s = sh_run("sleep 30 & echo $!; wait");
    CU_ASSERT_EQUAL_FATAL(util_spawn_start(&s), 0);
    struct util_spawn *const v[] = { &s };
    while (strchr(s.out != NULL ? s.out : "", '\n') == NULL && !util_spawn_done(&s))
        util_spawn_poll(v, 1, 1.0);   /* until the grandchild's pid is out */
    long grandchild = strtol(s.out, NULL, 10);
    util_spawn_kill(&s);
    CU_ASSERT_TRUE(util_spawn_done(&s));
    CU_ASSERT_EQUAL(s.end, UTIL_END_SIGNAL);
    CU_ASSERT_EQUAL(s.code, SIGKILL);
    CU_ASSERT_TRUE_FATAL(grandchild > 1);
    CU_ASSERT_TRUE(process_gone((pid_t)grandchild));
    util_spawn_free(&s);
}

static int cmp_int(const void *a, const void *b)
{
    return *(const int *)a - *(const int *)b;
}

/* The numbers in text, sorted; returns how many (at most max). */
static size_t numbers(const char *text, int *out, size_t max)
{
    size_t n = 0;
    for (char *end; *text != '\0' && n < max; text = end) {
        long v = strtol(text, &end, 10);
        if (end == text) {
            end++;
            continue;
        }
        out[n++] = (int)v;
    }
    qsort(out, n, sizeof *out, cmp_int);
    return n;
}

/* No descriptor of ours reaches a child (O_CLOEXEC pipes), none is left open
 * in the parent after runs that ended in every way. */
static void test_util_spawn_no_fd_leaks(void)
{
    unsigned before = open_fds();
    struct util_spawn a = sh_run("sleep 30");   /* its pipes are open meanwhile */
    CU_ASSERT_EQUAL_FATAL(util_spawn_start(&a), 0);
    int expect[1024], got[1024];
    size_t nexpect = 0;
    for (int fd = 0; fd < 1024; fd++) {
        int fl = fcntl(fd, F_GETFD);
        if (fd <= 2 || (fl >= 0 && !(fl & FD_CLOEXEC)))
            expect[nexpect++] = fd;   /* what a child inherits from the test itself */
    }
    /* ls lists the shell's descriptors from outside (a glob would see its own) */
    struct util_spawn b = sh_run("ls /proc/$$/fd");
    util_spawn_run(&b);
    util_spawn_kill(&a);
    util_spawn_free(&a);
    CU_ASSERT_EQUAL(b.end, UTIL_END_EXIT);
    size_t ngot = numbers(b.out, got, 1024);
    util_spawn_free(&b);
    CU_ASSERT_EQUAL(ngot, nexpect);
    CU_ASSERT_EQUAL(memcmp(got, expect, (ngot < nexpect ? ngot : nexpect) * sizeof *got), 0);
    char *missing[] = { "/nonexistent/x", NULL };
    struct util_spawn c = { .argv = missing, .capture_out = true, .capture_err = true };
    util_spawn_run(&c);
    util_spawn_free(&c);
    struct util_spawn t = sh_run("sleep 30");
    t.timeout_s = 0.1;
    util_spawn_run(&t);
    util_spawn_free(&t);
    CU_ASSERT_EQUAL(open_fds(), before);
}

static void test_util_spawn_stdin_null(void)
{
    char *argv[] = { "cat", NULL };
    struct util_spawn s = { .argv = argv, .stdin_null = true, .capture_out = true,
                            .timeout_s = 60 };
    util_spawn_run(&s);
    CU_ASSERT_EQUAL(s.end, UTIL_END_EXIT);
    CU_ASSERT_EQUAL(s.code, 0);
    CU_ASSERT_EQUAL(s.out_len, 0);
    util_spawn_free(&s);
}

/* ---- JSON and XML -------------------------------------------------------- */

/* What fn(f, arg) writes, in a static buffer. */
static const char *written(void (*fn)(FILE *, const char *), const char *arg)
{
    static char buf[4096];
    memset(buf, 0, sizeof buf);
    FILE *f = fmemopen(buf, sizeof buf - 1, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fn(f, arg);
    fclose(f);
    return buf;
}

static void json_number_text(FILE *f, const char *v)
{
    util_json_number(f, strtod(v, NULL));
}

static void test_util_json_string(void)
{
    CU_ASSERT_STRING_EQUAL(written(util_json_string, "plain"), "\"plain\"");
    CU_ASSERT_STRING_EQUAL(written(util_json_string, "a\"b\\c"), "\"a\\\"b\\\\c\"");
    CU_ASSERT_STRING_EQUAL(written(util_json_string, "\n\t\r\b\f\x01\x1f\x7f"),
                           "\"\\n\\t\\r\\b\\f\\u0001\\u001f\\u007f\"");
    CU_ASSERT_STRING_EQUAL(written(util_json_string, "caf\xc3\xa9 /"), "\"caf\xc3\xa9 /\"");
    CU_ASSERT_STRING_EQUAL(written(util_json_string, NULL), "null");
}

static void test_util_json_escape(void)
{
    char b[16];
    CU_ASSERT_EQUAL(util_json_escape(b, sizeof b, "x\"\n"), 5);
    CU_ASSERT_STRING_EQUAL(b, "x\\\"\\n");
    /* cut short: never inside an escape, always terminated, full length returned */
    CU_ASSERT_EQUAL(util_json_escape(b, 4, "ab\x01"), 8);
    CU_ASSERT_STRING_EQUAL(b, "ab");
    CU_ASSERT_EQUAL(util_json_escape(b, 1, "abc"), 3);
    CU_ASSERT_STRING_EQUAL(b, "");
    CU_ASSERT_EQUAL(util_json_escape(NULL, 0, "a\\"), 3);
}

static void test_util_json_number(void)
{
    CU_ASSERT_STRING_EQUAL(written(json_number_text, "12"), "12");
    CU_ASSERT_STRING_EQUAL(written(json_number_text, "-3"), "-3");
    CU_ASSERT_STRING_EQUAL(written(json_number_text, "0.5"), "0.5");
    CU_ASSERT_STRING_EQUAL(written(json_number_text, "12.3456"), "12.346");
    CU_ASSERT_STRING_EQUAL(written(json_number_text, "0.0001"), "0.0001");
    CU_ASSERT_STRING_EQUAL(written(json_number_text, "1e20"), "1e+20");
    CU_ASSERT_STRING_EQUAL(written(json_number_text, "nan"), "null");
    CU_ASSERT_STRING_EQUAL(written(json_number_text, "-inf"), "null");
}

static void test_util_xml_text(void)
{
    CU_ASSERT_STRING_EQUAL(written(util_xml_text, "a<b>&\"c'"),
                           "a&lt;b&gt;&amp;&quot;c&apos;");
    CU_ASSERT_STRING_EQUAL(written(util_xml_text, "t\tn\nx\x01\x1b"), "t\tn\nx");
    CU_ASSERT_STRING_EQUAL(written(util_xml_text, NULL), "");
}

/* ---- statistics, time, CPUs, TSan ---------------------------------------- */

static void test_util_median(void)
{
    double a[] = { 5, 1, 3 }, b[] = { 4, 1, 3, 2 }, c[] = { 7 };
    CU_ASSERT_DOUBLE_EQUAL(util_median(a, 3), 3, 0);
    CU_ASSERT_DOUBLE_EQUAL(a[0], 1, 0);   /* sorted */
    CU_ASSERT_DOUBLE_EQUAL(a[2], 5, 0);
    CU_ASSERT_DOUBLE_EQUAL(util_median(b, 4), 2.5, 0);
    CU_ASSERT_DOUBLE_EQUAL(util_median(c, 1), 7, 0);
    uint64_t u[] = { UINT64_MAX, UINT64_MAX - 2 }, w[] = { 9, 2, 4 };
    CU_ASSERT_EQUAL(util_median_u64(u, 2), UINT64_MAX - 1);   /* no overflow */
    CU_ASSERT_EQUAL(util_median_u64(w, 3), 4);
    CU_ASSERT_EQUAL(w[0], 2);
}

static void test_util_percentile(void)
{
    double v[] = { 40, 10, 30, 20, 50 };
    CU_ASSERT_DOUBLE_EQUAL(util_percentile(v, 5, 0), 10, 0);
    CU_ASSERT_DOUBLE_EQUAL(util_percentile(v, 5, 100), 50, 0);
    CU_ASSERT_DOUBLE_EQUAL(util_percentile(v, 5, 50), 30, 0);
    CU_ASSERT_DOUBLE_EQUAL(util_percentile(v, 5, 90), 46, 1e-9);   /* 40 + 0.6 * 10 */
    CU_ASSERT_DOUBLE_EQUAL(util_percentile(v, 5, 12.5), 15, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(util_percentile(v, 5, 150), 50, 0);      /* clamped */
    CU_ASSERT_DOUBLE_EQUAL(util_percentile(v, 5, -1), 10, 0);
    double one[] = { 3 };
    CU_ASSERT_DOUBLE_EQUAL(util_percentile(one, 1, 99), 3, 0);
    double withnan[] = { NAN, 2, 1 };
    CU_ASSERT_DOUBLE_EQUAL(util_percentile(withnan, 3, 0), 1, 0);   /* NaN sorts last */
    CU_ASSERT_TRUE(isnan(withnan[2]));
}

static void test_util_fmt_ns(void)
{
    char b[32];
    CU_ASSERT_STRING_EQUAL(util_fmt_ns(b, sizeof b, 950), "950 ns");
    CU_ASSERT_STRING_EQUAL(util_fmt_ns(b, sizeof b, 12.34), "12.3 ns");
    CU_ASSERT_STRING_EQUAL(util_fmt_ns(b, sizeof b, 0), "0 ns");
    CU_ASSERT_STRING_EQUAL(util_fmt_ns(b, sizeof b, 12345), "12.3 us");
    CU_ASSERT_STRING_EQUAL(util_fmt_ns(b, sizeof b, 999.7), "1.00 us");
    CU_ASSERT_STRING_EQUAL(util_fmt_ns(b, sizeof b, 4.56e6), "4.56 ms");
    CU_ASSERT_STRING_EQUAL(util_fmt_ns(b, sizeof b, 7.89e9), "7.89 s");
    CU_ASSERT_STRING_EQUAL(util_fmt_ns(b, sizeof b, 123.4e9), "123 s");
    CU_ASSERT_STRING_EQUAL(util_fmt_ns(b, sizeof b, 1234e9), "1234 s");
    CU_ASSERT_STRING_EQUAL(util_fmt_ns(b, sizeof b, -2500), "-2.50 us");
    CU_ASSERT_STRING_EQUAL(util_fmt_ns(b, sizeof b, NAN), "n/a");
}

static void test_util_now_ns(void)
{
    uint64_t a = util_now_ns(), b = util_now_ns();
    CU_ASSERT_TRUE(b >= a);
    CU_ASSERT_TRUE(a > 0);
}

static void test_util_cpus(void)
{
    unsigned online = util_cpus_online();
    CU_ASSERT_TRUE(online >= 1);
    int cpus[256];
    unsigned n = util_cpus_allowed(cpus, 256);
    CU_ASSERT_TRUE_FATAL(n >= 1);
    for (unsigned i = 1; i < n && i < 256; i++)
        CU_ASSERT_TRUE(cpus[i] > cpus[i - 1]);   /* ascending */
    CU_ASSERT_EQUAL(util_cpus_allowed(NULL, 0), n);
    int pair[2];
    unsigned p = util_cpu_pair(pair);
    CU_ASSERT_EQUAL(p, n >= 2 ? 2 : 1);
    CU_ASSERT_EQUAL(pair[0], cpus[0]);
    CU_ASSERT_EQUAL(pair[1], n >= 2 ? cpus[1] : cpus[0]);
    CU_ASSERT_EQUAL(util_pin_thread(-1), EINVAL);
    cpu_set_t saved;
    CU_ASSERT_EQUAL_FATAL(sched_getaffinity(0, sizeof saved, &saved), 0);
    CU_ASSERT_EQUAL(util_pin_thread(cpus[n - 1]), 0);
    int now[256];
    CU_ASSERT_EQUAL(util_cpus_allowed(now, 256), 1);   /* the calling thread's mask */
    CU_ASSERT_EQUAL(now[0], cpus[n - 1]);
    CU_ASSERT_EQUAL(sched_setaffinity(0, sizeof saved, &saved), 0);   /* later tests fork */
}

static void test_util_tsan_macro(void)
{
#if defined(RACELAB_SANITIZER_NAME)
    bool tsan_build = strcmp(RACELAB_SANITIZER_NAME, "thread") == 0;
    CU_ASSERT_EQUAL(UTIL_TSAN, tsan_build ? 1 : 0);
#endif
}

/* ---- SVG ------------------------------------------------------------------ */

static char svg_dir[200];   /* $TMPDIR/racelab-test-util-PID */

/* The whole file at dir/name in a static buffer ("" if unreadable). */
static const char *slurp(const char *name)
{
    static char buf[1 << 16];
    char path[sizeof svg_dir + 64];
    snprintf(path, sizeof path, "%s/%s", svg_dir, name);
    buf[0] = '\0';
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return buf;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

static unsigned occurrences(const char *hay, const char *needle)
{
    unsigned n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

static bool svg_complete(const char *text)
{
    size_t n = strlen(text);
    return strncmp(text, "<?xml", 5) == 0 && n > 7 && strcmp(text + n - 7, "</svg>\n") == 0;
}

static const char *svg_path(const char *name)
{
    static char path[sizeof svg_dir + 64];
    snprintf(path, sizeof path, "%s/%s", svg_dir, name);
    return path;
}

/* Each SVG case has a directory of its own (a case may run alone). */
static bool svg_begin(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(svg_dir, sizeof svg_dir, "%s/racelab-test-util-%d", tmp && *tmp ? tmp : "/tmp",
             (int)getpid());
    return mkdir(svg_dir, 0700) == 0;
}

/* Removes |file| and the directory, which must then be empty. */
static void svg_end(const char *file)
{
    unlink(svg_path(file));
    CU_ASSERT_EQUAL(rmdir(svg_dir), 0);
}

static void test_util_svg_lines(void)
{
    CU_ASSERT_TRUE_FATAL(svg_begin());
    const double x[] = { 1, 2, 4, 8 };
    const double a[] = { 10, 20, NAN, 80 }, b[] = { 1e3, 2e3, 4e3, 8e6 }, none[] = { 0, NAN, -1, 0 };
    const struct util_svg_series s[] = {
        { .name = "racy <a&b>", .y = a, .dashed = true }, { .name = "mutex", .y = b },
        { .name = "empty", .y = none },
    };
    const struct util_svg_chart c = { .title = "ns/op \"lab\"", .xlabel = "workers",
                                      .ylabel = "ns per operation", .units = UTIL_SVG_NS };
    CU_ASSERT_EQUAL_FATAL(util_svg_lines(svg_path("lines.svg"), &c, x, 4, s, 3, err, sizeof err), 0);
    const char *t = slurp("lines.svg");
    CU_ASSERT_TRUE(svg_complete(t));
    CU_ASSERT_PTR_NOT_NULL(strstr(t, "ns/op &quot;lab&quot;"));
    CU_ASSERT_PTR_NOT_NULL(strstr(t, "racy &lt;a&amp;b&gt;"));
    CU_ASSERT_EQUAL(occurrences(t, "<polyline"), 3);   /* a's gap splits it in two */
    CU_ASSERT_EQUAL(occurrences(t, "<circle"), 7);
    CU_ASSERT_EQUAL(occurrences(t, "stroke-dasharray"), 3);   /* a's two pieces, its legend */
    CU_ASSERT_PTR_NOT_NULL(strstr(t, ">10 ms<"));             /* the top decade, as time */
    CU_ASSERT_PTR_NOT_NULL(strstr(t, ">1 us<"));
    CU_ASSERT_PTR_NOT_NULL(strstr(t, ">workers<"));
    CU_ASSERT_PTR_NOT_NULL(strstr(t, "rotate(-90"));
    CU_ASSERT_EQUAL(util_svg_lines(svg_path("none.svg"), &c, x, 4, &s[2], 1, err, sizeof err),
                    ENODATA);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "nothing to plot"));
    CU_ASSERT_NOT_EQUAL(access(svg_path("none.svg"), F_OK), 0);   /* no file */
    CU_ASSERT_EQUAL(util_svg_lines("/nonexistent/dir/x.svg", &c, x, 4, s, 2, err, sizeof err),
                    ENOENT);
    CU_ASSERT_STRING_EQUAL(err, "/nonexistent/dir/x.svg: No such file or directory");
    svg_end("lines.svg");
}

static void test_util_svg_bars(void)
{
    const struct util_svg_bar b[] = {
        { .label = "ticket", .value = 50, .lo = 40, .hi = 70 },
        { .label = "mcs", .value = 2.5e3 },
        { .label = "dnf", .value = NAN },
    };
    const struct util_svg_chart c = { .title = "cost", .xlabel = "Mmsg/s",
                                      .units = UTIL_SVG_PLAIN };
    CU_ASSERT_TRUE_FATAL(svg_begin());
    CU_ASSERT_EQUAL_FATAL(util_svg_bars(svg_path("bars.svg"), &c, b, 3, err, sizeof err), 0);
    const char *t = slurp("bars.svg");
    CU_ASSERT_TRUE(svg_complete(t));
    CU_ASSERT_EQUAL(occurrences(t, "<rect x="), 2);   /* two usable bars */
    CU_ASSERT_EQUAL(occurrences(t, "stroke=\"black\""), 1);   /* one whisker */
    CU_ASSERT_PTR_NOT_NULL(strstr(t, ">n/a<"));
    CU_ASSERT_PTR_NOT_NULL(strstr(t, ">2500<"));
    CU_ASSERT_PTR_NOT_NULL(strstr(t, ">10000<"));
    CU_ASSERT_EQUAL(util_svg_bars(svg_path("none.svg"), &c, &b[2], 1, err, sizeof err), ENODATA);
    svg_end("bars.svg");
}

static void test_util_svg_strips(void)
{
    const double v1[] = { 0.5, 1, 1.7, NAN }, v2[] = { 0.25 };
    const struct util_svg_strip r[] = {
        { .label = "counter/racy", .v = v1, .n = 4 }, { .label = "queue/racy", .v = v2, .n = 1 },
        { .label = "none", .v = NULL, .n = 0 },
    };
    const struct util_svg_chart c = { .title = "observed / expected",
                                      .xlabel = "observed as a share of expected" };
    CU_ASSERT_TRUE_FATAL(svg_begin());
    CU_ASSERT_EQUAL_FATAL(util_svg_strips(svg_path("strips.svg"), &c, r, 3, err, sizeof err), 0);
    const char *t = slurp("strips.svg");
    CU_ASSERT_TRUE(svg_complete(t));
    CU_ASSERT_EQUAL(occurrences(t, "<circle"), 5);
    CU_ASSERT_EQUAL(occurrences(t, "#2ca02c"), 2);   /* at 1 and clamped 1.7 */
    CU_ASSERT_EQUAL(occurrences(t, "#d62728"), 3);   /* 0.5, NaN as 0, 0.25 */
    CU_ASSERT_PTR_NOT_NULL(strstr(t, ">100%<"));
    CU_ASSERT_PTR_NOT_NULL(strstr(t, ">25%<"));
    CU_ASSERT_EQUAL(util_svg_strips(svg_path("none.svg"), &c, &r[2], 1, err, sizeof err), ENODATA);
    svg_end("strips.svg");
}

static const struct test_case tests[] = {
    { "opt_values", test_util_opt_values },
    { "opt_defaults_kept", test_util_opt_defaults_kept },
    { "opt_equals_value", test_util_opt_equals_value },
    { "opt_unknown", test_util_opt_unknown },
    { "opt_missing_value", test_util_opt_missing_value },
    { "opt_flag_value", test_util_opt_flag_value },
    { "opt_range", test_util_opt_range },
    { "opt_choice", test_util_opt_choice },
    { "opt_custom", test_util_opt_custom },
    { "opt_double_dash", test_util_opt_double_dash },
    { "opt_positionals", test_util_opt_positionals },
    { "opt_stop_at_positional", test_util_opt_stop_at_positional },
    { "opt_help", test_util_opt_help },
    { "opt_fail", test_util_opt_fail },
    { "list_u64", test_util_list_u64 },
    { "list_split", test_util_list_split },
    { "parse_numbers", test_util_parse_numbers },
    { "spawn_exit_code", test_util_spawn_exit_code },
    { "spawn_signal", test_util_spawn_signal },
    { "spawn_timeout", test_util_spawn_timeout },
    { "spawn_timeout_kills_group", test_util_spawn_timeout_kills_group },
    { "spawn_leader_exit_kills_stragglers", test_util_spawn_leader_exit_kills_stragglers },
    { "spawn_no_group", test_util_spawn_no_group },
    { "spawn_large_output", test_util_spawn_large_output },
    { "spawn_fn", test_util_spawn_fn },
    { "spawn_env", test_util_spawn_env },
    { "spawn_missing_program", test_util_spawn_missing_program },
    { "spawn_pool", test_util_spawn_pool },
    { "spawn_kill", test_util_spawn_kill },
    { "spawn_no_fd_leaks", test_util_spawn_no_fd_leaks },
    { "spawn_stdin_null", test_util_spawn_stdin_null },
    { "json_string", test_util_json_string },
    { "json_escape", test_util_json_escape },
    { "json_number", test_util_json_number },
    { "xml_text", test_util_xml_text },
    { "median", test_util_median },
    { "percentile", test_util_percentile },
    { "fmt_ns", test_util_fmt_ns },
    { "now_ns", test_util_now_ns },
    { "cpus", test_util_cpus },
    { "tsan_macro", test_util_tsan_macro },
    { "svg_lines", test_util_svg_lines },
    { "svg_bars", test_util_svg_bars },
    { "svg_strips", test_util_svg_strips },
    { NULL, NULL }
};

TEST_MAIN("util", tests)
