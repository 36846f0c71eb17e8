/* detectors/det_matrix.c - labs found beside racelab, the matrix of runs, the
 * verdict of each cell.
 *
 * A lab is any executable lab-<name> in racelab's own directory (lab-*-tsan
 * are twins, not labs); its cells come from `lab-<name> --list --json`. Per
 * available cell the harness runs, all in one pool of --jobs children:
 *   native   --json --trials T          (invariant, observed spread, ns/op)
 *   native   --workers 1 --trials 3     (ns/op at one worker)
 *   tsan     twin --iters I_tsan --trials 1
 *   helgrind valgrind ... --iters I_vg --trials 1
 *   drd      same
 * (the lab's run_args first; a tool's iterations are never more than theirs,
 * nor valgrind's than the lab's valgrind_iters; the native runs take the
 * lab's native_iters when it gives one). The pool starts the costliest
 * kinds of run first (det__job_cost), so its tail is short runs.
 * A detector blind by construction on the cell (the lab's "blind", or the
 * model's: procs for every tool, coroutines on one thread for valgrind) is
 * not run: it could only say nothing. Valgrind's start alone costs 0.3-0.45
 * CPU seconds, so these are half of the matrix's time (notes/detectors.md,
 * "Matrix time").
 * The verdict (det__verdict) applies the rules stated in det_detect.c. */
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "det.h"

const char *const det_verdict_names[] = {
    "correct", "racy-detected", "racy-undetected", "false-positive", "timeout", "crash",
};

static int det__cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static const char *det__str(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static long long det__int(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_integer(v) ? (long long)json_integer_value(v)
                              : json_is_real(v) ? (long long)json_real_value(v) : 0;
}

static double det__num(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_number(v) ? json_number_value(v) : 0.0;
}

/* Last non-empty line of |s| (the lab's own hint or error). */
void det_last_line(const char *s, char *out, size_t cap)
{
    out[0] = '\0';
    size_t len = strlen(s);
    while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == ' '))
        len--;
    size_t start = len;
    while (start > 0 && s[start - 1] != '\n')
        start--;
    snprintf(out, cap, "%.*s", (int)(len - start), s + start);
}

/* The directory the labs are in: $RACELAB_LAB_DIR, else racelab's own. */
static int det__bindir(struct det_matrix *m, const char *self)
{
    const char *dirsrc = getenv("RACELAB_LAB_DIR");
    if (dirsrc != NULL && *dirsrc != '\0') {
        snprintf(m->bindir, sizeof m->bindir, "%s", dirsrc);
        return 0;
    }
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) {
        if (realpath(self, exe) == NULL) {
            fprintf(stderr, "%s: cannot find my own directory\n", det_prog);
            return 2;
        }
    } else {
        exe[n] = '\0';
    }
    char *slash = strrchr(exe, '/');
    if (slash != NULL)
        *slash = '\0';
    snprintf(m->bindir, sizeof m->bindir, "%s", exe);
    return 0;
}

/* Whether the directory entry |name| is a lab program (lab-<name>, not a
 * -tsan twin, an executable regular file). */
static bool det__is_lab(const struct det_matrix *m, const char *name)
{
    size_t len = strlen(name);
    if (strncmp(name, "lab-", 4) != 0 || len <= 4)
        return false;
    if (len > 5 && strcmp(name + len - 5, "-tsan") == 0)
        return false;
    if (len > 8 && strcmp(name + len - 8, "-explore") == 0)   /* the explorer's flavour */
        return false;
    char path[PATH_MAX];
    if (snprintf(path, sizeof path, "%s/%s", m->bindir, name) >= (int)sizeof path)
        return false;
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

/* The sorted names of the lab programs in m->bindir into *out, *n their
 * count; 0 or 2 (the directory cannot be read). */
static int det__lab_names(const struct det_matrix *m, char ***out, size_t *n)
{
    DIR *d = opendir(m->bindir);
    if (d == NULL) {
        fprintf(stderr, "%s: cannot read %s: %s\n", det_prog, m->bindir, strerror(errno));
        return 2;
    }
    char **names = NULL;
    size_t cap = 0;
    *n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (!det__is_lab(m, e->d_name))
            continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 8;
            char **grown = realloc(names, cap * sizeof *names);
            if (grown == NULL)
                abort();
            names = grown;
        }
        names[(*n)++] = det_strdup(e->d_name);
    }
    closedir(d);
    if (*n > 0)
        qsort(names, *n, sizeof *names, det__cmp_str);
    *out = names;
    return 0;
}

/* The lab program |prog| ("lab-counter") in m->bindir, and its twin. */
static void det__lab_init(struct det_lab *l, const struct det_matrix *m, const char *prog)
{
    char path[PATH_MAX + 8];
    l->name = det_strdup(prog + 4);
    snprintf(path, sizeof path, "%s/%s", m->bindir, prog);
    l->path = det_strdup(path);
    snprintf(path, sizeof path, "%s/%s-tsan", m->bindir, prog);
    l->twin = access(path, X_OK) == 0 ? det_strdup(path) : NULL;
}

static int det__find_labs(struct det_matrix *m)
{
    size_t n;
    char **names;
    if (det__lab_names(m, &names, &n) != 0)
        return 2;
    m->labs = calloc(n ? n : 1, sizeof *m->labs);
    for (size_t i = 0; i < n; i++) {
        det__lab_init(&m->labs[m->nlabs++], m, names[i]);
        free(names[i]);
    }
    free(names);
    if (m->nlabs == 0) {
        fprintf(stderr, "%s: no lab-* programs in %s\n", det_prog, m->bindir);
        return 2;
    }
    return 0;
}

/* The cell's "known_reports": entries naming no tool the harness runs are
 * said once and skipped. */
