/* detectors/det_exercise.c - racelab exercise: interview-prep exercises
 * (issue 18): broken programs to fix, programs to break, litmus tests to
 * predict, each checked with the explorer.
 *
 *   racelab exercise                 the next unsolved one
 *   racelab exercise NAME [--file F] one (F in place of its exercise.c)
 *       [--schedule S] [--watch]     a break answer; check again on each save
 *   racelab exercise list [--json]   all, with progress
 *   racelab exercise hint NAME       its HINT.md
 *   racelab exercise reset [--yes]   forget the progress
 *
 * The exercises: the table exercises.tsv (name, primitive, kind, check,
 * bound, budget_s[, cost]; labs/exercises/README.md) and its directories
 * NN_name/ (exercise.c, HINT.md, solution.c), found in $RACELAB_EXERCISES,
 * else BINDIR/../share/racelab/exercises (an installed racelab), else the
 * source tree racelab was built from (RACELAB_SOURCE_DIR/labs/exercises).
 *
 * The check of a fix exercise (here): `racelab explore FILE --preemptions
 * BOUND --json` as a child (a watchdog of budget_s + 30 s around it): every
 * schedule within the bound explored, no failing run, no data race, no
 * deadlock. With check explore+tsan also `racelab check --detectors tsan
 * --clean-runs 3 FILE`: three native runs under ThreadSanitizer, none
 * reporting (the explorer runs sequentially consistent interleavings and
 * takes every atomic as seq_cst: a relaxed flag only TSan rejects). With a
 * cost, the native cost against solution.c (det_exercise_cost.c). The break
 * and predict kinds: det_exercise_answer.c; --watch: det_exercise_watch.c.
 * Progress: the names solved, one a line, in $XDG_CACHE_HOME/racelab/
 * exercises (default ~/.cache/racelab/exercises). Exit 0 solved, 1 not
 * solved, 2 usage (unknown name, a file that does not compile, a malformed
 * answer). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "det_exercise.h"
#include "util/opt.h"

static bool ex__isdir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool ex__has_table(const char *dir)
{
    char t[PATH_MAX + 32];
    snprintf(t, sizeof t, "%s/exercises.tsv", dir);
    return access(t, R_OK) == 0;
}

/* Where the exercises are (see the top of this file). */
static void ex__root(struct ex_set *s)
{
    ssize_t n = readlink("/proc/self/exe", s->self, sizeof s->self - 1);
    if (n <= 0)
        det_usage_error("exercise: cannot find my own binary (/proc/self/exe)");
    s->self[n] = '\0';
    const char *env = getenv("RACELAB_EXERCISES");
    if (env != NULL && env[0] != '\0') {
        if (!ex__has_table(env))
            det_usage_error("exercise: RACELAB_EXERCISES=%s has no exercises.tsv", env);
        snprintf(s->root, sizeof s->root, "%s", env);
        return;
    }
    char bindir[PATH_MAX];
    snprintf(bindir, sizeof bindir, "%s", s->self);
    char *slash = strrchr(bindir, '/');
    if (slash != NULL)
        *slash = '\0';
    snprintf(s->root, sizeof s->root, "%.3900s/../share/racelab/exercises", bindir);
    if (ex__has_table(s->root))
        return;
    snprintf(s->root, sizeof s->root, "%s/labs/exercises", RACELAB_SOURCE_DIR);
    if (!ex__has_table(s->root))
        det_usage_error("exercise: no exercises.tsv beside racelab (%s/../share/racelab/"
                        "exercises) nor in %s: set RACELAB_EXERCISES=DIR", bindir, s->root);
}

/* The kind, check and bound of a row (exercises.tsv's header); false if
 * they do not go together. */
