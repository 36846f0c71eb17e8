/* detectors/det_exercise_answer.c - racelab exercise: the break and predict
 * kinds, whose answer is one line of the learner's file.
 *
 * break ("be the scheduler"): `// schedule: T,T,...` (racelab explore
 * --replay's syntax: the thread of each step, 2*3 = 2,2,2; 0 is main) or
 * --schedule S. The check replays it (racelab explore FILE --replay S) and
 * is solved when the program fails or deadlocks under it; otherwise it says
 * what happened instead (the program's last line, the whole run's schedule,
 * or where the schedule could not be followed).
 * predict: `// outcomes: r0=0 r1=1 | r0=1 r1=0` - every possible outcome,
 * `|` between them (braces around one allowed, order free), an outcome the
 * NAME=NUMBER pairs the program prints as its last line. The check runs
 * every schedule (racelab explore --preemptions all --all --outcomes, or
 * within the row's bound) and is solved when the two sets are equal.
 * In both the program must stay the one shipped: its code (comments and
 * blanks aside) is compared with solution.c's, which differs from
 * exercise.c only in the answer line. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "det_exercise.h"

#define EX_MAX_OUTCOMES 64
#define EX_OUTCOME_LEN 200

/* The value of the one line `// KEY: VALUE` of |text| (trimmed) into out;
 * its line number, 0 when there is none. Two such lines: exit 2. */
static unsigned ex__answer(const struct ex_row *r, const char *file, const char *text,
                           const char *key, char *out, size_t cap)
{
    unsigned lineno = 0, found = 0;
    size_t kl = strlen(key);
    out[0] = '\0';
    for (const char *p = text; *p; lineno++) {
        const char *eol = p + strcspn(p, "\n");
        const char *q = p + strspn(p, " \t");
        if (strncmp(q, "//", 2) == 0) {
            q += 2 + strspn(q + 2, " \t");
            if (strncmp(q, key, kl) == 0 && q[kl] == ':') {
                if (found)
                    det_usage_error("exercise %s: %s:%u: a second `// %s:` line (the first "
                                    "is line %u): keep one", r->name, file, lineno + 1, key,
                                    found);
                found = lineno + 1;
                q += kl + 1;
                q += strspn(q, " \t");
                size_t n = (size_t)(eol - q);
                while (n > 0 && isspace((unsigned char)q[n - 1]))
                    n--;
                if (n >= cap)
                    det_usage_error("exercise %s: %s:%u: the `// %s:` line is longer than %zu "
                                    "characters", r->name, file, found, key, cap - 1);
                memcpy(out, q, n);
                out[n] = '\0';
            }
        }
        p = *eol ? eol + 1 : eol;
    }
    return found;
}

/* The code of |text| without comments and blanks, and each character's line. */
static char *ex__code(const char *text, unsigned **lines)
{
    size_t n = strlen(text), k = 0;
    char *code = det_xmalloc(n + 1), quote = 0;
    *lines = det_xmalloc((n + 1) * sizeof **lines);
    unsigned line = 1;
    for (const char *p = text; *p; p++) {
        line += *p == '\n';
        if (quote) {
            (*lines)[k] = line, code[k++] = *p;
            if (*p == '\\' && p[1] != '\0') {
                p++;
                line += *p == '\n';
                (*lines)[k] = line, code[k++] = *p;
            } else if (*p == quote) {
                quote = 0;
            }
        } else if (p[0] == '/' && p[1] == '/') {
            p += strcspn(p, "\n");
            if (*p == '\0')
                break;
            line++;
        } else if (p[0] == '/' && p[1] == '*') {
            const char *e = strstr(p + 2, "*/"), *stop = e ? e + 2 : p + strlen(p);
            for (const char *c = p; c < stop; c++)
                line += *c == '\n';
            p = stop - 1;
        } else if (!isspace((unsigned char)*p)) {
            quote = *p == '"' || *p == '\'' ? *p : 0;
            (*lines)[k] = line, code[k++] = *p;
        }
    }
    code[k] = '\0';
    return code;
}

