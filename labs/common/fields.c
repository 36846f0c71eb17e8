/* labs/common/fields.c - a lab's own numbers in every record.
 *
 * A lab names its fields once (struct lab.fields: name, unit, how a summary
 * combines trials, whether non-zero breaks the invariant); each variant's
 * fields() hook fills a trial's values. This file sums them up and prints
 * them in each format, so a lab adds numbers without touching the report:
 * JSON '"fields":{"name":value}', CSV columns after the runtime's, and for
 * people a line per trial or summary and a column each in the closing table
 * (labs/PROTOCOL.md "Fields"). */
#include "runtime.h"

#include <stdio.h>
#include <string.h>

#include "util/json.h"

const char *lab__agg_name(enum lab_agg a)
{
    switch (a) {
    case LAB_AGG_SUM: return "sum";
    case LAB_AGG_MAX: return "max";
    case LAB_AGG_MIN: return "min";
    }
    return "?";
}

static size_t nfields(const struct lab *lab)
{
    return lab->nfields < LAB_MAX_FIELDS ? lab->nfields : LAB_MAX_FIELDS;
}

bool lab__trial_wrong(const struct lab *lab, const struct lab_trial *t)
{
    if (t->observed != t->expected || (t->has_items && lab__items_wrong(&t->items)))
        return true;
    for (size_t i = 0; t->has_fields && i < nfields(lab); i++)
        if (lab->fields[i].bad && t->fields[i] != 0)
            return true;
    return false;
}

void lab__fields_add(const struct lab *lab, struct lab_summary *s, const struct lab_trial *t)
{
    bool first = !s->has_fields;
    s->has_fields = true;
    for (size_t i = 0; i < nfields(lab); i++) {
        int64_t v = t->fields[i], *acc = &s->fields[i];
        if (first)
            *acc = v;
        else if (lab->fields[i].agg == LAB_AGG_SUM)
            *acc += v;
        else if (lab->fields[i].agg == LAB_AGG_MAX)
            *acc = v > *acc ? v : *acc;
        else
            *acc = v < *acc ? v : *acc;
    }
}

void lab__fields_json(const struct lab *lab, const int64_t *v)
{
    fputs(",\"fields\":{", stdout);
    for (size_t i = 0; i < nfields(lab); i++) {
        if (i)
            putchar(',');
        util_json_string(stdout, lab->fields[i].name);
        printf(":%lld", (long long)v[i]);
    }
    putchar('}');
}

void lab__fields_csv(const struct lab *lab, bool has, const int64_t *v)
{
    for (size_t i = 0; i < nfields(lab); i++) {
        if (has)
            printf(",%lld", (long long)v[i]);
        else
            putchar(',');
    }
}

void lab__fields_csv_header(const struct lab *lab)
{
    for (size_t i = 0; i < nfields(lab); i++)
        printf(",%s", lab->fields[i].name);
}

/* "  lead overdrafts 12 (sum), retries 3 (sum), ..." (the units are in
 * --list; "!" marks a value that breaks the invariant). */
void lab__fields_human(const struct lab *lab, const char *lead, const int64_t *v, bool summary)
{
    printf("%s", lead);
    for (size_t i = 0; i < nfields(lab); i++) {
        const struct lab_field *f = &lab->fields[i];
        printf("%s%s %lld%s", i ? ", " : "", f->name, (long long)v[i],
               f->bad && v[i] != 0 ? "!" : "");
        if (summary)
            printf(" (%s)", lab__agg_name(f->agg));
    }
    putchar('\n');
}

static int width(const struct lab_field *f)
{
    int w = (int)strlen(f->name);
    return w < 9 ? 9 : w;
}

void lab__fields_table_head(const struct lab *lab)
{
    for (size_t i = 0; i < nfields(lab); i++)
        printf("  %*s", width(&lab->fields[i]), lab->fields[i].name);
}

void lab__fields_table_row(const struct lab *lab, const struct lab_summary *s)
{
    for (size_t i = 0; i < nfields(lab); i++) {
        if (s->has_fields)
            printf("  %*lld", width(&lab->fields[i]), (long long)s->fields[i]);
        else
            printf("  %*s", width(&lab->fields[i]), "-");
    }
}

void lab__fields_list_json(const struct lab *lab)
{
    fputs(",\"fields\":[", stdout);
    for (size_t i = 0; i < nfields(lab); i++) {
        const struct lab_field *f = &lab->fields[i];
        printf("%s{\"name\":", i ? "," : "");
        util_json_string(stdout, f->name);
        fputs(",\"unit\":", stdout);
        util_json_string(stdout, f->unit);
        printf(",\"agg\":\"%s\",\"bad\":%s}", lab__agg_name(f->agg), f->bad ? "true" : "false");
    }
    putchar(']');
}
