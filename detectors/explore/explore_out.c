/* detectors/explore/explore_out.c - what racelab explore prints: the
 * verdict line, the step table with its notes, the search summary, JSON
 * Lines and a Mermaid sequenceDiagram. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "det.h"
#include "explore.h"
#include "util/json.h"

/* A STORE by T to x after another thread stored x since T last loaded it
 * wrote over that update: "overwrites step N: lost update". */
void xp_notes(struct xp_result *r)
{
    for (size_t i = 0; i < r->nsteps; i++) {
        struct xp_step *s = &r->steps[i];
        if (s->op != XRT_OP_STORE)
            continue;
        long load = -1, other = -1;
        for (size_t k = i; k-- > 0;) {
            const struct xp_step *p = &r->steps[k];
            if (p->addr != s->addr)
                continue;
            if (p->tid == s->tid && p->op == XRT_OP_LOAD) {
                load = (long)k;
                break;
            }
            if (p->tid != s->tid && other < 0 &&
                (p->op == XRT_OP_STORE || p->op == XRT_OP_RMW || p->op == XRT_OP_CAS))
                other = (long)k;
        }
        if (load >= 0 && other > load)
            snprintf(s->note, sizeof s->note, "overwrites step %ld: lost update", other + 1);
    }
}

void xp_result_line(struct xp_result *r, const char *line, const char *v)
{
    if (strncmp(line, "shrink ", 7) == 0)
        sscanf(v, "%u %u %u", &r->shrink_swaps, &r->shrink_replays, &r->shrink_dropped);
    else if (strncmp(line, "memory ", 7) == 0)
        sscanf(v, "%llu %llu", &r->mem_steps, &r->mem_step_bytes);
}

int xp_exit_code(const struct xp_result *r)
{
    if (strcmp(r->verdict, "pass") == 0)
        return 0;
    return strcmp(r->verdict, "fail") == 0 || strcmp(r->verdict, "deadlock") == 0 ||
                   strcmp(r->verdict, "race") == 0 ? 1 : 2;
}

/* A schedule for a one-line message: as it is up to XP_SCHED_SHOWN
 * characters, else its start cut at an item and how many steps it has (a
 * spinning run's schedule can take 80 kB; --json and the replay keep it
 * whole). |out|: at least XP_SCHED_SHOWN + 80 bytes. */
#define XP_SCHED_SHOWN 200
static const char *xp__sched(const char *sched, char *out, size_t cap)
{
    if (sched == NULL)
        return "";
    if (strlen(sched) <= XP_SCHED_SHOWN)
        return sched;
    unsigned long long steps = 0;
    for (const char *p = sched; *p;) {
        char *end;
        strtoul(p, &end, 10);
        steps += *end == '*' ? strtoull(end + 1, &end, 10) : 1;
        p = *end ? end + 1 : end;
    }
    size_t keep = XP_SCHED_SHOWN;
    while (keep > 0 && sched[keep] != ',')
        keep--;
    snprintf(out, cap, "%.*s,... (%llu steps; --json has the whole schedule)", (int)keep, sched,
             steps);
    return out;
}

/* The first data race, in one line. */
static void xp__race(const struct xp_result *r)
{
    char sch[XP_SCHED_SHOWN + 80];
    if (!r->have_race)
        return;
    if (r->rop[0] == XRT_OP_FREE) {
        printf("use after free of %s: T%u FREE (%s), then T%u %s (%s) (schedule %s)\n",
               r->rvar, r->rtid[0], r->rsrc[0][0] ? r->rsrc[0] : "?", r->rtid[1],
               xrt_op_names[r->rop[1]], r->rsrc[1][0] ? r->rsrc[1] : "?",
               xp__sched(r->race_schedule, sch, sizeof sch));
        return;
    }
    printf("data race on %s: T%u %s (%s) and T%u %s (%s), not ordered by happens-before "
           "(schedule %s)\n", r->rvar, r->rtid[0], xrt_op_names[r->rop[0]],
           r->rsrc[0][0] ? r->rsrc[0] : "?", r->rtid[1], xrt_op_names[r->rop[1]],
           r->rsrc[1][0] ? r->rsrc[1] : "?", xp__sched(r->race_schedule, sch, sizeof sch));
}

