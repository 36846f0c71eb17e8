/* detectors/det_detect.c - the detectors, what they report, where they are
 * blind and where their word does not count.
 *
 *   native    the program itself; its invariant (the lab's `correct`, or a
 *             user program's exit status) is the judge
 *   tsan      the lab's clang -fsanitize=thread twin, TSAN_OPTIONS=exitcode=66;
 *             happens-before over one address space, fibers when annotated
 *   helgrind  valgrind --tool=helgrind: happens-before + lockset over pthread
 *             calls it intercepts; does not model C11 atomics or futexes
 *   drd       valgrind --tool=drd: happens-before segments over the same
 *             intercepted calls; same limits
 *
 * Who counts for what (the verdict logic in det_matrix.c applies this):
 *   - the invariant always counts: a lost update is a race that happened;
 *     so is a hang the lab's own watchdog ended (a trial whose outcome is
 *     deadlock or timeout, labs/PROTOCOL.md) in a variant racy by design:
 *     AB-BA, a lost wake-up and a livelock are that variant's bug, shown
 *     with the trial's detail (the wait-for cycle); in a fixed variant it is
 *     a problem (verdict timeout), and so is any run the harness has to kill;
 *   - a detector's report counts, except where the cell's known reports
 *     (from the lab's own --list --json) say the tool cannot model the
 *     synchronization used; such a report is shown (status KNOWN_FP, with its
 *     raw kind and frames and the lab's reason) but does not make a fixed
 *     variant a false positive;
 *   - a detector that stays silent where it is blind by construction is
 *     shown as `blind`, never as `clean`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "det.h"

const char *const det_names[DET_NDET] = { "native", "tsan", "helgrind", "drd" };

int det_by_name(const char *name)
{
    for (int i = 0; i < DET_NDET; i++)
        if (strcmp(name, det_names[i]) == 0)
            return i;
    return -1;
}

const char *det_status_text(enum det_status s)
{
    switch (s) {
    case DET_ST_NONE: return "-";
    case DET_ST_CLEAN: return "clean";
    case DET_ST_RACE: return "race";
    case DET_ST_KNOWN_FP: return "fp";
    case DET_ST_BLIND: return "blind";
    case DET_ST_NA: return "n/a";
    case DET_ST_TIMEOUT: return "timeout";
    case DET_ST_CRASH: return "crash";
    }
    return "?";
}

/* valgrind's path, found once in PATH (execv does not search). */
static const char *det__valgrind(void)
{
    static char path[4096];
    static int state;   /* 0 unknown, 1 found, 2 missing */
    if (state == 0)
        state = det_find_program("valgrind", path, sizeof path) ? 1 : 2;
    return state == 1 ? path : NULL;
}

const char *det_unavailable(enum det_detector d, bool twin_any)
{
    switch (d) {
    case DET_NATIVE:
        return NULL;
    case DET_TSAN:
        return twin_any ? NULL
                        : "no lab-*-tsan twin beside racelab (build with clang and its TSan "
                          "runtime: apt-get install libclang-rt-14-dev)";
    case DET_HELGRIND:
    case DET_DRD:
        return det__valgrind() != NULL ? NULL : "valgrind not found (apt-get install valgrind)";
    case DET_NDET:
        break;
    }
    return "unknown detector";
}

int det_tool_argv(enum det_detector d, char **argv)
{
    int n = 0;
    if (d == DET_HELGRIND || d == DET_DRD) {
        argv[n++] = (char *)det__valgrind();
        argv[n++] = d == DET_HELGRIND ? "--tool=helgrind" : "--tool=drd";
        argv[n++] = "-q";
        argv[n++] = "--error-exitcode=67";
    }
    return n;
}

const char *det_tool_env(enum det_detector d)
{
    /* exitcode=66 marks a reported run; the report is parsed from stderr
     * anyway. TSan symbolizes each distinct report once (equal stacks and
     * addresses are suppressed by default). */
    return d == DET_TSAN ? "TSAN_OPTIONS=exitcode=66" : NULL;
}

/* Blind spots are per model, not per lab. */
const char *det_blind_reason(enum det_detector d, const char *model)
{
    if (d == DET_NATIVE)
        return NULL;
    if (strcmp(model, "procs") == 0)
        return d == DET_TSAN ? "processes: TSan watches one address space; the other worker is "
                               "another process"
                             : "processes: valgrind instruments each process apart; the other "
                               "worker's accesses are in another process";
    if ((d == DET_HELGRIND || d == DET_DRD) &&
        (strcmp(model, "coros") == 0 || strcmp(model, "coros-preempt") == 0))
        return "coroutines on one thread: valgrind sees a single thread and has no fiber "
               "annotations in the native build";
    return NULL;
}