/* Is |text| the shipped program (solution.c's code)? If not, fails x. */
static bool ex__same_code(const struct ex_row *r, const char *file, const char *text,
                          const char *key, struct ex_result *x)
{
    char ref[PATH_MAX + 16];
    ex_path(r, "solution.c", ref, sizeof ref);
    char *rtext = ex_slurp(r, ref);
    unsigned *la, *lb;
    char *a = ex__code(text, &la), *b = ex__code(rtext, &lb);
    size_t i = 0;
    while (a[i] && a[i] == b[i])
        i++;
    bool same = a[i] == b[i];
    if (!same) {
        unsigned line = a[i] ? la[i] : i ? la[i - 1] : 1;
        snprintf(x->verdict, sizeof x->verdict, "changed");
        snprintf(x->words, sizeof x->words, "%s:%u differs from the program as shipped: in "
                 "a %s exercise only the `// %s:` line is yours to change (git checkout %s "
                 "restores the program)", file, line, r->kind_name, key, file);
    }
    free(a), free(b), free(la), free(lb), free(rtext);
    return same;
}

/* The summary object and the {"kind":"outcome"} objects of explore --json. */
static json_t *ex__explore_json(const struct ex_row *r, struct det_proc *p, json_t *outcomes)
{
    json_t *sum = NULL;
    for (char *line = p->out; line && *line;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        json_t *j = json_loads(line, 0, NULL);
        const char *kind = json_string_value(json_object_get(j, "kind"));
        if (kind && strcmp(kind, "summary") == 0)
            sum = json_incref(j);
        else if (kind && strcmp(kind, "outcome") == 0)
            json_array_append(outcomes, j);
        json_decref(j);
        line = nl ? nl + 1 : NULL;
    }
    if (sum == NULL)
        ex_explore_error(r, p);
    return sum;
}

/* Runs `racelab explore FILE ARGS... --outcomes --json`; a timeout fails x. */
static json_t *ex__explore(const struct ex_set *s, const struct ex_row *r, char **args,
                           json_t *outcomes, struct ex_result *x, const char *badsched)
{
    char secs[32];
    snprintf(secs, sizeof secs, "%g", r->budget_s);
    char *argv[16] = { NULL, "explore" };
    int n = 2;
    for (; *args; args++)
        argv[n++] = *args;
    char *tail[] = { "--max-seconds", secs, "--outcomes", "--json", NULL };
    memcpy(argv + n, tail, sizeof tail);
    struct det_proc p;
    ex_racelab(s, argv, r->budget_s + 30, &p);
    if (p.end == UTIL_END_TIMEOUT) {
        snprintf(x->verdict, sizeof x->verdict, "timeout");
        snprintf(x->words, sizeof x->words, "the check did not end within its budget of %g s "
                 "(+30 s): the watchdog stopped it", r->budget_s);
        det_proc_free(&p);
        return NULL;
    }
    const char *bad = badsched ? strstr(p.err, "bad --replay schedule '") : NULL;
    const char *why = bad ? strstr(bad + 23, "': ") : NULL;
    if (why != NULL) {
        char copy[300];
        snprintf(copy, sizeof copy, "%.*s", (int)strcspn(why + 3, "\n"), why + 3);
        det_proc_free(&p);
        det_usage_error("exercise %s: %s: bad schedule: %s", r->name, badsched, copy);
    }
    if (p.end != UTIL_END_EXIT || p.code > 2)
        ex_explore_error(r, &p);
    json_t *sum = ex__explore_json(r, &p, outcomes);
    det_proc_free(&p);
    return sum;
}

static const char *ex__str(json_t *o, const char *key)
{
    const char *v = json_string_value(json_object_get(o, key));
    return v ? v : "";
}

