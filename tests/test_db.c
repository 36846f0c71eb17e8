/* tests/test_db.c - lab-counter --model redis and --model postgres.
 *
 * One server per model for the exactness cases (lab__db_start() in this
 * process, the same code lab-counter runs): every fixed variant exact at 2,
 * 4 and 8 clients, racy losing (4 clients whose GET and SET are each a round
 * trip: in a trial of 300 they interleave every time; a second trial runs
 * only if the first lost nothing). Then the program: killed while its server starts, while it runs (SIGKILL, SIGSEGV as a
 * crashed worker would, SIGTERM, SIGINT), it leaves no server process and
 * no directory; a damaged initdb template is made anew; bad URLs and
 * unreachable servers are one line, exit 2.
 * Every case is skipped (exit 77) where the model is unavailable (no
 * redis-server, no PostgreSQL, a build without hiredis or libpq). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/fs.h"
#include "counter.h"
#include "db.h"
#include "db_fields.h"
#include "run_prog.h"
#include "runtime.h"
#include "test_main.h"
#include "util/time.h"

#define LAB RACELAB_BIN_DIR "/lab-counter"

static bool unavailable(enum lab_model m)
{
    const char *why = lab_model_unavailable(m);
    char prog[256], buf[300];
    if (why == NULL && !lab__db_server_program(m, NULL, prog, sizeof prog, buf, sizeof buf))
        why = buf;
    if (why != NULL)
        test_skip(why);
    return why != NULL;
}

/* One trial of |name| under |m| against the running server. */
static uint64_t trial(enum lab_model m, const char *name, unsigned workers, uint64_t iters)
{
    const struct lab_variant *v = lab__find_for_model(&counter_lab, name, m);
    CU_ASSERT_FATAL(v != NULL && lab_variant_runs(v, m, NULL));
    struct lab_config cfg = { .model = m, .workers = workers, .iters = iters, .timeout_s = 60 };
    lab__model_opts_defaults(&cfg.mo);
    cfg.mo.lease_ms = 10000;   /* the lock's exactness must not rest on the scheduler */
    struct lab_trial t;
    char err[256] = "";
    int rc = lab_run_trial(&counter_lab, v, &cfg, &t, err, sizeof err);
    if (rc != 0)
        printf("\n    %s/%s x%u: %s\n", lab_model_name(m), name, workers, err);
    CU_ASSERT_EQUAL(rc, 0);
    if (rc != 0)
        return UINT64_MAX;
    /* The model's own fields (db_fields.h), whatever the interleaving. */
    CU_ASSERT(t.has_fields);
    CU_ASSERT_EQUAL(t.fields[DB_F_ERRORS], 0);
    CU_ASSERT(t.fields[DB_F_ABORTS] <= t.fields[DB_F_RETRIES]);
    CU_ASSERT(t.fields[DB_F_RTT_NS] > 0 && t.fields[DB_F_OPS_PER_S] > 0);
    return t.observed;
}

static bool dir_exists(const char *d)
{
    return d[0] != '\0' && access(d, F_OK) == 0;
}

/* Every fixed variant exact at 2, 4, 8; racy loses; the server's directory
 * and janitor gone after lab__db_stop(). */
static void exact_and_racy(enum lab_model m, const char *const *fixed, uint64_t iters)
{
    struct lab_config c = { .model = m };
    lab__model_opts_defaults(&c.mo);
    char err[300];
    int rc = lab__db_start(&c, err, sizeof err);
    if (rc != 0)
        printf("\n    %s\n", err);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    char dir[256];
    snprintf(dir, sizeof dir, "%s", lab_db_server()->dir);
    int janitor = lab_db_server()->janitor;
    static const unsigned workers[] = { 2, 4, 8 };
    for (const char *const *f = fixed; *f; f++)
        for (size_t k = 0; k < 3; k++) {
            uint64_t got = trial(m, *f, workers[k], iters);
            if (got != workers[k] * iters)
                printf("\n    %s/%s x%u: %llu of %llu\n", lab_model_name(m), *f, workers[k],
                       (unsigned long long)got, (unsigned long long)(workers[k] * iters));
            CU_ASSERT_EQUAL(got, workers[k] * iters);
        }
    unsigned lossy = 0, t = 0;
    for (; t < 2 && lossy == 0; t++)   /* a second trial only if the first lost nothing */
        lossy += trial(m, "racy", 4, 300) < 1200;
    printf("\n    %s/racy 4 x 300: lost in %u of %u trials\n", lab_model_name(m), lossy, t);
    CU_ASSERT(lossy > 0);
    lab__db_stop();
    CU_ASSERT(!dir_exists(dir));
    CU_ASSERT(janitor > 0 && kill(janitor, 0) != 0);
}

