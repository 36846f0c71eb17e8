/* detectors/det_out.c - the verdict table for people (aligned, with the raw
 * reports behind it and a problem summary), JSON Lines, CSV and Markdown for
 * machines, JUnit XML for CI, and the report directory with SVG plots.
 * JSON is written with jansson, so it stays well-formed whatever a lab or a
 * tool printed. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "det.h"
#include "util/json.h"
#include "util/svg.h"

bool det_use_color(FILE *f)
{
    const char *nc = getenv("NO_COLOR");
    return isatty(fileno(f)) && (nc == NULL || *nc == '\0');
}

static double det__slowdown(const struct det_cell *c)
{
    if (c->det[DET_TSAN].ns_per_op > 0 && c->ns_op_w > 0)
        return c->det[DET_TSAN].ns_per_op / c->ns_op_w;
    return 0;
}

static void det__observed(const struct det_cell *c, char *buf, size_t len)
{
    if (!c->ran || c->trials == 0)
        snprintf(buf, len, "-");
    else
        snprintf(buf, len, "%lld (%lld-%lld)", c->observed_median, c->observed_min,
                 c->observed_max);
}

static void det__cellname(const struct det_cell *c, char *buf, size_t len)
{
    snprintf(buf, len, "%s/%s/%s", c->lab->name, c->model, c->variant);
}

static void det__num(double v, char *buf, size_t len)
{
    if (v <= 0)
        snprintf(buf, len, "-");
    else if (v < 10)
        snprintf(buf, len, "%.2f", v);
    else if (v < 1000)
        snprintf(buf, len, "%.1f", v);
    else
        snprintf(buf, len, "%.0f", v);
}

json_t *det_cell_json(const struct det_cell *c)
{
    json_t *o = json_object();
    json_object_set_new(o, "lab", json_string(c->lab->name));
    json_object_set_new(o, "model", json_string(c->model));
    json_object_set_new(o, "variant", json_string(c->variant));
    json_object_set_new(o, "racy_by_design", json_boolean(c->racy_by_design));
    json_object_set_new(o, "expected", json_integer(c->expected));
    json_object_set_new(o, "observed_median", json_integer(c->observed_median));
    json_object_set_new(o, "observed_min", json_integer(c->observed_min));
    json_object_set_new(o, "observed_max", json_integer(c->observed_max));
    json_object_set_new(o, "trials", json_integer(c->trials));
    json_object_set_new(o, "lossy_trials", json_integer(c->lossy_trials));
    json_object_set_new(o, "invariant_held", json_boolean(c->ran && c->correct));
    json_object_set_new(o, "workers", json_integer(c->workers));
    json_object_set_new(o, "ns_per_op_1", json_real(c->ns_op_1));
    json_object_set_new(o, "ns_per_op_workers", json_real(c->ns_op_w));
    json_object_set_new(o, "tsan_slowdown", json_real(det__slowdown(c)));
    json_t *reports = json_object();
    for (int d = 0; d < DET_NDET; d++) {
        const struct det_report *r = &c->det[d];
        if (d != DET_NATIVE)
            json_object_set_new(o, det_names[d], json_string(det_status_text(r->status)));
        json_t *rj = json_object();
        json_object_set_new(rj, "status", json_string(det_status_text(r->status)));
        if (r->count > 0) {
            json_object_set_new(rj, "kind", json_string(r->kind));
            json_object_set_new(rj, "count", json_integer(r->count));
            json_t *fr = json_array();
            for (int i = 0; i < DET_MAX_FRAMES; i++)
                if (r->frames[i][0] != '\0')
                    json_array_append_new(fr, json_string(r->frames[i]));
            json_object_set_new(rj, "frames", fr);
        }
        if (r->reason[0] != '\0')
            json_object_set_new(rj, "reason", json_string(r->reason));
        if (r->ns_per_op > 0)
            json_object_set_new(rj, "ns_per_op", json_real(r->ns_per_op));
        if (r->wall_s > 0)
            json_object_set_new(rj, "wall_s", json_real(r->wall_s));
        json_object_set_new(reports, det_names[d], rj);
    }
    json_object_set_new(o, "reports", reports);
    if (c->ex.status != DET_ST_NONE) {   /* the explore column (det_matrix.c) */
        json_t *ex = json_object();
        json_object_set_new(ex, "status", json_string(det_explored_word(&c->ex)));
        json_object_set_new(ex, "runs", json_integer((json_int_t)c->ex.runs));
        json_object_set_new(ex, "exhausted", json_boolean(c->ex.exhausted));
        json_object_set_new(ex, "text", json_string(c->ex.text));
        json_object_set_new(o, "explore", ex);
    }
    json_object_set_new(o, "verdict", json_string(det_verdict_names[c->verdict]));
    if (c->problem[0] != '\0')
        json_object_set_new(o, "problem", json_string(c->problem));
    if (c->hint[0] != '\0')
        json_object_set_new(o, "hint", json_string(c->hint));
    if (c->detail[0] != '\0')
        json_object_set_new(o, "detail", json_string(c->detail));
    if (c->extra != NULL) {
        /* lab-specific fields (produced, duplicated, ...) beside ours */
        const char *key;
        json_t *v;
        json_object_foreach(c->extra, key, v) {
            if (json_object_get(o, key) == NULL && strcmp(key, "kind") != 0)
                json_object_set(o, key, v);
        }
    }
    return o;
}