static void det__known_from_json(struct det_cell *c, json_t *arr)
{
    size_t n = json_is_array(arr) ? json_array_size(arr) : 0;
    c->known = n ? det_xmalloc(n * sizeof *c->known) : NULL;
    c->nknown = 0;
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_array_get(arr, i);
        const char *tool = json_is_object(e) ? det__str(e, "tool") : NULL;
        unsigned tools = tool != NULL ? det_known_tools(tool) : 0;
        if (tools == 0) {
            fprintf(stderr, "%s: lab-%s --list --json: %s/%s: a known report for no detector "
                    "(tool '%s'), ignored\n", det_prog, c->lab->name, c->model, c->variant,
                    tool != NULL ? tool : "");
            continue;
        }
        const char *kind = det__str(e, "kind"), *frame = det__str(e, "frame");
        const char *why = det__str(e, "why");
        struct det_known *k = &c->known[c->nknown++];
        k->tools = tools;
        k->kind = det_strdup(kind != NULL ? kind : "");
        k->frame = det_strdup(frame != NULL ? frame : "");
        k->why = det_strdup(why != NULL ? why : "known to the lab");
    }
}

/* The cell's "blind": detectors the lab says cannot see its race by
 * construction (labs/PROTOCOL.md); they are not run there. */
static void det__blind_from_json(struct det_cell *c, json_t *arr)
{
    for (size_t i = 0; json_is_array(arr) && i < json_array_size(arr); i++) {
        json_t *e = json_array_get(arr, i);
        const char *tool = json_is_object(e) ? det__str(e, "tool") : NULL;
        const char *why = json_is_object(e) ? det__str(e, "why") : NULL;
        unsigned tools = tool != NULL ? det_known_tools(tool) : 0;
        for (int d = 0; d < DET_NDET; d++)
            if ((tools & (1u << d)) && c->blind[d] == NULL)
                c->blind[d] = det_strdup(why != NULL ? why : "blind by construction");
    }
}

/* The cell's "native_iters": a whole number from 1, or absent; anything
 * else is said once and ignored (the lab's default size then runs). */
static void det__native_iters_from_json(struct det_cell *c, json_t *o)
{
    json_t *v = json_object_get(o, "native_iters");
    c->native_iters = 0;
    if (v == NULL)
        return;
    if (json_is_integer(v) && json_integer_value(v) > 0) {
        c->native_iters = (unsigned long)json_integer_value(v);
        return;
    }
    char *text = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
    fprintf(stderr, "%s: lab-%s --list --json: %s/%s: native_iters must be a whole number "
            "from 1, not %.40s; ignored\n", det_prog, c->lab->name, c->model, c->variant,
            text != NULL ? text : "?");
    free(text);
}

static void det__cell_from_json(struct det_cell *c, const struct det_lab *lab, json_t *o)
{
    memset(c, 0, sizeof *c);
    c->lab = lab;
    c->model = det_strdup(det__str(o, "model"));
    c->variant = det_strdup(det__str(o, "variant"));
    const char *desc = det__str(o, "description");
    const char *reason = det__str(o, "reason");
    c->description = det_strdup(reason != NULL ? reason : desc ? desc : "");
    c->racy_by_design = json_is_true(json_object_get(o, "racy_by_design"));
    json_t *av = json_object_get(o, "available");
    c->available = av == NULL || json_is_true(av);
    json_t *ra = json_object_get(o, "run_args");
    for (size_t k = 0; json_is_array(ra) && k < json_array_size(ra) &&
                       c->nrun_args < DET_MAX_RUN_ARGS; k++)
        if (json_is_string(json_array_get(ra, k)))
            c->run_args[c->nrun_args++] = det_strdup(json_string_value(json_array_get(ra, k)));
    det__known_from_json(c, json_object_get(o, "known_reports"));
    det__blind_from_json(c, json_object_get(o, "blind"));
    const char *ex = det__str(o, "explore"), *exr = det__str(o, "explore_refused");
    c->explore = ex != NULL && strchr(ex, '/') == NULL ? det_strdup(ex) : NULL;
    c->explore_refused = exr != NULL ? det_strdup(exr) : NULL;
    det_explore_plan_from_json(c, o);
    c->vg_iters = (unsigned long)det__int(o, "valgrind_iters");
    det__native_iters_from_json(c, o);
}

/* One cell per line of a lab's --list --json output (|out| is consumed). */
static void det__add_cells(struct det_matrix *m, const struct det_lab *lab, char *out,
                           size_t *cap)
{
    for (char *line = out; *line != '\0';) {
        char *nl = strchr(line, '\n');
        if (nl != NULL)
            *nl = '\0';
        json_error_t jerr;
        json_t *o = *line != '\0' ? json_loads(line, 0, &jerr) : NULL;
        if (*line != '\0' && (o == NULL || det__str(o, "model") == NULL ||
                              det__str(o, "variant") == NULL)) {
            fprintf(stderr, "%s: lab-%s --list --json: not a cell: %.80s\n", det_prog,
                    lab->name, line);
        } else if (o != NULL) {
            if (m->ncells == *cap) {
                *cap = *cap ? *cap * 2 : 64;
                struct det_cell *g = realloc(m->cells, *cap * sizeof *g);
                if (g == NULL)
                    abort();
                m->cells = g;
            }
            det__cell_from_json(&m->cells[m->ncells++], lab, o);
        }
        json_decref(o);
        if (nl == NULL)
            break;
        line = nl + 1;
    }
}

/* Asks every lab for its cells, two at a time. */
static int det__list_labs(struct det_matrix *m)
{
    struct det_proc *procs = calloc(m->nlabs, sizeof *procs);
    struct det_proc **pp = calloc(m->nlabs, sizeof *pp);
    for (size_t i = 0; i < m->nlabs; i++) {
        procs[i].argv = det_xmalloc(4 * sizeof *procs[i].argv);
        procs[i].argv[0] = m->labs[i].path;
        procs[i].argv[1] = "--list";
        procs[i].argv[2] = "--json";
        procs[i].argv[3] = NULL;
        procs[i].timeout_s = 30;
        procs[i].label = m->labs[i].name;
        pp[i] = &procs[i];
    }
    int rc = det_pool_run(pp, m->nlabs, 2, false);
    size_t cells_cap = 0;
    for (size_t i = 0; i < m->nlabs && rc == 0; i++) {
        struct det_proc *p = &procs[i];
        char end[64];
        if (p->end == UTIL_END_EXIT && p->code == 0)
            det__add_cells(m, &m->labs[i], p->out, &cells_cap);
        else
            fprintf(stderr, "%s: %s --list --json failed (%s), skipping it\n", det_prog,
                    m->labs[i].path, det_end_text(p, end, sizeof end));
    }
    for (size_t i = 0; i < m->nlabs; i++) {
        free(procs[i].argv);
        det_proc_free(&procs[i]);
    }
    free(procs);
    free(pp);
    return rc;
}