/* ---- the known reports --------------------------------------------------- */

/* A lab says, per cell, which reports of a tool are not the race the cell is
 * about ("known_reports" in its --list --json, labs/PROTOCOL.md): reports on
 * its runtime's start gate, or on a fixed variant whose synchronization the
 * tool cannot model (the data the lock guards looks unprotected to it). Each
 * entry carries its reason; the harness shows the report and the reason and
 * discounts it, knowing nothing of the lab. */
unsigned det_known_tools(const char *tool)
{
    if (strcmp(tool, "valgrind") == 0)
        return (1u << DET_HELGRIND) | (1u << DET_DRD);
    int d = det_by_name(tool);
    return d > DET_NATIVE ? 1u << d : 0;
}

static bool det__known_matches(const struct det_known *k, const struct det_one *one)
{
    if (k->kind[0] != '\0' && strstr(one->kind, k->kind) == NULL)
        return false;
    return k->frame[0] == '\0' || strstr(one->frames[0], k->frame) != NULL ||
           strstr(one->frames[1], k->frame) != NULL;
}

/* The reason |one| is known, or NULL: entries naming a kind or a frame first,
 * in the lab's order, then cell-wide ones (kind and frame empty), so a
 * report gets the most specific reason the lab gives. */
static const char *det__known_why(enum det_detector d, const struct det_known *known,
                                  size_t nknown, const struct det_one *one)
{
    for (int wide = 0; wide < 2; wide++) {
        for (size_t i = 0; i < nknown; i++) {
            const struct det_known *k = &known[i];
            bool is_wide = k->kind[0] == '\0' && k->frame[0] == '\0';
            if ((k->tools & (1u << d)) && is_wide == (wide != 0) && det__known_matches(k, one))
                return k->why;
        }
    }
    return NULL;
}

/* ---- report parsing ---------------------------------------------------- */

static const char *det__basename(const char *path, size_t len, size_t *out_len)
{
    const char *b = path;
    for (size_t i = 0; i < len; i++)
        if (path[i] == '/')
            b = path + i + 1;
    *out_len = len - (size_t)(b - path);
    return b;
}

/* Files of the tools' interceptors and of the C library: a frame there is
 * not the user's code (valgrind prints a preload's own file names). */
static bool det__system_file(const char *loc, size_t len)
{
    static const char *const sys[] = {
        "vg_replace_", "hg_intercepts.c", "drd_pthread_intercepts.c", "pthread_create.c",
        "clone.S", "clone3.S", "libc-start.c", "libc_start_call_main.h", "sanitizer_", "tsan_",
        "/usr/", "/lib/", "<null>", "(in ", "???",
    };
    for (size_t i = 0; i < sizeof sys / sizeof sys[0]; i++) {
        size_t n = strlen(sys[i]);
        for (size_t k = 0; k + n <= len; k++)
            if (memcmp(loc + k, sys[i], n) == 0)
                return true;
    }
    return false;
}

/* "    #0 worker /path/racy.c:20:9 (prog+0x1) (BuildId: ..)" -> "worker racy.c:20:9";
 * true if the frame is in the user's code. */
static bool det__tsan_frame(const char *line, size_t len, char *out, size_t cap)
{
    const char *p = line;
    const char *end = line + len;
    while (p < end && (*p == ' ' || *p == '#' || (*p >= '0' && *p <= '9')))
        p++;
    const char *fn = p;
    while (p < end && *p != ' ')
        p++;
    size_t fnlen = (size_t)(p - fn);
    while (p < end && *p == ' ')
        p++;
    const char *loc = p;
    while (p < end && *p != ' ')
        p++;
    size_t blen;
    const char *base = det__basename(loc, (size_t)(p - loc), &blen);
    snprintf(out, cap, "%.*s %.*s", (int)fnlen, fn, (int)blen, base);
    return !det__system_file(loc, (size_t)(p - loc)) && memchr(base, ':', blen) != NULL;
}