static void test_db_redis_exact(void)
{
    static const char *const fixed[] = { "incr", "watch", "lua", "lock", NULL };
    if (!unavailable(LAB_REDIS))
        exact_and_racy(LAB_REDIS, fixed, 100);
}

static void test_db_postgres_exact(void)
{
    static const char *const fixed[] = { "update", "forupdate", "repeatable", "serializable",
                                         "advisory", NULL };
    if (!unavailable(LAB_POSTGRES))
        exact_and_racy(LAB_POSTGRES, fixed, 20);
}

/* ---- leftovers ------------------------------------------------------------- */

/* The lab's server directory (racelab-MODEL-PID-*) into out, or "". */
static void find_dir(const char *model, pid_t pid, char *out, size_t len)
{
    char prefix[64];
    snprintf(prefix, sizeof prefix, "racelab-%s-%d-", model, (int)pid);
    out[0] = '\0';
    DIR *d = opendir("/tmp");
    for (struct dirent *e; d && (e = readdir(d));)
        if (strncmp(e->d_name, prefix, strlen(prefix)) == 0)
            snprintf(out, len, "/tmp/%s", e->d_name);
    if (d)
        closedir(d);
}

/* /proc/|pid|/|file| into buf (NUL-terminated): its length, 0 if unreadable. */
static size_t proc_read(const char *pid, const char *file, char *buf, size_t len)
{
    char path[300];
    snprintf(path, sizeof path, "/proc/%s/%s", pid, file);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return 0;
    size_t k = fread(buf, 1, len - 1, f);
    fclose(f);
    buf[k] = '\0';
    return k;
}

/* /proc/|pid|/stat's state, parent, group and session: true if read. */
static bool proc_stat(const char *pid, char *st, int *ppid, int *session)
{
    char buf[512];
    int pgrp;
    char *close = proc_read(pid, "stat", buf, sizeof buf) ? strrchr(buf, ')') : NULL;
    return close && sscanf(close + 2, "%c %d %d %d", st, ppid, &pgrp, session) == 4;
}

/* Processes whose session is |sid| (the janitor's: it and the server). */
static unsigned in_session(pid_t sid)
{
    unsigned n = 0;
    DIR *d = opendir("/proc");
    for (struct dirent *e; d && (e = readdir(d));) {
        char st;
        int ppid, session;
        n += proc_stat(e->d_name, &st, &ppid, &session) && session == sid && st != 'Z';
    }
    if (d)
        closedir(d);
    return n;
}

/* The janitor: the lab's child that leads a session of its own. */
static pid_t find_janitor(pid_t lab)
{
    DIR *d = opendir("/proc");
    pid_t found = 0;
    for (struct dirent *e; d && !found && (e = readdir(d));) {
        char st;
        int ppid, session;
        if (proc_stat(e->d_name, &st, &ppid, &session) && ppid == lab &&
            session == atoi(e->d_name))
            found = atoi(e->d_name);
    }
    if (d)
        closedir(d);
    return found;
}

static pid_t start_lab(const char *model, const char *iters)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_RDWR);
        dup2(null, 0);
        dup2(null, 1);
        dup2(null, 2);
        execl(LAB, LAB, "--model", model, "--variant", "racy", "--iters", iters, "--trials",
              "1000", (char *)NULL);
        _exit(127);
    }
    return pid;
}

