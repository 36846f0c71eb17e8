/* labs/common/report.c - lab_main: run the chosen variants and report.
 *
 * People get a table per racy variant (every trial: the spread is the
 * lesson), one line per fixed variant, and a summary with ns/op and the cost
 * relative to the lab's baseline. Machines get --json (JSON Lines: one
 * "trial" object per trial, one "summary" per variant, as DESIGN.md section 7
 * says) or --csv (the same records, one header). */
#include "lab.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sync/atomic.h"

const char *lab_atomics_backend(void)
{
    return SYNC_ATOMIC_BACKEND;
}

static const char *ao_status(void)
{
#ifdef RACELAB_HAVE_AO
    return "available";
#else
    return "unavailable (apt-get install libatomic-ops-dev, then rebuild)";
#endif
}

struct summary {
    const struct lab_variant *v;
    uint64_t expected;
    uint64_t min, median, max;
    double ns_per_op;   /* median over trials */
    uint64_t wall_ns;   /* median over trials */
    unsigned lossy;     /* trials whose observation differed from expected */
    unsigned trials;
    bool ran;
    const char *skipped; /* why it did not run */
};

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static uint64_t median_u64(uint64_t *v, unsigned n)
{
    qsort(v, n, sizeof *v, cmp_u64);
    return n % 2 ? v[n / 2] : v[n / 2 - 1] + (v[n / 2] - v[n / 2 - 1]) / 2;
}

static double ns_per_op(uint64_t wall_ns, unsigned workers, uint64_t iters)
{
    return (double)wall_ns / ((double)workers * (double)iters);
}

static void json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

/* The fields every record carries, in a fixed order. */
static void record_common(FILE *f, enum lab_format fmt, const struct lab *lab,
                          const struct lab_opts *o, const struct lab_variant *v,
                          uint64_t expected, uint64_t observed, double nsop, uint64_t wall)
{
    long long lost = (long long)expected - (long long)observed;
    if (fmt == LAB_JSON) {
        fprintf(f, "\"lab\":\"%s\",\"model\":\"%s\",\"variant\":\"%s\",\"workers\":%u,"
                "\"iters\":%llu,\"expected\":%llu,\"observed\":%llu,\"lost\":%lld,"
                "\"ns_per_op\":%.3f,\"wall_ns\":%llu,\"racy_by_design\":%s,\"atomics\":",
                lab->name, lab_model_name(o->model), v->name, o->workers,
                (unsigned long long)o->iters, (unsigned long long)expected,
                (unsigned long long)observed, lost, nsop, (unsigned long long)wall,
                v->racy_by_design ? "true" : "false");
        json_string(f, lab_atomics_backend());
    } else {
        fprintf(f, "%s,%s,%s,%u,%llu,%llu,%llu,%lld,%.3f,%llu,%s,%s", lab->name,
                lab_model_name(o->model), v->name, o->workers, (unsigned long long)o->iters,
                (unsigned long long)expected, (unsigned long long)observed, lost, nsop,
                (unsigned long long)wall, v->racy_by_design ? "true" : "false",
                lab_atomics_backend());
    }
}

#define CSV_HEADER "kind,lab,model,variant,workers,iters,expected,observed,lost,ns_per_op," \
                   "wall_ns,racy_by_design,atomics,trial,trials,lossy_trials,observed_min," \
                   "observed_median,observed_max\n"

static void emit_trial(const struct lab *lab, const struct lab_opts *o,
                       const struct lab_variant *v, uint64_t expected, unsigned trial,
                       const struct lab_trial *t)
{
    double nsop = ns_per_op(t->wall_ns, o->workers, o->iters);
    if (o->format == LAB_JSON) {
        fputs("{\"kind\":\"trial\",", stdout);
        record_common(stdout, o->format, lab, o, v, expected, t->observed, nsop, t->wall_ns);
        printf(",\"trial\":%u}\n", trial);
    } else if (o->format == LAB_CSV) {
        fputs("trial,", stdout);
        record_common(stdout, o->format, lab, o, v, expected, t->observed, nsop, t->wall_ns);
        printf(",%u,,,,,\n", trial);
    } else if (v->racy_by_design) {
        long long lost = (long long)expected - (long long)t->observed;
        printf("  %5u  %12llu  %10lld  %6.2f %%  %8.2f\n", trial,
               (unsigned long long)t->observed, lost, 100.0 * (double)lost / (double)expected,
               nsop);
    }
}

