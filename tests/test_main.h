/* tests/test_main.h - the one CUnit runner every suite uses.
 *
 * A suite file ends with its test table and one line:
 *     static const struct test_case tests[] = {
 *         { "counting", test_sem_counting },
 *         { NULL, NULL }
 *     };
 *     TEST_MAIN("sem", tests)
 * CUnit is not thread-safe: worker threads record failures in atomics and the
 * test function asserts on them after joining.
 *
 * The executable runs every case (no arguments), lists them (--list), or runs
 * one (--case NAME). racelab_add_test registers each case as its own CTest
 * test through --list, so a crash, a hang or a skip belongs to one case.
 * Exit status: 0 every case run passed, 1 a case failed, 2 bad arguments,
 * TEST_SKIP_CODE (77, the CTest SKIP_RETURN_CODE that racelab_add_test sets)
 * when none failed but a case called test_skip(): CTest then lists that case
 * as skipped, never as passed. */
#ifndef RACELAB_TEST_MAIN_H
#define RACELAB_TEST_MAIN_H

#include <CUnit/Basic.h>
#include <dirent.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct test_case {
    const char *name;
    void (*fn)(void);
};

#define TEST_SKIP_CODE 77

static unsigned test__skipped;

/* Marks the running test as skipped (CUnit 2.1 has no skip state of its own):
 * call it before any assertion and return. */
static inline void test_skip(const char *why)
{
    test__skipped++;
    printf("\n    SKIPPED: %s\n", why);
}

/* True if |pid| is gone or a zombie (not running: reaped, or waiting for its
 * reaper). Reads /proc/<pid>/stat: "pid (comm) S ...", comm may hold ')'. */
static inline bool test_process_dead(pid_t pid)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return true;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *close = strrchr(buf, ')');
    return close != NULL && close[1] == ' ' && (close[2] == 'Z' || close[2] == 'X');
}

/* Shared-memory objects a lab left behind: /dev/shm entries named
 * "racelab-<lab>-<pid>-<n>" (a named semaphore's "sem.racelab-...") made
 * since this test program started whose creator <pid> is no longer running. An entry whose
 * creator still runs belongs to a lab running now - another test, in
 * parallel - and is not counted, so this can be asserted while other tests
 * run (a before/after count cannot). |lab| NULL: any lab. Prints each. */
static time_t test__started;   /* set by test_main(), before any case */

static inline unsigned test_shm_leftovers(const char *lab)
{
    time_t since = test__started;
    unsigned n = 0;
    DIR *d = opendir("/dev/shm");
    if (d == NULL)
        return 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        const char *name = strstr(e->d_name, "racelab-");
        char who[64];
        int pid = 0;
        if (name == NULL || sscanf(name, "racelab-%63[^-]-%d-", who, &pid) != 2 ||
            (lab != NULL && strcmp(who, lab) != 0))
            continue;
        char path[300];
        struct stat st;
        snprintf(path, sizeof path, "/dev/shm/%s", e->d_name);
        if (stat(path, &st) != 0 || st.st_ctime < since || !test_process_dead(pid))
            continue;
        printf("\n    left in /dev/shm: %s (its lab, pid %d, has ended)", e->d_name, pid);
        n++;
    }
    closedir(d);
    return n;
}

static inline unsigned test_online_cpus(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (unsigned)n : 1;
}

/* An argv of |prog| followed by the NULL-terminated argument list |ap|
 * (at most TEST_MAX_ARGS - 2 of them), NULL-terminated; returns argc. */
#define TEST_MAX_ARGS 32
static inline int test_argv(char *argv[TEST_MAX_ARGS], const char *prog, const char *first,
                            va_list ap)
{
    int argc = 0;
    argv[argc++] = (char *)prog;
    for (const char *a = first; a != NULL && argc < TEST_MAX_ARGS - 1; a = va_arg(ap, const char *))
        argv[argc++] = (char *)a;
    argv[argc] = NULL;
    return argc;
}

/* Runs |child| in a fork()ed process with stderr silenced (the message of an
 * expected abort would only clutter the log) and a 30 s alarm, so it cannot
 * hang the suite. True if it died of |sig|. */
static inline bool test_child_dies_of(int sig, void (*child)(void))
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return false;
    if (pid == 0) {
        alarm(30);
        if (freopen("/dev/null", "w", stderr) == NULL)
            _exit(3);
        child();
        _exit(0);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0)
        ;   /* EINTR */
    return WIFSIGNALED(status) && WTERMSIG(status) == sig;
}

/* Runs |only| (a case name) or, with NULL, every case of |tests|. */
static inline int test_run_suite(const char *suite_name, const struct test_case *tests,
                                 const char *only)
{
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 2;
    CU_pSuite suite = CU_add_suite(suite_name, NULL, NULL);
    if (suite == NULL)
        return 2;
    for (const struct test_case *t = tests; t->name != NULL; t++)
        if ((only == NULL || strcmp(only, t->name) == 0) &&
            CU_add_test(suite, t->name, t->fn) == NULL)
            return 2;
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_tests_failed();
    unsigned failures = CU_get_number_of_failures();
    if (test__skipped)
        printf("(%u test(s) skipped)\n", test__skipped);
    CU_cleanup_registry();
    if (failed || failures)
        return 1;
    return test__skipped ? TEST_SKIP_CODE : 0;
}

static inline bool test__has_case(const struct test_case *tests, const char *name)
{
    for (const struct test_case *t = tests; t->name != NULL; t++)
        if (strcmp(t->name, name) == 0)
            return true;
    return false;
}

/* main(): no arguments, --list, or --case NAME. */
static inline int test_main(const char *suite_name, const struct test_case *tests, int argc,
                            char **argv)
{
    test__started = time(NULL);
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc == 2 && strcmp(argv[1], "--list") == 0) {
        for (const struct test_case *t = tests; t->name != NULL; t++)
            printf("%s\n", t->name);
        return 0;
    }
    if (argc == 3 && strcmp(argv[1], "--case") == 0 && !test__has_case(tests, argv[2])) {
        fprintf(stderr, "%s: no case '%s' (--list names them)\n", argv[0], argv[2]);
        return 2;
    }
    if (argc != 1 && !(argc == 3 && strcmp(argv[1], "--case") == 0)) {
        fprintf(stderr, "usage: %s [--list | --case NAME]\n", argv[0]);
        return 2;
    }
    return test_run_suite(suite_name, tests, argc == 3 ? argv[2] : NULL);
}

#define TEST_MAIN(suite_name, table)                           \
    int main(int argc, char **argv)                            \
    {                                                          \
        return test_main((suite_name), (table), argc, argv);   \
    }

#endif