static void det__csv_field(FILE *f, const char *s, bool last)
{
    if (strpbrk(s, ",\"\n") != NULL) {
        fputc('"', f);
        for (; *s; s++) {
            if (*s == '"')
                fputc('"', f);
            fputc(*s == '\n' ? ' ' : *s, f);
        }
        fputc('"', f);
    } else {
        fputs(s, f);
    }
    fputc(last ? '\n' : ',', f);
}

static const char *const det__csv_cols[] = {
    "lab", "model", "variant", "racy_by_design", "expected", "observed_median", "observed_min",
    "observed_max", "trials", "lossy_trials", "tsan", "helgrind", "drd", "ns_per_op_1",
    "ns_per_op_workers", "workers", "tsan_slowdown", "verdict", "evidence", "problem", "explore",
};
#define DET_NCSV (sizeof det__csv_cols / sizeof det__csv_cols[0])

/* The first counted report behind a verdict, as one line. */
static void det__evidence(const struct det_cell *c, char *buf, size_t len)
{
    buf[0] = '\0';
    size_t n = 0;
    if (c->ran && c->detail[0] != '\0')
        n += (size_t)snprintf(buf + n, len - n, "invariant: hung in %u of %u trials, %s",
                              c->deadlocks + c->timeouts, c->trials, c->detail);
    else if (c->ran && !c->correct)
        n += (size_t)snprintf(buf + n, len - n, "invariant: lost updates in %u of %u trials",
                              c->lossy_trials, c->trials);
    for (int d = DET_TSAN; d < DET_NDET && n < len; d++) {
        const struct det_report *r = &c->det[d];
        if (r->status != DET_ST_RACE && r->status != DET_ST_KNOWN_FP)
            continue;
        n += (size_t)snprintf(buf + n, len - n, "%s%s%s: %s at %s%s%s", n ? "; " : "",
                              det_names[d], r->status == DET_ST_KNOWN_FP ? " (known fp)" : "",
                              r->kind, r->frames[0], r->frames[1][0] ? " < " : "", r->frames[1]);
    }
}