int det_discover_lab(struct det_matrix *m, const char *self, const char *name)
{
    memset(m, 0, sizeof *m);
    int rc = det__bindir(m, self);
    char prog[128];
    if (rc != 0)
        return rc;
    if (strchr(name, '/') != NULL || snprintf(prog, sizeof prog, "lab-%s", name) >=
                                         (int)sizeof prog || !det__is_lab(m, prog))
        return 3;
    m->labs = calloc(1, sizeof *m->labs);
    det__lab_init(&m->labs[m->nlabs++], m, prog);
    return det__list_labs(m);
}

int det_discover(struct det_matrix *m, const char *self)
{
    memset(m, 0, sizeof *m);
    int rc = det__bindir(m, self);
    if (rc == 0)
        rc = det__find_labs(m);
    if (rc == 0)
        rc = det__list_labs(m);
    if (rc == 0 && m->ncells == 0) {
        fprintf(stderr, "%s: the labs in %s offer no cells\n", det_prog, m->bindir);
        rc = 2;
    }
    return rc;
}

static void det__cell_free(struct det_cell *c)
{
    free(c->model);
    free(c->variant);
    free(c->description);
    free(c->observed);
    for (unsigned k = 0; k < c->nrun_args; k++)
        free(c->run_args[k]);
    for (size_t k = 0; k < c->nknown; k++) {
        free(c->known[k].kind);
        free(c->known[k].frame);
        free(c->known[k].why);
    }
    free(c->known);
    for (int d = 0; d < DET_NDET; d++)
        free(c->blind[d]);
    free(c->explore);
    free(c->explore_refused);
    json_decref(c->extra);
}

/* Keeps the cells matching any pattern (lab/model/variant globs; "counter"
 * means counter/x/x, "counter/procs" counter/procs/x). */
int det_select(struct det_matrix *m, char **patterns, int npatterns)
{
    if (npatterns == 0)
        return 0;
    bool *keep = calloc(m->ncells, sizeof *keep);
    for (int i = 0; i < npatterns; i++) {
        char pat[512];
        int slashes = 0;
        for (const char *p = patterns[i]; *p; p++)
            slashes += *p == '/';
        snprintf(pat, sizeof pat, "%s%s", patterns[i],
                 slashes == 0 ? "/*/*" : slashes == 1 ? "/*" : "");
        bool hit = false;
        for (size_t c = 0; c < m->ncells; c++) {
            char name[512];
            snprintf(name, sizeof name, "%s/%s/%s", m->cells[c].lab->name, m->cells[c].model,
                     m->cells[c].variant);
            if (fnmatch(pat, name, 0) == 0) {
                keep[c] = true;
                hit = true;
            }
        }
        if (!hit || slashes > 2) {
            char what[1024] = "";
            size_t len = 0;
            for (size_t l = 0; l < m->nlabs; l++) {
                len += (size_t)snprintf(what + len, sizeof what - len, "%s%s (", l ? "; " : "",
                                        m->labs[l].name);
                const char *last = "";
                for (size_t c = 0; c < m->ncells && len < sizeof what - 64; c++) {
                    if (m->cells[c].lab != &m->labs[l] || strcmp(m->cells[c].model, last) == 0)
                        continue;
                    len += (size_t)snprintf(what + len, sizeof what - len, "%s%s",
                                            *last ? " " : "", m->cells[c].model);
                    last = m->cells[c].model;
                }
                len += (size_t)snprintf(what + len, sizeof what - len, ")");
                if (len >= sizeof what - 64)
                    break;
            }
            fprintf(stderr, "%s: pattern '%s' matches no lab/model/variant; there are: %s\n",
                    det_prog, patterns[i], what);
            free(keep);
            return 2;
        }
    }
    size_t out = 0;
    for (size_t c = 0; c < m->ncells; c++) {
        if (keep[c])
            m->cells[out++] = m->cells[c];
        else
            det__cell_free(&m->cells[c]);
    }
    m->ncells = out;
    free(keep);
    return 0;
}

void det_matrix_free(struct det_matrix *m)
{
    for (size_t c = 0; c < m->ncells; c++)
        det__cell_free(&m->cells[c]);
    free(m->cells);
    for (size_t l = 0; l < m->nlabs; l++) {
        free(m->labs[l].name);
        free(m->labs[l].path);
        free(m->labs[l].twin);
    }
    free(m->labs);
    memset(m, 0, sizeof *m);
}

/* ---- the runs ----------------------------------------------------------- */

enum det_job_kind { DET_J_NATIVE, DET_J_NATIVE1, DET_J_WORKERS, DET_J_TSAN, DET_J_HELGRIND,
                    DET_J_DRD, DET_J_EXPLORE };

struct det_job {
    struct det_proc proc;
    struct det_cell *cell;
    enum det_job_kind kind;
    unsigned workers;           /* DET_J_WORKERS */
    int plot_slot;
    char *argv[24 + DET_MAX_RUN_ARGS];
    char nums[4][24];
    char label[160];
    char target[160];           /* DET_J_EXPLORE: LAB/VARIANT */
};

/* The explore column (notes/explorer.md "Lab targets"): racelab explore on
 * the cell's explore flavour under a budget per cell (the matrix runs about
 * fifty of them). By default two iterations, the explore flavour's workers,
 * schedules with at most one preemption (CHESS: most bugs need no more) and
 * 100 runs; a lab whose cells need other sizes to exhaust clean or to fail
 * says so in its list ("explore_*", labs/PROTOCOL.md), within the ranges
 * below. The budget is a run count, so the column is the same on a loaded
 * machine; the seconds are a safety net only. 20000 points per run. */
#define DET_EXPLORE_BOUND "1"
#define DET_EXPLORE_ITERS "2"
#define DET_EXPLORE_SECONDS "20"
#define DET_EXPLORE_RUNS "100"
#define DET_EXPLORE_STEPS "20000"

