/* tests/test_explore_names.c - the step table's variable names (issue 13,
 * notes/explorer.md "Names in the step table"): a user program's globals by
 * their path in their type, from the debug information
 * (tests/fixtures/explore/names_globals.c marks each access with the name
 * it must read); an object the debug information does not describe keeps
 * the symbol table's sym+offset, a heap block its allocation site; the
 * reader itself on the fixture built by clang and gcc at DWARF 4 and 5; and
 * a lab target whose untyped state reads as the variant's fields. No case
 * depends on how long a schedule is: names are matched, not step numbers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "explore.h"
#include "explore_dwarf.h"
#include "run_prog.h"
#include "test_main.h"

#define RACELAB RACELAB_BIN_DIR "/racelab"
#define FIXTURE EXPLORE_FIXTURES "/names_globals.c"
#define SECOND EXPLORE_FIXTURES "/names_second.c"

#define EXPLORE(...) run_progl(RACELAB, 120, "explore", __VA_ARGS__, NULL)

/* The value of "key":"..." in one JSON line (up to its end), into out. */
static bool json_str(const char *line, const char *end, const char *key, char *out, size_t cap)
{
    char k[32];
    snprintf(k, sizeof k, "\"%s\":\"", key);
    const char *p = strstr(line, k);
    if (p == NULL || p > end)
        return false;
    p += strlen(k);
    const char *q = strchr(p, '"');
    if (q == NULL || q > end || (size_t)(q - p) >= cap)
        return false;
    memcpy(out, p, (size_t)(q - p));
    out[q - p] = '\0';
    return true;
}

/* How many steps of the --json output |out| come from |source|, and
 * whether all of them read |want|. */
static unsigned steps_named(const char *out, const char *source, const char *want, bool *all)
{
    unsigned n = 0;
    *all = true;
    for (const char *l = strstr(out, "{\"kind\":\"step\""); l != NULL;
         l = strstr(l + 1, "{\"kind\":\"step\"")) {
        const char *end = strchr(l, '\n');
        char var[96], src[96];
        end = end ? end : l + strlen(l);
        if (!json_str(l, end, "source", src, sizeof src) || strcmp(src, source) != 0)
            continue;
        n++;
        if (!json_str(l, end, "variable", var, sizeof var) || strcmp(var, want) != 0) {
            fprintf(stderr, "%s: \"%s\", not \"%s\"\n", source, var, want);
            *all = false;
        }
    }
    return n;
}

/* The fixture's marked lines: each "NAME x" line's number and name, with
 * CALLOC replaced by the line of its calloc(). */
static size_t marked_lines(unsigned *line, char (*name)[64], size_t cap)
{
    FILE *f = fopen(FIXTURE, "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    char buf[256];
    unsigned no = 0, calloc_line = 0;
    size_t n = 0;
    while (fgets(buf, sizeof buf, f) != NULL && n < cap) {
        no++;
        const char *m = strstr(buf, "/* NAME ");
        calloc_line = strstr(buf, "calloc(") && !m ? no : calloc_line;
        if (m == NULL)
            continue;
        line[n] = no;
        sscanf(m + 8, "%63s", name[n++]);
    }
    fclose(f);
    for (size_t i = 0; i < n; i++) {
        char *c = strstr(name[i], "CALLOC");
        if (c != NULL) {
            char rest[64];
            snprintf(rest, sizeof rest, "%s", c + 6);
            snprintf(c, sizeof name[i] - (size_t)(c - name[i]), "%u%s", calloc_line, rest);
        }
    }
    return n;
}

/* Every marked access of the fixture reads its name in the step table:
 * structs, arrays (multi-dimensional), nested structs, typedefs, volatile,
 * _Atomic, a bit-field, a union, inside a scalar; then the fallbacks. */
static void test_explore_names_user(void)
{
    unsigned line[32];
    char name[32][64];
    size_t n = marked_lines(line, name, 32);
    CU_ASSERT_FATAL(n >= 14);
    struct prog_result r = EXPLORE(FIXTURE, "--json");
    CU_ASSERT_EQUAL(r.status, 1);
    for (size_t i = 0; i < n; i++) {
        char src[64];
        bool all;
        snprintf(src, sizeof src, "names_globals.c:%u", line[i]);
        CU_ASSERT(steps_named(r.out, src, name[i], &all) > 0);
        CU_ASSERT(all);
    }
    prog_result_free(&r);
}

/* The explorer's text table shows the same names (not only --json). */
static void test_explore_names_table(void)
{
    struct prog_result r = EXPLORE(FIXTURE);
    CU_ASSERT_EQUAL(r.status, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, " STORE      q.slot[5].seq "));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, " STORE      blob+8 "));
    CU_ASSERT_PTR_NULL(strstr(r.out, " stats+8 "));
    prog_result_free(&r);
}

/* An access of |size| bytes at byte |off| of the global |sym|, and the name
 * the reader must give it ("" none: the symbol table's turn). */
struct names_case { const char *sym; unsigned off, size; const char *want; };

static const struct names_case names_cases[] = {
    { "stats", 8, 8, "stats.misses" },       { "stats", 0, 8, "stats.hits" },
    { "a", 12, 4, "a[3]" },                  { "q", 48, 4, "q.slot[5].seq" },
    { "q", 52, 4, "q.slot[5].val" },         { "route", 20, 4, "route[2].y" },
    { "ready", 0, 8, "ready" },              { "flags", 4, 4, "flags.on" },
    { "grid", 44, 4, "grid[2][1]" },         { "mix", 0, 4, "mix.u" },
    { "mix", 8, 8, "mix.tail" },             { "deep", 24, 8, "deep.in[1].val" },
    { "deep", 1, 1, "deep.in[0]+1" },        { "big", 4, 1, "big+4" },
    { "lock", 4, 4, "lock.owner" },          { "blob", 8, 1, "" },
    { "second_pair", 4, 4, "second_pair.right" }, { "second_list", 40, 8, "second_list[2][1]" },
};

