/* labs/common/variant_gen.h - what every lab's variant.h generates alike.
 *
 * A lab's variant.h (labs/counter/variant.h, labs/queue/variant.h) defines
 * LAB_VARIANT_PREFIX (the symbol prefix, e.g. counter_variant_) and includes
 * this header; it then generates its own worker loops and hooks. A variant
 * file defines, before including its lab's variant.h:
 *   VARIANT_NAME           a bare word: the variant's symbol is PREFIX##NAME
 *   VARIANT_DESC           one line for --list and the report
 * and optionally
 *   VARIANT_LABEL          its name when that is not a C identifier ("racy-yield")
 *   VARIANT_RACY           true for a variant racy by design
 *   VARIANT_NO_PROCS       why it cannot run across processes
 *   VARIANT_UNAVAILABLE    why it cannot run in this build
 *   VARIANT_LOCK           the id of the lock descriptor it is built on
 *                          (labs/common/desc/lock_<id>.h, included by the
 *                          file): gives VARIANT_NO_PROCS when the lock cannot
 *                          be shared, and the lock's known reports
 *   VARIANT_QUEUE          the same for a queue descriptor (queue_<id>.h)
 *   VARIANT_KNOWN          its own known reports (struct lab_known_report
 *                          initializers, each followed by a comma), instead
 *                          of its lock's or queue's
 * and the lab's variant.h may define LAB_VARIANT_LAB_KNOWN: entries every
 * variant of the lab carries after its own.
 *
 * Provides LAB_VARIANT_SYMBOL, LAB_VARIANT_NAME, LAB_VARIANT_PROCS_BIT /
 * LAB_VARIANT_PROCS_WHY (the procs model unless VARIANT_NO_PROCS),
 * LAB_VARIANT_IDENTITY(models, refused...) (the fields every variant
 * has, available or not; refused is the brace list of reasons per model) and, for a lab's table file, LAB_VARIANT_TABLE. */
#ifndef RACELAB_VARIANT_GEN_H
#define RACELAB_VARIANT_GEN_H

#include <stdbool.h>
#include <stddef.h>

#include "lab.h"

#define LAB_VARIANT__STR2(x) #x
#define LAB_VARIANT__STR(x) LAB_VARIANT__STR2(x)
#define LAB_VARIANT__CAT2(a, b) a##b
#define LAB_VARIANT__CAT(a, b) LAB_VARIANT__CAT2(a, b)

/* In a lab's table file, with LAB_VARIANT_PREFIX defined and LIST an X-macro
 * list of variant names: declares every variant and defines |array|, the
 * table struct lab.variants points to. */
#define LAB_VARIANT__DECLARE(name) \
    extern const struct lab_variant LAB_VARIANT__CAT(LAB_VARIANT_PREFIX, name);
#define LAB_VARIANT__ENTRY(name) &LAB_VARIANT__CAT(LAB_VARIANT_PREFIX, name),
#define LAB_VARIANT_TABLE(LIST, array) \
    LIST(LAB_VARIANT__DECLARE)         \
    static const struct lab_variant *const array[] = { LIST(LAB_VARIANT__ENTRY) }

/* The explore flavour's names for a variant's state (notes/explorer.md
 * "Names in the step table"): the adapter's |state| is bytes, so a lab says
 * which of its structs lie where in it, before including this header:
 *   #define LAB_VARIANT_VIEWS(X) X(id, type, offset) ...
 * (|offset| an expression of |st|, the state after setup). Compiled with
 * LAB_EXPLORE, each variant then has, per view, a pointer variable of that
 * type (its anchor: the debug information gives racelab explore the type)
 * and an entry in the section racelab_views, which explore_main.c looks up
 * for the variant it runs and writes. */
struct lab_explore_views {
    const struct lab_variant *variant;
    void (*write)(const void *st, void *file);   /* a FILE: "view ANCHOR ADDR" lines */
};

#ifdef LAB_EXPLORE_ADAPTER
#include <stdio.h>
#include <stdlib.h>
/* The linker's bounds of the section (none when no variant has views). */
extern const struct lab_explore_views __start_racelab_views[] __attribute__((weak));
extern const struct lab_explore_views __stop_racelab_views[] __attribute__((weak));

/* Writes |v|'s views of |st| to $RACELAB_EXPLORE_OUT.views, where racelab
 * explore reads them; the first run of a search creates it, the others
 * find it there (every run's state is laid out alike). Call it with the
 * runtime looking away: the variant's code reads |st| here. */