static void xp__value(const struct xp_step *s, char *out, size_t cap)
{
    if (s->op >= XRT_OP_LOCK && s->op != XRT_OP_RMW)
        snprintf(out, cap, "-");
    else if (!s->known)
        snprintf(out, cap, "?");
    else if (s->size == 1)
        snprintf(out, cap, "%d", (int)(int8_t)s->value);
    else if (s->size == 2)
        snprintf(out, cap, "%d", (int)(int16_t)s->value);
    else if (s->size == 4)
        snprintf(out, cap, "%" PRId32, (int32_t)s->value);
    else
        snprintf(out, cap, "%" PRId64, (int64_t)s->value);
}

static void xp__table(const struct xp_result *r)
{
    int vw = 8;
    for (size_t i = 0; i < r->nsteps; i++)
        vw = (int)strlen(r->steps[i].var) > vw ? (int)strlen(r->steps[i].var) : vw;
    printf("  %4s  %-6s  %-9s  %-*s  %8s  %-20s  %s\n", "step", "thread", "operation", vw,
           "variable", "value", "source", "note");
    for (size_t i = 0; i < r->nsteps; i++) {
        const struct xp_step *s = &r->steps[i];
        char val[32], th[8];
        xp__value(s, val, sizeof val);
        snprintf(th, sizeof th, "T%u", s->tid);
        char line[512];
        int n = snprintf(line, sizeof line, "  %4zu  %-6s  %-9s  %-*s  %8s  %-20s  %s", i + 1, th,
                         xrt_op_names[s->op], vw, s->var, val, s->src[0] ? s->src : "?",
                         s->note);
        while (n > 0 && (size_t)n < sizeof line && line[n - 1] == ' ')
            line[--n] = '\0';
        printf("%s\n", line);
    }
}

static void xp__deadlock(const struct xp_result *r)
{
    for (size_t i = 0; i < r->nblocked; i++) {
        const struct xp_blocked *b = &r->blocked[i];
        printf("  T%u waits for %s", b->tid, b->want);
        if (b->owner >= 0)
            printf(" (held by T%d)", b->owner);
        if (b->op <= XRT_OP_CAS || b->op == XRT_OP_TRYLOCK || b->op == XRT_OP_TRYRDLOCK ||
            b->op == XRT_OP_TRYWRLOCK)
            printf(", spinning: its %s %s, then it yields", xrt_op_names[b->op],
                   b->op == XRT_OP_LOAD ? "reads it unchanged" : "fails");
        printf("%s%s\n", b->held_names[0] ? "; holds " : "; holds nothing", b->held_names);
    }
}

static const char *xp__how(const struct xp_result *r)
{
    if (r->output[0])
        return r->output;
    return r->end;
}

static void xp__summary(const struct xp_options *o, const struct xp_result *r)
{
    char space[120];
    if (o->replay != NULL)
        snprintf(space, sizeof space, "replay of one schedule");
    else if (o->strategy == XRT_DPOR)
        snprintf(space, sizeof space, "dpor: %s", r->exhausted ? "every trace (class of "
                 "equivalent schedules) explored, one run each" : "partial-order reduction");
    else if (o->strategy == XRT_RANDOM)
        snprintf(space, sizeof space, "random (seed %llu)", (unsigned long long)o->seed);
    else if (o->strategy == XRT_PCT)
        snprintf(space, sizeof space, "pct (depth %llu, seed %llu: run r uses seed %llu + r)",
                 (unsigned long long)o->depth, (unsigned long long)o->seed,
                 (unsigned long long)o->seed);
    else if (r->exhausted)
        snprintf(space, sizeof space, "bounded: every schedule explored");
    else if (strcmp(r->stop, "bound") == 0)
        snprintf(space, sizeof space, "bounded: every schedule with at most %d preemption%s "
                 "explored", r->bound, r->bound == 1 ? "" : "s");
    else
        snprintf(space, sizeof space, "bounded (at most %d preemptions)", o->bound);
    const char *why = strcmp(r->stop, "failure") == 0 ? ", stopped at the first failure"
                      : strcmp(r->stop, "max-runs") == 0 ? ", stopped by --max-runs"
                      : strcmp(r->stop, "max-seconds") == 0 ? ", stopped by --max-seconds" : "";
    double s = r->wall_ns * 1e-9;
    double pps = s > 0 ? (double)r->points / s : 0.0;
    printf("search: %s; %llu run%s (%llu failing, %llu executions)%s; %llu points in %.3f s "
           "(%.3g%s points/s)\n", space, r->runs, r->runs == 1 ? "" : "s", r->failures,
           r->execs, why, r->points, s, pps >= 1e6 ? pps / 1e6 : pps / 1e3,
           pps >= 1e6 ? "M" : "k");
    printf("memory: %.1f kB for the search state, the path only (%llu steps x %llu bytes, no "
           "states kept); peak resident %ld kB (driver), %ld kB (largest run)\n",
           (double)(r->mem_steps * r->mem_step_bytes) / 1024.0, r->mem_steps,
           r->mem_step_bytes, r->rss_driver_kb, r->rss_run_kb);
}