/* The reader on the fixture (and a second unit) built natively by |cc| at
 * DWARF |version|. */
static void names_reader(const char *cc, const char *version)
{
    char tmp[] = "/tmp/racelab-test-names-XXXXXX", prog[64], flag[16];
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(tmp));
    snprintf(prog, sizeof prog, "%s/prog", tmp);
    snprintf(flag, sizeof flag, "-gdwarf-%s", version);
    struct prog_result c = run_progl(cc, 120, "-O0", flag, "-no-pie", "-pthread", FIXTURE,
                                     SECOND, "-o", prog, NULL);
    CU_ASSERT_EQUAL(c.status, 0);
    struct xp_sym *syms = NULL;
    size_t nsyms = 0;
    struct xp_dwarf *d = c.status == 0 ? xp_dwarf_open(prog) : NULL;
    CU_ASSERT_PTR_NOT_NULL(d);
    CU_ASSERT_EQUAL(xp_symbols(prog, &syms, &nsyms), 0);
    for (size_t i = 0; d != NULL && i < sizeof names_cases / sizeof names_cases[0]; i++) {
        const struct names_case *k = &names_cases[i];
        uint64_t at = 0;
        for (size_t s = 0; s < nsyms; s++)
            if (strcmp(syms[s].name, k->sym) == 0 && !syms[s].undef)
                at = syms[s].value;
        CU_ASSERT_NOT_EQUAL(at, 0);
        char out[80] = "";
        bool named = xp_dwarf_name(d, at + k->off, k->size, out, sizeof out);
        CU_ASSERT_EQUAL(named, k->want[0] != '\0');
        CU_ASSERT_STRING_EQUAL(named ? out : "", k->want);
        if (strcmp(named ? out : "", k->want) != 0)
            fprintf(stderr, "%s -gdwarf-%s: %s+%u: \"%s\", not \"%s\"\n", cc, version, k->sym,
                    k->off, out, k->want);
    }
    xp_dwarf_close(d);
    xp_symbols_free(syms, nsyms);
    prog_result_free(&c);
    unlink(prog);
    rmdir(tmp);
}

static void test_explore_names_dwarf_versions(void)
{
    char out[80];
    CU_ASSERT_PTR_NULL(xp_dwarf_open(FIXTURE));   /* no ELF file: no names, no crash */
    CU_ASSERT_PTR_NULL(xp_dwarf_open("/nonexistent/prog"));
    CU_ASSERT_FALSE(xp_dwarf_name(NULL, 0x1000, 4, out, sizeof out));
    const char *const cc[] = { "clang", "gcc" };
    for (size_t i = 0; i < 2; i++) {
        struct prog_result v = run_progl(cc[i], 30, "--version", NULL);
        bool have = v.status == 0;
        prog_result_free(&v);
        if (!have) {
            printf("\n    (no %s: its builds are not read)\n", cc[i]);
            continue;
        }
        names_reader(cc[i], "4");
        names_reader(cc[i], "5");
    }
}

/* Whether some step of the --json output reads "PREFIX<number>SUFFIX". */
static bool some_step_reads(const char *out, const char *prefix, const char *suffix)
{
    char key[64];
    snprintf(key, sizeof key, "\"variable\":\"%s", prefix);
    for (const char *p = strstr(out, key); p != NULL; p = strstr(p + 1, key)) {
        char *end;
        strtoul(p + strlen(key), &end, 10);
        if (end != p + strlen(key) && strncmp(end, suffix, strlen(suffix)) == 0 &&
            end[strlen(suffix)] == '"')
            return true;
    }
    return false;
}

/* A lab target: the adapter's state bytes read as the lab's and the
 * variant's structs (labs/bank/variant.h, labs/common/variant_gen.h). */
static void test_explore_names_lab(void)
{
    if (access(RACELAB_BIN_DIR "/lab-bank-explore", X_OK) != 0 ||
        access(RACELAB_BIN_DIR "/lab-counter-explore", X_OK) != 0) {
        test_skip("no lab explore flavours in this build (clang, x86-64, no sanitizer)");
        return;
    }
    struct prog_result r = EXPLORE("bank/racy", "--json");
    CU_ASSERT_EQUAL(r.status, 1);
    CU_ASSERT(some_step_reads(r.out, "acct[", "].balance"));
    CU_ASSERT(some_step_reads(r.out, "w[", "].rng"));
    CU_ASSERT_PTR_NULL(strstr(r.out, "\"variable\":\"state"));
    prog_result_free(&r);
    r = EXPLORE("counter/racy", "--workers", "2", "--iters", "1", "--json");
    CU_ASSERT_EQUAL(r.status, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "\"op\":\"STORE\",\"variable\":\"value\""));
    CU_ASSERT_PTR_NULL(strstr(r.out, "\"variable\":\"state"));
    prog_result_free(&r);
}

static const struct test_case tests[] = {
    { "user", test_explore_names_user },
    { "table", test_explore_names_table },
    { "dwarf_versions", test_explore_names_dwarf_versions },
    { "lab", test_explore_names_lab },
    { NULL, NULL },
};

TEST_MAIN("explore_names", tests)
