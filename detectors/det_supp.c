/* detectors/det_supp.c - racelab check --suppressions FILE: a TSan
 * suppressions file in which every entry says why it is there.
 *
 * The file is TSan's own format (one TYPE:PATTERN per line, '#' comments),
 * with one rule added: each entry has its own reason, a comment line
 * "# reason: TEXT" above it (other comment lines may come between). An
 * entry without one, an unknown TYPE or an empty PATTERN is refused in one
 * line (exit 2), so a suppression nobody can explain never silences a race.
 *
 * TSan reads the file as it is (TSAN_OPTIONS suppressions=, with
 * print_suppressions=1, so each run lists the entries that matched). For
 * valgrind, race and race_top entries apply too, in two steps: one whose
 * pattern is a function name becomes a Helgrind:Race and a
 * drd:ConflictingAccess suppression with a frame *NAME* anywhere in the
 * stack (valgrind then drops it itself); and each remaining valgrind report
 * is matched as TSan would (the template against every frame's function or
 * file, and the conflicting access's frame, which a valgrind suppression
 * cannot see). thread, mutex, signal, deadlock and called_from_lib entries
 * are TSan-only, and the check says so. After the run, check lists the
 * entries no detector used. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "det.h"

/* TSan's suppression types (compiler-rt tsan_suppressions.cpp). */
static const char *const det__types[] = { "race", "race_top", "thread", "mutex", "signal",
                                          "deadlock", "called_from_lib", NULL };

static char *det__trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' ||
                     s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

static bool det__known_type(const char *t)
{
    for (size_t i = 0; det__types[i] != NULL; i++)
        if (strcmp(det__types[i], t) == 0)
            return true;
    return false;
}

/* A function name valgrind's fun: can match: no path or module name. */
static bool det__translates(const struct det_supp_entry *e)
{
    return strcmp(e->type, "race") == 0 && strpbrk(e->pattern, "/. ()") == NULL &&
           strspn(e->pattern, "^$*") < strlen(e->pattern);
}

/* TSan's template match (sanitizer_common TemplateMatch): a substring,
 * '*' any run of characters, '^' and '$' anchor at the start and end. */
static bool det__templ_at(const char *t, const char *s)
{
    for (;; t++, s++) {
        if (*t == '\0')
            return true;
        if (*t == '$' && t[1] == '\0')
            return *s == '\0';
        if (*t == '*') {
            for (;; s++) {
                if (det__templ_at(t + 1, s))
                    return true;
                if (*s == '\0')
                    return false;
            }
        }
        if (*s != *t)
            return false;
    }
}

static bool det__templ(const char *t, const char *s)
{
    if (*t == '^')
        return det__templ_at(t + 1, s);
    for (;; s++) {
        if (det__templ_at(t, s))
            return true;
        if (*s == '\0')
            return false;
    }
}

/* A report frame "func (file.c:12)": the template against the function or
 * the file, as TSan matches a frame's function, file or module. */
static bool det__frame_matches(const char *templ, const char *frame)
{
    char func[160], file[160] = "";
    size_t fl = strcspn(frame, " ");
    snprintf(func, sizeof func, "%.*s", (int)fl, frame);
    const char *paren = strstr(frame, " (");
    if (paren != NULL)
        snprintf(file, sizeof file, "%.*s", (int)strcspn(paren + 2, ":)"), paren + 2);
    return det__templ(templ, func) || (file[0] && det__templ(templ, file));
}

/* True (and counted as used) if a race or race_top entry matches the
 * valgrind report |one|: any of its frames, or the conflicting access's
 * frame (race_top: the first frame only). */
bool det_supp_match(struct det_supp *s, enum det_detector d, const struct det_one *one)
{
    for (size_t i = 0; s != NULL && i < s->n; i++) {
        struct det_supp_entry *e = &s->e[i];
        if (!e->valgrind)
            continue;
        bool top = strcmp(e->type, "race_top") == 0;
        bool hit = false;
        for (int k = 0; k < (top ? 1 : one->nframes) && !hit; k++)
            hit = det__frame_matches(e->pattern, one->frames[k]);
        hit = hit || (!top && one->other[0] && det__frame_matches(e->pattern, one->other));
        if (hit) {
            e->used[d]++;
            return true;
        }
    }
    return false;
}