static inline void lab_explore_views(const struct lab_variant *v, const void *st)
{
    const char *out = getenv("RACELAB_EXPLORE_OUT");
    char path[4096];
    for (const struct lab_explore_views *p = __start_racelab_views;
         out != NULL && out[0] != '\0' && p < __stop_racelab_views; p++) {
        FILE *f;
        if (p->variant != v || snprintf(path, sizeof path, "%s.views", out) >= (int)sizeof path ||
            (f = fopen(path, "wx")) == NULL)
            continue;
        p->write(st, f);
        fclose(f);
    }
}
#endif

#endif /* RACELAB_VARIANT_GEN_H */

/* The rest is per variant file (one variant per translation unit). */
#ifdef VARIANT_NAME

#define LAB_VARIANT_SYMBOL LAB_VARIANT__CAT(LAB_VARIANT_PREFIX, VARIANT_NAME)

#ifdef VARIANT_LABEL
#define LAB_VARIANT_NAME VARIANT_LABEL
#else
#define LAB_VARIANT_NAME LAB_VARIANT__STR(VARIANT_NAME)
#endif

#ifndef VARIANT_RACY
#define VARIANT_RACY false
#endif

/* The lock or queue says whether it can be shared across processes, and
 * why not. */
#if defined(VARIANT_QUEUE) && !defined(VARIANT_NO_PROCS)
#if !QUEUED_PROCS(VARIANT_QUEUE)
#define VARIANT_NO_PROCS QUEUED_NO_PROCS(VARIANT_QUEUE)
#endif
#endif
#if defined(VARIANT_LOCK) && !defined(VARIANT_NO_PROCS)
#if !LOCKD_PROCS(VARIANT_LOCK)
#define VARIANT_NO_PROCS LOCKD_NO_PROCS(VARIANT_LOCK)
#endif
#endif

#ifdef VARIANT_NO_PROCS
#define LAB_VARIANT_PROCS_BIT 0u
#define LAB_VARIANT_PROCS_WHY VARIANT_NO_PROCS
#else
#define LAB_VARIANT_PROCS_BIT LAB_MODEL_BIT(LAB_PROCS)
#define LAB_VARIANT_PROCS_WHY NULL
#endif

/* Known reports: the variant's own (or its lock's or queue's), then the
 * lab's. */
#if defined(VARIANT_KNOWN)
#define LAB_VARIANT__OWN VARIANT_KNOWN
#elif defined(VARIANT_QUEUE)
#define LAB_VARIANT__OWN QUEUED_KNOWN_ENTRIES(VARIANT_QUEUE)
#elif defined(VARIANT_LOCK)
#define LAB_VARIANT__OWN LOCKD_KNOWN_ENTRIES(VARIANT_LOCK)
#else
#define LAB_VARIANT__OWN
#endif
#ifndef LAB_VARIANT_LAB_KNOWN
#define LAB_VARIANT_LAB_KNOWN
#endif
static const struct lab_known_report lab_variant__known[] = {
    LAB_VARIANT__OWN LAB_VARIANT_LAB_KNOWN { NULL, NULL, NULL, NULL }
};

#ifdef VARIANT_UNAVAILABLE
#define LAB_VARIANT__UNAVAILABLE VARIANT_UNAVAILABLE
#else
#define LAB_VARIANT__UNAVAILABLE NULL
#endif

extern const struct lab_variant LAB_VARIANT_SYMBOL;

/* What every variant says about itself, available or not. */
#define LAB_VARIANT_IDENTITY(models_, ...)     \
    .name = LAB_VARIANT_NAME,                   \
    .description = VARIANT_DESC,                \
    .racy_by_design = VARIANT_RACY,             \
    .models = (models_),                        \
    .unavailable = LAB_VARIANT__UNAVAILABLE,    \
    .known_reports = lab_variant__known,        \
    .refused = __VA_ARGS__

#if defined(LAB_EXPLORE) && defined(LAB_VARIANT_VIEWS)
#include <stdint.h>
#include <stdio.h>
#define LAB_VARIANT__ANCHOR(id, type, offset) \
    __attribute__((used)) static type *const lab_variant__view_##id = NULL;
#define LAB_VARIANT__VIEW(id, type, offset)                                       \
    fprintf(f, "view %llx %llx\n", (unsigned long long)(uintptr_t)&lab_variant__view_##id, \
            (unsigned long long)((uintptr_t)st + (offset)));
LAB_VARIANT_VIEWS(LAB_VARIANT__ANCHOR)
static void lab_variant__views(const void *st, void *file)
{
    FILE *f = file;
    LAB_VARIANT_VIEWS(LAB_VARIANT__VIEW)
}
__attribute__((used, section("racelab_views"))) static const struct lab_explore_views
    lab_variant__views_entry = { &LAB_VARIANT_SYMBOL, lab_variant__views };
#endif

#endif /* VARIANT_NAME */