const char *det_explored_word(const struct det_explored *e)
{
    switch (e->status) {
    case DET_ST_RACE: return "found";
    case DET_ST_CLEAN: return "clean";
    case DET_ST_TIMEOUT: return "budget";
    case DET_ST_BLIND: return "weak-mem";   /* SC interleavings cannot show it */
    case DET_ST_NA: return "refused";
    case DET_ST_CRASH: return "error";
    default: return "-";
    }
}

/* One "explore_*" integer of the list: absent (true, nothing added), or
 * from 1 to |max| (added as |opt| N); else false, with why in c->xplan.bad. */
static bool det__xplan_int(struct det_cell *c, json_t *o, const char *key, const char *opt,
                           long long max)
{
    struct det_explore_plan *x = &c->xplan;
    json_t *v = json_object_get(o, key);
    if (v == NULL)
        return true;
    long long n = json_is_integer(v) ? (long long)json_integer_value(v) : 0;
    if (n < 1 || n > max) {
        snprintf(x->bad, sizeof x->bad, "lab-%.40s --list --json: %s must be an integer from "
                 "1 to %lld", c->lab->name, key, max);
        return false;
    }
    snprintf(x->args[x->nargs++], sizeof x->args[0], "%s", opt);
    snprintf(x->args[x->nargs++], sizeof x->args[0], "%lld", n);
    return true;
}

void det_explore_plan_from_json(struct det_cell *c, json_t *o)
{
    struct det_explore_plan *x = &c->xplan;
    const char *wm = det__str(o, "weak_memory"), *st = det__str(o, "explore_strategy");
    snprintf(x->weak_memory, sizeof x->weak_memory, "%s", wm != NULL ? wm : "");
    bool dpor = st != NULL && strcmp(st, "dpor") == 0;
    if (json_object_get(o, "explore_strategy") != NULL && !dpor &&
        (st == NULL || strcmp(st, "bounded") != 0))
        snprintf(x->bad, sizeof x->bad, "lab-%.40s --list --json: explore_strategy must be "
                 "\"bounded\" or \"dpor\"", c->lab->name);
    else if (dpor && json_object_get(o, "explore_preemptions") != NULL)
        snprintf(x->bad, sizeof x->bad, "lab-%.40s --list --json: explore_preemptions bounds "
                 "the bounded strategy, not dpor", c->lab->name);
    if (x->bad[0] == '\0' && st != NULL) {
        snprintf(x->args[x->nargs++], sizeof x->args[0], "--strategy");
        snprintf(x->args[x->nargs++], sizeof x->args[0], "%s", st);
    }
    if (x->bad[0] == '\0' && det__xplan_int(c, o, "explore_iters", "--iters", 16) &&
        det__xplan_int(c, o, "explore_workers", "--workers", 60) &&
        det__xplan_int(c, o, "explore_preemptions", "--preemptions", 4))
        (void)det__xplan_int(c, o, "explore_max_runs", "--max-runs", 5000);
    if (x->bad[0] != '\0' && c->explore != NULL) {   /* said as the cell's refusal */
        free(c->explore);
        free(c->explore_refused);
        c->explore = NULL;
        c->explore_refused = det_strdup(x->bad);
    }
}

/* The value the plan gives |opt|, else |dflt|. */
static const char *det__xplan_arg(const struct det_cell *c, const char *opt, const char *dflt)
{
    for (unsigned k = 0; k + 1 < c->xplan.nargs; k += 2)
        if (strcmp(c->xplan.args[k], opt) == 0)
            return c->xplan.args[k + 1];
    return dflt;
}

static void det__explore_argv(struct det_job *j)
{
    static char self[PATH_MAX];
    if (self[0] == '\0') {
        ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
        snprintf(self + (n > 0 ? n : 0), sizeof self - (size_t)(n > 0 ? n : 0), "%s",
                 n > 0 ? "" : "racelab");
    }
    struct det_cell *c = j->cell;
    snprintf(j->target, sizeof j->target, "%s/%s", c->lab->name, c->variant);
    char *av[] = { self, "explore", j->target, "--json", "--max-seconds", DET_EXPLORE_SECONDS,
                   "--max-steps", DET_EXPLORE_STEPS, NULL };
    memcpy(j->argv, av, sizeof av);
    int n = (int)(sizeof av / sizeof av[0]) - 1;
    bool dpor = strcmp(det__xplan_arg(c, "--strategy", "bounded"), "dpor") == 0;
    static const char *const opts[][2] = { { "--iters", DET_EXPLORE_ITERS },
                                           { "--max-runs", DET_EXPLORE_RUNS },
                                           { "--preemptions", DET_EXPLORE_BOUND },
                                           { "--strategy", NULL }, { "--workers", NULL } };
    for (size_t k = 0; k < sizeof opts / sizeof opts[0]; k++) {
        const char *v = det__xplan_arg(c, opts[k][0], opts[k][1]);
        if (v != NULL && !(dpor && strcmp(opts[k][0], "--preemptions") == 0)) {
            j->argv[n++] = (char *)opts[k][0];
            j->argv[n++] = (char *)v;
        }
    }
    j->argv[n] = NULL;
    j->proc.argv = j->argv;
    j->proc.timeout_s = 60;
    snprintf(j->label, sizeof j->label, "%.140s explore", j->target);
    j->proc.label = j->label;
}

/* A clean search's line: what it covered, and for a variant whose failure
 * needs weak memory (the lab's "weak_memory") that SC cannot show it: not
 * a miss and not a proof, its own status. */
static void det__explored_clean(struct det_cell *c)
{
    struct det_explored *e = &c->ex;
    char what[80];
    if (!e->exhausted)
        snprintf(what, sizeof what, "clean until the budget ended the search");
    else if (strcmp(det__xplan_arg(c, "--strategy", "bounded"), "dpor") == 0)
        snprintf(what, sizeof what, "every schedule explored (dpor), clean");
    else
        snprintf(what, sizeof what, "every schedule with at most %s preemption%s explored, clean",
                 det__xplan_arg(c, "--preemptions", DET_EXPLORE_BOUND),
                 strcmp(det__xplan_arg(c, "--preemptions", DET_EXPLORE_BOUND), "1") ? "s" : "");
    if (c->xplan.weak_memory[0] == '\0') {
        snprintf(e->text, sizeof e->text, "%s in %llu runs", what, e->runs);
        return;
    }
    e->status = DET_ST_BLIND;
    snprintf(e->text, sizeof e->text, "SC: no failure in %llu runs (needs weak memory: %.130s)",
             e->runs, c->xplan.weak_memory);
}