static void emit_summary(const struct lab *lab, const struct lab_opts *o,
                         const struct summary *s)
{
    if (o->format == LAB_JSON) {
        fputs("{\"kind\":\"summary\",", stdout);
        record_common(stdout, o->format, lab, o, s->v, s->expected, s->median, s->ns_per_op,
                      s->wall_ns);
        printf(",\"trials\":%u,\"lossy_trials\":%u,\"observed_min\":%llu,"
               "\"observed_median\":%llu,\"observed_max\":%llu,\"correct\":%s}\n",
               s->trials, s->lossy, (unsigned long long)s->min, (unsigned long long)s->median,
               (unsigned long long)s->max, s->lossy == 0 ? "true" : "false");
    } else if (o->format == LAB_CSV) {
        fputs("summary,", stdout);
        record_common(stdout, o->format, lab, o, s->v, s->expected, s->median, s->ns_per_op,
                      s->wall_ns);
        printf(",,%u,%u,%llu,%llu,%llu\n", s->trials, s->lossy, (unsigned long long)s->min,
               (unsigned long long)s->median, (unsigned long long)s->max);
    } else if (s->v->racy_by_design) {
        printf("  %u of %u trials lost updates; observed min %llu, median %llu, max %llu "
               "(expected %llu)\n\n",
               s->lossy, s->trials, (unsigned long long)s->min, (unsigned long long)s->median,
               (unsigned long long)s->max, (unsigned long long)s->expected);
    } else if (s->lossy == 0) {
        printf("  exact in %u of %u trials (%llu), %.2f ns/op\n\n", s->trials, s->trials,
               (unsigned long long)s->expected, s->ns_per_op);
    } else {
        printf("  WRONG in %u of %u trials: observed min %llu, max %llu, expected %llu\n\n",
               s->lossy, s->trials, (unsigned long long)s->min, (unsigned long long)s->max,
               (unsigned long long)s->expected);
    }
}

static void emit_skip(const struct lab *lab, const struct lab_opts *o,
                      const struct lab_variant *v, const char *why)
{
    if (o->format == LAB_JSON) {
        printf("{\"kind\":\"unavailable\",\"lab\":\"%s\",\"model\":\"%s\",\"variant\":\"%s\","
               "\"reason\":", lab->name, lab_model_name(o->model), v->name);
        json_string(stdout, why);
        puts("}");
    } else if (o->format == LAB_HUMAN) {
        printf("%s - skipped: %s\n\n", v->name, why);
    }
}

static void print_list(const struct lab *lab, const struct lab_opts *o)
{
    if (o->format == LAB_HUMAN) {
        printf("lab-%s: %s\n\n", lab->name, lab->title);
        printf("  %-8s %-9s %-5s %s\n", "model", "variant", "racy", "description");
    } else if (o->format == LAB_CSV) {
        puts("lab,model,variant,racy_by_design,available,description");
    }
    for (int m = 0; m < LAB_NMODELS; m++) {
        for (size_t i = 0; i < lab->nvariants; i++) {
            const struct lab_variant *v = lab->variants[i];
            if (!(v->models & LAB_MODEL_BIT(m)))
                continue;
            const char *model = lab_model_name((enum lab_model)m);
            if (o->format == LAB_JSON) {
                printf("{\"lab\":\"%s\",\"model\":\"%s\",\"variant\":\"%s\","
                       "\"racy_by_design\":%s,\"available\":%s,\"description\":",
                       lab->name, model, v->name, v->racy_by_design ? "true" : "false",
                       v->unavailable ? "false" : "true");
                json_string(stdout, v->description);
                if (v->unavailable) {
                    fputs(",\"reason\":", stdout);
                    json_string(stdout, v->unavailable);
                }
                puts("}");
            } else if (o->format == LAB_CSV) {
                printf("%s,%s,%s,%s,%s,\"%s\"\n", lab->name, model, v->name,
                       v->racy_by_design ? "true" : "false", v->unavailable ? "false" : "true",
                       v->description);
            } else {
                printf("  %-8s %-9s %-5s %s%s%s\n", model, v->name,
                       v->racy_by_design ? "yes" : "no", v->description,
                       v->unavailable ? "\n                           unavailable: " : "",
                       v->unavailable ? v->unavailable : "");
            }
        }
    }
    if (o->format == LAB_HUMAN)
        printf("\natomics backend: %s; libatomic_ops backend: %s\n", lab_atomics_backend(),
               ao_status());
}