/* One entry line (|line| trimmed, not a comment) with its pending reason. */
static void det__entry(struct det_supp *s, char *line, unsigned ln, char *reason)
{
    char *colon = strchr(line, ':');
    if (colon != NULL)
        *colon = '\0';
    const char *type = det__trim(line);
    const char *pat = colon != NULL ? det__trim(colon + 1) : "";
    if (colon == NULL || !det__known_type(type))
        det_usage_error("check: %s:%u: '%s' is not TYPE:PATTERN with TYPE one of race, "
                        "race_top, thread, mutex, signal, deadlock, called_from_lib",
                        s->path, ln, line);
    if (*pat == '\0')
        det_usage_error("check: %s:%u: the %s entry has an empty pattern", s->path, ln, type);
    if (reason[0] == '\0')
        det_usage_error("check: %s:%u: the entry %s:%s has no '# reason: ...' line above it",
                        s->path, ln, type, pat);
    s->e = realloc(s->e, (s->n + 1) * sizeof *s->e);
    struct det_supp_entry *e = &s->e[s->n++];
    memset(e, 0, sizeof *e);
    snprintf(e->type, sizeof e->type, "%s", type);
    snprintf(e->pattern, sizeof e->pattern, "%s", pat);
    snprintf(e->reason, sizeof e->reason, "%s", reason);
    e->line = ln;
    e->valgrind = strcmp(e->type, "race") == 0 || strcmp(e->type, "race_top") == 0;
    e->translated = e->valgrind && det__translates(e);
    reason[0] = '\0';
}

void det_supp_load(const char *path, struct det_supp *s)
{
    memset(s, 0, sizeof *s);
    s->path = path;
    FILE *f = fopen(path, "r");
    if (f == NULL)
        det_usage_error("check: cannot read the suppressions file %s: %s", path,
                        strerror(errno));
    if (realpath(path, s->abs) == NULL)
        snprintf(s->abs, sizeof s->abs, "%s", path);
    char *buf = NULL, reason[256] = "";
    size_t cap = 0;
    unsigned ln = 0;
    while (getline(&buf, &cap, f) > 0) {
        ln++;
        char *t = det__trim(buf);
        if (*t == '#') {
            char *r = det__trim(t + 1);
            if (strncmp(r, "reason:", 7) == 0)
                snprintf(reason, sizeof reason, "%s", det__trim(r + 7));
        } else if (*t != '\0') {
            det__entry(s, t, ln, reason);
        }
    }
    free(buf);
    fclose(f);
    if (s->n == 0)
        det_usage_error("check: the suppressions file %s has no entry", path);
}

/* TSan's options for a run: the exit code check reads, the file, and the
 * list of matched entries at exit. */
void det_supp_tsan_env(const struct det_supp *s, char *out, size_t cap)
{
    if (s == NULL || s->n == 0)
        snprintf(out, cap, "%s", det_tool_env(DET_TSAN));
    else
        snprintf(out, cap, "%s suppressions=\"%s\" print_suppressions=1",
                 det_tool_env(DET_TSAN), s->abs);
}

/* Writes the valgrind translation into a new temporary directory (named by the
 * entry's line, for the used_suppression lines). false if nothing to write. */
bool det_supp_valgrind(struct det_supp *s)
{
    s->vg_file[0] = '\0';
    size_t k = 0;
    for (size_t i = 0; i < s->n; i++)
        k += s->e[i].translated;
    snprintf(s->dir, sizeof s->dir, "%s/racelab-supp-XXXXXX", det_tmpdir());
    if (k == 0 || mkdtemp(s->dir) == NULL) {
        s->dir[0] = '\0';
        return false;
    }
    snprintf(s->vg_file, sizeof s->vg_file, "%s/valgrind.supp", s->dir);
    FILE *f = fopen(s->vg_file, "w");
    if (f == NULL) {
        rmdir(s->dir);
        s->dir[0] = s->vg_file[0] = '\0';
        return false;
    }
    static const char *const kinds[] = { "Helgrind:Race", "drd:ConflictingAccess" };
    for (size_t i = 0; i < s->n; i++) {
        const struct det_supp_entry *e = &s->e[i];
        char name[240];
        snprintf(name, sizeof name, "%.200s", e->pattern);
        char *p = name;
        p += *p == '^';
        p[strcspn(p, "$")] = '\0';
        for (size_t t = 0; e->translated && t < 2; t++)
            fprintf(f, "{\n   racelab-line-%u\n   %s\n   ...\n   fun:%s%s%s\n   ...\n}\n",
                    e->line, kinds[t], e->pattern[0] == '^' ? "" : "*", p,
                    strchr(e->pattern, '$') ? "" : "*");
    }
    fclose(f);
    snprintf(s->vg_arg, sizeof s->vg_arg, "--suppressions=%s", s->vg_file);
    return true;
}