void xp_print_human(const struct xp_options *o, const struct xp_result *r)
{
    const char *t = o->target;
    printf("racelab explore: %s (clang -O0 -g -fsanitize=thread, linked against the explorer "
           "runtime; sequentially consistent interleavings)\n", t);
    const char *v = r->verdict;
    char sch[XP_SCHED_SHOWN + 80];
    if (strcmp(v, "pass") == 0) {
        printf("PASS %s: no failing schedule, no data race\n", t);
    } else if (strcmp(v, "race") == 0) {
        printf("RACE %s: no failing schedule, but %s\n", t,
               r->rop[0] == XRT_OP_FREE ? "a use after free" : "a data race");
    } else if (strcmp(v, "fail") == 0 || strcmp(v, "deadlock") == 0) {
        bool dl = strcmp(v, "deadlock") == 0;
        printf("%s %s: %s; schedule %s (%u preemption%s)\n", dl ? "DEADLOCK" : "FAIL", t,
               dl ? "no thread can go on" : xp__how(r), xp__sched(r->schedule, sch, sizeof sch),
               r->preemptions, r->preemptions == 1 ? "" : "s");
        if (dl)
            xp__deadlock(r);
        xp__table(r);
    } else if (strcmp(v, "max-steps") == 0) {
        printf("ERROR %s: a run reached --max-steps %llu: the program may not terminate "
               "(spinning without sched_yield?); schedule %s\n", t,
               (unsigned long long)o->max_steps, xp__sched(r->schedule, sch, sizeof sch));
    } else if (strcmp(v, "diverged") == 0) {
        printf("ERROR %s: %s: the program is nondeterministic, or the schedule is not one of "
               "its own\n", t, r->message);
    } else if (strcmp(v, "timeout") == 0) {
        printf("ERROR %s: a run took longer than --max-seconds %g without reaching a point\n",
               t, o->max_seconds);
    } else {
        printf("ERROR %s: %s (exit 2)\n", t, r->message[0] ? r->message : r->end);
    }
    xp__race(r);
    xp__summary(o, r);
    if (r->shrink_dropped + r->shrink_swaps > 0)
        printf("shrink: %u preemption%s dropped, %u adjacent independent step%s swapped "
               "(lowest thread first); %u replay%s\n", r->shrink_dropped,
               r->shrink_dropped == 1 ? "" : "s", r->shrink_swaps,
               r->shrink_swaps == 1 ? "" : "s", r->shrink_replays,
               r->shrink_replays == 1 ? "" : "s");
    if (r->schedule != NULL && o->replay == NULL && xp_exit_code(r) == 1)
        printf("replay: racelab explore %s --replay %s   (the shortest prefix: the rest goes "
               "on without preemption)\n", t, r->prefix && r->prefix[0] ? r->prefix : "0");
}

static const char *const xp__strategy_names[] = { "bounded", "random", "dpor", "pct" };

