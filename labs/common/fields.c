/* labs/common/fields.c - a lab's own numbers in every record.
 *
 * A lab names its fields once (struct lab.fields: name, unit, how a summary
 * combines trials, whether non-zero breaks the invariant; a model may have a
 * set of its own, struct lab.model_fields); each variant's
 * fields() hook fills a trial's values. This file sums them up and prints
 * them in each format, so a lab adds numbers without touching the report:
 * JSON '"fields":{"name":value}', CSV columns after the runtime's, and for
 * people a line per trial or summary and a column each in the closing table
 * (labs/PROTOCOL.md "Fields"). */
#include "runtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/json.h"

const char *lab__agg_name(enum lab_agg a)
{
    switch (a) {
    case LAB_AGG_SUM: return "sum";
    case LAB_AGG_MAX: return "max";
    case LAB_AGG_MIN: return "min";
    case LAB_AGG_MEDIAN: return "median";
    }
    return "?";
}

const struct lab_field *lab__fields(const struct lab *lab, enum lab_model m, size_t *n)
{
    const struct lab_field *f = lab->fields;
    size_t k = lab->nfields;
    if (m < LAB_NMODELS && lab->model_fields[m].fields != NULL) {
        f = lab->model_fields[m].fields;
        k = lab->model_fields[m].n;
    }
    *n = k < LAB_MAX_FIELDS ? k : LAB_MAX_FIELDS;
    return f;
}

bool lab__trial_wrong(const struct lab *lab, enum lab_model m, const struct lab_trial *t)
{
    if (t->observed != t->expected || (t->has_items && lab__items_wrong(&t->items)))
        return true;
    size_t n;
    const struct lab_field *f = lab__fields(lab, m, &n);
    for (size_t i = 0; t->has_fields && i < n; i++)
        if (f[i].bad && t->fields[i] != 0)
            return true;
    return false;
}

/* Keeps trial |t|'s values for the medians (dropped if memory runs out:
 * the medians are then over the trials kept). */
static void keep_trial(struct lab_summary *s, const struct lab_trial *t)
{
    if (s->nfield_trials == s->field_trials_cap) {
        unsigned cap = s->field_trials_cap ? 2 * s->field_trials_cap : 8;
        int64_t *p = realloc(s->field_trials, (size_t)cap * LAB_MAX_FIELDS * sizeof *p);
        if (p == NULL)
            return;
        s->field_trials = p;
        s->field_trials_cap = cap;
    }
    memcpy(&s->field_trials[(size_t)s->nfield_trials++ * LAB_MAX_FIELDS], t->fields,
           sizeof t->fields);
}

void lab__fields_add(const struct lab *lab, enum lab_model m, struct lab_summary *s,
                     const struct lab_trial *t)
{
    bool first = !s->has_fields, median = false;
    s->has_fields = true;
    size_t n;
    const struct lab_field *f = lab__fields(lab, m, &n);
    for (size_t i = 0; i < n; i++) {
        int64_t v = t->fields[i], *acc = &s->fields[i];
        median |= f[i].agg == LAB_AGG_MEDIAN;
        if (first)
            *acc = v;
        else if (f[i].agg == LAB_AGG_SUM)
            *acc += v;
        else if (f[i].agg == LAB_AGG_MAX)
            *acc = v > *acc ? v : *acc;
        else if (f[i].agg == LAB_AGG_MIN)
            *acc = v < *acc ? v : *acc;
    }
    if (median)
        keep_trial(s, t);
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

void lab__fields_close(const struct lab *lab, enum lab_model m, struct lab_summary *s)
{
    size_t n, k = s->nfield_trials;
    const struct lab_field *f = lab__fields(lab, m, &n);
    int64_t *col = k ? malloc(k * sizeof *col) : NULL;
    for (size_t i = 0; col && i < n; i++) {
        if (f[i].agg != LAB_AGG_MEDIAN)
            continue;
        for (size_t j = 0; j < k; j++)
            col[j] = s->field_trials[j * LAB_MAX_FIELDS + i];
        qsort(col, k, sizeof *col, cmp_i64);
        /* the mean of the middle two without overflow, rounded toward zero */
        s->fields[i] = k % 2 ? col[k / 2]
                             : col[k / 2 - 1] / 2 + col[k / 2] / 2 +
                                   (col[k / 2 - 1] % 2 + col[k / 2] % 2) / 2;
    }
    free(col);
    free(s->field_trials);
    s->field_trials = NULL;
    s->nfield_trials = s->field_trials_cap = 0;
}

void lab__fields_json(const struct lab *lab, enum lab_model m, const int64_t *v)
{
    size_t n;
    const struct lab_field *f = lab__fields(lab, m, &n);
    fputs(",\"fields\":{", stdout);
    for (size_t i = 0; i < n; i++) {
        if (i)
            putchar(',');
        util_json_string(stdout, f[i].name);
        printf(":%lld", (long long)v[i]);
    }
    putchar('}');
}

void lab__fields_csv(const struct lab *lab, enum lab_model m, bool has, const int64_t *v)
{
    size_t n;
    (void)lab__fields(lab, m, &n);
    for (size_t i = 0; i < n; i++) {
        if (has)
            printf(",%lld", (long long)v[i]);
        else
            putchar(',');
    }
}

void lab__fields_csv_header(const struct lab *lab, enum lab_model m)
{
    size_t n;
    const struct lab_field *f = lab__fields(lab, m, &n);
    for (size_t i = 0; i < n; i++)
        printf(",%s", f[i].name);
}

/* "  lead overdrafts 12 (sum), retries 3 (sum), ..." (the units are in
 * --list; "!" marks a value that breaks the invariant). */
void lab__fields_human(const struct lab *lab, enum lab_model m, const char *lead,
                       const int64_t *v, bool summary)
{
    size_t n;
    const struct lab_field *f = lab__fields(lab, m, &n);
    printf("%s", lead);
    for (size_t i = 0; i < n; i++) {
        printf("%s%s %lld%s", i ? ", " : "", f[i].name, (long long)v[i],
               f[i].bad && v[i] != 0 ? "!" : "");
        if (summary)
            printf(" (%s)", lab__agg_name(f[i].agg));
    }
    putchar('\n');
}

static int width(const struct lab_field *f)
{
    int w = (int)strlen(f->name);
    return w < 9 ? 9 : w;
}

void lab__fields_table_head(const struct lab *lab, enum lab_model m)
{
    size_t n;
    const struct lab_field *f = lab__fields(lab, m, &n);
    for (size_t i = 0; i < n; i++)
        printf("  %*s", width(&f[i]), f[i].name);
}

void lab__fields_table_row(const struct lab *lab, enum lab_model m, const struct lab_summary *s)
{
    size_t n;
    const struct lab_field *f = lab__fields(lab, m, &n);
    for (size_t i = 0; i < n; i++) {
        if (s->has_fields)
            printf("  %*lld", width(&f[i]), (long long)s->fields[i]);
        else
            printf("  %*s", width(&f[i]), "-");
    }
}

void lab__fields_list_json(const struct lab *lab, enum lab_model m)
{
    size_t n;
    const struct lab_field *f = lab__fields(lab, m, &n);
    fputs(",\"fields\":[", stdout);
    for (size_t i = 0; i < n; i++) {
        printf("%s{\"name\":", i ? "," : "");
        util_json_string(stdout, f[i].name);
        fputs(",\"unit\":", stdout);
        util_json_string(stdout, f[i].unit);
        printf(",\"agg\":\"%s\",\"bad\":%s}", lab__agg_name(f[i].agg),
               f[i].bad ? "true" : "false");
    }
    putchar(']');
}