void det_supp_reset(struct det_supp *s)
{
    for (size_t i = 0; s != NULL && i < s->n; i++)
        memset(s->e[i].used, 0, sizeof s->e[i].used);
}

void det_supp_clean(struct det_supp *s)
{
    if (s->vg_file[0] != '\0')
        unlink(s->vg_file);
    if (s->dir[0] != '\0')
        rmdir(s->dir);
    s->vg_file[0] = s->dir[0] = '\0';
    free(s->e);
    s->e = NULL;
    s->n = 0;
}

/* TSan's "ThreadSanitizer: Matched N suppressions" block: "COUNT TYPE:PATTERN". */
static void det__tally_tsan(struct det_supp *s, const char *err)
{
    for (const char *m = strstr(err, "ThreadSanitizer: Matched "); m != NULL;
         m = strstr(m + 1, "ThreadSanitizer: Matched ")) {
        const char *l = strchr(m, '\n');
        while (l != NULL && l[1] >= '0' && l[1] <= '9') {
            char *end;
            unsigned long count = strtoul(l + 1, &end, 10);
            size_t len = strcspn(end + (*end == ' '), "\n");
            const char *what = end + (*end == ' ');
            for (size_t i = 0; i < s->n; i++) {
                struct det_supp_entry *e = &s->e[i];
                size_t tl = strlen(e->type);
                if (len == tl + 1 + strlen(e->pattern) && strncmp(what, e->type, tl) == 0 &&
                    what[tl] == ':' && strncmp(what + tl + 1, e->pattern, len - tl - 1) == 0)
                    e->used[DET_TSAN] += (unsigned)count;
            }
            l = strchr(l + 1, '\n');
        }
    }
}

/* valgrind -s: "used_suppression: COUNT racelab-line-N FILE:LINE". */
static void det__tally_valgrind(struct det_supp *s, enum det_detector d, const char *err)
{
    for (const char *m = strstr(err, "used_suppression:"); m != NULL;
         m = strstr(m + 1, "used_suppression:")) {
        unsigned count, line;
        if (sscanf(m, "used_suppression: %u racelab-line-%u", &count, &line) != 2)
            continue;
        for (size_t i = 0; i < s->n; i++)
            if (s->e[i].line == line)
                s->e[i].used[d] += count;
    }
}

void det_supp_tally(struct det_supp *s, enum det_detector d, const char *err)
{
    if (s == NULL || err == NULL)
        return;
    if (d == DET_TSAN)
        det__tally_tsan(s, err);
    else if (d == DET_HELGRIND || d == DET_DRD)
        det__tally_valgrind(s, d, err);
}

/* "suppressions FILE: N entries; used: ...; unused: ..." (one line per
 * unused entry, with its reason, so a stale one is easy to delete). */
void det_supp_print(FILE *f, const struct det_supp *s)
{
    size_t used = 0, tsan_only = 0;
    for (size_t i = 0; i < s->n; i++) {
        unsigned u = 0;
        for (int d = 0; d < DET_NDET; d++)
            u += s->e[i].used[d];
        used += u > 0;
        tsan_only += !s->e[i].valgrind;

    }
    fprintf(f, "  %-9s %s: %zu entr%s, %zu used, %zu unused%s", "supp", s->path, s->n,
            s->n == 1 ? "y" : "ies", used, s->n - used, tsan_only ? "; " : "\n");
    if (tsan_only)
        fprintf(f, "%zu TSan-only (thread, mutex, signal, deadlock, called_from_lib: "
                   "valgrind has no equivalent)\n", tsan_only);
    for (size_t i = 0; i < s->n; i++) {
        const struct det_supp_entry *e = &s->e[i];
        char by[160] = "";
        for (int d = DET_TSAN; d < DET_NDET; d++) {
            size_t l = strlen(by);
            if (e->used[d])
                snprintf(by + l, sizeof by - l, "%s%s %u", l ? ", " : "", det_names[d],
                         e->used[d]);
        }
        fprintf(f, "  %-9s %s line %u %s:%s (%s%s)\n", "", by[0] ? "used  " : "UNUSED", e->line,
                e->type, e->pattern, by[0] ? by : "reason: ", by[0] ? "" : e->reason);
    }
}
