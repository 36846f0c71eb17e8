/* labs/common/args.c - command-line parsing and validation for every lab.
 *
 * Every mistake gets one line naming the problem and the valid choices; the
 * caller prints it and exits 2. Numbers are strict: decimal digits only (no
 * sign, no spaces, no "1e5"), within the runtime's limits, so "--iters -5"
 * and "--workers 100000" are refused rather than wrapped or attempted. */
#include "lab.h"

#include "sync/coro.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct lab_variant *lab_find_variant(const struct lab *lab, const char *name)
{
    for (size_t i = 0; i < lab->nvariants; i++)
        if (strcmp(lab->variants[i]->name, name) == 0)
            return lab->variants[i];
    return NULL;
}

static void variant_names(const struct lab *lab, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < lab->nvariants && used < len; i++)
        used += (size_t)snprintf(buf + used, len - used, "%s, ", lab->variants[i]->name);
    if (used < len)
        snprintf(buf + used, len - used, "all");
}

/* Parses a whole decimal number in [min, max]. */
static int parse_count(const char *opt, const char *text, uint64_t min, uint64_t max,
                       uint64_t *out, char *err, size_t errlen)
{
    const char *p = text;
    uint64_t v = 0;
    bool ok = *p != '\0';
    for (; ok && *p; p++) {
        if (*p < '0' || *p > '9') {
            ok = false;
            break;
        }
        unsigned d = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - d) / 10) {
            v = UINT64_MAX;   /* saturate: reported as over the limit below */
            while (p[1] >= '0' && p[1] <= '9')
                p++;
            continue;
        }
        v = v * 10 + d;
    }
    if (!ok) {
        snprintf(err, errlen, "%s: '%s' is not a whole number (expected %llu to %llu)",
                 opt, text, (unsigned long long)min, (unsigned long long)max);
        return -1;
    }
    if (v < min || v > max) {
        snprintf(err, errlen, "%s: %s is out of range (expected %llu to %llu)", opt, text,
                 (unsigned long long)min, (unsigned long long)max);
        return -1;
    }
    *out = v;
    return 0;
}

static int parse_variants(const struct lab *lab, const char *text, struct lab_opts *o,
                          char *err, size_t errlen)
{
    char names[512];
    o->nvariants = 0;
    if (strcmp(text, "all") == 0) {
        for (size_t i = 0; i < lab->nvariants; i++)
            o->variants[o->nvariants++] = lab->variants[i];
        return 0;
    }
    const char *p = text;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        char name[64];
        const struct lab_variant *v = NULL;
        if (len > 0 && len < sizeof name) {
            memcpy(name, p, len);
            name[len] = '\0';
            v = lab_find_variant(lab, name);
        }
        if (v == NULL) {
            variant_names(lab, names, sizeof names);
            snprintf(err, errlen, "--variant: unknown variant '%.*s' (valid: %s)",
                     (int)(len > 64 ? 64 : len), p, names);
            return -1;
        }
        if (v->unavailable) {
            snprintf(err, errlen, "--variant: '%s' is unavailable in this build: %s",
                     v->name, v->unavailable);
            return -1;
        }
        bool dup = false;
        for (size_t i = 0; i < o->nvariants; i++)
            dup |= o->variants[i] == v;
        if (!dup) {
            if (o->nvariants == sizeof o->variants / sizeof o->variants[0]) {
                snprintf(err, errlen, "--variant: too many variants");
                return -1;
            }
            o->variants[o->nvariants++] = v;
        }
        if (comma == NULL)
            return 0;
        p = comma + 1;
    }
}

static int parse_model(const char *text, enum lab_model *out, char *err, size_t errlen)
{
    for (int m = 0; m < LAB_NMODELS; m++) {
        if (strcmp(text, lab_model_name((enum lab_model)m)) == 0) {
            *out = (enum lab_model)m;
            return 0;
        }
    }
    snprintf(err, errlen, "--model: unknown model '%s' (valid: threads, procs, coros, coros-mn, "
             "coros-preempt)", text);
    return -1;
}

/* Names of the variants that have a lock to die holding, for messages. */
static void owner_names(const struct lab *lab, enum lab_model m, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < lab->nvariants && used < len; i++) {
        const struct lab_variant *v = lab->variants[i];
        if (v->hold && lab_variant_runs(v, m, NULL) && !v->unavailable)
            used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? ", " : "", v->name);
    }
}

