/* detectors/explore/xrt_outcome.c - the driver's set of outcomes (see
 * xrt_outcome.h). Static storage only: the driver allocates nothing once it
 * forks runs, so that every run starts from the same heap. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xrt_outcome.h"

struct xrt_outcome {
    char text[240], end[64], sched[512];
    uint64_t runs;
};

static struct xrt_outcome xrt__oc[XRT_MAX_OUTCOMES];
static unsigned xrt__noc;
static uint64_t xrt__more;

bool xrt_outcome_wanted(void)
{
    static int wanted = -1;
    if (wanted < 0) {
        const char *e = getenv("RACELAB_EXPLORE_OUTCOMES");
        wanted = e != NULL && strcmp(e, "1") == 0;
    }
    return wanted;
}

/* The run's threads by step into |out|, "-" when they do not fit. */
static void xrt__sched(const struct xrt_shm *sh, char *out, size_t cap)
{
    size_t len = 0;
    for (uint32_t i = 0; i < sh->nsteps; i++) {
        if (len + 5 >= cap) {
            strcpy(out, "-");
            return;
        }
        char *p = out + len;
        if (i)
            *p++ = ',';
        unsigned t = sh->steps[i].tid;
        if (t >= 10)
            *p++ = (char)('0' + t / 10);
        *p++ = (char)('0' + t % 10);
        len = (size_t)(p - out);
    }
    out[len] = '\0';
    if (len == 0)
        strcpy(out, "-");
}

void xrt_outcome_note(const char *last, const char *end, const struct xrt_shm *sh)
{
    for (unsigned i = 0; i < xrt__noc; i++) {
        struct xrt_outcome *o = &xrt__oc[i];
        if (strncmp(o->text, last, sizeof o->text - 1) == 0 &&
            strncmp(o->end, end, sizeof o->end - 1) == 0) {
            o->runs++;
            return;
        }
    }
    if (xrt__noc == XRT_MAX_OUTCOMES) {
        xrt__more++;
        return;
    }
    struct xrt_outcome *o = &xrt__oc[xrt__noc++];
    strncpy(o->text, last, sizeof o->text - 1);
    strncpy(o->end, end, sizeof o->end - 1);
    for (char *c = o->text; *c; c++)   /* one line, no field separator */
        *c = *c == '\t' || *c == '\n' ? ' ' : *c;
    xrt__sched(sh, o->sched, sizeof o->sched);
    o->runs = 1;
}

void xrt_outcome_write(FILE *f)
{
    if (!xrt_outcome_wanted())
        return;
    for (unsigned i = 0; i < xrt__noc; i++)
        fprintf(f, "outcome %llu %s\t%s\t%s\n", (unsigned long long)xrt__oc[i].runs,
                xrt__oc[i].sched, xrt__oc[i].end, xrt__oc[i].text);
    if (xrt__more > 0)
        fprintf(f, "outcomes_more %llu\n", (unsigned long long)xrt__more);
}