static void det__csv(FILE *f, const struct det_matrix *m)
{
    for (size_t i = 0; i < DET_NCSV; i++)
        det__csv_field(f, det__csv_cols[i], i + 1 == DET_NCSV);
    for (size_t i = 0; i < m->ncells; i++) {
        const struct det_cell *c = &m->cells[i];
        if (!c->available)
            continue;
        char v[DET_NCSV][512];
        snprintf(v[0], sizeof v[0], "%s", c->lab->name);
        snprintf(v[1], sizeof v[1], "%s", c->model);
        snprintf(v[2], sizeof v[2], "%s", c->variant);
        snprintf(v[3], sizeof v[3], "%s", c->racy_by_design ? "true" : "false");
        snprintf(v[4], sizeof v[4], "%lld", c->expected);
        snprintf(v[5], sizeof v[5], "%lld", c->observed_median);
        snprintf(v[6], sizeof v[6], "%lld", c->observed_min);
        snprintf(v[7], sizeof v[7], "%lld", c->observed_max);
        snprintf(v[8], sizeof v[8], "%u", c->trials);
        snprintf(v[9], sizeof v[9], "%u", c->lossy_trials);
        for (int d = DET_TSAN; d < DET_NDET; d++)
            snprintf(v[9 + d], sizeof v[0], "%s", det_status_text(c->det[d].status));
        snprintf(v[13], sizeof v[13], "%.3f", c->ns_op_1);
        snprintf(v[14], sizeof v[14], "%.3f", c->ns_op_w);
        snprintf(v[15], sizeof v[15], "%u", c->workers);
        snprintf(v[16], sizeof v[16], "%.1f", det__slowdown(c));
        snprintf(v[17], sizeof v[17], "%s", det_verdict_names[c->verdict]);
        det__evidence(c, v[18], sizeof v[18]);
        snprintf(v[19], sizeof v[19], "%s", c->problem);
        snprintf(v[20], sizeof v[20], "%s", det_explored_word(&c->ex));
        for (size_t k = 0; k < DET_NCSV; k++)
            det__csv_field(f, v[k], k + 1 == DET_NCSV);
    }
}

static const char *det__paint(const struct det_cell *c, bool color)
{
    if (!color)
        return "";
    switch (c->verdict) {
    case DET_V_CORRECT: return "\033[32m";
    case DET_V_RACY_DETECTED: return c->racy_by_design ? "\033[33m" : "\033[31m";
    default: return "\033[31m";
    }
}

/* The table's header and one row per cell. */
static void det__table_rows(FILE *f, const struct det_matrix *m, bool md, bool color)
{
    size_t w = 4;
    for (size_t i = 0; i < m->ncells; i++) {
        char name[256];
        det__cellname(&m->cells[i], name, sizeof name);
        if (strlen(name) > w)
            w = strlen(name);
    }
    if (md) {
        fprintf(f, "| lab/model/variant | racy | expected | observed median (min-max) | lossy "
                   "| tsan | helgrind | drd | explore | ns/op @1 | ns/op @W | tsan x | verdict |\n");
        fprintf(f, "|---|---|---:|---:|---:|---|---|---|---|---:|---:|---:|---|\n");
    } else {
        fprintf(f, "%-*s %-4s %10s %-27s %5s %-7s %-8s %-7s %-11s %8s %8s %6s  %s\n", (int)w,
                "lab/model/variant", "racy", "expected", "observed median (min-max)", "lossy",
                "tsan", "helgrind", "drd", "explore", "ns/op@1", "ns/op@W", "tsan x", "verdict");
    }
    for (size_t i = 0; i < m->ncells; i++) {
        const struct det_cell *c = &m->cells[i];
        if (!c->available)
            continue;
        char name[256], obs[64], lossy[32], n1[32], nw[32], sl[32] = "-";
        det__cellname(c, name, sizeof name);
        det__observed(c, obs, sizeof obs);
        snprintf(lossy, sizeof lossy, "%u/%u", c->lossy_trials, c->trials);
        det__num(c->ns_op_1, n1, sizeof n1);
        det__num(c->ns_op_w, nw, sizeof nw);
        if (det__slowdown(c) > 0)
            snprintf(sl, sizeof sl, "%.0fx", det__slowdown(c));
        const char *st[DET_NDET];
        for (int d = 0; d < DET_NDET; d++)
            st[d] = det_status_text(c->det[d].status);
        char ex[32];   /* "found 3", "clean 8", "budget 500", "weak-mem 32", "refused" */
        bool counted = c->ex.status == DET_ST_RACE || c->ex.status == DET_ST_CLEAN ||
                       c->ex.status == DET_ST_TIMEOUT || c->ex.status == DET_ST_BLIND;
        snprintf(ex, sizeof ex, counted ? "%s %llu" : "%s", det_explored_word(&c->ex), c->ex.runs);
        if (md)
            fprintf(f, "| %s | %s | %lld | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
                    name, c->racy_by_design ? "yes" : "no", c->expected, obs, lossy, st[DET_TSAN],
                    st[DET_HELGRIND], st[DET_DRD], ex, n1, nw, sl, det_verdict_names[c->verdict]);
        else
            fprintf(f, "%-*s %-4s %10lld %-27s %5s %-7s %-8s %-7s %-11s %8s %8s %6s  %s%s%s\n",
                    (int)w, name, c->racy_by_design ? "yes" : "no", c->expected, obs, lossy,
                    st[DET_TSAN], st[DET_HELGRIND], st[DET_DRD], ex, n1, nw, sl,
                    det__paint(c, color), det_verdict_names[c->verdict], color ? "\033[0m" : "");
    }
}