static bool ex__kind(struct ex_row *r, const char *kind, const char *check, const char *bound)
{
    static const char *const kinds[] = { "fix", "break", "predict" };
    static const char *const checks[] = { "explore", "replay", "outcomes" };
    char *end;
    unsigned long b = strtoul(bound, &end, 10);
    bool num = *end == '\0' && end != bound && b >= 2 && b <= 20;
    for (int k = EX_FIX; k <= EX_PREDICT; k++) {
        if (strcmp(kind, kinds[k]) != 0)
            continue;
        r->kind = (enum ex_kind)k;
        snprintf(r->kind_name, sizeof r->kind_name, "%s", kind);
        r->bound = num ? (int)b : strcmp(bound, "all") == 0 ? -1 : 0;
        if (k == EX_FIX)
            return num && (strcmp(check, "explore") == 0 || strcmp(check, "explore+tsan") == 0);
        if (strcmp(check, checks[k]) != 0)
            return false;
        return k == EX_BREAK ? strcmp(bound, "-") == 0 : num || r->bound < 0;
    }
    return false;
}

/* The optional cost column: -, FACTOR or FACTOR:ARGS (fix exercises only). */
static bool ex__cost(struct ex_row *r, const char *col)
{
    if (col == NULL || strcmp(col, "-") == 0)
        return true;
    char *end;
    r->cost = strtod(col, &end);
    if (*end == ':')
        snprintf(r->cost_args, sizeof r->cost_args, "%s", end + 1);
    return (*end == '\0' || (*end == ':' && strlen(end + 1) < sizeof r->cost_args)) &&
           r->cost >= 1.5 && r->cost <= 100 && r->kind == EX_FIX;
}

/* One row of the table: NAME PRIMITIVE KIND CHECK BOUND BUDGET_S [COST]. */
static void ex__row(struct ex_set *s, char *line, unsigned lineno, const char *table)
{
    char *f[8], *save = NULL;
    int nf = 0;
    for (char *t = strtok_r(line, "\t\r\n", &save); t != NULL && nf < 8;
         t = strtok_r(NULL, "\t\r\n", &save))
        f[nf++] = t;
    if (nf != 6 && nf != 7)
        det_usage_error("exercise: %s:%u: needs 6 or 7 tab-separated fields (name, primitive, "
                        "kind, check, bound, budget_s[, cost]), has %d", table, lineno, nf);
    if (s->n == EX_MAX)
        det_usage_error("exercise: %s:%u: more than %d exercises", table, lineno, EX_MAX);
    struct ex_row *r = &s->rows[s->n];
    memset(r, 0, sizeof *r);
    char *e2;
    double budget = strtod(f[5], &e2);
    bool ok = *e2 == '\0' && strlen(f[0]) < sizeof r->name && strlen(f[1]) < sizeof r->primitive &&
              strlen(f[3]) < sizeof r->check && budget >= 1 && budget <= 3600 &&
              ex__kind(r, f[2], f[3], f[4]) && ex__cost(r, nf == 7 ? f[6] : NULL);
    if (!ok)
        det_usage_error("exercise: %s:%u: bad row (fix: check explore or explore+tsan, bound "
                        "2-20; break: replay, -; predict: outcomes, all or 2-20; budget_s "
                        "1-3600; cost -, F or F:ARGS, F 1.5-100, fix only)", table, lineno);
    snprintf(r->name, sizeof r->name, "%s", f[0]);
    snprintf(r->primitive, sizeof r->primitive, "%s", f[1]);
    snprintf(r->check, sizeof r->check, "%s", f[3]);
    r->budget_s = budget;
    char dir[sizeof r->dir];   /* r lies inside s: no snprintf from s into r */
    snprintf(dir, sizeof dir, "%.4000s/%02zu_%s", s->root, s->n + 1, f[0]);
    memcpy(r->dir, dir, sizeof dir);
    if (!ex__isdir(r->dir))
        det_usage_error("exercise: %s:%u: no directory %s", table, lineno, r->dir);
    s->n++;
}

static void ex__load(struct ex_set *s)
{
    char table[PATH_MAX + 32];
    snprintf(table, sizeof table, "%s/exercises.tsv", s->root);
    FILE *f = fopen(table, "r");
    if (f == NULL)
        det_usage_error("exercise: cannot read %s: %s", table, strerror(errno));
    char *line = NULL;
    size_t cap = 0;
    unsigned lineno = 0;
    while (getline(&line, &cap, f) > 0) {
        lineno++;
        if (line[0] != '#' && line[strspn(line, " \t\r\n")] != '\0')
            ex__row(s, line, lineno, table);
    }
    free(line);
    fclose(f);
    if (s->n == 0)
        det_usage_error("exercise: %s lists no exercise", table);
}