/* "   at 0x109163: w (t.c:3)" -> "w (t.c:3)"; true if in the user's code. */
static bool det__vg_frame(const char *line, size_t len, char *out, size_t cap)
{
    const char *colon = memchr(line, ':', len);
    const char *p = colon != NULL ? colon + 1 : line;
    while (p < line + len && *p == ' ')
        p++;
    const char *in = strstr(p, "(in ");
    if (in != NULL && in < line + len) {
        /* "??? (in /usr/lib/x.so)" -> "??? (x.so)" */
        size_t blen;
        const char *base = det__basename(in + 4, (size_t)(line + len - in - 4), &blen);
        snprintf(out, cap, "%.*s(%.*s", (int)(in - p), p, (int)blen, base);
        return false;
    }
    const char *paren = memchr(p, '(', (size_t)(line + len - p));
    if (paren == NULL) {
        snprintf(out, cap, "%.*s", (int)(line + len - p), p);
        return false;
    }
    /* "main (tests/x.c:3)" -> "main (x.c:3)": the file's name, as TSan's lines */
    size_t blen;
    const char *base = det__basename(paren + 1, (size_t)(line + len - paren - 1), &blen);
    snprintf(out, cap, "%.*s(%.*s", (int)(paren - p), p, (int)blen, base);
    return !det__system_file(paren, (size_t)(line + len - paren));
}

/* Valgrind headers that introduce context, not an error. */
static bool det__vg_context(const char *s)
{
    static const char *const ctx[] = {
        "Thread #", "Lock at ", "Address ", "This conflicts with", "Other segment",
        "Allocation context", "Location ", "Block was alloc", "Locks held", "(thread finished",
        "Mutex ", "Condition variable", "Semaphore ", "by 0x", "at 0x",
    };
    for (size_t i = 0; i < sizeof ctx / sizeof ctx[0]; i++)
        if (strncmp(s, ctx[i], strlen(ctx[i])) == 0)
            return i != 0 || strstr(s, " was created") != NULL ||
                   strstr(s, "root thread") != NULL;
    return false;
}

/* The report's kind from its header line, without addresses, thread
 * numbers and sizes ("Conflicting store", "Possible data race during
 * write"), and the access size the header names. */
static void det__vg_kind(const char *s, size_t len, char *out, size_t cap, unsigned *size)
{
    static const char *const cuts[] = { " at 0x", " by thread", " of size", " (pid=", ": 0x",
                                        ": cond 0x", ": mutex 0x", ": rwlock 0x",
                                        ": barrier 0x", ": semaphore 0x" };
    if (strncmp(s, "Thread #", 8) == 0) {   /* "Thread #2: pthread_cond_destroy: ..." */
        const char *c = memchr(s, ':', len);
        if (c != NULL && c + 2 < s + len) {
            len -= (size_t)(c + 2 - s);
            s = c + 2;
        }
    }
    size_t n = len;
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        const char *c = strstr(s, cuts[i]);
        if (c != NULL && (size_t)(c - s) < n)
            n = (size_t)(c - s);
    }
    if (n >= cap) {   /* cut at a word, never inside one */
        n = cap - 1;
        while (n > 0 && s[n] != ' ')
            n--;
    }
    snprintf(out, cap, "%.*s", (int)n, s);
    const char *z = strstr(s, "size ");
    *size = z != NULL && z < s + len ? (unsigned)strtoul(z + 5, NULL, 10) : 0;
}

/* The state of a parse over a tool's stderr, one line at a time. */
struct det_parse {
    struct det_one *out;
    size_t cap;
    size_t count;             /* reports seen (stored or not) */
    struct det_one *cur;      /* the report whose frames are read, NULL past cap */
    int frames;
    bool want_frames;
    bool in_other;            /* reading the conflicting access's stack */
    int stacks;               /* TSan: stacks of the current report so far */
    bool last_hash;           /* TSan: the previous line was a frame */
    const char *prev;         /* valgrind: the previous line without its ==pid== prefix */
    size_t prev_len;
};

/* A new report starts: stored when there is room. */
static void det__begin(struct det_parse *ps)
{
    ps->cur = ps->count < ps->cap ? &ps->out[ps->count] : NULL;
    ps->count++;
    ps->frames = 0;
    ps->stacks = 0;
    ps->in_other = false;
    ps->want_frames = ps->cur != NULL;
    if (ps->cur != NULL) {
        memset(ps->cur, 0, sizeof *ps->cur);
        ps->cur->lead = -1;
    }
}

/* The frame just written at frames[ps->frames] is stored; |user| says it is
 * in the user's code (the first such leads the report). */