/* Whether cell |i|'s explore refusal is the one cell i - 1 gave (said
 * once for a run of cells: a lab whose every cell the explorer refuses
 * alike), and how many cells after |i| give it too. */
static bool det__ex_same(const struct det_matrix *m, size_t i, size_t *after)
{
    const struct det_cell *c = &m->cells[i];
    for (*after = 0; i + *after + 1 < m->ncells; ++*after) {
        const struct det_cell *d = &m->cells[i + *after + 1];
        if (d->ex.status != DET_ST_NA || strcmp(d->ex.text, c->ex.text) != 0)
            break;
    }
    return i > 0 && m->cells[i - 1].ex.status == DET_ST_NA &&
           strcmp(m->cells[i - 1].ex.text, c->ex.text) == 0;
}

/* The raw reports behind the verdicts (known ones marked). */
static void det__table_reports(FILE *f, const struct det_matrix *m, bool md)
{
    const char *li = md ? "- " : "  ";
    fprintf(f, "\n%sReports behind the verdicts (kind at first frame < second frame):\n",
            md ? "### " : "");
    for (size_t i = 0; i < m->ncells; i++) {
        const struct det_cell *c = &m->cells[i];
        if (!c->available)
            continue;
        char name[256];
        det__cellname(c, name, sizeof name);
        if (c->ran && c->detail[0] != '\0')
            fprintf(f, "%s%s  invariant: hung in %u of %u trials (ended by the lab's watchdog), "
                    "first %s\n", li, name, c->deadlocks + c->timeouts, c->trials, c->detail);
        else if (c->ran && !c->correct && c->trials > 0)
            fprintf(f, "%s%s  invariant: observed %lld..%lld of %lld, lost in %u of %u trials\n",
                    li, name, c->observed_min, c->observed_max, c->expected, c->lossy_trials,
                    c->trials);
        for (int d = DET_TSAN; d < DET_NDET; d++) {
            const struct det_report *r = &c->det[d];
            bool known = r->status == DET_ST_KNOWN_FP;
            if (r->status == DET_ST_RACE || known)
                fprintf(f, "%s%s  %s: %s (%u report%s) at %s%s%s%s%s\n", li, name, det_names[d],
                        r->kind, r->count, r->count == 1 ? "" : "s", r->frames[0],
                        r->frames[1][0] ? " < " : "", r->frames[1],
                        known ? "  [known false positive: " : "", known ? "discounted]" : "");
            else if (r->status == DET_ST_TIMEOUT || r->status == DET_ST_CRASH)
                fprintf(f, "%s%s  %s: %s %s\n", li, name, det_names[d],
                        det_status_text(r->status), r->reason);
        }
        /* the explorer: what it found, what SC cannot show, or why it
         * could not look (the models it never runs are said once, under
         * the blind ones) */
        size_t after = 0;
        bool na = c->ex.status == DET_ST_NA && strcmp(c->model, "threads") == 0;
        if (na && det__ex_same(m, i, &after))
            continue;
        char more[48] = "";
        if (after > 0)
            snprintf(more, sizeof more, after == 1 ? " (and the next cell)"
                                                   : " (and the next %zu cells)", after);
        if (c->ex.status == DET_ST_RACE || c->ex.status == DET_ST_CRASH ||
            c->ex.status == DET_ST_BLIND || na)
            fprintf(f, "%s%s  explore: %s%s\n", li, name, c->ex.text, more);
    }
}