/* What racelab explore said: its JSON summary, or its one-line refusal. */
static void det__explored(struct det_cell *c, const struct det_proc *p)
{
    struct det_explored *e = &c->ex;
    const char *sum = strstr(p->out, "{\"kind\":\"summary\"");
    json_error_t jerr;
    json_t *o = sum != NULL ? json_loads(sum, JSON_DISABLE_EOF_CHECK, &jerr) : NULL;
    const char *v = o != NULL ? det__str(o, "verdict") : NULL;
    char last[200];
    det_last_line(p->err, last, sizeof last);
    if (v == NULL) {
        e->status = p->end == UTIL_END_EXIT && p->code == 2 ? DET_ST_NA : DET_ST_CRASH;
        snprintf(e->text, sizeof e->text, "%s", last[0] ? last : "no result");
        json_decref(o);
        return;
    }
    e->runs = (unsigned long long)det__int(o, "runs");
    const char *stop = det__str(o, "stop"), *msg = det__str(o, "message");
    const char *out = det__str(o, "output");
    e->exhausted = json_is_true(json_object_get(o, "exhausted")) ||
                   (stop != NULL && strcmp(stop, "bound") == 0);
    bool found = strcmp(v, "fail") == 0 || strcmp(v, "deadlock") == 0 ||
                 strcmp(v, "race") == 0 || strcmp(v, "max-steps") == 0;
    e->status = found ? DET_ST_RACE : strcmp(v, "pass") == 0 ? (e->exhausted ? DET_ST_CLEAN
                                                                              : DET_ST_TIMEOUT)
                : strcmp(v, "unsupported") == 0 ? DET_ST_NA : DET_ST_CRASH;
    if (found)
        snprintf(e->text, sizeof e->text, "found in %llu runs: %s%s%.150s", e->runs, v,
                 out != NULL && out[0] ? ", " : "", out != NULL ? out : "");
    else if (e->status == DET_ST_CLEAN || e->status == DET_ST_TIMEOUT)
        det__explored_clean(c);
    else
        snprintf(e->text, sizeof e->text, "%s: %.170s", v, msg != NULL && msg[0] ? msg : last);
    json_decref(o);
}


/* A tool's iterations on a cell: the harness's, or fewer when the cell's
 * run_args ask for fewer (a cell whose every operation is costly says so
 * there; the tool's run comes after them and would otherwise override it). */
static unsigned long det__tool_iters(const struct det_cell *c, unsigned long tool)
{
    for (unsigned k = 0; k + 1 < c->nrun_args; k++) {
        char *end;
        unsigned long v = strtoul(c->run_args[k + 1], &end, 10);
        if (strcmp(c->run_args[k], "--iters") == 0 && *end == '\0' && v > 0 && v < tool)
            tool = v;
    }
    return tool;
}

static void det__job_argv(struct det_job *j, const struct det_options *o)
{
    struct det_cell *c = j->cell;
    int n = 0;
    enum det_detector d = j->kind == DET_J_TSAN       ? DET_TSAN
                          : j->kind == DET_J_HELGRIND ? DET_HELGRIND
                          : j->kind == DET_J_DRD      ? DET_DRD
                                                      : DET_NATIVE;
    n += det_tool_argv(d, j->argv + n);
    j->argv[n++] = d == DET_TSAN ? c->lab->twin : c->lab->path;
    j->argv[n++] = "--model";
    j->argv[n++] = c->model;
    j->argv[n++] = "--variant";
    j->argv[n++] = c->variant;
    for (unsigned k = 0; k < c->nrun_args; k++)
        j->argv[n++] = c->run_args[k];
    j->argv[n++] = "--json";
    j->argv[n++] = "--trials";
    unsigned trials = j->kind == DET_J_NATIVE ? o->trials : j->kind == DET_J_TSAN ? 1 : 1;
    if (j->kind == DET_J_NATIVE1 || j->kind == DET_J_WORKERS)
        trials = 3;
    snprintf(j->nums[0], sizeof j->nums[0], "%u", trials);
    j->argv[n++] = j->nums[0];
    if (j->kind == DET_J_NATIVE1 || j->kind == DET_J_WORKERS) {
        snprintf(j->nums[1], sizeof j->nums[1], "%u", j->kind == DET_J_NATIVE1 ? 1 : j->workers);
        j->argv[n++] = "--workers";
        j->argv[n++] = j->nums[1];
    }
    if (d == DET_NATIVE && c->native_iters > 0) {
        /* the lab's size for the matrix (its lesson shows in fewer) */
        snprintf(j->nums[2], sizeof j->nums[2], "%lu", det__tool_iters(c, c->native_iters));
        j->argv[n++] = "--iters";
        j->argv[n++] = j->nums[2];
    } else if (d == DET_TSAN || d == DET_HELGRIND || d == DET_DRD) {
        snprintf(j->nums[2], sizeof j->nums[2], "%lu",
                 det__tool_iters(c, d == DET_TSAN                     ? o->tsan_iters
                                    : c->vg_iters && c->vg_iters < o->vg_iters ? c->vg_iters
                                                                               : o->vg_iters));
        j->argv[n++] = "--iters";
        j->argv[n++] = j->nums[2];
    }
    j->argv[n] = NULL;
    j->proc.argv = j->argv;
    j->proc.env_set = det_tool_env(d);
    /* valgrind runs are slow to start; give them twice the limit */
    j->proc.timeout_s = (d == DET_HELGRIND || d == DET_DRD) ? o->timeout_s * 2 : o->timeout_s;
    snprintf(j->label, sizeof j->label, "%s/%s/%s %s%s", c->lab->name, c->model, c->variant,
             det_names[d], j->kind == DET_J_NATIVE1 ? " (1 worker)" : "");
    j->proc.label = j->label;
}

