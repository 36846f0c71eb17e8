/* tests/test_args.c - the lab runtime's command-line parsing and validation
 * (labs/common/args.c over util/opt.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "counter.h"
#include "test_main.h"

static struct lab_config opts;
static char err[512];

/* Parses a NULL-terminated list of arguments after the program name. */
static int parse(const char *first, ...)
{
    char *argv[TEST_MAX_ARGS];
    va_list ap;
    va_start(ap, first);
    int argc = test_argv(argv, "lab-counter", first, ap);
    va_end(ap);
    err[0] = '\0';
    return lab_parse_args(&counter_lab, argc, argv, &opts, err, sizeof err);
}

static bool has(const char *needle)
{
    return strstr(err, needle) != NULL;
}

static void test_args_defaults(void)
{
    CU_ASSERT_EQUAL(parse(NULL), LAB_ARGS_OK);
    CU_ASSERT_EQUAL(opts.workers, 2);
    CU_ASSERT_EQUAL(opts.iters, 100000);
    CU_ASSERT_EQUAL(opts.trials, 10);
    CU_ASSERT_EQUAL(opts.model, LAB_THREADS);
    CU_ASSERT_EQUAL(opts.format, LAB_HUMAN);
    CU_ASSERT_FALSE(opts.list);
    CU_ASSERT_EQUAL_FATAL(opts.nvariants, 3);
    CU_ASSERT_STRING_EQUAL(opts.variants[0]->name, "racy");
    CU_ASSERT_STRING_EQUAL(opts.variants[1]->name, "mutex");
    CU_ASSERT_STRING_EQUAL(opts.variants[2]->name, "atomic");
}

static void test_args_values(void)
{
    CU_ASSERT_EQUAL(parse("--workers", "8", "--iters=5000", "--trials", "3", "--json", NULL),
                    LAB_ARGS_OK);
    CU_ASSERT_EQUAL(opts.workers, 8);
    CU_ASSERT_EQUAL(opts.iters, 5000);
    CU_ASSERT_EQUAL(opts.trials, 3);
    CU_ASSERT_EQUAL(opts.format, LAB_JSON);
    CU_ASSERT_EQUAL(parse("--workers", "1024", "--iters", "1000000000", "--trials", "1000",
                          "--csv", NULL), LAB_ARGS_OK);
    CU_ASSERT_EQUAL(opts.workers, LAB_MAX_WORKERS);
    CU_ASSERT_EQUAL(opts.iters, LAB_MAX_ITERS);
    CU_ASSERT_EQUAL(opts.format, LAB_CSV);
    CU_ASSERT_EQUAL(parse("--model", "threads", "--list", NULL), LAB_ARGS_OK);
    CU_ASSERT_TRUE(opts.list);
    CU_ASSERT_EQUAL(parse("--help", NULL), LAB_ARGS_HELP);
    CU_ASSERT_EQUAL(parse("-h", NULL), LAB_ARGS_HELP);
}