/* ---- progress --------------------------------------------------------- */

static void ex__state_path(struct ex_set *s)
{
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    if (xdg != NULL && xdg[0] == '/')
        snprintf(s->state, sizeof s->state, "%.4000s/racelab/exercises", xdg);
    else if (home != NULL && home[0] == '/')
        snprintf(s->state, sizeof s->state, "%.4000s/.cache/racelab/exercises", home);
    else
        det_usage_error("exercise: neither XDG_CACHE_HOME nor HOME is an absolute path: "
                        "nowhere to keep the progress");
}

static struct ex_row *ex__find(struct ex_set *s, const char *name)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->rows[i].name, name) == 0)
            return &s->rows[i];
    return NULL;
}

static void ex__state_read(struct ex_set *s)
{
    FILE *f = fopen(s->state, "r");
    if (f == NULL)
        return;
    char line[128];
    while (fgets(line, sizeof line, f) != NULL) {
        line[strcspn(line, "\r\n")] = '\0';
        struct ex_row *r = ex__find(s, line);
        if (r != NULL)
            r->solved = true;
    }
    fclose(f);
}

/* mkdir -p of the state file's directory. */
static void ex__mkdirs(const char *file)
{
    char d[PATH_MAX];
    snprintf(d, sizeof d, "%s", file);
    for (char *p = d + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(d, 0755) != 0 && errno != EEXIST)
            det_usage_error("exercise: cannot create %s: %s", d, strerror(errno));
        *p = '/';
    }
}

/* Written whole to FILE.tmp, then renamed: never half a file. */
static void ex__state_write(const struct ex_set *s)
{
    char tmp[PATH_MAX + 8];
    ex__mkdirs(s->state);
    snprintf(tmp, sizeof tmp, "%s.tmp", s->state);
    FILE *f = fopen(tmp, "w");
    if (f == NULL)
        det_usage_error("exercise: cannot write %s: %s", tmp, strerror(errno));
    for (size_t i = 0; i < s->n; i++)
        if (s->rows[i].solved)
            fprintf(f, "%s\n", s->rows[i].name);
    if (fclose(f) != 0 || rename(tmp, s->state) != 0) {
        unlink(tmp);
        det_usage_error("exercise: cannot write %s: %s", s->state, strerror(errno));
    }
}

static size_t ex__nsolved(const struct ex_set *s)
{
    size_t k = 0;
    for (size_t i = 0; i < s->n; i++)
        k += s->rows[i].solved;
    return k;
}

/* ---- the check -------------------------------------------------------- */

/* Runs racelab itself with argv[1..]; the caller frees the proc. */
void ex_racelab(const struct ex_set *s, char **argv, double timeout_s, struct det_proc *p)
{
    argv[0] = (char *)s->self;
    memset(p, 0, sizeof *p);
    p->argv = argv;
    p->timeout_s = timeout_s;
    p->label = "exercise";
    struct det_proc *pp = p;
    if (det_pool_run(&pp, 1, 1, false) != 0 || det_interrupted()) {
        det_proc_free(p);
        exit(130);
    }
}

/* explore's one-line error ("racelab: explore: F does not compile: ...")
 * as this command's, exit 2. */
void ex_explore_error(const struct ex_row *r, struct det_proc *p)
{
    char last[600];
    det_last_line(p->err, last, sizeof last);
    const char *msg = strstr(last, "explore: ");
    msg = msg ? msg + 9 : last;
    char copy[600];
    snprintf(copy, sizeof copy, "%s", msg[0] ? msg : "the explorer failed");
    det_proc_free(p);
    det_usage_error("exercise %s: %s", r->name, copy);
}