/* The lab's summary for this cell in a run's output, and its trials. */
static json_t *det__summary(const struct det_cell *c, const char *out, json_t **unavailable,
                            long long **obs, unsigned *nobs)
{
    json_t *summary = NULL;
    *unavailable = NULL;
    if (obs != NULL) {
        *obs = NULL;
        *nobs = 0;
    }
    size_t cap = 0;
    for (const char *line = out; *line != '\0';) {
        const char *nl = strchr(line, '\n');
        size_t len = nl != NULL ? (size_t)(nl - line) : strlen(line);
        json_error_t jerr;
        json_t *o = json_loadb(line, len, 0, &jerr);
        const char *kind = o ? det__str(o, "kind") : NULL;
        const char *model = o ? det__str(o, "model") : NULL;
        const char *variant = o ? det__str(o, "variant") : NULL;
        if (kind != NULL && model != NULL && variant != NULL && strcmp(model, c->model) == 0 &&
            strcmp(variant, c->variant) == 0) {
            if (strcmp(kind, "summary") == 0 && summary == NULL) {
                summary = json_incref(o);
            } else if (strcmp(kind, "unavailable") == 0 && *unavailable == NULL) {
                *unavailable = json_incref(o);
            } else if (strcmp(kind, "trial") == 0 && obs != NULL) {
                if (*nobs == cap) {
                    cap = cap ? cap * 2 : 16;
                    long long *g = realloc(*obs, cap * sizeof *g);
                    if (g == NULL)
                        abort();
                    *obs = g;
                }
                (*obs)[(*nobs)++] = det__int(o, "observed");
            }
        }
        json_decref(o);
        if (nl == NULL)
            break;
        line = nl + 1;
    }
    return summary;
}

/* The "detail" of the first trial of this cell the lab ended as "deadlock" or
 * "timeout" (its watchdog's wait-for cycle, or who was still running). */
static void det__hang_detail(struct det_cell *c, const char *out)
{
    c->detail[0] = '\0';
    for (const char *line = out; *line != '\0' && c->detail[0] == '\0';) {
        const char *nl = strchr(line, '\n');
        size_t len = nl != NULL ? (size_t)(nl - line) : strlen(line);
        json_error_t jerr;
        json_t *o = json_loadb(line, len, 0, &jerr);
        const char *kind = o ? det__str(o, "kind") : NULL, *oc = o ? det__str(o, "outcome") : NULL;
        const char *model = o ? det__str(o, "model") : NULL;
        const char *variant = o ? det__str(o, "variant") : NULL;
        if (kind != NULL && strcmp(kind, "trial") == 0 && oc != NULL && model != NULL &&
            variant != NULL && strcmp(model, c->model) == 0 && strcmp(variant, c->variant) == 0 &&
            (strcmp(oc, "deadlock") == 0 || strcmp(oc, "timeout") == 0))
            snprintf(c->detail, sizeof c->detail, "%s: %s", oc,
                     det__str(o, "detail") ? det__str(o, "detail") : "(no detail)");
        json_decref(o);
        if (nl == NULL)
            break;
        line = nl + 1;
    }
}

/* The native run's summary |s| into the cell. A trial the lab's watchdog
 * ended (outcome deadlock or timeout) is the bug found when the variant is
 * racy by design (its lesson is the hang: AB-BA, a lost wake-up, a
 * livelock), as a lost update is; in a fixed variant it is a problem. */
static void det__native_summary(struct det_cell *c, json_t *s, const struct det_proc *p)
{
    struct det_report *r = &c->det[DET_NATIVE];
    c->correct = json_is_true(json_object_get(s, "correct"));
    c->expected = det__int(s, "expected");
    c->observed_median = det__int(s, "observed_median");
    c->observed_min = det__int(s, "observed_min");
    c->observed_max = det__int(s, "observed_max");
    c->trials = (unsigned)det__int(s, "trials");
    c->lossy_trials = (unsigned)det__int(s, "lossy_trials");
    c->workers = (unsigned)det__int(s, "workers");
    c->deadlocks = (unsigned)det__int(s, "deadlocks");
    c->timeouts = (unsigned)det__int(s, "timeouts");
    c->ns_op_w = det__num(s, "ns_per_op");
    r->ns_per_op = c->ns_op_w;
    if (c->deadlocks + c->timeouts > 0)
        det__hang_detail(c, p->out);
    if (r->status == DET_ST_NONE) {
        if (det__int(s, "crashes") > 0) {
            r->status = DET_ST_CRASH;
            snprintf(r->reason, sizeof r->reason, "a trial crashed");
            det_last_line(p->err, c->hint, sizeof c->hint);
        } else if (c->deadlocks + c->timeouts > 0 && !c->racy_by_design) {
            r->status = DET_ST_TIMEOUT;
            det_last_line(p->err, c->hint, sizeof c->hint);
        } else {
            r->status = c->correct && c->deadlocks + c->timeouts == 0 ? DET_ST_CLEAN
                                                                      : DET_ST_RACE;
        }
    }
    c->extra = s;
}

static void det__native(struct det_cell *c, struct det_proc *p)
{
    json_t *unav;
    json_t *s = det__summary(c, p->out, &unav, &c->observed, &c->nobserved);
    char end[64];
    c->ran = true;
    struct det_report *r = &c->det[DET_NATIVE];
    r->wall_s = p->wall_s;
    if (p->end == UTIL_END_TIMEOUT) {
        r->status = DET_ST_TIMEOUT;
        snprintf(r->reason, sizeof r->reason, "%s", det_end_text(p, end, sizeof end));
        det_last_line(p->err, c->hint, sizeof c->hint);
    } else if (p->end == UTIL_END_SIGNAL || (p->end == UTIL_END_EXIT && p->code > 128)) {
        r->status = DET_ST_CRASH;
        if (p->end == UTIL_END_SIGNAL)
            snprintf(r->reason, sizeof r->reason, "CRASH(%s)", det_end_text(p, end, sizeof end));
        else
            snprintf(r->reason, sizeof r->reason, "CRASH(%s)",
                     sigabbrev_np(p->code - 128) ? sigabbrev_np(p->code - 128) : "exit");
        det_last_line(p->err, c->hint, sizeof c->hint);
    } else if (s == NULL && unav == NULL && p->end == UTIL_END_EXIT && p->code == 2) {
        /* the lab refused the cell with its defaults (usage error): not a
         * verdict; listed apart with the lab's own words */
        char why[300];
        det_last_line(p->err, why, sizeof why);
        c->available = false;
        c->refused = true;
        free(c->description);
        c->description = det_strdup(why);
    } else if (s == NULL) {
        r->status = DET_ST_CRASH;
        det_last_line(p->err, c->hint, sizeof c->hint);
        /* truncation of a long hint is fine: the full text is in the lab's stderr */
        (void)!snprintf(r->reason, sizeof r->reason, "no summary (%s): %.150s",
                        det_end_text(p, end, sizeof end),
                        unav ? det__str(unav, "reason") : c->hint);
    }
    if (s != NULL)
        det__native_summary(c, s, p);
    json_decref(unav);
}

