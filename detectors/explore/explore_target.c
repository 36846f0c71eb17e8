/* detectors/explore/explore_target.c - racelab explore LAB/VARIANT: a lab
 * variant as the explorer's target (notes/explorer.md "Lab targets").
 *
 * The labs are found as the harness finds them (det_discover: the lab-*
 * programs beside racelab, their cells from `--list --json`); the cell's
 * "explore" field names its explore flavour, a program in the lab's
 * directory built with the explorer's instrumentation and runtime
 * (labs/common/explore_main.c), and "explore_refused" says why a cell has
 * none. Nothing here knows a lab. The flavour is run as the driver exactly
 * as a user's program is: through a symbolic link in the run's temporary
 * directory, so that cleaning it up never touches the lab's own file. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "det.h"
#include "explore.h"

bool xp_is_lab_target(const char *t)
{
    size_t n = strlen(t);
    const char *slash = strchr(t, '/');
    return slash != NULL && slash > t && slash[1] != '\0' && strchr(slash + 1, '/') == NULL &&
           !(n >= 2 && strcmp(t + n - 2, ".c") == 0);
}

/* "a, b, c" of the labs (or of one lab's variants, each once) into out. */
static void xp__names(const struct det_matrix *m, const struct det_lab *lab, char *out,
                      size_t cap)
{
    size_t len = 0;
    out[0] = '\0';
    size_t n = lab ? m->ncells : m->nlabs;
    for (size_t i = 0; i < n && len + 1 < cap; i++) {
        const char *name = lab ? m->cells[i].variant : m->labs[i].name;
        bool seen = lab && m->cells[i].lab != lab;
        for (size_t k = 0; lab && !seen && k < i; k++)
            seen = m->cells[k].lab == lab && strcmp(m->cells[k].variant, name) == 0;
        if (!seen)
            len += (size_t)snprintf(out + len, cap - len, "%s%s", len ? ", " : "", name);
    }
}

/* The cell LAB/VARIANT: the threads model's if the variant has one (the
 * explorer runs workers as threads), else its first; exits 2 with what
 * exists when there is none. */
static const struct det_cell *xp__cell(const struct det_matrix *m, const char *target)
{
    char lab[128], names[1500];
    snprintf(lab, sizeof lab, "%.*s", (int)(strchr(target, '/') - target), target);
    const char *variant = strchr(target, '/') + 1;
    const struct det_lab *l = NULL;
    for (size_t i = 0; i < m->nlabs && l == NULL; i++)
        if (strcmp(m->labs[i].name, lab) == 0)
            l = &m->labs[i];
    if (l == NULL) {
        xp__names(m, NULL, names, sizeof names);
        det_usage_error("explore: no lab '%s' (labs: %s)", lab, names);
    }
    const struct det_cell *found = NULL;
    for (size_t i = 0; i < m->ncells; i++) {
        const struct det_cell *c = &m->cells[i];
        if (c->lab != l || strcmp(c->variant, variant) != 0)
            continue;
        if (found == NULL || strcmp(c->model, "threads") == 0)
            found = c;
    }
    if (found == NULL) {
        xp__names(m, l, names, sizeof names);
        det_usage_error("explore: lab-%s has no variant '%s' (variants: %s)", lab, variant,
                        names);
    }
    return found;
}

/* The flavour's arguments: the cell, the sizes, the cell's run_args, then
 * the user's own ARGS (pos[1..]). */
static char **xp__lab_argv(const struct xp_options *o, const struct det_cell *c, char **pos,
                           int npos, int *argc)
{
    static char workers[24], iters[24];
    char **av = det_xmalloc(sizeof *av * (size_t)(npos + 12 + DET_MAX_RUN_ARGS));
    int n = 0;
    av[n++] = "prog";
    av[n++] = "--model";
    av[n++] = det_strdup(c->model);
    av[n++] = "--variant";
    av[n++] = det_strdup(c->variant);
    if (o->workers) {
        snprintf(workers, sizeof workers, "%u", o->workers);
        av[n++] = "--workers";
        av[n++] = workers;
    }
    snprintf(iters, sizeof iters, "%llu", (unsigned long long)(o->iters ? o->iters : 2));
    av[n++] = "--iters";
    av[n++] = iters;
    for (unsigned k = 0; k < c->nrun_args; k++)
        av[n++] = det_strdup(c->run_args[k]);
    for (int k = 1; k < npos; k++)
        av[n++] = pos[k];
    av[n] = NULL;
    *argc = n;
    return av;
}

char **xp_lab_target(struct xp_options *o, struct xp_build *b, char **pos, int npos,
                     int *argc)
{
    struct det_matrix m;
    char lab[128];
    snprintf(lab, sizeof lab, "%.*s", (int)(strchr(o->target, '/') - o->target), o->target);
    int rc = det_discover_lab(&m, "racelab", lab);
    if (rc == 3) {   /* no such lab: every lab's list, to say which there are */
        det_matrix_free(&m);
        rc = det_discover(&m, "racelab");
    }
    if (rc != 0)
        exit(2);
    const struct det_cell *c = xp__cell(&m, o->target);
    if (!c->available)
        det_usage_error("explore: %s is not available in this build: %s", o->target,
                        c->description);
    if (c->explore == NULL)
        det_usage_error("explore: %s: refused: %s", o->target,
                        c->explore_refused ? c->explore_refused
                                           : "its lab's --list --json names no explore program");
    for (unsigned k = 0; k + 1 < c->xplan.nargs; k += 2)   /* the sizes the matrix uses */
        xp_lab_default(o, c->xplan.args[k], c->xplan.args[k + 1]);
    char flavour[PATH_MAX];
    if (snprintf(flavour, sizeof flavour, "%s/%s", m.bindir, c->explore) >= (int)sizeof flavour ||
        access(flavour, X_OK) != 0)
        det_usage_error("explore: %s: its explore program %s is missing: %s", o->target, flavour,
                        strerror(errno));
    snprintf(b->dir, sizeof b->dir, "%s/racelab-explore-XXXXXX", det_tmpdir());
    if (mkdtemp(b->dir) == NULL)
        det_usage_error("explore: cannot create a directory in %s: %s", det_tmpdir(),
                        strerror(errno));
    snprintf(b->obj, sizeof b->obj, "%s/none.o", b->dir);
    snprintf(b->prog, sizeof b->prog, "%s/%s", b->dir, c->explore);
    snprintf(b->out, sizeof b->out, "%s/result", b->dir);
    if (symlink(flavour, b->prog) != 0) {
        int e = errno;
        xp_build_clean(b);
        det_usage_error("explore: cannot link %s into %s: %s", flavour, b->dir, strerror(e));
    }
    char **av = xp__lab_argv(o, c, pos, npos, argc);
    det_matrix_free(&m);
    return av;
}