/* Blind and n/a reasons, once per detector and reason. */
static void det__table_blind(FILE *f, const struct det_matrix *m, bool md)
{
    const char *li = md ? "- " : "  ";
    fprintf(f, "\n%sBlind and n/a (never shown as clean):\n", md ? "### " : "");
    size_t nblind = 0;
    for (int d = DET_TSAN; d < DET_NDET; d++) {
        const char *seen[64];
        size_t nseen = 0;
        for (size_t i = 0; i < m->ncells; i++) {
            const struct det_cell *c = &m->cells[i];
            const struct det_report *r = &c->det[d];
            if (!c->available || (r->status != DET_ST_BLIND && r->status != DET_ST_NA))
                continue;
            bool dup = false;
            for (size_t k = 0; k < nseen; k++)
                dup |= strcmp(seen[k], r->reason) == 0;
            if (dup || nseen == 64)
                continue;
            seen[nseen++] = r->reason;
            nblind++;
            fprintf(f, "%s%s on %s: %s: %s\n", li, det_names[d], c->model,
                    det_status_text(r->status), r->reason);
        }
    }
    if (nblind == 0)
        fprintf(f, "%s(none in these cells)\n", li);
}

/* The problems, then the cells the lab refused. */
static void det__table_problems(FILE *f, const struct det_matrix *m, bool md, bool color)
{
    const char *li = md ? "- " : "  ";
    size_t np = det_problems(m);
    fprintf(f, "\n%s%s", md ? "### " : "", np ? "" : "No problems: ");
    if (np == 0)
        fprintf(f, "every racy variant was detected, every fixed variant is clean.\n");
    else
        fprintf(f, "Problems (%zu):\n", np);
    for (size_t i = 0; i < m->ncells && np > 0; i++) {
        const struct det_cell *c = &m->cells[i];
        if (!c->available || c->problem[0] == '\0')
            continue;
        char name[256];
        det__cellname(c, name, sizeof name);
        fprintf(f, "%s%s%s%s: %s\n", li, det__paint(c, color), name, color ? "\033[0m" : "",
                det_verdict_names[c->verdict]);
        fprintf(f, "    %s\n", c->problem);
    }
    for (size_t i = 0, k = 0; i < m->ncells; i++) {
        const struct det_cell *c = &m->cells[i];
        if (!c->refused)
            continue;
        if (k++ == 0)
            fprintf(f, "\n%sNot run: the lab refused these cells with its defaults:\n",
                    md ? "### " : "");
        fprintf(f, "%s%s/%s/%s: %s\n", li, c->lab->name, c->model, c->variant, c->description);
    }
}

static void det__table(FILE *f, const struct det_matrix *m, bool md, bool color)
{
    det__table_rows(f, m, md, color);
    det__table_reports(f, m, md);
    det__table_blind(f, m, md);
    det__table_problems(f, m, md, color);
    size_t ncell = 0;
    for (size_t i = 0; i < m->ncells; i++)
        ncell += m->cells[i].available;
    fprintf(f, "\n%zu cell%s in %.1f s. ns/op@W is at the lab's default workers; tsan x is TSan's "
               "ns/op over native's (fewer iterations under TSan).\n", ncell, ncell == 1 ? "" : "s",
            m->wall_s);
}

void det_write(FILE *f, const struct det_matrix *m, enum det_format fmt, bool color)
{
    switch (fmt) {
    case DET_FMT_TABLE:
        det__table(f, m, false, color);
        break;
    case DET_FMT_MD:
        det__table(f, m, true, false);
        break;
    case DET_FMT_CSV:
        det__csv(f, m);
        break;
    case DET_FMT_JSON:
        for (size_t i = 0; i < m->ncells; i++) {
            if (!m->cells[i].available)
                continue;
            json_t *o = det_cell_json(&m->cells[i]);
            json_dumpf(o, f, JSON_COMPACT);
            fputc('\n', f);
            json_decref(o);
        }
        break;
    }
}