static void det__frame_done(struct det_parse *ps, bool user)
{
    if (user && ps->cur->lead < 0)
        ps->cur->lead = ps->frames;
    ps->frames++;
    ps->cur->nframes = ps->frames;
}

/* What a report's later lines say of its access: the size ("Write of size
 * 4", TSan) and whether the address is on a stack. */
static void det__access_line(struct det_parse *ps, const char *s, size_t len)
{
    if (ps->cur == NULL)
        return;
    char buf[200];
    snprintf(buf, sizeof buf, "%.*s", (int)(len < sizeof buf ? len : sizeof buf - 1), s);
    const char *z = strstr(buf, " of size ");
    if (ps->cur->size == 0 && z != NULL)
        ps->cur->size = (unsigned)strtoul(z + 9, NULL, 10);
    if (strstr(buf, "stack of ") != NULL || strstr(buf, "'s stack") != NULL)
        ps->cur->on_stack = true;
}

/* "WARNING: ThreadSanitizer: data race (pid=1)" starts a report; "#0 ..."
 * lines of its first stack are its frames. */
static void det__tsan_line(struct det_parse *ps, const char *line, size_t len)
{
    static const char warn[] = "WARNING: ThreadSanitizer: ";
    const char *end = line + len;
    const char *w = strstr(line, warn);
    if (w != NULL && w < end) {
        det__begin(ps);
        if (ps->cur != NULL) {
            const char *k = w + sizeof warn - 1;
            const char *pid = strstr(k, " (pid=");
            size_t klen = pid != NULL && pid < end ? (size_t)(pid - k) : (size_t)(end - k);
            snprintf(ps->cur->kind, sizeof ps->cur->kind, "%.*s", (int)klen, k);
        }
        return;
    }
    det__access_line(ps, line, len);
    const char *p = line;
    while (p < end && *p == ' ')
        p++;
    bool hash = p < end && *p == '#';
    ps->stacks += hash && !ps->last_hash;
    ps->last_hash = hash;
    if (hash && ps->cur != NULL && ps->stacks == 2 && ps->cur->other[0] == '\0') {
        char fr[160];   /* the previous (conflicting) access: its first user frame */
        if (det__tsan_frame(p, (size_t)(end - p), fr, sizeof fr))
            snprintf(ps->cur->other, sizeof ps->cur->other, "%s", fr);
    }
    if (!ps->want_frames || ps->frames >= DET_ONE_FRAMES)
        return;
    if (hash) {
        bool user = det__tsan_frame(p, (size_t)(end - p), ps->cur->frames[ps->frames],
                                    sizeof ps->cur->frames[ps->frames]);
        det__frame_done(ps, user);
    } else if (ps->frames > 0) {
        ps->want_frames = false;   /* the first stack ended */
    }
}

/* The line after valgrind's "==pid== " prefix (a line of only the prefix is
 * empty). */
static const char *det__vg_strip(const char *line, size_t len)
{
    const char *s = line;
    if (len > 2 && s[0] == '=' && s[1] == '=') {
        const char *e = memchr(s + 2, '=', len - 2);
        if (e != NULL && e + 2 < line + len && e[1] == '=')
            s = e + 2;
        else if (e != NULL && e[1] == '=')
            s = line + len;
        if (s < line + len && *s == ' ')
            s++;
    }
    return s;
}

/* An error header directly above an "at 0x" line starts a report (a context
 * header - conflicting access, lock, allocation - does not); its first
 * "at"/"by" lines are the frames. */
static void det__vg_line(struct det_parse *ps, const char *line, size_t len)
{
    const char *s = det__vg_strip(line, len);
    size_t slen = (size_t)(line + len - s);
    bool frame = slen > 6 && strncmp(s, "   at 0x", 8) == 0;
    bool by = slen > 6 && strncmp(s, "   by 0x", 8) == 0;
    if (frame && ps->prev != NULL && ps->prev_len > 0 && ps->prev[0] != ' ' &&
        !det__vg_context(ps->prev)) {
        det__begin(ps);
        if (ps->cur != NULL)
            det__vg_kind(ps->prev, ps->prev_len, ps->cur->kind, sizeof ps->cur->kind,
                         &ps->cur->size);
    } else if (frame) {
        ps->want_frames = false;   /* a context stack (conflicting access, lock, ...) */
        ps->in_other = ps->prev != NULL && strncmp(ps->prev, "This conflicts with", 19) == 0;
    }
    if ((frame || by) && ps->in_other && ps->cur != NULL && ps->cur->other[0] == '\0') {
        char fr[160];
        if (det__vg_frame(s, slen, fr, sizeof fr))
            snprintf(ps->cur->other, sizeof ps->cur->other, "%s", fr);
    } else if (!frame && !by) {
        ps->in_other = false;
    }
    if ((frame || by) && ps->want_frames && ps->frames < DET_ONE_FRAMES) {
        bool user = det__vg_frame(s, slen, ps->cur->frames[ps->frames],
                                  sizeof ps->cur->frames[ps->frames]);
        det__frame_done(ps, user);
    } else if (!frame && !by) {
        ps->want_frames = false;
        if (strncmp(s, "Address ", 8) == 0 || strncmp(s, " Location", 9) == 0)
            det__access_line(ps, s, slen);
    }
    /* "Locks held: none" sits between helgrind's header and stack */
    if (!(slen >= 10 && strncmp(s, "Locks held", 10) == 0)) {
        ps->prev = s;
        ps->prev_len = slen;
    }
}