#ifdef RACELAB_TSAN_TWIN
/* ThreadSanitizer names files and functions in its reports only through an
 * external llvm-symbolizer; a fresh Debian with clang lacks it. Say so once,
 * up front, rather than leave the user with a stack of <null> frames. */
static void check_symbolizer(const struct lab *lab)
{
    const char *opts = getenv("TSAN_OPTIONS");
    if (opts && strstr(opts, "external_symbolizer_path"))
        return;
    const char *path = getenv("PATH");
    char buf[4096];
    for (const char *p = path ? path : ""; *p;) {
        size_t n = strcspn(p, ":");
        if (n > 0 && n < sizeof buf - 20) {
            snprintf(buf, sizeof buf, "%.*s/llvm-symbolizer", (int)n, p);
            if (access(buf, X_OK) == 0)
                return;
        }
        p += n + (p[n] == ':');
    }
    fprintf(stderr, "lab-%s-tsan: llvm-symbolizer is not on PATH, so ThreadSanitizer reports "
            "will name no files or functions (apt-get install llvm)\n", lab->name);
}
#endif

static void usage(const struct lab *lab, FILE *f)
{
    fprintf(f,
        "usage: lab-%s [options]\n"
        "%s\n\n"
        "  --model NAME      how workers run: threads (default)\n"
        "  --variant LIST    variants to run, comma-separated, or 'all' (default: %s)\n"
        "  --workers N       concurrent workers, 1 to %u (default 2)\n"
        "  --iters N         operations per worker, 1 to %llu (default 100000)\n"
        "  --trials N        repetitions of each variant, 1 to %u (default 10)\n"
        "  --json            JSON Lines on stdout: one 'trial' object per trial, one\n"
        "                    'summary' per variant\n"
        "  --csv             the same records as CSV with one header line\n"
        "  --list            list models and variants (with --json: one object each)\n"
        "  --help            this text\n\n"
        "Exit status: 0 ran (a racy variant losing updates is the lesson, not a\n"
        "failure), 1 a fixed variant was wrong or a trial could not run, 2 bad usage.\n",
        lab->name, lab->title, lab->default_variants, LAB_MAX_WORKERS,
        (unsigned long long)LAB_MAX_ITERS, LAB_MAX_TRIALS);
    fprintf(f, "\nvariants:\n");
    for (size_t i = 0; i < lab->nvariants; i++)
        fprintf(f, "  %-9s %s%s\n", lab->variants[i]->name, lab->variants[i]->description,
                lab->variants[i]->unavailable ? " [unavailable]" : "");
}

static void progress(const struct lab_opts *o, const char *variant, unsigned trial)
{
    static int tty = -1;
    if (tty < 0)
        tty = isatty(STDERR_FILENO);
    if (!tty || o->format != LAB_HUMAN)
        return;
    if (variant)
        fprintf(stderr, "\r  running %s: trial %u/%u ", variant, trial, o->trials);
    else
        fprintf(stderr, "\r\033[K");
}

static void print_table(const struct lab *lab, const struct lab_opts *o,
                        const struct summary *s, size_t n)
{
    const struct summary *base = NULL;
    for (size_t i = 0; i < n; i++)
        if (s[i].ran && strcmp(s[i].v->name, lab->baseline) == 0)
            base = &s[i];
    int w = 7;
    for (size_t i = 0; i < n; i++)
        if ((int)strlen(s[i].v->name) > w)
            w = (int)strlen(s[i].v->name);

    printf("summary (%u %s x %llu iterations, median of %u trials)\n", o->workers,
           o->workers == 1 ? "worker" : "workers", (unsigned long long)o->iters, o->trials);
    printf("  %-*s  %-4s  %10s  %21s  %7s  %9s", w, "variant", "racy", "expected",
           "observed (min..max)", "lossy", "ns/op");
    if (base)
        printf("  vs %s", base->v->name);
    putchar('\n');
    for (size_t i = 0; i < n; i++) {
        if (!s[i].ran)
            continue;
        char range[64], lossy[32];
        if (s[i].min == s[i].max)
            snprintf(range, sizeof range, "%llu", (unsigned long long)s[i].min);
        else
            snprintf(range, sizeof range, "%llu..%llu", (unsigned long long)s[i].min,
                     (unsigned long long)s[i].max);
        snprintf(lossy, sizeof lossy, "%u/%u", s[i].lossy, s[i].trials);
        printf("  %-*s  %-4s  %10llu  %21s  %7s  %9.2f", w, s[i].v->name,
               s[i].v->racy_by_design ? "yes" : "no", (unsigned long long)s[i].expected, range,
               lossy, s[i].ns_per_op);
        if (base)
            printf("  %*.2fx", (int)strlen(base->v->name) + 2, s[i].ns_per_op / base->ns_per_op);
        if (!s[i].v->racy_by_design && s[i].lossy)
            printf("  WRONG");
        putchar('\n');
    }
}

