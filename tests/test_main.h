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
 * Exit status: 0 every case passed, 1 a case failed, TEST_SKIP_CODE (77, the
 * CTest SKIP_RETURN_CODE that racelab_add_test sets) when none failed but a
 * case called test_skip(): CTest then lists the executable as skipped, never
 * as passed, and the log names the skipped cases. */
#ifndef RACELAB_TEST_MAIN_H
#define RACELAB_TEST_MAIN_H

#include <CUnit/Basic.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
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

static inline int test_run_suite(const char *suite_name, const struct test_case *tests)
{
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 2;
    CU_pSuite suite = CU_add_suite(suite_name, NULL, NULL);
    if (suite == NULL)
        return 2;
    for (const struct test_case *t = tests; t->name != NULL; t++)
        if (CU_add_test(suite, t->name, t->fn) == NULL)
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

#define TEST_MAIN(suite_name, table)                 \
    int main(void)                                   \
    {                                                \
        setvbuf(stdout, NULL, _IONBF, 0);            \
        return test_run_suite((suite_name), (table)); \
    }

#endif
