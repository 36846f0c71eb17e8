/* tests/test_tsan.c - what ThreadSanitizer says about each counter variant.
 *
 * Runs lab-counter-tsan (the same lab built with clang -fsanitize=thread):
 * the racy variant must be reported as a data race, in racy.c, whether or not
 * the run happened to lose updates; every fixed variant must produce no
 * report at all, which proves the sync library's locks and atomics are
 * visible to TSan (no false positives on data they protect). */
#include <stdio.h>
#include <string.h>

#include "run_prog.h"
#include "test_main.h"

#define LAB_TSAN RACELAB_BIN_DIR "/lab-counter-tsan"

static struct prog_result run_tsan(const char *variant, const char *workers, const char *iters)
{
    char *argv[] = { LAB_TSAN, "--variant", (char *)variant, "--workers", (char *)workers,
                     "--iters", (char *)iters, "--trials", "1", NULL };
    return run_prog(argv, 300);
}

static void test_tsan_flags_racy(void)
{
    struct prog_result r = run_tsan("racy", "2", "20000");
    if (r.status != 66)
        printf("\n    status %d, stderr:\n%s\n", r.status, r.err);
    CU_ASSERT_EQUAL(r.status, 66);   /* TSan's exit code when it reported */
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "WARNING: ThreadSanitizer: data race"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "racy.c"));
    prog_result_free(&r);
}

static void test_tsan_fixed_variants_clean(void)
{
    static const char *const fixed[] = { "mutex", "tas", "ttas", "ticket", "mcs", "futex",
                                         "sem", "atomic", "cas", "ao", "sharded" };
    static const char *const workers[] = { "2", "4" };
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
        for (size_t k = 0; k < 2; k++) {
            struct prog_result r = run_tsan(fixed[i], workers[k], "3000");
            if (r.status == 2 && strstr(r.err, "unavailable")) {
                printf("\n    %s: unavailable in this build\n", fixed[i]);
                prog_result_free(&r);
                break;
            }
            bool clean = r.status == 0 && strstr(r.err, "ThreadSanitizer:") == NULL;
            if (!clean)
                printf("\n    %s x%s: status %d, stderr:\n%s\n", fixed[i], workers[k], r.status,
                       r.err);
            CU_ASSERT(clean);
            prog_result_free(&r);
        }
    }
}

static const struct test_case tests[] = {
    { "flags_racy", test_tsan_flags_racy },
    { "fixed_variants_clean", test_tsan_fixed_variants_clean },
    { NULL, NULL },
};

TEST_MAIN("tsan", tests)