static void ex__words_explore(json_t *sum, struct ex_result *x, const struct ex_row *r)
{
    const char *v = json_string_value(json_object_get(sum, "verdict"));
    const char *stop = json_string_value(json_object_get(sum, "stop"));
    const char *out = json_string_value(json_object_get(sum, "output"));
    const char *end = json_string_value(json_object_get(sum, "end"));
    const char *sched = json_string_value(json_object_get(sum, "schedule"));
    json_t *race = json_object_get(sum, "race");
    const char *var = json_string_value(json_object_get(race, "variable"));
    v = v ? v : "?";
    x->runs = (unsigned long long)json_integer_value(json_object_get(sum, "runs"));
    snprintf(x->schedule, sizeof x->schedule, "%s", sched ? sched : "");
    bool done = json_is_true(json_object_get(sum, "exhausted")) ||
                (stop != NULL && strcmp(stop, "bound") == 0);
    snprintf(x->verdict, sizeof x->verdict, "%s", v);
    if (strcmp(v, "pass") == 0 && done) {
        x->pass = true;
        snprintf(x->words, sizeof x->words, "correct in every schedule with at most %u "
                 "preemptions (%llu runs): no failure, no data race, no deadlock", r->bound,
                 x->runs);
    } else if (strcmp(v, "pass") == 0) {
        snprintf(x->verdict, sizeof x->verdict, "unfinished");
        snprintf(x->words, sizeof x->words, "no failure in %llu runs, but the search stopped "
                 "(%s) before every schedule within %u preemptions was explored", x->runs,
                 stop ? stop : "?", r->bound);
    } else if (strcmp(v, "max-steps") == 0) {
        snprintf(x->words, sizeof x->words, "a run did not end (%s): a spin loop without "
                 "sched_yield() never lets the thread it waits for run",
                 json_string_value(json_object_get(sum, "message")) ?
                 json_string_value(json_object_get(sum, "message")) : "max-steps");
    } else if (strcmp(v, "deadlock") == 0) {
        snprintf(x->words, sizeof x->words, "a schedule deadlocks: no thread can go on "
                 "(schedule %s)", x->schedule);
    } else if (strcmp(v, "race") == 0) {
        snprintf(x->words, sizeof x->words, "no schedule breaks the check, but %s is a data "
                 "race: two threads access it, one writes, nothing orders them", var ? var : "?");
    } else {
        snprintf(x->words, sizeof x->words, "a schedule breaks it: %s (schedule %s)",
                 out && out[0] ? out : end && end[0] ? end : "the program failed", x->schedule);
    }
}

/* The explorer's verdict on |file|. */
static void ex__explore(const struct ex_set *s, const struct ex_row *r, const char *file,
                        struct ex_result *x)
{
    char bound[16], secs[32];
    snprintf(bound, sizeof bound, "%d", r->bound);
    snprintf(secs, sizeof secs, "%g", r->budget_s);
    char *argv[] = { NULL, "explore", (char *)file, "--preemptions", bound, "--max-seconds",
                     secs, "--json", NULL };
    struct det_proc p;
    ex_racelab(s, argv, r->budget_s + 30, &p);
    if (p.end == UTIL_END_TIMEOUT) {
        snprintf(x->verdict, sizeof x->verdict, "timeout");
        snprintf(x->words, sizeof x->words, "the check did not end within its budget of %g s "
                 "(+30 s): the watchdog stopped it", r->budget_s);
        det_proc_free(&p);
        return;
    }
    char *sum = strstr(p.out, "{\"kind\":\"summary\"");   /* exit 2 with one: max-steps */
    if (p.end != UTIL_END_EXIT || (p.code == 2 && sum == NULL) || p.code > 2)
        ex_explore_error(r, &p);
    json_t *j = sum ? json_loads(sum, JSON_DISABLE_EOF_CHECK, NULL) : NULL;
    if (j == NULL)
        ex_explore_error(r, &p);
    ex__words_explore(j, x, r);
    json_decref(j);
    det_proc_free(&p);
}

