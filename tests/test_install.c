/* tests/test_install.c - make install's payload, from this build tree:
 * cmake --install into a temporary prefix, then a tiny outside project
 * (tests/install/) built against the installed copy twice - with
 * find_package(racelab) (racelab::sync) and with pkg-config - and run;
 * the installed racelab says its version and finds the installed labs
 * beside itself. The prefix is removed afterwards. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "run_prog.h"
#include "test_main.h"

#define BUILD_DIR RACELAB_BIN_DIR "/.."

static struct prog_result sh(const char *fmt, ...)
{
    char cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    char *argv[] = { "/bin/sh", "-c", cmd, NULL };
    struct prog_result r = run_prog(argv, 240);
    if (r.status != 0)
        printf("\n    '%s': status %d\n%s%s", cmd, r.status, r.out, r.err);
    return r;
}

static void test_install_outside_project(void)
{
    char prefix[128];
    snprintf(prefix, sizeof prefix, "/tmp/racelab-test-install-%d", (int)getpid());
    struct prog_result r = sh("cmake --install %s --prefix %s/usr >/dev/null", BUILD_DIR, prefix);
    CU_ASSERT_EQUAL_FATAL(r.status, 0);
    prog_result_free(&r);
    r = sh("cmake -S %s/install -B %s/user -DCMAKE_PREFIX_PATH=%s/usr >/dev/null && "
           "cmake --build %s/user >/dev/null && %s/user/user", TESTS_DIR, prefix, prefix, prefix,
           prefix);
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "counter 200000"));
    prog_result_free(&r);
    r = sh("export PKG_CONFIG_PATH=$(dirname $(find %s/usr -name racelab.pc)); "
           "cc %s/install/main.c $(pkg-config --cflags --libs racelab) -o %s/user-pc && "
           "%s/user-pc", prefix, TESTS_DIR, prefix, prefix);
    CU_ASSERT_EQUAL(r.status, 0);
    prog_result_free(&r);
    r = sh("%s/usr/bin/racelab --version && %s/usr/bin/racelab list", prefix, prefix);
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "racelab 0."));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "counter/threads/racy"));
    prog_result_free(&r);
    r = sh("rm -rf %s", prefix);
    prog_result_free(&r);
    CU_ASSERT(access(prefix, F_OK) != 0);
}

static const struct test_case tests[] = {
    { "outside_project", test_install_outside_project },
    { NULL, NULL }
};
TEST_MAIN("install", tests)