static void sleep_ms(unsigned ms)
{
    struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

/* Waits up to 20 s for |cond|; true if it came. */
#define WAIT_FOR(cond)                                                  \
    __extension__({                                                     \
        uint64_t until__ = util_now_ns() + 20000000000ull;             \
        while (!(cond) && util_now_ns() < until__)                      \
            sleep_ms(10);                                               \
        (bool)(cond);                                                   \
    })

/* Starts the lab, kills it with |sig| once |phase| is reached ("start": its
 * directory exists; "run": its server runs, and 300 ms more),
 * and checks that the janitor leaves nothing: at once when the lab exits
 * 128+sig after its own cleanup (SIGINT, SIGTERM), or soon after. */
static void kill_in_phase(const char *model, const char *phase, int sig)
{
    pid_t lab = start_lab(model, "100000000");
    CU_ASSERT_FATAL(lab > 0);
    char dir[300] = "";
    pid_t janitor = 0;
    CU_ASSERT(WAIT_FOR((find_dir(model, lab, dir, sizeof dir), dir[0] != '\0')));
    CU_ASSERT(WAIT_FOR((janitor = find_janitor(lab)) != 0));
    if (strcmp(phase, "run") == 0) {
        CU_ASSERT(WAIT_FOR(in_session(janitor) >= 2));   /* the janitor and the server */
        sleep_ms(300);
    }
    kill(lab, sig);
    int st = 0;
    waitpid(lab, &st, 0);
    bool own_cleanup = sig == SIGINT || sig == SIGTERM;
    if (own_cleanup) {
        CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 128 + sig);
        CU_ASSERT(!dir_exists(dir));
        CU_ASSERT(in_session(janitor) == 0);
    } else {
        /* died of it (a sanitizer's SIGSEGV handler exits instead: fine too) */
        CU_ASSERT(WIFSIGNALED(st) || WEXITSTATUS(st) != 0);
    }
    bool clean = WAIT_FOR(!dir_exists(dir) && in_session(janitor) == 0);
    if (!clean)
        printf("\n    %s killed by %d in phase %s: left %s and %u processes\n", model, sig,
               phase, dir, in_session(janitor));
    CU_ASSERT(clean);
}

static void test_db_redis_leftovers(void)
{
    if (unavailable(LAB_REDIS))
        return;
    kill_in_phase("redis", "start", SIGKILL);
    kill_in_phase("redis", "run", SIGSEGV);
    kill_in_phase("redis", "run", SIGTERM);
}

static void test_db_postgres_leftovers(void)
{
    if (unavailable(LAB_POSTGRES))
        return;
    kill_in_phase("postgres", "start", SIGKILL);   /* the data directory is being set up */
    kill_in_phase("postgres", "run", SIGINT);
}

/* ---- the initdb template ---------------------------------------------------- */

/* Entries in |dir| besides . and .. */
static unsigned entries(const char *dir)
{
    unsigned n = 0;
    DIR *d = opendir(dir);
    for (struct dirent *e; d && (e = readdir(d));)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    if (d)
        closedir(d);
    return n;
}

/* A damaged template (here pg_control emptied, as a full disk or a killed
 * copy leaves it) is found before use, made anew by initdb, and the run is
 * exact; the cache holds the one template after it, no temporary copy. A
 * private cache (XDG_CACHE_HOME) seeded from the user's, which the other
 * cases made or used. */
static void test_db_postgres_template(void)
{
    if (unavailable(LAB_POSTGRES))
        return;
    char def[600], priv[600], home[] = "/tmp/racelab-test-cache-XXXXXX", cache[700];
    CU_ASSERT_FATAL(lab__pg_template(NULL, def, sizeof def));
    if (!lab__db_cache_valid(def)) {   /* none yet: one run makes it */
        char *argv[] = { LAB, "--model", "postgres", "--variant", "update", "--iters", "1",
                         "--trials", "1", NULL };
        struct prog_result r = run_prog(argv, 120);
        CU_ASSERT_EQUAL(r.status, 0);
        prog_result_free(&r);
    }
    CU_ASSERT_FATAL(lab__db_cache_valid(def));
    CU_ASSERT_FATAL(mkdtemp(home) != NULL);
    setenv("XDG_CACHE_HOME", home, 1);
    CU_ASSERT_FATAL(lab__pg_template(NULL, priv, sizeof priv));
    lab__db_cache_keep(def, priv);
    CU_ASSERT(lab__db_cache_valid(priv));
    char control[700];
    snprintf(control, sizeof control, "%s/global/pg_control", priv);
    CU_ASSERT(truncate(control, 0) == 0);
    CU_ASSERT(!lab__db_cache_valid(priv));
    char *argv[] = { LAB, "--model", "postgres", "--variant", "update", "--iters", "20",
                     "--trials", "1", "--json", NULL };
    struct prog_result r = run_prog(argv, 120);
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "damaged"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "\"observed\":80,"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "\"fields\":{\"retries\":0,"));
    prog_result_free(&r);
    CU_ASSERT(lab__db_cache_valid(priv));   /* made anew */
    snprintf(cache, sizeof cache, "%s/racelab", home);
    CU_ASSERT_EQUAL(entries(cache), 1);
    unsetenv("XDG_CACHE_HOME");
    util_remove_tree(home);
}