/* What the replay did, in words. */
static void ex__break_words(json_t *sum, json_t *outcomes, const char *sched,
                            struct ex_result *x)
{
    const char *v = ex__str(sum, "verdict");
    json_t *oc = json_array_get(outcomes, 0);
    const char *full = json_object_get(sum, "schedule") && ex__str(sum, "schedule")[0]
                           ? ex__str(sum, "schedule") : ex__str(oc, "schedule");
    snprintf(x->schedule, sizeof x->schedule, "%s", sched);
    x->runs = 1;
    snprintf(x->verdict, sizeof x->verdict, "%s", v);
    long long pre = (long long)json_integer_value(json_object_get(sum, "preemptions"));
    if (strcmp(v, "fail") == 0 || strcmp(v, "deadlock") == 0) {
        x->pass = true;
        snprintf(x->verdict, sizeof x->verdict, "pass");
        snprintf(x->words, sizeof x->words, "under your schedule %s the program %s: %s (the "
                 "whole run: %s, %lld preemption%s)", sched,
                 v[0] == 'f' ? "fails" : "deadlocks",
                 v[0] == 'f' ? (ex__str(sum, "output")[0] ? ex__str(sum, "output")
                                                          : ex__str(sum, "end"))
                             : "no thread can go on", full, pre, pre == 1 ? "" : "s");
    } else if (strcmp(v, "pass") == 0 || strcmp(v, "race") == 0) {
        snprintf(x->verdict, sizeof x->verdict, "held");
        snprintf(x->words, sizeof x->words, "under your schedule %s the program still "
                 "passes: it printed \"%s\" (the whole run: %s, after your steps without "
                 "preemption)", sched,
                 ex__str(oc, "output"), ex__str(oc, "schedule"));
    } else if (strcmp(v, "diverged") == 0) {
        snprintf(x->words, sizeof x->words, "your schedule %s cannot be followed: %s", sched,
                 ex__str(sum, "message"));
    } else {
        snprintf(x->words, sizeof x->words, "the replay of %s ended as %s: %s", sched, v,
                 ex__str(sum, "message"));
    }
}

void ex_check_break(const struct ex_set *s, const struct ex_row *r, const char *file,
                    const char *sched, struct ex_result *x)
{
    char *text = ex_slurp(r, file), line[512], where[PATH_MAX + 32];
    unsigned ln = ex__answer(r, file, text, "schedule", line, sizeof line);
    bool same = ex__same_code(r, file, text, "schedule", x);
    free(text);
    if (!same)
        return;
    const char *use = sched ? sched : line;
    if (sched != NULL)
        snprintf(where, sizeof where, "--schedule");
    else
        snprintf(where, sizeof where, "%s:%u", file, ln);
    if (use[0] == '\0') {
        snprintf(x->verdict, sizeof x->verdict, "unanswered");
        snprintf(x->words, sizeof x->words, "no schedule yet: write the thread of each step "
                 "on the line `// schedule:` of %s (or pass --schedule S)", file);
        return;
    }
    char *args[] = { (char *)file, "--replay", (char *)use, NULL };
    json_t *outcomes = json_array();
    json_t *sum = ex__explore(s, r, args, outcomes, x, where);
    if (sum != NULL)
        ex__break_words(sum, outcomes, use, x);
    json_decref(sum);
    json_decref(outcomes);
}

/* ---- predict -------------------------------------------------------------- */

struct ex_pair {
    char name[64];
    long long value;
};

static int ex__pair_cmp(const void *a, const void *b)
{
    return strcmp(((const struct ex_pair *)a)->name, ((const struct ex_pair *)b)->name);
}

