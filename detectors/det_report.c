/* detectors/det_report.c - racelab check's findings as files for CI:
 *   SARIF 2.1.0  one rule per (detector, report kind), one result per class
 *                of a detector's reports: level error (counted), note
 *                (disputed, hint); both accesses as locations when known;
 *                the fingerprint as partialFingerprints
 *   JUnit        one testcase per check, the verdict as failure; rounds and
 *                "flaky" (not clean in some rounds only) as properties
 *   Markdown     the verdict and a table of findings, for a job summary page
 * Each file is written to PATH.tmp and renamed, so a failed run leaves no
 * partial file; a path that cannot be written is refused before running. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "det.h"
#include "util/json.h"

#ifndef RACELAB_VERSION
#define RACELAB_VERSION "0"
#endif

static const char *const det__class_names[DET_NCLASS] = { "race", "disputed", "hint" };

const char *det_lead_frame(const struct det_one *one)
{
    return one->nframes == 0 ? "" : one->frames[one->lead >= 0 ? one->lead : 0];
}

void det_frame_where(const char *fr, char *file, size_t cap, unsigned *line)
{
    file[0] = '\0';
    *line = 0;
    /* "fn file.c:12:3" (TSan) or "fn (file.c:12)" (valgrind) */
    const char *loc = strchr(fr, '(');
    loc = loc != NULL ? loc + 1 : strchr(fr, ' ');
    if (loc == NULL)
        return;
    loc += *loc == ' ';
    const char *colon = strchr(loc, ':');
    if (colon == NULL || colon == loc)
        return;
    snprintf(file, cap, "%.*s", (int)(colon - loc), loc);
    *line = (unsigned)strtoul(colon + 1, NULL, 10);
}

/* FNV-1a 64 over |n| bytes of |s|, continuing |h|. */
static unsigned long long det__fnv(unsigned long long h, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h;
}

/* The kind and the functions of both accesses, in a fixed order: which
 * access TSan calls the current one depends on the schedule. */
void det_fingerprint(const struct det_one *one, char *hex, size_t cap)
{
    const char *a = det_lead_frame(one), *b = one->other;
    size_t la = strcspn(a, " "), lb = strcspn(b, " ");
    if (lb > 0 && (la == 0 || strncmp(b, a, la < lb ? la : lb) < 0 ||
                   (strncmp(b, a, la < lb ? la : lb) == 0 && lb < la))) {
        const char *t = a;
        size_t lt = la;
        a = b, la = lb, b = t, lb = lt;
    }
    unsigned long long h = det__fnv(1469598103934665603ull, one->kind, strlen(one->kind));
    h = det__fnv(det__fnv(h, "|", 1), a, la);
    h = det__fnv(det__fnv(h, "|", 1), b, lb);
    snprintf(hex, cap, "%016llx", h);
}

static json_t *det__location(const char *frame, const char *target)
{
    char file[200];
    unsigned line;
    det_frame_where(frame, file, sizeof file, &line);
    if (file[0] == '\0' || line == 0)
        return NULL;
    /* the checked source by the path the user gave, other files by name */
    const char *base = strrchr(target, '/');
    base = base ? base + 1 : target;
    char uri[4200];
    snprintf(uri, sizeof uri, "%s%s", strcmp(base, file) == 0 && target[0] == '/' ? "file://" : "",
             strcmp(base, file) == 0 ? target : file);
    return json_pack("{s:{s:{s:s}, s:{s:i}}}", "physicalLocation", "artifactLocation", "uri",
                     uri, "region", "startLine", (json_int_t)line);
}

/* The rule of a finding, added to |rules| when new; its index. */
static size_t det__rule(json_t *rules, const struct det_finding *f)
{
    char id[256];
    snprintf(id, sizeof id, "%s/%s", det_names[f->d], f->one.kind);
    for (char *p = id; *p; p++)
        *p = *p == ' ' ? '-' : *p;
    for (size_t i = 0; i < json_array_size(rules); i++)
        if (strcmp(json_string_value(json_object_get(json_array_get(rules, i), "id")), id) == 0)
            return i;
    json_array_append_new(rules, json_pack("{s:s, s:s, s:{s:s}}", "id", id, "name", f->one.kind,
                                           "shortDescription", "text", f->one.kind));
    return json_array_size(rules) - 1;
}

static json_t *det__sarif_result(json_t *rules, const struct det_finding *f, const char *target)
{
    char fp[32], msg[900];
    det_fingerprint(&f->one, fp, sizeof fp);
    snprintf(msg, sizeof msg, "%s: %s (%s; %u report%s): %s", det_names[f->d], f->one.kind,
             det__class_names[f->c], f->count, f->count == 1 ? "" : "s", f->why);
    size_t rule = det__rule(rules, f);
    json_t *locs = json_array();
    json_t *l1 = det__location(det_lead_frame(&f->one), target);
    if (l1 != NULL)
        json_array_append_new(locs, l1);
    json_t *l2 = f->one.other[0] ? det__location(f->one.other, target) : NULL;
    if (l2 != NULL)
        json_array_append_new(locs, l2);
    return json_pack("{s:s, s:i, s:s, s:{s:s}, s:o, s:{s:s}, s:{s:s, s:s}}", "ruleId",
                     json_string_value(json_object_get(json_array_get(rules, rule), "id")),
                     "ruleIndex", (json_int_t)rule, "level",
                     f->c == DET_CL_RACE ? "error" : "note", "message", "text", msg,
                     "locations", locs, "partialFingerprints", "racelab/v1", fp, "properties",
                     "detector", det_names[f->d], "class", det__class_names[f->c]);
}