/* Explicitly named variants must run as asked; 'all' keeps those that can. */
static int check_variants(const struct lab *lab, struct lab_opts *o, bool all, char *err,
                          size_t errlen)
{
    size_t kept = 0;
    for (size_t i = 0; i < o->nvariants; i++) {
        const struct lab_variant *v = o->variants[i];
        const char *why = NULL;
        bool ok = lab_variant_runs(v, o->model, &why);
        if (!ok && !all) {
            snprintf(err, errlen, "--variant: '%s' does not run under --model %s: %s", v->name,
                     lab_model_name(o->model), why);
            return -1;
        }
        if (ok && lab->roles && !lab_variant_takes(v, o->producers, o->consumers, &why)) {
            if (!all) {
                snprintf(err, errlen, "--variant: '%s' does not take %u producer%s x %u "
                         "consumer%s: %s", v->name, o->producers, o->producers == 1 ? "" : "s",
                         o->consumers, o->consumers == 1 ? "" : "s", why);
                return -1;
            }
            ok = false;
        }
        if (ok && o->kill_owner && v->hold == NULL) {
            if (!all) {
                char names[256];
                owner_names(lab, o->model, names, sizeof names);
                snprintf(err, errlen, "--kill-owner: '%s' has no lock to die holding "
                         "(variants with one: %s)", v->name, names);
                return -1;
            }
            ok = false;
        }
        if (ok || all)   /* 'all' keeps the rest too: the report says why they are skipped */
            o->variants[kept++] = v;
    }
    o->nvariants = kept;
    return 0;
}

int lab_parse_args(const struct lab *lab, int argc, char **argv,
                   struct lab_opts *o, char *err, size_t errlen)
{
    memset(o, 0, sizeof *o);
    o->model = LAB_THREADS;
    o->workers = 2;
    o->iters = 100000;
    o->trials = 10;
    o->timeout_s = 10;
    o->carriers = 2;
    bool carriers_given = false;
    o->preempt_us = LAB_PREEMPT_DEFAULT_US;
    bool preempt_given = false;
    bool workers_given = false, roles_given = false;
    o->producers = 2;
    o->consumers = 2;
    o->format = LAB_HUMAN;
    const char *variant_text = NULL;
    bool json = false, csv = false;

    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *val = NULL;
        char name[32];
        /* Accept both "--opt value" and "--opt=value". */
        const char *eq = strncmp(arg, "--", 2) == 0 ? strchr(arg, '=') : NULL;
        size_t nlen = eq ? (size_t)(eq - arg) : strlen(arg);
        if (nlen >= sizeof name)
            nlen = sizeof name - 1;
        memcpy(name, arg, nlen);
        name[nlen] = '\0';

        bool takes_value = strcmp(name, "--model") == 0 || strcmp(name, "--variant") == 0 ||
                           strcmp(name, "--workers") == 0 || strcmp(name, "--iters") == 0 ||
                           strcmp(name, "--trials") == 0 || strcmp(name, "--timeout") == 0 ||
                           strcmp(name, "--carriers") == 0 || strcmp(name, "--hog") == 0 ||
                           strcmp(name, "--preempt") == 0 ||
                           strcmp(name, "--producers") == 0 ||
                           strcmp(name, "--consumers") == 0;
        if (takes_value) {
            if (eq) {
                val = eq + 1;
            } else if (i + 1 < argc) {
                val = argv[++i];
            } else {
                snprintf(err, errlen, "%s needs a value", name);
                return LAB_ARGS_ERROR;
            }
        } else if (eq) {
            snprintf(err, errlen, "%s takes no value", name);
            return LAB_ARGS_ERROR;
        }