int det_write_junit(const char *path, const struct det_matrix *m)
{
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        fprintf(stderr, "%s: --junit: cannot write %s: %s\n", det_prog, path, strerror(errno));
        return 2;
    }
    size_t n = 0;
    for (size_t i = 0; i < m->ncells; i++)
        n += m->cells[i].available;
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    fprintf(f, "<testsuites>\n  <testsuite name=\"racelab\" tests=\"%zu\" failures=\"%zu\" "
               "time=\"%.3f\">\n", n, det_problems(m), m->wall_s);
    for (size_t i = 0; i < m->ncells; i++) {
        const struct det_cell *c = &m->cells[i];
        if (!c->available)
            continue;
        fprintf(f, "    <testcase classname=\"");
        util_xml_text(f, c->lab->name);
        fputc('.', f);
        util_xml_text(f, c->model);
        fprintf(f, "\" name=\"");
        util_xml_text(f, c->variant);
        fprintf(f, "\">");
        char ev[1024];
        det__evidence(c, ev, sizeof ev);
        if (c->problem[0] != '\0') {
            fprintf(f, "\n      <failure type=\"%s\" message=\"", det_verdict_names[c->verdict]);
            util_xml_text(f, c->problem);
            fprintf(f, "\">");
            util_xml_text(f, ev);
            fprintf(f, "</failure>\n    ");
        } else {
            fprintf(f, "<system-out>verdict: %s; ", det_verdict_names[c->verdict]);
            util_xml_text(f, ev);
            fprintf(f, "</system-out>");
        }
        fprintf(f, "</testcase>\n");
    }
    fprintf(f, "  </testsuite>\n</testsuites>\n");
    if (fclose(f) != 0) {
        fprintf(stderr, "%s: --junit: cannot write %s: %s\n", det_prog, path, strerror(errno));
        return 2;
    }
    return 0;
}

/* ---- SVG (util/svg.h) ------------------------------------------------------ */

/* 1 written, 0 nothing to plot, -1 failed (said on stderr). */
static int det__svg_result(int rc, const char *err)
{
    if (rc == ENODATA)
        return 0;
    if (rc != 0)
        fprintf(stderr, "%s: report: %s\n", det_prog, err);
    return rc == 0 ? 1 : -1;
}

/* ns/op (log scale) against workers 1, 2, 4 for one lab and model: one line
 * per variant, racy ones dashed. */
static int det__svg_scaling(const char *dir, const struct det_matrix *m, const struct det_lab *lab,
                            const char *model, char *name_out, size_t name_len)
{
    static const double workers[3] = { 1, 2, 4 };
    struct util_svg_series *series = det_xmalloc(m->ncells * sizeof *series);
    char (*names)[160] = det_xmalloc(m->ncells * sizeof *names);
    size_t ns = 0;
    for (size_t i = 0; i < m->ncells; i++) {
        const struct det_cell *c = &m->cells[i];
        if (c->lab != lab || strcmp(c->model, model) != 0 || !c->available)
            continue;
        snprintf(names[ns], sizeof names[ns], "%s%s", c->variant,
                 c->racy_by_design ? " (racy)" : "");
        series[ns] = (struct util_svg_series){ .name = names[ns], .y = c->ns_by_workers,
                                               .dashed = c->racy_by_design };
        ns++;
    }
    char title[256], path[4096], err[512];
    snprintf(title, sizeof title, "lab-%s, %s: ns/op against workers (log scale)", lab->name,
             model);
    snprintf(name_out, name_len, "ns_per_op-%s-%s.svg", lab->name, model);
    snprintf(path, sizeof path, "%s/%s", dir, name_out);
    struct util_svg_chart chart = { .title = title, .xlabel = "workers",
                                    .ylabel = "ns per operation", .units = UTIL_SVG_NS };
    int rc = util_svg_lines(path, &chart, workers, 3, series, ns, err, sizeof err);
    free(series);
    free(names);
    return det__svg_result(rc, err);
}