static void det__detector(struct det_cell *c, enum det_detector d, struct det_proc *p)
{
    struct det_report *r = &c->det[d];
    json_t *unav;
    json_t *s = det__summary(c, p->out, &unav, NULL, NULL);
    char end[64];
    r->wall_s = p->wall_s;
    if (s != NULL)
        r->ns_per_op = det__num(s, "ns_per_op");
    const char *vgfail = (d == DET_HELGRIND || d == DET_DRD) ? det_valgrind_failed(p->err) : NULL;
    det_judge(d, c->known, c->nknown, p->err, r);
    bool reported = r->status != DET_ST_NONE;
    const char *blind = det_blind_reason(d, c->model);
    if (vgfail != NULL) {
        r->status = DET_ST_NA;
        snprintf(r->reason, sizeof r->reason, "%s", vgfail);
    } else if (unav != NULL) {
        r->status = DET_ST_NA;
        snprintf(r->reason, sizeof r->reason, "%s",
                 det__str(unav, "reason") ? det__str(unav, "reason") : "unavailable");
    } else if (reported) {
        /* det_judge set RACE or KNOWN_FP and the reason */
        if (r->status == DET_ST_RACE && blind != NULL)
            snprintf(r->reason, sizeof r->reason, "reported although blind by construction "
                     "here (%.150s)", blind);
    } else if (p->end == UTIL_END_TIMEOUT) {
        r->status = DET_ST_TIMEOUT;
        snprintf(r->reason, sizeof r->reason, "%s", det_end_text(p, end, sizeof end));
    } else if (p->end == UTIL_END_SIGNAL || (p->end == UTIL_END_EXIT && p->code > 128)) {
        r->status = DET_ST_CRASH;
        snprintf(r->reason, sizeof r->reason, "%s", det_end_text(p, end, sizeof end));
    } else if (p->end == UTIL_END_EXIT && p->code == 2) {
        /* the twin refused the cell (usage error): not this detector's fault */
        r->status = DET_ST_NA;
        det_last_line(p->err, r->reason, sizeof r->reason);
    } else if (s == NULL) {
        r->status = DET_ST_NA;
        char last[160];
        det_last_line(p->err, last, sizeof last);
        snprintf(r->reason, sizeof r->reason, "no summary (%s): %s",
                 det_end_text(p, end, sizeof end), last);
    } else if (blind != NULL) {
        r->status = DET_ST_BLIND;
        snprintf(r->reason, sizeof r->reason, "%s", blind);
    } else {
        r->status = DET_ST_CLEAN;
    }
    json_decref(s);
    json_decref(unav);
}

static void det__verdict(struct det_cell *c)
{
    struct det_report *nat = &c->det[DET_NATIVE];
    c->problem[0] = '\0';
    if (nat->status == DET_ST_TIMEOUT) {
        c->verdict = DET_V_TIMEOUT;
        if (c->detail[0] != '\0')
            snprintf(c->problem, sizeof c->problem, "a fixed variant hung in %u of %u trials (the "
                     "lab's watchdog ended them): %.150s", c->deadlocks + c->timeouts, c->trials,
                     c->detail);
        else
            snprintf(c->problem, sizeof c->problem, "TIMEOUT%s%.40s%s%s%.180s",
                     nat->reason[0] ? " (" : "", nat->reason, nat->reason[0] ? ")" : "",
                     c->hint[0] ? ": " : "", c->hint);
        return;
    }
    if (nat->status == DET_ST_CRASH) {
        c->verdict = DET_V_CRASH;
        snprintf(c->problem, sizeof c->problem, "%.60s%s%.170s", nat->reason,
                 c->hint[0] ? ": " : "", c->hint);
        return;
    }
    const char *by = NULL;
    for (int d = DET_TSAN; d < DET_NDET; d++)
        if (c->det[d].status == DET_ST_RACE && by == NULL)
            by = det_names[d];
    bool lost = !c->correct || nat->status == DET_ST_RACE;
    if (by == NULL && c->racy_by_design && c->ex.status == DET_ST_RACE)
        by = "explore";   /* a failing schedule is the race shown (not for a fixed one: below) */
    if (c->racy_by_design) {
        if (lost || by != NULL) {
            c->verdict = DET_V_RACY_DETECTED;
        } else {
            c->verdict = DET_V_RACY_UNDETECTED;
            snprintf(c->problem, sizeof c->problem,
                     "racy by design, but exact in %u of %u trials and no detector reported it",
                     c->trials, c->trials);
        }
    } else if (lost) {
        c->verdict = DET_V_RACY_DETECTED;
        snprintf(c->problem, sizeof c->problem,
                 "a fixed variant failed its invariant: observed %lld..%lld of %lld in %u of %u "
                 "trials", c->observed_min, c->observed_max, c->expected, c->lossy_trials,
                 c->trials);
    } else if (by != NULL) {
        c->verdict = DET_V_FALSE_POSITIVE;
        int d = det_by_name(by);
        snprintf(c->problem, sizeof c->problem, "a fixed variant flagged by %s: %s at %s", by,
                 c->det[d].kind, c->det[d].frames[0]);
    } else {
        c->verdict = DET_V_CORRECT;
    }
    if (!c->racy_by_design && c->ex.status == DET_ST_RACE && c->problem[0] == '\0')
        snprintf(c->problem, sizeof c->problem, "a fixed variant, and racelab explore %s/%s %s",
                 c->lab->name, c->variant, c->ex.text);
}