/* ---- bad input ------------------------------------------------------------- */

/* Runs |argv|: exit 2, exactly one line on stderr holding |needle|, nothing
 * on stdout. */
static void check_exit2(char *const argv[], const char *needle)
{
    struct prog_result r = run_prog(argv, 60);
    if (r.status != 2 || count_lines(r.err) != 1 || !strstr(r.err, needle))
        printf("\n    status %d, stderr: %s", r.status, r.err);
    CU_ASSERT_EQUAL(r.status, 2);
    CU_ASSERT_EQUAL(count_lines(r.err), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, needle));
    CU_ASSERT_STRING_EQUAL(r.out, "");
    prog_result_free(&r);
}

static void expect_exit2(const char *needle, const char *first, ...)
{
    char *argv[TEST_MAX_ARGS];
    va_list ap;
    va_start(ap, first);
    test_argv(argv, LAB, first, ap);
    va_end(ap);
    check_exit2(argv, needle);
}

static void test_db_bad_input(void)
{
    if (unavailable(LAB_REDIS))
        return;
    expect_exit2("not a redis://", "--model", "redis", "--db-url", "http://localhost", NULL);
    expect_exit2("port", "--model", "redis", "--db-url", "redis://127.0.0.1:99999", NULL);
    expect_exit2("no host", "--model", "redis", "--db-url", "redis://", NULL);
    expect_exit2("apply to --model redis or postgres", "--db-url", "redis://127.0.0.1", NULL);
    expect_exit2("--hold-ms", "--model", "postgres", "--hold-ms", "5", NULL);
    /* A port in use by something that is not redis: nothing answers PING. */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof a;
    CU_ASSERT_FATAL(fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
                    listen(fd, 1) == 0 && getsockname(fd, (struct sockaddr *)&a, &len) == 0);
    char url[64];
    snprintf(url, sizeof url, "redis://127.0.0.1:%u", (unsigned)ntohs(a.sin_port));
    expect_exit2("no redis-server answers", "--model", "redis", "--db-url", url, NULL);
    close(fd);
}

/* ---- a server that never answers, or is not there ------------------------ */

/* Runs the lab with TMPDIR a fresh directory, expecting exit 2 with one line
 * holding |needle|: the directory must be empty afterwards (no server
 * directory left). */
static void expect_exit2_clean(const char *needle, const char *first, ...)
{
    char tmp[] = "/tmp/racelab-test-tmpdir-XXXXXX";
    CU_ASSERT_FATAL(mkdtemp(tmp) != NULL);
    const char *was = getenv("TMPDIR");
    char saved[512];
    snprintf(saved, sizeof saved, "%s", was ? was : "");
    setenv("TMPDIR", tmp, 1);
    char *argv[TEST_MAX_ARGS];
    va_list ap;
    va_start(ap, first);
    test_argv(argv, LAB, first, ap);
    va_end(ap);
    check_exit2(argv, needle);
    if (was)
        setenv("TMPDIR", saved, 1);
    else
        unsetenv("TMPDIR");
    CU_ASSERT_EQUAL(entries(tmp), 0);
    util_remove_tree(tmp);
}

/* Writes the shell script |body| to |path|, executable. */
static void write_script(const char *path, const char *body)
{
    FILE *f = fopen(path, "w");
    CU_ASSERT_FATAL(f != NULL);
    fprintf(f, "#!/bin/sh\n%s\n", body);
    fclose(f);
    CU_ASSERT_FATAL(chmod(path, 0755) == 0);
}

