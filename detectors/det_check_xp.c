/* detectors/det_check_xp.c - the explorer as one more detector of racelab
 * check: `racelab explore --json` on a C source, with a modest budget
 * (--preemptions 2, --max-seconds 1), in the same pool as TSan and valgrind.
 *
 * Its word: a deadlock or a failing run (a crash, or an exit status the
 * check does not accept) under a schedule it found, shown with that
 * schedule and the `racelab explore --replay` line that reproduces it; a
 * data race between two accesses no happens-before edge orders in a
 * schedule it ran. A program it refuses (what it cannot model: processes,
 * signals, pipes, raw system calls but futex and gettid, ...) or a search that ends in its
 * budget's limits only skips it, in one line. A failing schedule or a
 * deadlock counts only when its proof replays: `racelab explore --replay`
 * on the schedule's prefix must end the same way (a run the explorer's own
 * runtime ended for a reason of its own would not). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "det.h"

/* The explorer is this binary's `explore` command, with its runtime beside
 * it (BINDIR/../lib/libracelab-explore.a); NULL when it can run, else why not. */
static const char *det__xp_missing(char *self, size_t cap)
{
    ssize_t n = readlink("/proc/self/exe", self, cap - 1);
    if (n <= 0)
        return "cannot find racelab's own binary (/proc/self/exe)";
    self[n] = '\0';
    char rt[PATH_MAX + 64];
    const char *slash = strrchr(self, '/');
    snprintf(rt, sizeof rt, "%.*s/../lib/libracelab-explore.a", (int)(slash ? slash - self : 0),
             self);
    if (access(rt, R_OK) != 0)
        return "the explorer runtime is not built (target racelab-explore)";
    char clang[PATH_MAX];
    if (!det_find_program("clang", clang, sizeof clang))
        return "the explorer builds with clang, which is not in PATH";
    return NULL;
}

const char *det_xp_plan(struct det_xp *x, const char *src, int kind, char **args, int nargs,
                        double timeout_s)
{
    memset(x, 0, sizeof *x);
    if (kind == 0)
        return "a built program: the explorer needs the C source";
    if (kind == 2)
        return "a C++ source: the explorer takes C";
    const char *why = det__xp_missing(x->self, sizeof x->self);
    if (why != NULL)
        return why;
    size_t n = 0;
    char **a = x->argv;
    a[n++] = x->self;
    a[n++] = "explore";
    a[n++] = "--json";
    a[n++] = "--preemptions";
    a[n++] = "2";
    a[n++] = "--max-seconds";
    a[n++] = "1";
    a[n++] = (char *)src;
    a[n++] = "--";
    for (int i = 0; i < nargs && n + 1 < sizeof x->argv / sizeof *x->argv; i++)
        a[n++] = args[i];
    a[n] = NULL;
    x->proc.argv = x->argv;
    x->proc.timeout_s = timeout_s + 30;   /* its build, then a search of at most 1 s */
    x->proc.label = "explore";
    x->planned = true;
    return NULL;
}

/* The summary object: the last line of stdout that is JSON. */
static json_t *det__xp_summary(const char *out)
{
    const char *last = NULL;
    for (const char *p = out; p != NULL && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
        if (strncmp(p, "{\"kind\":\"summary\"", 17) == 0)
            last = p;
    if (last == NULL)
        return NULL;
    return json_loadb(last, strcspn(last, "\n"), 0, NULL);
}

static const char *det__js(json_t *o, const char *key)
{
    const char *v = json_string_value(json_object_get(o, key));
    return v != NULL ? v : "";
}

/* The data race the summary names, in one line. */
static void det__xp_race(json_t *race, struct det_xp_result *r)
{
    if (!json_is_object(race))
        return;
    r->race = true;
    snprintf(r->race_text, sizeof r->race_text,
             "data race on %s: T%lld %s (%s) and T%lld %s (%s) under schedule %s",
             det__js(race, "variable"), json_integer_value(json_object_get(race, "thread1")),
             det__js(race, "op1"), det__js(race, "source1"),
             json_integer_value(json_object_get(race, "thread2")), det__js(race, "op2"),
             det__js(race, "source2"), det__js(race, "schedule"));
}

void det_xp_read(const struct det_xp *x, struct det_xp_result *r)
{
    memset(r, 0, sizeof *r);
    const struct det_proc *p = &x->proc;
    json_t *j = p->end == UTIL_END_EXIT ? det__xp_summary(p->out) : NULL;
    if (j == NULL) {
        char last[240] = "", end[64];
        det_last_line(p->err ? p->err : "", last, sizeof last);
        const char *msg = strstr(last, "explore: ");
        snprintf(r->skip, sizeof r->skip, "%s",
                 msg ? msg + 9 : last[0] ? last : det_end_text(p, end, sizeof end));
        return;
    }
    snprintf(r->verdict, sizeof r->verdict, "%s", det__js(j, "verdict"));
    snprintf(r->end, sizeof r->end, "%s", det__js(j, "end"));
    snprintf(r->schedule, sizeof r->schedule, "%s", det__js(j, "schedule"));
    /* the failure's shortest prefix; for a race alone, the race's schedule */
    json_t *race = json_object_get(j, "race");
    const char *pre = strcmp(r->verdict, "race") == 0 && json_is_object(race)
                          ? det__js(race, "schedule") : det__js(j, "prefix");
    snprintf(r->replay, sizeof r->replay, "racelab explore %s --replay %s", det__js(j, "target"),
             pre[0] ? pre : "0");
    r->exhausted = json_is_true(json_object_get(j, "exhausted"));
    r->runs = (unsigned long)json_integer_value(json_object_get(j, "runs"));
    det__xp_race(race, r);
    json_decref(j);
}

/* Replays the finding's prefix once: true when the replay ends with the
 * same verdict (the proof holds). */
bool det_xp_confirm(const struct det_xp *x, const struct det_xp_result *r)
{
    const char *pre = strstr(r->replay, " --replay ");
    if (pre == NULL)
        return false;
    struct det_xp again = *x;
    char **a = again.argv;
    size_t n = 0;
    while (a[n] != NULL && strcmp(a[n], "--max-seconds") != 0)
        n++;
    if (a[n] == NULL)
        return false;
    a[n] = "--replay";   /* in place of --max-seconds 1: the same slot count */
    a[n + 1] = (char *)pre + 10;
    memset(&again.proc, 0, sizeof again.proc);
    again.proc.argv = a;
    again.proc.timeout_s = x->proc.timeout_s;
    again.proc.label = "explore --replay";
    struct det_proc *pp = &again.proc;
    bool same = false;
    if (det_pool_run(&pp, 1, 1, false) == 0) {
        struct det_xp_result r2;
        det_xp_read(&again, &r2);
        same = strcmp(r2.verdict, r->verdict) == 0 && strcmp(r2.end, r->end) == 0;
    }
    det_proc_free(&again.proc);
    return same;
}