/* "{r1=0, r0=1}" -> "r0=1 r1=0"; false with the reason in why. */
static bool ex__canon(const char *text, char *out, size_t cap, char *why, size_t wcap)
{
    struct ex_pair pairs[16];
    size_t n = 0;
    char buf[EX_OUTCOME_LEN * 2], *save = NULL;
    snprintf(buf, sizeof buf, "%s", text);
    for (char *t = strtok_r(buf, " \t,{}", &save); t; t = strtok_r(NULL, " \t,{}", &save)) {
        char *eq = strchr(t, '='), *end = NULL;
        bool ok = eq && eq > t && (size_t)(eq - t) < sizeof pairs[0].name && n < 16 &&
                  (isalpha((unsigned char)t[0]) || t[0] == '_');
        long long v = ok ? strtoll(eq + 1, &end, 10) : 0;
        if (!ok || end == eq + 1 || *end != '\0') {
            snprintf(why, wcap, "'%s' is not NAME=NUMBER", t);
            return false;
        }
        snprintf(pairs[n].name, sizeof pairs[n].name, "%.*s", (int)(eq - t), t);
        pairs[n++].value = v;
    }
    if (n == 0) {
        snprintf(why, wcap, "it is empty");
        return false;
    }
    qsort(pairs, n, sizeof *pairs, ex__pair_cmp);
    size_t len = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (i && strcmp(pairs[i].name, pairs[i - 1].name) == 0) {
            snprintf(why, wcap, "'%s' twice", pairs[i].name);
            return false;
        }
        len += (size_t)snprintf(out + len, cap - len, "%s%s=%lld", i ? " " : "", pairs[i].name,
                                pairs[i].value);
        if (len >= cap) {
            snprintf(why, wcap, "it is too long");
            return false;
        }
    }
    return true;
}

struct ex_oset {
    char v[EX_MAX_OUTCOMES][EX_OUTCOME_LEN];
    size_t n;
};

static bool ex__oset_has(const struct ex_oset *o, const char *s)
{
    for (size_t i = 0; i < o->n; i++)
        if (strcmp(o->v[i], s) == 0)
            return true;
    return false;
}

static void ex__oset_add(struct ex_oset *o, const char *s)
{
    if (!ex__oset_has(o, s) && o->n < EX_MAX_OUTCOMES)
        snprintf(o->v[o->n++], EX_OUTCOME_LEN, "%s", s);
}

/* The learner's outcomes: "A | B | {C}" (braces alone also separate). */
static void ex__parse_answer(const struct ex_row *r, const char *where, const char *line,
                             struct ex_oset *a)
{
    char buf[1024], canon[EX_OUTCOME_LEN], why[120];
    snprintf(buf, sizeof buf, "%s", line);
    for (char *c = buf; *c; c++)
        if (*c == '}')
            *c = '|';
    size_t k = 0;
    for (char *p = buf; *p;) {
        char *bar = p + strcspn(p, "|");
        char keep = *bar;
        *bar = '\0';
        if (p[strspn(p, " \t{")] != '\0') {
            k++;
            if (!ex__canon(p, canon, sizeof canon, why, sizeof why))
                det_usage_error("exercise %s: %s: outcome %zu ('%s'): %s (the format: "
                                "`// outcomes: r0=0 r1=1 | r0=1 r1=0`)", r->name, where, k,
                                p + strspn(p, " \t"), why);
            ex__oset_add(a, canon);
        }
        p = keep ? bar + 1 : bar;
    }
}

/* The explorer's outcomes; a run that did not pass is one too, with its end. */
static void ex__program_outcomes(json_t *outcomes, struct ex_oset *e)
{
    size_t i;
    json_t *o;
    json_array_foreach(outcomes, i, o) {
        char canon[EX_OUTCOME_LEN], why[120], raw[EX_OUTCOME_LEN];
        const char *out = ex__str(o, "output"), *end = ex__str(o, "end");
        if (!end[0] && ex__canon(out, canon, sizeof canon, why, sizeof why)) {
            ex__oset_add(e, canon);
            continue;
        }
        snprintf(raw, sizeof raw, "\"%.120s\"%s%.40s", out, end[0] ? " and " : "", end);
        ex__oset_add(e, raw);
    }
}

static void ex__join(const struct ex_oset *o, const struct ex_oset *minus, char *out,
                     size_t cap, size_t *count)
{
    size_t len = 0;
    *count = 0;
    out[0] = '\0';
    for (size_t i = 0; i < o->n && len < cap; i++)
        if (minus == NULL || !ex__oset_has(minus, o->v[i])) {
            len += (size_t)snprintf(out + len, cap - len, "%s%s", *count ? " | " : "", o->v[i]);
            ++*count;
        }
}

