/* detectors/det_run.c - racelab check --run 'COMMAND': judge a whole test
 * command (ctest, make check, a script).
 *
 * The command runs under sh -c with TSAN_OPTIONS extended by
 * log_path=DIR/tsan: every TSan-built process it starts, at any depth,
 * writes its reports to DIR/tsan.PID instead of a stderr someone may
 * swallow. racelab reads every log, keeps the data-race reports (TSan's
 * other diagnostics are hints), and deduplicates them by fingerprint
 * (report kind + the first frame in the user's code): the same race seen in
 * ten test processes is one finding seen ten times. The command's own exit
 * status is judged as a program's (--exit-ok, --no-exit-check), except that
 * 66, TSan's exit code for a reported run, is a report, not a failure. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/fs.h"
#include "det.h"

/* Everything in |path|, NUL-terminated, or NULL. */
static char *det__read_all(const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return NULL;
    size_t cap = 8192, n = 0;
    char *buf = det_xmalloc(cap);
    for (size_t got; (got = fread(buf + n, 1, cap - n - 1, f)) > 0;) {
        n += got;
        if (cap - n < 2) {
            cap *= 2;
            char *nb = realloc(buf, cap);
            if (nb == NULL) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nb;
        }
    }
    fclose(f);
    buf[n] = '\0';
    return buf;
}

/* Adds |one| to the outcome, or counts it where its fingerprint is. */
static void det__dedup(struct det_outcome *oc, const struct det_one *one)
{
    char fp[32], why[300];
    det_fingerprint(one, fp, sizeof fp);
    struct det_facts f = { .tsan_could = true, .tsan_racy = true };
    enum det_class c = det_policy_class(DET_TSAN, one, &f, why, sizeof why);
    for (size_t i = 0; i < oc->nf; i++) {
        char fi[32];
        det_fingerprint(&oc->f[i].one, fi, sizeof fi);
        if (strcmp(fi, fp) == 0) {
            oc->f[i].count++;
            return;
        }
    }
    if (oc->nf >= DET_MAX_FINDINGS)
        return;
    struct det_finding *x = &oc->f[oc->nf++];
    x->d = DET_TSAN;
    x->c = c;
    x->one = *one;
    x->count = 1;
    snprintf(x->why, sizeof x->why, "%s", why);
}

/* Every log in |dir|: their reports into |oc|; how many logs. */
static unsigned det__gather(const char *dir, struct det_outcome *oc, struct det_supp *supp)
{
    DIR *d = opendir(dir);
    unsigned logs = 0;
    struct det_one *all = det_xmalloc(sizeof *all * DET_POLICY_MAX);
    for (struct dirent *e; d != NULL && (e = readdir(d)) != NULL;) {
        if (strncmp(e->d_name, "tsan.", 5) != 0)
            continue;
        char path[4096 + 256 + 2];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        char *text = det__read_all(path);
        unlink(path);
        if (text == NULL)
            continue;
        logs++;
        det_supp_tally(supp, DET_TSAN, text);
        size_t n = det_parse(DET_TSAN, text, all, DET_POLICY_MAX);
        for (size_t i = 0; i < n && i < DET_POLICY_MAX; i++)
            det__dedup(oc, &all[i]);
        free(text);
    }
    if (d != NULL)
        closedir(d);
    free(all);
    return logs;
}

/* The environment entry: the user's TSAN_OPTIONS, then ours. */
static void det__tsan_env(const char *dir, const struct det_supp *supp, char *out, size_t cap)
{
    const char *mine = getenv("TSAN_OPTIONS");
    int n = snprintf(out, cap, "TSAN_OPTIONS=%s%slog_path=%s/tsan exitcode=66", mine ? mine : "",
                     mine && *mine ? " " : "", dir);
    if (supp != NULL && n > 0 && (size_t)n < cap)
        snprintf(out + n, cap - (size_t)n, " suppressions=\"%s\" print_suppressions=1",
                 supp->abs);
}