/* Three native runs under ThreadSanitizer (racelab check). */
static void ex__tsan(const struct ex_set *s, const struct ex_row *r, const char *file,
                     struct ex_result *x)
{
    char *argv[] = { NULL, "check", "--detectors", "tsan", "--trials", "1", "--clean-runs",
                     "3", "--quiet", (char *)file, NULL };
    struct det_proc p;
    ex_racelab(s, argv, r->budget_s + 30, &p);
    const char *line = strstr(p.out, "\n  tsan ");
    line = line ? line + 8 + strspn(line + 8, " ") : NULL;
    bool ran = line != NULL && strncmp(line, "n/a", 3) != 0;
    bool clean = ran && p.end == UTIL_END_EXIT && p.code == 0 && strncmp(line, "clean", 5) == 0;
    if (!ran) {   /* not solved on the explorer's word alone: a relaxed flag passes it */
        snprintf(x->verdict, sizeof x->verdict, "tsan-unavailable");
        snprintf(x->words, sizeof x->words, "every schedule passes the explorer, but "
                 "ThreadSanitizer could not run here: %.*s (racelab doctor)",
                 line ? (int)strcspn(line, "\n") : 40, line ? line : "no tsan line from "
                 "racelab check");
        x->pass = false;
    } else if (!clean) {
        const char *v = strstr(p.out, "verdict: ");
        snprintf(x->verdict, sizeof x->verdict, "tsan-race");
        snprintf(x->words, sizeof x->words, "every schedule passes the explorer, but "
                 "ThreadSanitizer does not agree: %.*s", v ? (int)strcspn(v + 9, "\n") : 40,
                 v ? v + 9 : "its check failed");
        x->pass = false;
    } else {
        size_t l = strlen(x->words);
        snprintf(x->words + l, sizeof x->words - l, "; ThreadSanitizer clean over 3 runs");
    }
    det_proc_free(&p);
}

void ex_path(const struct ex_row *r, const char *leaf, char *out, size_t cap)
{
    snprintf(out, cap, "%.4000s/%s", r->dir, leaf);
}

char *ex_slurp(const struct ex_row *r, const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        det_usage_error("exercise %s: cannot read %s: %s", r->name, path, strerror(errno));
    size_t len = 0, cap = 4096, n;
    char *buf = det_xmalloc(cap);
    while ((n = fread(buf + len, 1, cap - len - 1, f)) > 0)
        if ((len += n) + 1 == cap && (buf = realloc(buf, cap *= 2)) == NULL)
            det_usage_error("exercise %s: out of memory reading %s", r->name, path);
    buf[len] = '\0';
    fclose(f);
    return buf;
}

static void ex__check(const struct ex_set *s, const struct ex_row *r, const char *file,
                      const char *sched, struct ex_result *x)
{
    memset(x, 0, sizeof *x);
    if (access(file, R_OK) != 0)
        det_usage_error("exercise %s: cannot read %s: %s", r->name, file, strerror(errno));
    if (r->kind == EX_BREAK) {
        ex_check_break(s, r, file, sched, x);
        return;
    }
    if (r->kind == EX_PREDICT) {
        ex_check_predict(s, r, file, x);
        return;
    }
    ex__explore(s, r, file, x);
    if (x->pass && strcmp(r->check, "explore+tsan") == 0)
        ex__tsan(s, r, file, x);
    if (x->pass && r->cost > 0)
        ex_check_cost(r, file, x);
}

/* The explorer's own account of the failure: its step table. */
static void ex__show_failure(const struct ex_set *s, const struct ex_row *r, const char *file)
{
    char bound[16], secs[32];
    snprintf(bound, sizeof bound, "%d", r->bound);
    snprintf(secs, sizeof secs, "%g", r->budget_s);
    char *argv[] = { NULL, "explore", (char *)file, "--preemptions", bound, "--max-seconds",
                     secs, NULL };
    struct det_proc p;
    ex_racelab(s, argv, r->budget_s + 30, &p);
    const char *body = strchr(p.out, '\n');   /* after the explorer's first line */
    if (p.end == UTIL_END_EXIT && body != NULL)
        printf("\nthe explorer's schedule:\n%s", body + 1);
    det_proc_free(&p);
}

/* ---- the commands ----------------------------------------------------- */