static int det__write_sarif(FILE *out, const struct det_outcome *oc)
{
    json_t *rules = json_array(), *results = json_array();
    for (size_t i = 0; i < oc->nf; i++)
        json_array_append_new(results, det__sarif_result(rules, &oc->f[i], oc->target));
    json_t *doc = json_pack(
        "{s:s, s:s, s:[{s:{s:{s:s, s:s, s:s, s:o}}, s:o, s:{s:s, s:s, s:i, s:i}}]}", "$schema",
        "https://json.schemastore.org/sarif-2.1.0.json", "version", "2.1.0", "runs", "tool",
        "driver", "name", "racelab", "version", RACELAB_VERSION, "informationUri",
        "https://github.com/racelab/racelab", "rules", rules, "results", results, "properties",
        "target", oc->target, "verdict", oc->verdict, "seen", (json_int_t)oc->seen, "rounds",
        (json_int_t)oc->rounds);
    int rc = json_dumpf(doc, out, JSON_INDENT(1)) == 0 ? 0 : -1;
    fputc('\n', out);
    json_decref(doc);
    return rc;
}

static int det__write_junit(FILE *f, const struct det_outcome *oc)
{
    bool flaky = oc->seen > 0 && oc->seen < oc->rounds;
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n"
               "  <testsuite name=\"racelab check\" tests=\"1\" failures=\"%d\" time=\"%.3f\">\n"
               "    <properties>\n"
               "      <property name=\"rounds\" value=\"%u\"/>\n"
               "      <property name=\"seen\" value=\"%u\"/>\n"
               "      <property name=\"flaky\" value=\"%u\"/>\n"
               "    </properties>\n    <testcase classname=\"racelab.check\" name=\"",
            oc->status != 0, oc->wall_s, oc->rounds, oc->seen, flaky ? 1u : 0u);
    util_xml_text(f, oc->target);
    fprintf(f, "\" time=\"%.3f\">", oc->wall_s);
    if (oc->status != 0) {
        fprintf(f, "\n      <failure type=\"%s\" message=\"", flaky ? "flaky" : "race");
        util_xml_text(f, oc->verdict);
        fprintf(f, "\">");
        for (size_t i = 0; i < oc->nf; i++) {
            char line[900];
            snprintf(line, sizeof line, "%s %s: %s at %s (%s)\n", det_names[oc->f[i].d],
                     det__class_names[oc->f[i].c], oc->f[i].one.kind,
                     det_lead_frame(&oc->f[i].one), oc->f[i].why);
            util_xml_text(f, line);
        }
        fprintf(f, "</failure>\n    ");
    }
    fprintf(f, "</testcase>\n  </testsuite>\n</testsuites>\n");
    return ferror(f) ? -1 : 0;
}

/* A Markdown table cell: no '|' or newline breaks the row. */
static void det__md_cell(FILE *f, const char *s)
{
    for (; *s; s++)
        fputs(*s == '|' ? "\\|" : *s == '\n' ? " " : (char[]){ *s, 0 }, f);
}

static int det__write_markdown(FILE *f, const struct det_outcome *oc)
{
    fprintf(f, "### racelab check: `%s`\n\n**%s**: ", oc->target,
            oc->status ? "not clean" : "clean");
    det__md_cell(f, oc->verdict);
    if (oc->rounds > 1)
        fprintf(f, "\n\nSeen in %u of %u round(s)%s.", oc->seen, oc->rounds,
                oc->seen > 0 && oc->seen < oc->rounds ? " (flaky)" : "");
    fprintf(f, "\n\n");
    if (oc->nf > 0) {
        fprintf(f, "| detector | class | report | where | reports | why |\n"
                   "|---|---|---|---|---:|---|\n");
        for (size_t i = 0; i < oc->nf; i++) {
            const struct det_finding *x = &oc->f[i];
            fprintf(f, "| %s | %s | ", det_names[x->d], det__class_names[x->c]);
            det__md_cell(f, x->one.kind);
            fprintf(f, " | `");
            det__md_cell(f, det_lead_frame(&x->one));
            fprintf(f, "` | %u | ", x->count);
            det__md_cell(f, x->why);
            fprintf(f, " |\n");
        }
    }
    return ferror(f) ? -1 : 0;
}

void det_outputs_probe(const struct det_outputs *w)
{
    const char *paths[3] = { w->sarif, w->junit, w->markdown };
    static const char *const opts[3] = { "--sarif", "--junit", "--markdown" };
    for (int i = 0; i < 3; i++) {
        if (paths[i] == NULL)
            continue;
        bool existed = access(paths[i], F_OK) == 0;
        FILE *f = fopen(paths[i], "a");
        if (f == NULL)
            det_usage_error("%s: cannot write %s: %s", opts[i], paths[i], strerror(errno));
        fclose(f);
        if (!existed)
            unlink(paths[i]);
    }
}

int det_outputs_write(const struct det_outputs *w, const struct det_outcome *oc)
{
    const char *paths[3] = { w->sarif, w->junit, w->markdown };
    int (*const write[3])(FILE *, const struct det_outcome *) = {
        det__write_sarif, det__write_junit, det__write_markdown };
    int rc = 0;
    for (int i = 0; i < 3; i++) {
        if (paths[i] == NULL)
            continue;
        char tmp[4200];
        snprintf(tmp, sizeof tmp, "%s.tmp", paths[i]);
        FILE *f = fopen(tmp, "w");
        int bad = f == NULL || write[i](f, oc) != 0;
        if (f != NULL && fclose(f) != 0)
            bad = 1;
        if (bad || rename(tmp, paths[i]) != 0) {
            fprintf(stderr, "%s: cannot write %s: %s\n", det_prog, paths[i], strerror(errno));
            unlink(tmp);
            rc = 2;
        }
    }
    return rc;
}