/* Observed / expected of every trial of every racy variant, as dots. */
static int det__svg_loss(const char *dir, const struct det_matrix *m)
{
    struct util_svg_strip *rows = det_xmalloc(m->ncells * sizeof *rows);
    char (*names)[256] = det_xmalloc(m->ncells * sizeof *names);
    size_t n = 0;
    for (size_t i = 0; i < m->ncells; i++) {
        const struct det_cell *c = &m->cells[i];
        if (!c->available || !c->racy_by_design || c->nobserved == 0)
            continue;
        double *v = det_xmalloc(c->nobserved * sizeof *v);
        for (unsigned k = 0; k < c->nobserved; k++)
            v[k] = c->expected > 0 ? (double)c->observed[k] / (double)c->expected : 0;
        det__cellname(c, names[n], sizeof names[n]);
        rows[n] = (struct util_svg_strip){ .label = names[n], .v = v, .n = c->nobserved };
        n++;
    }
    char path[4096], err[512];
    snprintf(path, sizeof path, "%s/observed-racy.svg", dir);
    struct util_svg_chart chart = {
        .title = "Racy variants: observed / expected, one dot per trial",
        .xlabel = "observed as a share of expected (100%: no update lost)",
        .units = UTIL_SVG_PERCENT,
    };
    int rc = util_svg_strips(path, &chart, rows, n, err, sizeof err);
    for (size_t i = 0; i < n; i++)
        free((void *)rows[i].v);
    free(rows);
    free(names);
    return det__svg_result(rc, err);
}

static int det__open_write(const char *dir, const char *name, FILE **f)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    *f = fopen(path, "w");
    if (*f == NULL) {
        fprintf(stderr, "%s: report: cannot write %s: %s\n", det_prog, path, strerror(errno));
        return 2;
    }
    return 0;
}

int det_write_report(const char *dir, const struct det_matrix *m)
{
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "%s: report: cannot create %s: %s\n", det_prog, dir, strerror(errno));
        return 2;
    }
    FILE *f;
    if (det__open_write(dir, "results.md", &f) != 0)
        return 2;
    fprintf(f, "# racelab results\n\n");
    det_write(f, m, DET_FMT_MD, false);
    fprintf(f, "\n## Plots\n\n");
    char name[512];
    for (size_t l = 0; l < m->nlabs; l++) {
        const char *last = "";
        for (size_t i = 0; i < m->ncells; i++) {
            const struct det_cell *c = &m->cells[i];
            if (c->lab != &m->labs[l] || strcmp(c->model, last) == 0)
                continue;
            last = c->model;
            int rc = det__svg_scaling(dir, m, c->lab, c->model, name, sizeof name);
            if (rc < 0) {
                fclose(f);
                return 2;
            }
            if (rc > 0)
                fprintf(f, "![%s %s](%s)\n\n", c->lab->name, c->model, name);
        }
    }
    int rc = det__svg_loss(dir, m);
    if (rc > 0)
        fprintf(f, "![observed values of racy variants](observed-racy.svg)\n");
    if (fclose(f) != 0 || rc < 0)
        return 2;
    if (det__open_write(dir, "results.json", &f) != 0)
        return 2;
    /* one JSON document: an array of the rows --format json prints */
    json_t *rows = json_array();
    for (size_t i = 0; i < m->ncells; i++)
        if (m->cells[i].available)
            json_array_append_new(rows, det_cell_json(&m->cells[i]));
    json_dumpf(rows, f, JSON_INDENT(1));
    fputc('\n', f);
    json_decref(rows);
    if (fclose(f) != 0)
        return 2;
    if (det__open_write(dir, "results.csv", &f) != 0)
        return 2;
    det_write(f, m, DET_FMT_CSV, false);
    return fclose(f) == 0 ? 0 : 2;
}