struct ex_opts {
    bool json, yes, watch;
    const char *file, *schedule;
};

static json_t *ex__json_row(const struct ex_row *r)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:i, s:f, s:f, s:b}", "name", r->name, "primitive",
                     r->primitive, "kind", r->kind_name, "check", r->check, "bound", r->bound,
                     "budget_s", r->budget_s, "cost", r->cost, "solved", r->solved);
}

static void ex__print_json(json_t *j)
{
    char *txt = json_dumps(j, JSON_COMPACT);
    printf("%s\n", txt);
    free(txt);
    json_decref(j);
}

/* "explore+tsan, bound 2, cost 3x", "replay your schedule", "outcomes of every schedule". */
static void ex__describe(const struct ex_row *r, char *out, size_t cap)
{
    if (r->kind == EX_BREAK)
        snprintf(out, cap, "replay your schedule");
    else if (r->kind == EX_PREDICT && r->bound < 0)
        snprintf(out, cap, "outcomes of every schedule");
    else
        snprintf(out, cap, "%s, bound %d", r->kind == EX_PREDICT ? "outcomes" : r->check,
                 r->bound);
    size_t l = strlen(out);
    if (r->cost > 0)
        snprintf(out + l, cap - l, ", cost %gx", r->cost);
}

static int ex__list(const struct ex_set *s, const struct ex_opts *o)
{
    for (size_t i = 0; i < s->n; i++) {
        const struct ex_row *r = &s->rows[i];
        char how[120];
        ex__describe(r, how, sizeof how);
        if (o->json)
            ex__print_json(ex__json_row(r));
        else
            printf("%s %02zu %-18s %-16s %-7s %s\n", r->solved ? "[x]" : "[ ]", i + 1, r->name,
                   r->primitive, r->kind_name, how);
    }
    if (!o->json)
        printf("%zu/%zu solved (progress: %s)\n", ex__nsolved(s), s->n, s->state);
    return 0;
}

static struct ex_row *ex__named(struct ex_set *s, const char *name)
{
    struct ex_row *r = ex__find(s, name);
    if (r != NULL)
        return r;
    char names[EX_MAX * 66] = "";
    for (size_t i = 0; i < s->n; i++) {
        size_t l = strlen(names);
        snprintf(names + l, sizeof names - l, "%s%s", i ? ", " : "", s->rows[i].name);
    }
    det_usage_error("exercise: no exercise '%s' (there are: %s)", name, names);
}