int lab_main(const struct lab *lab, int argc, char **argv)
{
    struct lab_opts o;
    char err[512];
    switch (lab_parse_args(lab, argc, argv, &o, err, sizeof err)) {
    case LAB_ARGS_HELP:
        usage(lab, stdout);
        return 0;
    case LAB_ARGS_ERROR:
        fprintf(stderr, "lab-%s: %s\n", lab->name, err);
        return 2;
    }
    if (o.list) {
        print_list(lab, &o);
        return 0;
    }
#ifdef RACELAB_TSAN_TWIN
    check_symbolizer(lab);
#endif

    uint64_t expected = lab->expected(o.workers, o.iters);
    struct summary *sum = calloc(o.nvariants, sizeof *sum);
    uint64_t *obs = calloc(o.trials, sizeof *obs);
    uint64_t *wall = calloc(o.trials, sizeof *wall);
    if (sum == NULL || obs == NULL || wall == NULL) {
        fprintf(stderr, "lab-%s: out of memory\n", lab->name);
        return 1;
    }
    if (o.format == LAB_HUMAN) {
        unsigned cpus = lab_online_cpus();
        printf("lab-%s: %s\n", lab->name, lab->title);
        printf("model %s, %u %s x %llu iterations, %u trials, expected %llu\n",
               lab_model_name(o.model), o.workers, o.workers == 1 ? "worker" : "workers",
               (unsigned long long)o.iters, o.trials, (unsigned long long)expected);
        printf("atomics: %s; %u CPU%s online%s\n\n", lab_atomics_backend(), cpus,
               cpus == 1 ? "" : "s",
               o.workers > cpus ? " (oversubscribed: more workers than CPUs)" : "");
    } else if (o.format == LAB_CSV) {
        fputs(CSV_HEADER, stdout);
    }

    int status = 0;
    for (size_t k = 0; k < o.nvariants; k++) {
        const struct lab_variant *v = o.variants[k];
        struct summary *s = &sum[k];
        s->v = v;
        s->expected = expected;
        if (v->unavailable || !(v->models & LAB_MODEL_BIT(o.model))) {
            s->skipped = v->unavailable ? v->unavailable : "not offered under this model";
            emit_skip(lab, &o, v, s->skipped);
            continue;
        }
        if (o.format == LAB_HUMAN) {
            printf("%s - %s%s\n", v->name, v->description,
                   v->racy_by_design ? " (racy by design)" : "");
            if (v->racy_by_design)
                printf("  %5s  %12s  %10s  %8s  %8s\n", "trial", "observed", "lost", "lost %",
                       "ns/op");
        }
        unsigned done = 0;
        for (unsigned t = 0; t < o.trials; t++) {
            struct lab_trial r;
            progress(&o, v->name, t + 1);
            int rc = lab_run_trial(v, o.model, o.workers, o.iters, &r, err, sizeof err);
            progress(&o, NULL, 0);
            if (rc != 0) {
                fprintf(stderr, "lab-%s: %s: trial %u: %s\n", lab->name, v->name, t + 1, err);
                status = 1;
                break;
            }
            obs[done] = r.observed;
            wall[done] = r.wall_ns;
            done++;
            s->lossy += r.observed != expected;
            emit_trial(lab, &o, v, expected, t + 1, &r);
        }
        if (done == 0)
            continue;
        s->ran = true;
        s->trials = done;
        s->wall_ns = median_u64(wall, done);
        s->ns_per_op = ns_per_op(s->wall_ns, o.workers, o.iters);
        s->median = median_u64(obs, done);   /* sorts obs */
        s->min = obs[0];
        s->max = obs[done - 1];
        emit_summary(lab, &o, s);
        if (!v->racy_by_design && s->lossy) {
            fprintf(stderr, "lab-%s: FAILED: fixed variant '%s' was wrong in %u of %u trials\n",
                    lab->name, v->name, s->lossy, done);
            status = 1;
        }
    }
    if (o.format == LAB_HUMAN)
        print_table(lab, &o, sum, o.nvariants);
    free(sum);
    free(obs);
    free(wall);
    return status;
}
