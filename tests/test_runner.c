/* tests/test_runner.c - the runner itself (tests/test_main.h): a skipped case
 * makes the executable exit TEST_SKIP_CODE, so CTest lists it as skipped, not
 * passed; a failure wins over a skip; a clean suite exits 0. Each inner suite
 * runs in a forked child before the outer suite starts (CUnit's registry
 * cannot be re-created while a test runs); the outer cases check the codes. */
#include "test_main.h"

static void inner_pass(void) { CU_ASSERT_TRUE(1); }
static void inner_skip(void) { test_skip("inner: skipped on purpose"); }
static void inner_fail(void) { CU_ASSERT_TRUE(0); }

static const struct test_case passing[] = { { "pass", inner_pass }, { NULL, NULL } };
static const struct test_case skipping[] = { { "pass", inner_pass }, { "skip", inner_skip },
                                             { NULL, NULL } };
static const struct test_case failing[] = { { "skip", inner_skip }, { "fail", inner_fail },
                                            { NULL, NULL } };

/* The exit status of a child that runs |table| (only case |only|, or all
 * with NULL) as a suite, or -1. */
static int exit_of(const struct test_case *table, const char *only)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        if (freopen("/dev/null", "w", stdout) == NULL)
            _exit(3);
        test__skipped = 0;
        _exit(test_run_suite("inner", table, only));
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0)
        ;   /* EINTR */
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int code_passing, code_skipping, code_failing, code_one;

static void test_runner_pass_is_zero(void) { CU_ASSERT_EQUAL(code_passing, 0); }
static void test_runner_skip_is_skip_code(void) { CU_ASSERT_EQUAL(code_skipping, TEST_SKIP_CODE); }
static void test_runner_failure_beats_skip(void) { CU_ASSERT_EQUAL(code_failing, 1); }
/* --case runs that case alone: the skip beside it does not count. */
static void test_runner_one_case(void) { CU_ASSERT_EQUAL(code_one, 0); }

static const struct test_case tests[] = {
    { "pass_is_zero", test_runner_pass_is_zero },
    { "skip_is_skip_code", test_runner_skip_is_skip_code },
    { "failure_beats_skip", test_runner_failure_beats_skip },
    { "one_case", test_runner_one_case },
    { NULL, NULL }
};
int main(int argc, char **argv)
{
    if (argc == 1 || strcmp(argv[1], "--list") != 0) {
        code_passing = exit_of(passing, NULL);
        code_skipping = exit_of(skipping, NULL);
        code_failing = exit_of(failing, NULL);
        code_one = exit_of(skipping, "pass");
    }
    return test_main("runner", tests, argc, argv);
}