void xp_print_json(const struct xp_options *o, const struct xp_result *r)
{
    for (size_t i = 0; i < r->nsteps; i++) {
        const struct xp_step *s = &r->steps[i];
        char val[32], addr[24];
        xp__value(s, val, sizeof val);
        snprintf(addr, sizeof addr, "0x%llx", (unsigned long long)s->addr);
        json_t *j = json_pack("{s:s, s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:s}", "kind", "step",
                              "step", (json_int_t)(i + 1), "thread", (json_int_t)s->tid, "op",
                              xrt_op_names[s->op], "variable", s->var, "addr", addr, "value",
                              val, "source", s->src, "note", s->note);
        char *txt = json_dumps(j, JSON_COMPACT);
        printf("%s\n", txt);
        free(txt);
        json_decref(j);
    }
    double sec = r->wall_ns * 1e-9;
    json_t *j = json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:b, s:I, s:s, s:s, s:I, s:I, s:f, s:f, s:s}",
        "kind", "summary", "target", o->target, "verdict", r->verdict, "end", r->end, "output",
        r->output, "runs", (json_int_t)r->runs, "executions", (json_int_t)r->execs, "failures",
        (json_int_t)r->failures, "exhausted", r->exhausted, "bound", (json_int_t)r->bound,
        "strategy", xp__strategy_names[o->strategy < 4 ? o->strategy : 0],
        "schedule",
        r->schedule ? r->schedule : "", "preemptions", (json_int_t)r->preemptions, "points",
        (json_int_t)r->points, "wall_ns", r->wall_ns, "points_per_s",
        sec > 0 ? (double)r->points / sec : 0.0, "stop", r->stop);
    json_object_set_new(j, "opt", json_string("-O0"));
    json_object_set_new(j, "seed", json_integer((json_int_t)o->seed));
    if (o->strategy == XRT_PCT)
        json_object_set_new(j, "depth", json_integer((json_int_t)o->depth));
    json_object_set_new(j, "rss_driver_kb", json_integer(r->rss_driver_kb));
    json_object_set_new(j, "path_bytes",
                        json_integer((json_int_t)(r->mem_steps * r->mem_step_bytes)));
    json_object_set_new(j, "path_steps", json_integer((json_int_t)r->mem_steps));
    json_object_set_new(j, "shrink_swaps", json_integer(r->shrink_swaps));
    json_object_set_new(j, "shrink_replays", json_integer(r->shrink_replays));
    json_object_set_new(j, "shrink_dropped", json_integer(r->shrink_dropped));
    json_object_set_new(j, "rss_run_kb", json_integer(r->rss_run_kb));
    json_object_set_new(j, "prefix", json_string(r->prefix ? r->prefix : ""));
    if (r->have_race)
        json_object_set_new(j, "race", json_pack("{s:s, s:I, s:s, s:s, s:I, s:s, s:s, s:s}",
            "variable", r->rvar, "thread1", (json_int_t)r->rtid[0], "op1",
            xrt_op_names[r->rop[0]], "source1", r->rsrc[0], "thread2", (json_int_t)r->rtid[1],
            "op2", xrt_op_names[r->rop[1]], "source2", r->rsrc[1], "schedule",
            r->race_schedule ? r->race_schedule : ""));
    if (r->have_race)
        json_object_set_new(json_object_get(j, "race"), "kind",
                            json_string(r->rop[0] == XRT_OP_FREE ? "use-after-free" : "data-race"));
    json_object_set_new(j, "message", json_string(r->message));
    char *txt = json_dumps(j, JSON_COMPACT);
    printf("%s\n", txt);
    free(txt);
    json_decref(j);
}

void xp_print_mermaid(const struct xp_result *r)
{
    if (r->nsteps == 0)
        return;
    printf("\n```mermaid\nsequenceDiagram\n");
    bool seen[XRT_MAX_THREADS] = { false };
    for (size_t i = 0; i < r->nsteps; i++)
        if (!seen[r->steps[i].tid]) {
            seen[r->steps[i].tid] = true;
            printf("    participant T%u\n", r->steps[i].tid);
        }
    char names[64][80];
    size_t nn = 0;
    for (size_t i = 0; i < r->nsteps && nn < 64; i++) {
        size_t k = 0;
        while (k < nn && strcmp(names[k], r->steps[i].var) != 0)
            k++;
        if (k == nn) {
            snprintf(names[nn++], sizeof names[0], "%s", r->steps[i].var);
            printf("    participant V%zu as %s\n", k, r->steps[i].var);
        }
    }
    for (size_t i = 0; i < r->nsteps; i++) {
        const struct xp_step *s = &r->steps[i];
        size_t k = 0;
        while (k < nn && strcmp(names[k], s->var) != 0)
            k++;
        char val[32];
        xp__value(s, val, sizeof val);
        if (s->op == XRT_OP_LOAD)
            printf("    V%zu-->>T%u: %zu LOAD %s\n", k, s->tid, i + 1, val);
        else
            printf("    T%u->>V%zu: %zu %s %s\n", s->tid, k, i + 1, xrt_op_names[s->op], val);
        if (s->note[0])
            printf("    Note over T%u: %s\n", s->tid, s->note);
    }
    printf("```\n");
}