/* Every report in |err|, in order: up to |cap| of them are stored in |out|
 * (kind and first frames); the return value counts all of them. */
static size_t det__parse_all(enum det_detector d, const char *err, struct det_one *out,
                             size_t cap)
{
    struct det_parse ps = { .out = out, .cap = cap };
    for (const char *line = err; *line != '\0';) {
        const char *nl = strchr(line, '\n');
        size_t len = nl != NULL ? (size_t)(nl - line) : strlen(line);
        if (d == DET_TSAN)
            det__tsan_line(&ps, line, len);
        else if (d == DET_HELGRIND || d == DET_DRD)
            det__vg_line(&ps, line, len);
        if (nl == NULL)
            break;
        line = nl + 1;
    }
    return ps.count;
}

size_t det_parse(enum det_detector d, const char *err, struct det_one *out, size_t cap)
{
    return det__parse_all(d, err, out, cap);
}

#define DET_MAX_REPORTS 512

void det_judge(enum det_detector d, const struct det_known *known, size_t nknown,
               const char *err, struct det_report *r)
{
    struct det_one *all = det_xmalloc(sizeof *all * DET_MAX_REPORTS);
    size_t total = det__parse_all(d, err, all, DET_MAX_REPORTS);
    size_t stored = total < DET_MAX_REPORTS ? total : DET_MAX_REPORTS;
    r->count = (unsigned)total;
    r->fp_count = 0;
    r->kind[0] = '\0';
    for (int i = 0; i < DET_MAX_FRAMES; i++)
        r->frames[i][0] = '\0';
    const struct det_one *shown = NULL, *first_fp = NULL;
    const char *fp_why = NULL;
    for (size_t i = 0; i < stored; i++) {
        const char *why = det__known_why(d, known, nknown, &all[i]);
        if (why != NULL) {
            r->fp_count++;
            if (first_fp == NULL) {
                first_fp = &all[i];
                fp_why = why;
            }
        } else if (shown == NULL) {
            shown = &all[i];
        }
    }
    /* reports past the stored ones are not classified: they count */
    bool unclassified = total > stored;
    if (shown != NULL || unclassified) {
        r->status = DET_ST_RACE;
        if (shown == NULL)
            shown = &all[0];
        if (r->fp_count > 0)
            snprintf(r->reason, sizeof r->reason, "%u of %u reports are known false positives "
                     "(%.120s)", r->fp_count, r->count, fp_why);
    } else if (first_fp != NULL) {
        r->status = DET_ST_KNOWN_FP;
        shown = first_fp;
        snprintf(r->reason, sizeof r->reason, "%s", fp_why);
    } else {
        r->status = DET_ST_NONE;
    }
    if (shown != NULL) {
        snprintf(r->kind, sizeof r->kind, "%s", shown->kind);
        for (int i = 0; i < DET_MAX_FRAMES; i++)
            snprintf(r->frames[i], sizeof r->frames[i], "%s", shown->frames[i]);
    }
    free(all);
}

const char *det_valgrind_failed(const char *err)
{
    if (strstr(err, "ensure_valid failed") != NULL || strstr(err, "unhandled dwarf2") != NULL)
        return "valgrind cannot read this binary's debug info (clang 14 emits DWARF 5 that "
               "valgrind 3.19 rejects): build with -gdwarf-4";
    if (strstr(err, "valgrind: failed to start tool") != NULL)
        return "valgrind could not start the tool";
    return NULL;
}