/* Processes whose command line holds |needle| (arguments joined by spaces). */
static unsigned with_cmdline(const char *needle)
{
    unsigned n = 0;
    DIR *d = opendir("/proc");
    for (struct dirent *e; d && (e = readdir(d));) {
        char buf[1024];
        size_t k = proc_read(e->d_name, "cmdline", buf, sizeof buf);
        for (size_t i = 0; i < k; i++)
            buf[i] = buf[i] ? buf[i] : ' ';
        n += k > 0 && strstr(buf, needle) != NULL;
    }
    if (d)
        closedir(d);
    return n;
}

/* A redis-server that starts and never answers (it only sleeps, for a time
 * no other process here asks for): after --db-timeout the lab says so in
 * one line, exit 2, and neither the server nor its directory is left. The
 * directory is readable by all: as root the server runs as nobody. */
static void test_db_server_never_answers(void)
{
    if (unavailable(LAB_REDIS))
        return;
    char dir[] = "/tmp/racelab-test-fake-XXXXXX", prog[300], body[100], mark[64];
    CU_ASSERT_FATAL(mkdtemp(dir) != NULL && chmod(dir, 0755) == 0);
    snprintf(prog, sizeof prog, "%s/redis-server", dir);
    snprintf(mark, sizeof mark, "sleep 97.%d", (int)getpid());
    snprintf(body, sizeof body, "exec %s", mark);
    write_script(prog, body);
    expect_exit2_clean("did not answer within 1 s of its start", "--model", "redis",
                       "--db-server", prog, "--db-timeout", "1", "--iters", "10", "--trials",
                       "1", NULL);
    CU_ASSERT_EQUAL(with_cmdline(mark), 0);   /* the server is gone */
    util_remove_tree(dir);
}

/* No server program where --db-server says (or no initdb beside postgres):
 * one line naming it, exit 2, nothing started. The installed-program case
 * is the same function with the package's paths (lab__db_server_program). */
static void test_db_server_missing(void)
{
    if (unavailable(LAB_REDIS) || unavailable(LAB_POSTGRES))
        return;
    char dir[] = "/tmp/racelab-test-fake-XXXXXX", prog[300];
    CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
    expect_exit2_clean("/nonexistent/redis-server is not an executable file", "--model",
                       "redis", "--db-server", "/nonexistent/redis-server", NULL);
    snprintf(prog, sizeof prog, "%s/postgres", dir);
    write_script(prog, "exit 1");
    expect_exit2_clean("initdb is not an executable file", "--model", "postgres",
                       "--db-server", prog, NULL);
    expect_exit2("not --db-url's", "--model", "redis", "--db-url", "redis://127.0.0.1:1",
                 "--db-timeout", "3", NULL);
    char prog_why[300], prog_out[256];
    CU_ASSERT(!lab__db_server_program(LAB_REDIS, "/nonexistent", prog_out, sizeof prog_out,
                                      prog_why, sizeof prog_why));
    util_remove_tree(dir);
}

/* The client libraries are opened by the database models only: a lab
 * program links neither, and this process has none loaded until a model
 * asks (lab__db_client_load(), as lab__db_start() does). */
static void test_db_client_loaded_on_demand(void)
{
    char *argv[] = { "sh", "-c", "LD_TRACE_LOADED_OBJECTS=1 " LAB, NULL };
    struct prog_result r = run_prog(argv, 30);
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "libc.so"));
    CU_ASSERT_PTR_NULL(strstr(r.out, "libpq"));
    CU_ASSERT_PTR_NULL(strstr(r.out, "hiredis"));
    prog_result_free(&r);
}

static const struct test_case tests[] = {
    { "redis_exact", test_db_redis_exact },
    { "postgres_exact", test_db_postgres_exact },
    { "redis_leftovers", test_db_redis_leftovers },
    { "postgres_leftovers", test_db_postgres_leftovers },
    { "postgres_template", test_db_postgres_template },
    { "bad_input", test_db_bad_input },
    { "server_never_answers", test_db_server_never_answers },
    { "server_missing", test_db_server_missing },
    { "client_loaded_on_demand", test_db_client_loaded_on_demand },
    { NULL, NULL },
};

TEST_MAIN("db", tests)