static void det__add_job(struct det_job *jobs, struct det_proc **pp, size_t *n,
                         struct det_cell *c, enum det_job_kind kind, unsigned slot,
                         const struct det_options *o)
{
    static const unsigned plot_workers[] = { 1, 2, 4 };
    struct det_job *j = &jobs[*n];
    j->cell = c;
    j->kind = kind;
    j->plot_slot = (int)slot;
    j->workers = plot_workers[slot];
    if (kind == DET_J_EXPLORE)
        det__explore_argv(j);
    else
        det__job_argv(j, o);
    pp[(*n)++] = &j->proc;
}

/* A cell's runs: the detectors asked for (each that can run here), the
 * native one-worker run and, for the report, the plot's worker counts. */
static void det__cell_jobs(struct det_job *jobs, struct det_proc **pp, size_t *n,
                           struct det_cell *c, const struct det_options *o)
{
    static const enum det_job_kind kinds[DET_NDET] = { DET_J_NATIVE, DET_J_TSAN,
                                                       DET_J_HELGRIND, DET_J_DRD };
    /* (the pool's order is by cost, det_matrix_run: valgrind's first) */
    for (int d = DET_DRD; d >= DET_NATIVE; d--) {
        if (!o->use[d] && d != DET_NATIVE)
            continue;
        const char *na = det_unavailable((enum det_detector)d, c->lab->twin != NULL);
        if (d == DET_TSAN && c->lab->twin == NULL)
            na = "this lab has no -tsan twin (clang with its TSan runtime builds one)";
        /* blind by construction (the lab's word, or the model's): a run
         * could only say so, so none is made */
        const char *blind = c->blind[d] != NULL ? c->blind[d]
                                                : det_blind_reason((enum det_detector)d, c->model);
        if (na == NULL && blind != NULL) {
            c->det[d].status = DET_ST_BLIND;
            snprintf(c->det[d].reason, sizeof c->det[d].reason, "%s", blind);
            continue;
        }
        if (na != NULL) {
            c->det[d].status = DET_ST_NA;
            snprintf(c->det[d].reason, sizeof c->det[d].reason, "%s", na);
            continue;
        }
        det__add_job(jobs, pp, n, c, kinds[d], 0, o);
    }
    det__add_job(jobs, pp, n, c, DET_J_NATIVE1, 0, o);
    for (unsigned w = 1; o->plot_workers && w < 3; w++)
        det__add_job(jobs, pp, n, c, DET_J_WORKERS, w, o);
    if (o->explore && c->explore == NULL) {
        c->ex.status = DET_ST_NA;
        snprintf(c->ex.text, sizeof c->ex.text, "%.199s",
                 c->explore_refused ? c->explore_refused : "the lab names no explore program");
    } else if (o->explore) {
        det__add_job(jobs, pp, n, c, DET_J_EXPLORE, 0, o);
    }
}

/* What one finished run says about its cell. */
static void det__collect(struct det_job *j)
{
    struct det_cell *c = j->cell;
    json_t *unav, *s;
    switch (j->kind) {
    case DET_J_NATIVE:
        det__native(c, &j->proc);
        break;
    case DET_J_NATIVE1:
    case DET_J_WORKERS:
        s = det__summary(c, j->proc.out, &unav, NULL, NULL);
        if (s != NULL) {
            if (j->kind == DET_J_NATIVE1)
                c->ns_op_1 = det__num(s, "ns_per_op");
            c->ns_by_workers[j->kind == DET_J_NATIVE1 ? 0 : j->plot_slot] =
                det__num(s, "ns_per_op");
        }
        json_decref(s);
        json_decref(unav);
        break;
    case DET_J_TSAN:
        det__detector(c, DET_TSAN, &j->proc);
        break;
    case DET_J_HELGRIND:
        det__detector(c, DET_HELGRIND, &j->proc);
        break;
    case DET_J_DRD:
        det__detector(c, DET_DRD, &j->proc);
        break;
    case DET_J_EXPLORE:
        det__explored(c, &j->proc);
        break;
    }
}

/* A run's expected seconds on a quiet 2-core machine, by kind: the means
 * per run of a whole matrix (notes/detectors.md "Matrix time"). Only their
 * order matters: the pool starts the costly runs first (det_pool_order), so
 * the last to end are short ones. Valgrind's start alone is most of its. */
static double det__job_cost(const struct det_job *j)
{
    switch (j->kind) {
    case DET_J_DRD: return 0.45;
    case DET_J_HELGRIND: return 0.38;
    case DET_J_NATIVE: return 0.31;
    case DET_J_TSAN: return 0.07;
    case DET_J_NATIVE1:
    case DET_J_WORKERS:
    case DET_J_EXPLORE:
    default: return 0.05;
    }
}

int det_matrix_run(struct det_matrix *m, const struct det_options *o)
{
    size_t cap = m->ncells * 9 + 1, n = 0;
    struct det_job *jobs = calloc(cap, sizeof *jobs);
    struct det_proc **pp = calloc(cap, sizeof *pp);
    for (size_t i = 0; i < m->ncells; i++)
        if (m->cells[i].available)
            det__cell_jobs(jobs, pp, &n, &m->cells[i], o);
    double *cost = det_xmalloc((n ? n : 1) * sizeof *cost);
    for (size_t i = 0; i < n; i++)
        cost[i] = det__job_cost(&jobs[i]);
    det_pool_order(pp, cost, n);
    free(cost);
    double t0 = det_now();
    int rc = det_pool_run(pp, n, o->jobs, !o->quiet && isatty(2));
    m->wall_s = det_now() - t0;
    for (size_t i = 0; i < n && rc == 0; i++)
        det__collect(&jobs[i]);
    for (size_t i = 0; i < n; i++)
        det_proc_free(&jobs[i].proc);
    free(jobs);
    free(pp);
    if (rc != 0)
        return rc;
    for (size_t i = 0; i < m->ncells; i++)
        if (m->cells[i].available)
            det__verdict(&m->cells[i]);
    return 0;
}

size_t det_problems(const struct det_matrix *m)
{
    size_t n = 0;
    for (size_t i = 0; i < m->ncells; i++)
        n += m->cells[i].available && m->cells[i].problem[0] != '\0';
    return n;
}