        uint64_t n;
        if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
            return LAB_ARGS_HELP;
        } else if (strcmp(name, "--json") == 0) {
            json = true;
        } else if (strcmp(name, "--csv") == 0) {
            csv = true;
        } else if (strcmp(name, "--list") == 0) {
            o->list = true;
        } else if (strcmp(name, "--kill-owner") == 0) {
            o->kill_owner = true;
        } else if (strcmp(name, "--hog") == 0) {
            if (parse_count(name, val, 1, LAB_MAX_HOG_MS, &n, err, errlen) != 0)
                return LAB_ARGS_ERROR;
            o->hog_ms = (unsigned)n;
        } else if (strcmp(name, "--preempt") == 0) {
            if (parse_count(name, val, SYNC_CORO_PREEMPT_MIN_US, SYNC_CORO_PREEMPT_MAX_US, &n,
                            err, errlen) != 0)
                return LAB_ARGS_ERROR;
            o->preempt_us = (unsigned)n;
            preempt_given = true;
        } else if (strcmp(name, "--carriers") == 0) {
            if (parse_count(name, val, 1, LAB_MAX_CARRIERS, &n, err, errlen) != 0)
                return LAB_ARGS_ERROR;
            o->carriers = (unsigned)n;
            carriers_given = true;
        } else if (strcmp(name, "--timeout") == 0) {
            if (parse_count(name, val, 1, LAB_MAX_TIMEOUT, &n, err, errlen) != 0)
                return LAB_ARGS_ERROR;
            o->timeout_s = (unsigned)n;
        } else if (strcmp(name, "--model") == 0) {
            if (parse_model(val, &o->model, err, errlen) != 0)
                return LAB_ARGS_ERROR;
        } else if (strcmp(name, "--variant") == 0) {
            variant_text = val;
        } else if (strcmp(name, "--workers") == 0) {
            if (parse_count(name, val, 1, LAB_MAX_WORKERS, &n, err, errlen) != 0)
                return LAB_ARGS_ERROR;
            o->workers = (unsigned)n;
            workers_given = true;
        } else if (strcmp(name, "--producers") == 0 || strcmp(name, "--consumers") == 0) {
            if (parse_count(name, val, 1, LAB_MAX_WORKERS / 2, &n, err, errlen) != 0)
                return LAB_ARGS_ERROR;
            *(name[2] == 'p' ? &o->producers : &o->consumers) = (unsigned)n;
            roles_given = true;
        } else if (strcmp(name, "--iters") == 0) {
            if (parse_count(name, val, 1, LAB_MAX_ITERS, &n, err, errlen) != 0)
                return LAB_ARGS_ERROR;
            o->iters = n;
        } else if (strcmp(name, "--trials") == 0) {
            if (parse_count(name, val, 1, LAB_MAX_TRIALS, &n, err, errlen) != 0)
                return LAB_ARGS_ERROR;
            o->trials = (unsigned)n;
        } else {
            snprintf(err, errlen, "unknown %s '%s' (options: --model --variant --workers "
                     "--iters --trials --timeout --kill-owner --carriers --preempt --hog --producers "
                     "--consumers --json --csv --list --help)",
                     arg[0] == '-' ? "option" : "argument", arg);
            return LAB_ARGS_ERROR;
        }
    }
    if (json && csv) {
        snprintf(err, errlen, "--json and --csv exclude each other: pick one");
        return LAB_ARGS_ERROR;
    }
    o->format = json ? LAB_JSON : csv ? LAB_CSV : LAB_HUMAN;
    /* Roles: the workers are the producers plus the consumers, so one
     * number cannot say how many of each. */
    if (lab->roles && workers_given) {
        snprintf(err, errlen, "--workers: lab-%s has producers and consumers: use --producers "
                 "P --consumers C (default 2 and 2)", lab->name);
        return LAB_ARGS_ERROR;
    }
    if (!lab->roles && roles_given) {
        snprintf(err, errlen, "--producers and --consumers apply only to labs with producer "
                 "and consumer roles (lab-%s has --workers)", lab->name);
        return LAB_ARGS_ERROR;
    }
    if (lab->roles)
        o->workers = o->producers + o->consumers;
    if (o->list)
        return LAB_ARGS_OK;   /* --list ignores --variant: it lists them all */
    if (o->hog_ms && !LAB_IS_COROS(o->model)) {
        snprintf(err, errlen, "--hog needs a coroutine model: coros, coros-mn or coros-preempt "
                 "(threads and processes are preempted by the kernel: no worker can hog a CPU "
                 "from another)");
        return LAB_ARGS_ERROR;
    }
    if (preempt_given && o->model != LAB_COROS_PREEMPT) {
        snprintf(err, errlen, "--preempt applies to --model coros-preempt only");
        return LAB_ARGS_ERROR;
    }
    if (carriers_given && o->model != LAB_COROS_MN) {
        snprintf(err, errlen, "--carriers applies to --model coros-mn only");
        return LAB_ARGS_ERROR;
    }
    if (o->kill_owner && o->model != LAB_PROCS) {
        snprintf(err, errlen, "--kill-owner needs --model procs (a thread cannot die alone: "
                 "SIGKILL ends the whole process)");
        return LAB_ARGS_ERROR;
    }
    if (o->kill_owner && o->iters < 2) {
        snprintf(err, errlen, "--kill-owner needs --iters 2 or more (the owner dies after 1 to "
                 "iters-1 of its increments)");
        return LAB_ARGS_ERROR;
    }
    if (variant_text == NULL)
        variant_text = lab->default_variants[o->model];
    if (variant_text == NULL) {
        snprintf(err, errlen, "--model: lab-%s offers no variant under %s", lab->name,
                 lab_model_name(o->model));
        return LAB_ARGS_ERROR;
    }
    unsigned op_workers = lab->roles ? o->producers : o->workers;
    if (lab->max_expected && o->iters > lab->max_expected / op_workers) {
        snprintf(err, errlen, "--iters: %u x %llu operations is more than lab-%s takes in one "
                 "run (at most %llu in all)", op_workers, (unsigned long long)o->iters,
                 lab->name, (unsigned long long)lab->max_expected);
        return LAB_ARGS_ERROR;
    }
    if (parse_variants(lab, variant_text, o, err, errlen) != 0)
        return LAB_ARGS_ERROR;
    if (check_variants(lab, o, strcmp(variant_text, "all") == 0, err, errlen) != 0)
        return LAB_ARGS_ERROR;
    return LAB_ARGS_OK;
}