static size_t xp__col(char (*cols)[80], size_t nc, const char *name)
{
    size_t k = 0;
    while (k < nc && strcmp(cols[k], name) != 0)
        k++;
    return k;
}

static void xp__svg_step(FILE *f, const struct xp_result *r, size_t i, char (*cols)[80],
                         size_t nc)
{
    const struct xp_step *s = &r->steps[i];
    char th[8], val[32];
    snprintf(th, sizeof th, "T%u", s->tid);
    xp__value(s, val, sizeof val);
    int xt = 90 + 140 * (int)xp__col(cols, nc, th);
    int xv = 90 + 140 * (int)xp__col(cols, nc, s->var);
    int y = 70 + 34 * (int)i;
    bool load = s->op == XRT_OP_LOAD;
    int x1 = load ? xv : xt, x2 = load ? xt : xv;
    fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" "
               "marker-end=\"url(#a)\"/>\n", x1, y, x2 + (x2 > x1 ? -2 : 2), y,
            s->note[0] ? "#c00" : "black");
    fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%zu %s %s</text>\n",
            (x1 + x2) / 2, y - 4, i + 1, xrt_op_names[s->op], val);
    if (s->note[0]) {
        fprintf(f, "<text x=\"%d\" y=\"%d\" fill=\"#c00\">", (x1 > x2 ? x1 : x2) + 8, y + 4);
        util_xml_text(f, s->note);
        fprintf(f, "</text>\n");
    }
}

/* The failing schedule as an SVG sequence diagram: one lifeline per thread
 * and per variable, one arrow per step (thread to variable for a write or a
 * synchronization, variable to thread for a load), notes in red. */
int xp_write_svg(const char *path, const struct xp_result *r)
{
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return -1;
    char cols[XRT_MAX_THREADS + 64][80];
    size_t nc = 0;
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < r->nsteps && nc < sizeof cols / sizeof cols[0]; i++) {
            char name[80];
            if (pass)
                snprintf(name, sizeof name, "%s", r->steps[i].var);
            else
                snprintf(name, sizeof name, "T%u", r->steps[i].tid);
            if (xp__col(cols, nc, name) == nc)
                snprintf(cols[nc++], sizeof cols[0], "%s", name);
        }
    int w = 140 * (int)nc + 260, h = 90 + 34 * (int)r->nsteps + 20;   /* room for notes */
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
               "font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%%\" "
               "height=\"100%%\" fill=\"white\"/>\n<defs><marker id=\"a\" markerWidth=\"8\" "
               "markerHeight=\"8\" refX=\"8\" refY=\"4\" orient=\"auto\"><path d=\"M0,0 L8,4 "
               "L0,8 z\"/></marker></defs>\n", w, h);
    for (size_t k = 0; k < nc; k++) {
        int x = 90 + 140 * (int)k;
        fprintf(f, "<text x=\"%d\" y=\"30\" text-anchor=\"middle\" font-weight=\"bold\">", x);
        util_xml_text(f, cols[k]);
        fprintf(f, "</text>\n<line x1=\"%d\" y1=\"40\" x2=\"%d\" y2=\"%d\" stroke=\"#999\" "
                   "stroke-dasharray=\"4\"/>\n", x, x, h - 10);
    }
    for (size_t i = 0; i < r->nsteps; i++)
        xp__svg_step(f, r, i, cols, nc);
    fprintf(f, "</svg>\n");
    return ferror(f) | fclose(f) ? -1 : 0;
}