static void ex__predict_words(const struct ex_row *r, json_t *sum, const struct ex_oset *a,
                              const struct ex_oset *e, struct ex_result *x)
{
    char extra[600], all[600];
    size_t nextra, nmissing, nall;
    ex__join(a, e, extra, sizeof extra, &nextra);
    ex__join(e, a, all, sizeof all, &nmissing);   /* not shown: that is the answer */
    ex__join(e, NULL, all, sizeof all, &nall);
    x->runs = (unsigned long long)json_integer_value(json_object_get(sum, "runs"));
    char model[120];
    snprintf(model, sizeof model, "%s, sequentially consistent interleavings",
             r->bound < 0 ? "every schedule" : "every schedule within the bound");
    if (nextra == 0 && nmissing == 0) {
        x->pass = true;
        snprintf(x->verdict, sizeof x->verdict, "pass");
        snprintf(x->words, sizeof x->words, "exactly the %zu outcomes of %s (%llu runs): %s",
                 nall, model, x->runs, all);
        return;
    }
    snprintf(x->verdict, sizeof x->verdict, "wrong");
    size_t len = (size_t)snprintf(x->words, sizeof x->words, "not the outcomes of %s (%llu "
                                  "runs):", model, x->runs);
    if (nextra)
        len += (size_t)snprintf(x->words + len, sizeof x->words - len, " no schedule gives "
                                "%s;", extra);
    if (nmissing)
        snprintf(x->words + len, sizeof x->words - len, " %zu outcome%s that some schedule "
                 "gives %s missing", nmissing, nmissing == 1 ? "" : "s",
                 nmissing == 1 ? "is" : "are");
    else
        x->words[len - 1] = '\0';
}

void ex_check_predict(const struct ex_set *s, const struct ex_row *r, const char *file,
                      struct ex_result *x)
{
    char *text = ex_slurp(r, file), line[1024], where[PATH_MAX + 32];
    unsigned ln = ex__answer(r, file, text, "outcomes", line, sizeof line);
    bool same = ex__same_code(r, file, text, "outcomes", x);
    free(text);
    if (!same)
        return;
    if (line[0] == '\0') {
        snprintf(x->verdict, sizeof x->verdict, "unanswered");
        snprintf(x->words, sizeof x->words, "no outcomes yet: write every possible outcome on "
                 "the line `// outcomes:` of %s, `|` between them", file);
        return;
    }
    snprintf(where, sizeof where, "%s:%u", file, ln);
    static struct ex_oset a, e;
    memset(&a, 0, sizeof a), memset(&e, 0, sizeof e);
    ex__parse_answer(r, where, line, &a);
    char bound[16];
    snprintf(bound, sizeof bound, r->bound < 0 ? "all" : "%d", r->bound);
    char *args[] = { (char *)file, "--preemptions", bound, "--all", NULL };
    json_t *outcomes = json_array();
    json_t *sum = ex__explore(s, r, args, outcomes, x, NULL);
    const char *v = sum ? ex__str(sum, "verdict") : "";
    const char *stop = sum ? ex__str(sum, "stop") : "";
    bool done = sum && (json_is_true(json_object_get(sum, "exhausted")) ||
                        strcmp(stop, "bound") == 0);
    if (sum != NULL && (!done || (strcmp(v, "pass") != 0 && strcmp(v, "race") != 0 &&
                                  strcmp(v, "fail") != 0))) {
        snprintf(x->verdict, sizeof x->verdict, "%s", done ? v : "unfinished");
        snprintf(x->words, sizeof x->words, "the explorer could not list every outcome: %s %s",
                 done ? v : stop, ex__str(sum, "message"));
    } else if (sum != NULL) {
        ex__program_outcomes(outcomes, &e);
        ex__predict_words(r, sum, &a, &e, x);
    }
    json_decref(sum);
    json_decref(outcomes);
}