static void det__print_run(const struct det_outcome *oc, unsigned logs, const char *end)
{
    printf("racelab check --run: %s\n  command   %s; %u TSan log(s)\n", oc->target, end, logs);
    size_t races = 0;
    for (size_t i = 0; i < oc->nf; i++) {
        const struct det_finding *x = &oc->f[i];
        char where[400], fp[32];
        det_policy_where(&x->one, where, sizeof where);
        det_fingerprint(&x->one, fp, sizeof fp);
        printf("  %-9s %s: %s at %s (seen %u time%s; fingerprint %s)\n", "tsan",
               x->c == DET_CL_RACE ? "RACE" : "hint", x->one.kind, where, x->count,
               x->count == 1 ? "" : "s", fp);
        races += x->c == DET_CL_RACE;
    }
    (void)races;
}

int det_check_run(const char *cmd, const struct det_options *o)
{
    if (cmd[0] == '\0')
        det_usage_error("check --run needs a command");
    struct det_outputs w = { o->sarif, o->junit, o->markdown };
    det_outputs_probe(&w);
    static struct det_supp supp_store;
    struct det_supp *supp = NULL;
    if (o->suppressions != NULL) {
        det_supp_load(o->suppressions, &supp_store);
        supp = &supp_store;
    }
    char dir[4096], env[8192];
    snprintf(dir, sizeof dir, "%s/racelab-run-XXXXXX", det_tmpdir());
    if (mkdtemp(dir) == NULL)
        det_usage_error("check --run: cannot create a directory in %s: %s", det_tmpdir(),
                        strerror(errno));
    det__tsan_env(dir, supp, env, sizeof env);
    char *argv[] = { "/bin/sh", "-c", (char *)cmd, NULL };
    struct det_proc p = { .argv = argv, .env_set = env, .timeout_s = o->timeout_s,
                          .label = "command" };
    struct det_proc *pp = &p;
    double t0 = det_now();
    int rc = det_pool_run(&pp, 1, 1, !o->quiet && isatty(2));
    static struct det_outcome oc;
    memset(&oc, 0, sizeof oc);
    oc.target = cmd;
    unsigned logs = det__gather(dir, &oc, supp);
    util_remove_tree(dir);   /* logs of processes still writing when the command ended too */
    if (rc != 0) {
        det_proc_free(&p);
        return rc;
    }
    if (p.end == UTIL_END_EXIT && p.code == 127 && logs == 0 && strstr(p.err, "not found")) {
        char last[300];
        det_last_line(p.err, last, sizeof last);
        det_proc_free(&p);
        det_usage_error("check --run: the command cannot start: %s", last);
    }
    char end[64];
    det_end_text(&p, end, sizeof end);
    oc.wall_s = det_now() - t0;
    oc.rounds = 1;
    int status = det_run_verdict(&oc, &p, o);
    det__print_run(&oc, logs, end);
    if (supp != NULL)
        det_supp_print(stdout, supp);
    printf("verdict: %s\n", oc.verdict);
    oc.seen = status != 0;
    det_proc_free(&p);
    if (supp != NULL)
        det_supp_clean(supp);
    int wrc = det_outputs_write(&w, &oc);
    return wrc != 0 ? wrc : status;
}

/* The command's verdict into oc->verdict: racy if a race report counts,
 * failed if its exit status does not pass, else clean. 0 or 1. */
int det_run_verdict(struct det_outcome *oc, const struct det_proc *p,
                    const struct det_options *o)
{
    size_t races = 0, first = 0;
    for (size_t i = oc->nf; i-- > 0;)
        if (oc->f[i].c == DET_CL_RACE) {
            races++;
            first = i;
        }
    char end[64];
    det_end_text(p, end, sizeof end);
    bool exit_ok = p->end == UTIL_END_EXIT &&
                   (o->no_exit_check || p->code == 66 ||
                    (o->exit_ok_given ? (p->code < 256 && (o->exit_ok[p->code / 8] &
                                                             (1u << (p->code % 8))))
                                      : p->code == 0));
    if (races > 0) {
        char where[400];
        det_policy_where(&oc->f[first].one, where, sizeof where);
        snprintf(oc->verdict, sizeof oc->verdict, "racy (%zu distinct race report%s; first: "
                 "%s at %s; the command: %s)", races, races == 1 ? "" : "s",
                 oc->f[first].one.kind, where, end);
    } else if (!exit_ok) {
        snprintf(oc->verdict, sizeof oc->verdict, "failed (the command: %s; no race report)",
                 end);
    } else {
        snprintf(oc->verdict, sizeof oc->verdict, "clean (the command: %s; no race report in "
                 "any TSan log)", end);
    }
    oc->status = races > 0 || !exit_ok;
    return oc->status;
}