static void test_args_bad_numbers(void)
{
    static const char *const bad[][2] = {
        { "--workers", "0" }, { "--iters", "-5" }, { "--iters", "abc" }, { "--trials", "0" },
        { "--iters", "1e5" }, { "--iters", "" }, { "--iters", " 5" }, { "--iters", "5 " },
        { "--workers", "+2" }, { "--workers", "2.0" }, { "--workers", "0x10" },
        { "--workers", "100000" }, { "--iters", "1000000001" }, { "--trials", "1001" },
        { "--iters", "18446744073709551616" }, { "--iters", "99999999999999999999999" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = parse(bad[i][0], bad[i][1], NULL);
        if (rc != LAB_ARGS_ERROR)
            printf("\n    accepted: %s '%s'\n", bad[i][0], bad[i][1]);
        CU_ASSERT_EQUAL(rc, LAB_ARGS_ERROR);
        CU_ASSERT_PTR_NOT_NULL(strstr(err, bad[i][0]));   /* names the option */
        CU_ASSERT_PTR_NULL(strchr(err, '\n'));             /* one line */
    }
    parse("--workers", "100000", NULL);
    CU_ASSERT_TRUE(has("1 to 1024"));   /* says the limit */
    parse("--iters", "abc", NULL);
    CU_ASSERT_TRUE(has("whole number") && has("'abc'"));
}

static void test_args_bad_words(void)
{
    CU_ASSERT_EQUAL(parse("--variant", "nope", NULL), LAB_ARGS_ERROR);
    CU_ASSERT_TRUE(has("'nope'") && has("racy") && has("sharded") && has("all"));
    CU_ASSERT_EQUAL(parse("--variant", "racy,", NULL), LAB_ARGS_ERROR);
    CU_ASSERT_EQUAL(parse("--variant", "", NULL), LAB_ARGS_ERROR);
    CU_ASSERT_EQUAL(parse("--frobnicate", NULL), LAB_ARGS_ERROR);
    CU_ASSERT_TRUE(has("unknown option '--frobnicate'"));
    CU_ASSERT_EQUAL(parse("stray", NULL), LAB_ARGS_ERROR);
    CU_ASSERT_TRUE(has("argument 'stray'"));
    CU_ASSERT_EQUAL(parse("--workers", NULL), LAB_ARGS_ERROR);
    CU_ASSERT_TRUE(has("needs a value"));
    CU_ASSERT_EQUAL(parse("--json=yes", NULL), LAB_ARGS_ERROR);
    CU_ASSERT_EQUAL(parse("--json", "--csv", NULL), LAB_ARGS_ERROR);
    CU_ASSERT_EQUAL(parse("--model", "fibers", NULL), LAB_ARGS_ERROR);
    CU_ASSERT_TRUE(has("'fibers'") && has("threads"));
    CU_ASSERT_EQUAL(parse("--model", "coros-pre", NULL), LAB_ARGS_ERROR);
    CU_ASSERT_TRUE(has("coros-preempt"));
}

/* --opt=value is the same as --opt value; a bad value after '=' is refused
 * as it would be after a space, and a flag takes no '='. */
static void test_args_equals(void)
{
    CU_ASSERT_EQUAL(parse("--model=procs", "--variant=pmutex,atomic", "--workers=3",
                          "--iters=7", "--trials=2", "--timeout=4", NULL), LAB_ARGS_OK);
    CU_ASSERT_EQUAL(opts.model, LAB_PROCS);
    CU_ASSERT_EQUAL(opts.workers, 3);
    CU_ASSERT_EQUAL(opts.iters, 7);
    CU_ASSERT_EQUAL(opts.trials, 2);
    CU_ASSERT_EQUAL(opts.timeout_s, 4);
    CU_ASSERT_EQUAL_FATAL(opts.nvariants, 2);
    CU_ASSERT_STRING_EQUAL(opts.variants[0]->name, "pmutex");
    CU_ASSERT_EQUAL(parse("--model=coros-mn", "--carriers=3", NULL), LAB_ARGS_OK);
    CU_ASSERT_EQUAL(opts.carriers, 3);
    CU_ASSERT_EQUAL(parse("--model=coros-preempt", "--preempt=50", NULL), LAB_ARGS_OK);
    CU_ASSERT_EQUAL(opts.preempt_us, 50);

    CU_ASSERT_EQUAL(parse("--workers=abc", NULL), LAB_ARGS_ERROR);
    CU_ASSERT_TRUE(has("--workers") && has("'abc'") && has("1 to 1024"));
    CU_ASSERT_EQUAL(parse("--workers=", NULL), LAB_ARGS_ERROR);
    CU_ASSERT_TRUE(has("--workers"));
    CU_ASSERT_EQUAL(parse("--model=fibers", NULL), LAB_ARGS_ERROR);
    CU_ASSERT_TRUE(has("'fibers'") && has("threads, procs, coros, coros-mn, coros-preempt"));
    CU_ASSERT_EQUAL(parse("--variant=nope", NULL), LAB_ARGS_ERROR);
    CU_ASSERT_TRUE(has("'nope'") && has("sharded"));
    CU_ASSERT_EQUAL(parse("--kill-owner=1", NULL), LAB_ARGS_ERROR);
    CU_ASSERT_TRUE(has("--kill-owner") && has("takes no value"));
    CU_ASSERT_EQUAL(parse("--frobnicate=3", NULL), LAB_ARGS_ERROR);
    CU_ASSERT_TRUE(has("--frobnicate"));
    CU_ASSERT_EQUAL(parse("-x", NULL), LAB_ARGS_ERROR);
    CU_ASSERT_TRUE(has("'-x'"));
    CU_ASSERT_PTR_NULL(strchr(err, '\n'));
}

/* 'all' under a memory model: every variant but those written for the gil,
 * redis and postgres models. */
static size_t memory_variants(void)
{
    size_t n = 0;
    for (size_t i = 0; i < counter_lab.nvariants; i++)
        n += (counter_lab.variants[i]->models & LAB_MEMORY_MODELS) != 0;
    return n;
}

static void test_args_variant_lists(void)
{
    CU_ASSERT_EQUAL(parse("--variant", "all", NULL), LAB_ARGS_OK);
    CU_ASSERT_EQUAL(opts.nvariants, memory_variants());
    CU_ASSERT_EQUAL(parse("--variant", "cas,racy,cas", NULL), LAB_ARGS_OK);
    CU_ASSERT_EQUAL_FATAL(opts.nvariants, 2);   /* duplicates folded, order kept */
    CU_ASSERT_STRING_EQUAL(opts.variants[0]->name, "cas");
    CU_ASSERT_STRING_EQUAL(opts.variants[1]->name, "racy");
    const struct lab_variant *ao = lab_find_variant(&counter_lab, "ao");
    CU_ASSERT_PTR_NOT_NULL_FATAL(ao);
    if (ao->unavailable) {
        CU_ASSERT_EQUAL(parse("--variant", "ao", NULL), LAB_ARGS_ERROR);
        CU_ASSERT_TRUE(has("libatomic-ops-dev"));
    } else {
        CU_ASSERT_EQUAL(parse("--variant", "ao", NULL), LAB_ARGS_OK);
    }
}

static void test_args_models_and_owners(void)
{
    CU_ASSERT_EQUAL(parse("--model", "procs", NULL), LAB_ARGS_OK);
    CU_ASSERT_EQUAL(opts.model, LAB_PROCS);
    CU_ASSERT_EQUAL(opts.timeout_s, 10);
    CU_ASSERT_EQUAL_FATAL(opts.nvariants, 3);   /* procs' own default: pmutex, not mutex */
    CU_ASSERT_STRING_EQUAL(opts.variants[1]->name, "pmutex");
    /* A variant that cannot cross processes is refused with its reason. */
    CU_ASSERT_EQUAL(parse("--model", "procs", "--variant", "mutex", NULL), LAB_ARGS_ERROR);
    CU_ASSERT_TRUE(has("process-private") && has("pmutex"));
    CU_ASSERT_EQUAL(parse("--model", "procs", "--variant", "mcs", NULL), LAB_ARGS_ERROR);
    CU_ASSERT_TRUE(has("stack"));
    /* 'all' keeps them; the report says why they are skipped. */
    CU_ASSERT_EQUAL(parse("--model", "procs", "--variant", "all", NULL), LAB_ARGS_OK);
    CU_ASSERT_EQUAL(opts.nvariants, memory_variants());
    /* --kill-owner: procs only, and only for variants with a lock. */
    CU_ASSERT_EQUAL(parse("--kill-owner", "--variant", "pmutex", NULL), LAB_ARGS_ERROR);
    CU_ASSERT_TRUE(has("--model procs"));
    CU_ASSERT_EQUAL(parse("--model", "procs", "--kill-owner", "--variant", "atomic", NULL),
                    LAB_ARGS_ERROR);
    CU_ASSERT_TRUE(has("no lock to die holding") && has("pmutex"));
    CU_ASSERT_EQUAL(parse("--model", "procs", "--kill-owner", "--variant", "pmutex",
                          "--timeout", "3", NULL), LAB_ARGS_OK);
    CU_ASSERT_TRUE(opts.kill_owner);
    CU_ASSERT_EQUAL(opts.timeout_s, 3);
    CU_ASSERT_EQUAL(parse("--model", "procs", "--kill-owner", "--iters", "1", "--variant",
                          "pmutex", NULL), LAB_ARGS_ERROR);
    CU_ASSERT_EQUAL(parse("--model", "coros-mn", "--carriers", "4", NULL), LAB_ARGS_OK);
    CU_ASSERT_EQUAL(opts.carriers, 4);
    CU_ASSERT_EQUAL(parse("--model", "coros-mn", "--carriers", "0", NULL), LAB_ARGS_ERROR);
    CU_ASSERT_EQUAL(parse("--model", "coros-mn", "--carriers", "65", NULL), LAB_ARGS_ERROR);
    CU_ASSERT_EQUAL(parse("--carriers", "2", NULL), LAB_ARGS_ERROR);
    CU_ASSERT_TRUE(has("coros-mn"));
    CU_ASSERT_EQUAL(parse("--model", "coros-mn", "--variant", "comutex", NULL), LAB_ARGS_ERROR);
    CU_ASSERT_TRUE(has("real lock"));
    CU_ASSERT_EQUAL(parse("--model", "coros", "--hog", "100", NULL), LAB_ARGS_OK);
    CU_ASSERT_EQUAL(opts.hog_ms, 100);
    CU_ASSERT_EQUAL(parse("--model", "coros", "--hog", "0", NULL), LAB_ARGS_ERROR);
    CU_ASSERT_EQUAL(parse("--model", "coros", "--hog", "-5", NULL), LAB_ARGS_ERROR);
    CU_ASSERT_EQUAL(parse("--model", "coros", "--hog", "10001", NULL), LAB_ARGS_ERROR);
    CU_ASSERT_EQUAL(parse("--hog", "100", NULL), LAB_ARGS_ERROR);
    CU_ASSERT_TRUE(has("preempted by the kernel"));
    CU_ASSERT_EQUAL(parse("--timeout", "0", NULL), LAB_ARGS_ERROR);
    CU_ASSERT_EQUAL(parse("--timeout", "3601", NULL), LAB_ARGS_ERROR);
    /* coros-preempt: the period, only there; the starvation demo there too. */
    CU_ASSERT_EQUAL(parse("--model", "coros-preempt", NULL), LAB_ARGS_OK);
    CU_ASSERT_EQUAL(opts.preempt_us, LAB_PREEMPT_DEFAULT_US);
    CU_ASSERT_EQUAL(parse("--model", "coros-preempt", "--preempt", "100", NULL), LAB_ARGS_OK);
    CU_ASSERT_EQUAL(opts.preempt_us, 100);
    CU_ASSERT_EQUAL(parse("--model", "coros-preempt", "--preempt", "0", NULL), LAB_ARGS_ERROR);
    CU_ASSERT_TRUE(has("--preempt") && has("10 to 1000000"));
    CU_ASSERT_EQUAL(parse("--model", "coros-preempt", "--preempt", "9", NULL), LAB_ARGS_ERROR);
    CU_ASSERT_EQUAL(parse("--model", "coros-preempt", "--preempt", "1000001", NULL),
                    LAB_ARGS_ERROR);
    CU_ASSERT_EQUAL(parse("--model", "coros-preempt", "--preempt", "-20", NULL), LAB_ARGS_ERROR);
    CU_ASSERT_EQUAL(parse("--model", "coros-preempt", "--preempt", "99999999999999999999999",
                          NULL), LAB_ARGS_ERROR);
    CU_ASSERT_EQUAL(parse("--model", "coros", "--preempt", "100", NULL), LAB_ARGS_ERROR);
    CU_ASSERT_TRUE(has("coros-preempt only"));
    CU_ASSERT_EQUAL(parse("--model", "coros-preempt", "--hog", "50", NULL), LAB_ARGS_OK);
    CU_ASSERT_EQUAL(parse("--model", "coros-preempt", "--variant", "mutex", NULL),
                    LAB_ARGS_ERROR);
    CU_ASSERT_TRUE(has("comutex"));
}

static const struct test_case tests[] = {
    { "defaults", test_args_defaults },
    { "values", test_args_values },
    { "bad_numbers", test_args_bad_numbers },
    { "bad_words", test_args_bad_words },
    { "equals", test_args_equals },
    { "variant_lists", test_args_variant_lists },
    { "models_and_owners", test_args_models_and_owners },
    { NULL, NULL },
};

TEST_MAIN("args", tests)
