/* detectors/explore/explore_outcome.c - racelab explore --outcomes: the
 * distinct last lines of output over every counted run (the driver's
 * "outcome" lines, xrt_outcome.h), printed after the summary: a table, or
 * with --json one {"kind":"outcome"} object each. With --preemptions all
 * and --all they are every outcome of the program under sequentially
 * consistent interleavings (racelab exercise's predict kind compares them
 * with the learner's answer). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "det.h"
#include "explore.h"

struct xp_outcome {
    unsigned long long runs;
    char *sched, *end, *text;
};

static struct xp_outcome *xp__oc;
static size_t xp__noc;
static unsigned long long xp__more;

static char *xp__field(char **p)
{
    char *f = *p, *tab = strchr(f, '\t');
    if (tab != NULL)
        *tab = '\0', *p = tab + 1;
    else
        *p = f + strlen(f);
    return det_strdup(f);
}

bool xp_outcome_line(char *line)
{
    line[strcspn(line, "\n")] = '\0';
    if (strncmp(line, "outcomes_more ", 14) == 0) {
        xp__more = strtoull(line + 14, NULL, 10);
        return true;
    }
    if (strncmp(line, "outcome ", 8) != 0)
        return false;
    char *p = line + 8;
    unsigned long long runs = strtoull(p, &p, 10);
    p += *p == ' ';
    xp__oc = realloc(xp__oc, (xp__noc + 1) * sizeof *xp__oc);
    if (xp__oc == NULL)
        det_usage_error("explore: out of memory");
    struct xp_outcome *o = &xp__oc[xp__noc++];
    o->runs = runs;
    o->sched = xp__field(&p);
    o->end = xp__field(&p);
    o->text = xp__field(&p);
    return true;
}

void xp_outcomes_print(bool json)
{
    unsigned long long total = xp__more;
    for (size_t i = 0; i < xp__noc; i++)
        total += xp__oc[i].runs;
    if (!json)
        printf("outcomes: %zu distinct over %llu runs (each run's last line of output)%s\n",
               xp__noc, total, xp__more ? "; more were not kept" : "");
    for (size_t i = 0; i < xp__noc; i++) {
        const struct xp_outcome *o = &xp__oc[i];
        if (json) {
            json_t *j = json_pack("{s:s, s:s, s:s, s:I, s:s}", "kind", "outcome", "output",
                                  o->text, "end", o->end, "runs", (json_int_t)o->runs,
                                  "schedule", strcmp(o->sched, "-") ? o->sched : "");
            char *txt = json_dumps(j, JSON_COMPACT);
            printf("%s\n", txt);
            free(txt);
            json_decref(j);
        } else {
            printf("  %6llu  %-30s%s%s%s  schedule %s\n", o->runs, o->text,
                   o->end[0] ? " (" : "", o->end, o->end[0] ? ")" : "", o->sched);
        }
    }
    if (json && xp__more)
        printf("{\"kind\":\"outcomes_more\",\"runs\":%llu}\n", xp__more);
}

void xp_outcomes_free(void)
{
    for (size_t i = 0; i < xp__noc; i++) {
        free(xp__oc[i].sched);
        free(xp__oc[i].end);
        free(xp__oc[i].text);
    }
    free(xp__oc);
    xp__oc = NULL;
    xp__noc = 0;
}