static int ex__hint(struct ex_set *s, const char *name)
{
    struct ex_row *r = ex__named(s, name);
    char path[PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/HINT.md", r->dir);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        det_usage_error("exercise: cannot read %s: %s", path, strerror(errno));
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        fwrite(buf, 1, n, stdout);
    fclose(f);
    return 0;
}

static int ex__reset(struct ex_set *s, const struct ex_opts *o)
{
    if (!o->yes) {
        if (!isatty(STDIN_FILENO))
            det_usage_error("exercise reset: forgets the progress of all %zu exercises: give "
                            "--yes (stdin is not a terminal to ask)", s->n);
        printf("forget the progress of all %zu exercises (%zu solved)? [y/N] ", s->n,
               ex__nsolved(s));
        fflush(stdout);
        char ans[16] = "";
        if (fgets(ans, sizeof ans, stdin) == NULL || (ans[0] != 'y' && ans[0] != 'Y')) {
            printf("nothing reset\n");
            return 0;
        }
    }
    if (unlink(s->state) != 0 && errno != ENOENT)
        det_usage_error("exercise reset: cannot remove %s: %s", s->state, strerror(errno));
    for (size_t i = 0; i < s->n; i++)
        s->rows[i].solved = false;
    printf("progress reset: 0/%zu solved (your files are untouched: git checkout "
           "labs/exercises restores the exercises)\n", s->n);
    return 0;
}

static void ex__print_result(const struct ex_set *s, const struct ex_row *r,
                             const char *target, const struct ex_result *x)
{
    json_t *j = ex__json_row(r);
    json_object_set_new(j, "file", json_string(target));
    json_object_set_new(j, "verdict", json_string(x->verdict));
    json_object_set_new(j, "pass", json_boolean(x->pass));
    json_object_set_new(j, "detail", json_string(x->words));
    json_object_set_new(j, "runs", json_integer((json_int_t)x->runs));
    json_object_set_new(j, "schedule", json_string(x->schedule));
    json_object_set_new(j, "progress", json_pack("{s:i, s:i}", "solved", (int)ex__nsolved(s),
                                                 "total", (int)s->n));
    ex__print_json(j);
}

/* Checks one exercise, records it when solved, prints the verdict. */
static int ex__run(struct ex_set *s, struct ex_row *r, const struct ex_opts *o)
{
    char file[PATH_MAX + 16];
    ex_path(r, "exercise.c", file, sizeof file);
    const char *target = o->file ? o->file : file;
    size_t idx = (size_t)(r - s->rows) + 1;
    char cwd[PATH_MAX];
    size_t cl = getcwd(cwd, sizeof cwd) ? strlen(cwd) : 0;
    const char *shown = cl > 1 && strncmp(target, cwd, cl) == 0 && target[cl] == '/'
                            ? target + cl + 1 : target;   /* relative to here when inside */
    if (!o->json)
        printf("exercise %zu/%zu: %s (%s, %s): %s\n", idx, s->n, r->name, r->primitive,
               r->kind_name, shown);
    struct ex_result x;
    ex__check(s, r, target, o->schedule, &x);
    if (x.pass && !r->solved) {
        r->solved = true;
        ex__state_write(s);
    }
    if (o->json) {
        ex__print_result(s, r, target, &x);
        return x.pass ? 0 : 1;
    }
    printf("%s: %s\n", x.pass ? "SOLVED" : "NOT YET", x.words);
    bool table = r->kind == EX_FIX && strcmp(x.verdict, "tsan-race") != 0 &&
                 strcmp(x.verdict, "timeout") != 0 && strcmp(x.verdict, "cost") != 0;
    if (!x.pass && table)
        ex__show_failure(s, r, target);
    if (!x.pass)
        printf("\nhint: racelab exercise hint %s\n", r->name);
    printf("%zu/%zu solved\n", ex__nsolved(s), s->n);
    return x.pass ? 0 : 1;
}

struct ex_watched {
    struct ex_set *s;
    struct ex_row *r;
    const struct ex_opts *o;
};

/* One check of --watch (in a child of its own: a file that does not
 * compile ends the check, not the watch), with the progress read afresh. */
static int ex__watched(void *arg)
{
    struct ex_watched *w = arg;
    for (size_t i = 0; i < w->s->n; i++)
        w->s->rows[i].solved = false;
    ex__state_read(w->s);
    return ex__run(w->s, w->r, w->o);
}

static int ex__one(struct ex_set *s, struct ex_row *r, const struct ex_opts *o)
{
    if (o->schedule != NULL && r->kind != EX_BREAK)
        det_usage_error("exercise %s: --schedule goes with a break exercise (this one is %s)",
                        r->name, r->kind_name);
    if (!o->watch)
        return ex__run(s, r, o);
    char file[PATH_MAX + 16];
    ex_path(r, "exercise.c", file, sizeof file);
    struct ex_watched w = { s, r, o };
    return ex_watch(o->file ? o->file : file, o->json, ex__watched, &w);
}

static int ex__next(struct ex_set *s, const struct ex_opts *o)
{
    for (size_t i = 0; i < s->n; i++)
        if (!s->rows[i].solved)
            return ex__one(s, &s->rows[i], o);
    if (o->json)
        printf("{\"kind\":\"done\",\"solved\":%zu,\"total\":%zu}\n", s->n, s->n);
    else
        printf("all %zu exercises solved (racelab exercise list; racelab exercise reset to "
               "start again)\n", s->n);
    return 0;
}

static int ex__options(struct ex_opts *o, int argc, char **argv, char **pos, int *npos)
{
    memset(o, 0, sizeof *o);
    const struct util_opt opts[] = {
        { .name = "file", .kind = UTIL_OPT_STRING, .dest = &o->file, .arg = "FILE",
          .help = "check FILE in place of the exercise's own exercise.c" },
        { .name = "schedule", .kind = UTIL_OPT_STRING, .dest = &o->schedule, .arg = "S",
          .help = "break: this schedule in place of the file's `// schedule:` line" },
        { .name = "watch", .kind = UTIL_OPT_FLAG, .dest = &o->watch,
          .help = "check again each time the file is saved, until q or Ctrl-C" },
        { .name = "json", .kind = UTIL_OPT_FLAG, .dest = &o->json,
          .help = "one JSON object per exercise (name, primitive, kind, solved, verdict)" },
        { .name = "yes", .kind = UTIL_OPT_FLAG, .dest = &o->yes,
          .help = "reset: do not ask" },
        { .name = NULL },
    };
    struct util_cmdline c = {
        .prog = "racelab exercise", .usage = "[NAME | list | hint NAME | reset] [OPTIONS]",
        .summary = "fix, break or predict a concurrent program; the explorer checks every "
                   "schedule",
        .epilog = "No NAME: the next unsolved exercise. A fix is solved when the explorer\n"
                  "runs every schedule within the exercise's preemption bound with no\n"
                  "failure, no data race and no deadlock (explore+tsan: and three\n"
                  "ThreadSanitizer runs report nothing; with a cost: and it runs natively\n"
                  "within the cost factor of the reference solution, wall and CPU time).\n"
                  "A break is solved when the program fails under your `// schedule:` line\n"
                  "(or --schedule); a predict when your `// outcomes:` line lists exactly\n"
                  "the outcomes of every schedule. Progress: $XDG_CACHE_HOME/racelab/\n"
                  "exercises (default ~/.cache/racelab/exercises). Exercises: $RACELAB_EXERCISES,\n"
                  "else BINDIR/../share/racelab/exercises, else the source tree's labs/exercises.\n"
                  "Exit 0: solved; 1: not yet; 2: usage, unknown name, a file that does not\n"
                  "compile, a malformed answer line.",
        .opts = opts, .max_positional = 2 };
    char err[300];
    int rc = util_opt_parse(&c, argc, argv, pos, npos, err, sizeof err);
    if (rc == UTIL_OPT_ERROR)
        exit(util_opt_fail("racelab exercise", err));
    return rc;
}

int det_exercise(int argc, char **argv)
{
    struct ex_opts o;
    char *pos[4];
    int npos = 0;
    if (argc > 10)
        det_usage_error("exercise: too many arguments (racelab exercise --help)");
    if (ex__options(&o, argc, argv, pos, &npos) == UTIL_OPT_HELP)
        return 0;
    static struct ex_set s;
    ex__root(&s);
    ex__load(&s);
    ex__state_path(&s);
    ex__state_read(&s);
    det_signals_install();
    const char *cmd = npos > 0 ? pos[0] : NULL;
    bool verb = cmd && (strcmp(cmd, "list") == 0 || strcmp(cmd, "hint") == 0 ||
                        strcmp(cmd, "reset") == 0);
    if (verb && (o.file != NULL || o.schedule != NULL || o.watch))
        det_usage_error("exercise %s: --file, --schedule and --watch go with an exercise", cmd);
    if (cmd && strcmp(cmd, "hint") == 0) {
        if (npos != 2)
            det_usage_error("exercise hint needs one NAME (racelab exercise list)");
        return ex__hint(&s, pos[1]);
    }
    if (npos == 2)
        det_usage_error("exercise: one NAME at a time, not '%s'", pos[1]);
    if (cmd && strcmp(cmd, "list") == 0)
        return ex__list(&s, &o);
    if (cmd && strcmp(cmd, "reset") == 0)
        return ex__reset(&s, &o);
    if (cmd == NULL && (o.file != NULL || o.schedule != NULL))
        det_usage_error("exercise: --file and --schedule need the exercise's NAME (racelab "
                        "exercise NAME --file FILE)");
    return cmd ? ex__one(&s, ex__named(&s, cmd), &o) : ex__next(&s, &o);
}
