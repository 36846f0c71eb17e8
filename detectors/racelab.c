/* detectors/racelab.c - the racelab command line.
 *
 *   racelab list                       every lab, model and variant
 *   racelab run [PATTERN...] [opts]    the matrix, one verdict per cell
 *   racelab score [PATTERN...] [opts]  per-detector precision and recall, FLAKY
 *   racelab report [DIR] [opts]        results.md/json/csv and SVG plots
 *   racelab check PROGRAM|FILE.c ...   judge a user's program
 *   racelab bench [NAME] [ARGS...]     exec bench-NAME beside racelab
 * Exit status: 0 ok (run: no problems), 1 problems found, 2 usage error,
 * 130 interrupted. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "det.h"

const char *det_prog = "racelab";

void det_usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: ", det_prog);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(2);
}

void *det_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (p == NULL) {
        fprintf(stderr, "%s: out of memory\n", det_prog);
        exit(2);
    }
    return p;
}

char *det_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    return memcpy(det_xmalloc(n), s, n);
}

static void det__help(void)
{
    printf("usage: racelab COMMAND [options]\n"
           "every lab variant under every detector, one verdict table; checks for your programs\n"
           "\n"
           "commands:\n"
           "  list                     every lab, model and variant (from lab-* --list --json)\n"
           "  run [PATTERN...]         run the matrix; PATTERN is lab/model/variant with globs,\n"
           "                           e.g. 'counter/threads/*' or '*/procs/racy'\n"
           "  score [PATTERN...]       run the matrix --runs times: per detector true/false\n"
           "                           positives/negatives, precision, recall, blind spots, FLAKY\n"
           "  report [DIR [PATTERN...]] run the default matrix (or the PATTERNs), write DIR\n"
           "                           (default results/): results.md, results.json (an\n"
           "                           array), results.csv, SVG plots (ns/op against 1, 2, 4\n"
           "                           workers; observed values of racy variants)\n"
           "  check PROGRAM [ARGS...]  judge your own program (or FILE.c: built with cc and\n"
           "                           clang -fsanitize=thread): natively several times, under\n"
           "                           TSan, Helgrind and DRD; exit 0 clean, 1 racy/deadlock/crash\n"
           "  bench [NAME] [ARGS...]   run bench-NAME (counter, switch, queue) with ARGS, or all\n"
           "\n"
           "options (before or after the command):\n"
           "  --detectors LIST   native,tsan,helgrind,drd (default: all available)\n"
           "  --trials N         native trials per cell (check: native runs), 1 to 1000 (default 3)\n"
           "  --timeout S        seconds per run before its process group is killed, 1 to 3600\n"
           "                     (default 30; valgrind runs get twice as long)\n"
           "  --jobs N           runs at once, 1 to 64 (default: online CPUs)\n"
           "  --format F         table, json (JSON Lines, one row each), csv, md\n"
           "  --junit FILE       also write a JUnit XML file (run)\n"
           "  --runs N           score: matrix runs to compare, 1 to 10 (default 3)\n"
           "  --quiet            no progress line (there is none unless stderr is a terminal)\n"
           "  --help             this text\n"
           "\n"
           "Verdicts: correct, racy-detected, racy-undetected, false-positive, timeout, crash.\n"
           "Detector columns: race, clean, blind (cannot see it by construction), fp (a known\n"
           "false positive of that tool, shown and discounted), n/a, timeout, crash.\n"
           "Labs are the lab-* programs beside racelab (lab-*-tsan are their TSan twins), or\n"
           "in $RACELAB_LAB_DIR when set.\n"
           "NO_COLOR disables colour.\n");
}

static unsigned long det__count(const char *opt, const char *v, unsigned long lo,
                                unsigned long hi)
{
    if (v == NULL)
        det_usage_error("%s needs a value", opt);
    char *end;
    errno = 0;
    unsigned long n = strtoul(v, &end, 10);
    if (errno != 0 || end == v || *end != '\0' || v[0] == '-' || n < lo || n > hi)
        det_usage_error("%s: '%s' is not a number from %lu to %lu", opt, v, lo, hi);
    return n;
}

struct det_cli {
    struct det_options o;
    enum det_format fmt;
    const char *junit;
    unsigned runs;
    char **args;
    int nargs;
};

/* Options anywhere before the first argument that is not an option; for
 * check, everything after PROGRAM belongs to the program. */
static void det__parse(int argc, char **argv, const char *cmd, struct det_cli *cli)
{
    struct det_options *o = &cli->o;
    memset(cli, 0, sizeof *cli);
    o->trials = 3;   /* enough to see a lossy racy variant; stack-naive on queue costs seconds per trial */
    o->timeout_s = 30;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    o->jobs = cpus > 0 ? (unsigned)(cpus > 64 ? 64 : cpus) : 1;
    o->tsan_iters = 10000;   /* happens-before tools need no long runs to see a race */
    o->vg_iters = 1000;
    cli->runs = 3;
    cli->fmt = DET_FMT_TABLE;
    cli->args = det_xmalloc(sizeof *cli->args * (size_t)(argc + 1));
    bool check = strcmp(cmd, "check") == 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (check && cli->nargs > 0) {
            cli->args[cli->nargs++] = argv[i];
            continue;
        }
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            det__help();
            exit(0);
        } else if (strcmp(a, "--detectors") == 0) {
            if (v == NULL)
                det_usage_error("--detectors needs a value");
            o->detectors_given = true;
            char *list = det_strdup(v);
            for (char *save = NULL, *t = strtok_r(list, ",", &save); t != NULL;
                 t = strtok_r(NULL, ",", &save)) {
                int d = det_by_name(t);
                if (d < 0) {
                    char avail[128] = "";
                    for (int k = 0; k < DET_NDET; k++)
                        if (det_unavailable((enum det_detector)k, true) == NULL || k == DET_TSAN) {
                            strcat(avail, *avail ? ", " : "");
                            strcat(avail, det_names[k]);
                        }
                    det_usage_error("--detectors: unknown detector '%s' (available: %s)", t,
                                    avail);
                }
                o->use[d] = true;
            }
            free(list);
            i++;
        } else if (strcmp(a, "--trials") == 0) {
            o->trials = (unsigned)det__count(a, v, 1, 1000);
            i++;
        } else if (strcmp(a, "--timeout") == 0) {
            o->timeout_s = (double)det__count(a, v, 1, 3600);
            i++;
        } else if (strcmp(a, "--jobs") == 0) {
            o->jobs = (unsigned)det__count(a, v, 1, 64);
            i++;
        } else if (strcmp(a, "--runs") == 0) {
            cli->runs = (unsigned)det__count(a, v, 1, 10);
            i++;
        } else if (strcmp(a, "--format") == 0) {
            if (v == NULL)
                det_usage_error("--format needs a value");
            if (strcmp(v, "table") == 0)
                cli->fmt = DET_FMT_TABLE;
            else if (strcmp(v, "json") == 0)
                cli->fmt = DET_FMT_JSON;
            else if (strcmp(v, "csv") == 0)
                cli->fmt = DET_FMT_CSV;
            else if (strcmp(v, "md") == 0)
                cli->fmt = DET_FMT_MD;
            else
                det_usage_error("--format: '%s' is not one of table, json, csv, md", v);
            i++;
        } else if (strcmp(a, "--junit") == 0) {
            if (v == NULL || *v == '\0')
                det_usage_error("--junit needs a file name");
            cli->junit = v;
            i++;
        } else if (strcmp(a, "--quiet") == 0) {
            o->quiet = true;
        } else if (a[0] == '-' && a[1] != '\0') {
            det_usage_error("unknown option '%s' (racelab --help lists them)", a);
        } else {
            cli->args[cli->nargs++] = argv[i];
        }
    }
    cli->args[cli->nargs] = NULL;
    if (!o->detectors_given)
        for (int d = 0; d < DET_NDET; d++)
            o->use[d] = true;
    o->use[DET_NATIVE] = true;   /* the invariant is always measured */
    if (o->detectors_given) {
        for (int d = DET_TSAN; d < DET_NDET; d++) {
            const char *why = det_unavailable((enum det_detector)d, true);
            if (o->use[d] && why != NULL)
                det_usage_error("--detectors: %s is not available here: %s", det_names[d], why);
        }
    }
}

static int det__list(struct det_cli *cli)
{
    struct det_matrix m;
    int rc = det_discover(&m, "racelab");
    if (rc == 0)
        rc = det_select(&m, cli->args, cli->nargs);
    if (rc != 0) {
        det_matrix_free(&m);
        return rc;
    }
    if (cli->fmt == DET_FMT_JSON) {
        for (size_t i = 0; i < m.ncells; i++) {
            const struct det_cell *c = &m.cells[i];
            json_t *o = json_pack("{s:s, s:s, s:s, s:b, s:b, s:s, s:b}", "lab", c->lab->name,
                                  "model", c->model, "variant", c->variant, "racy_by_design",
                                  c->racy_by_design, "available", c->available, "description",
                                  c->description, "tsan_twin", c->lab->twin != NULL);
            json_dumpf(o, stdout, JSON_COMPACT);
            putchar('\n');
            json_decref(o);
        }
    } else {
        printf("%-28s %-5s %-5s %s\n", "lab/model/variant", "racy", "tsan", "description");
        for (size_t i = 0; i < m.ncells; i++) {
            const struct det_cell *c = &m.cells[i];
            char name[256];
            snprintf(name, sizeof name, "%s/%s/%s", c->lab->name, c->model, c->variant);
            printf("%-28s %-5s %-5s %s%s\n", name, c->racy_by_design ? "yes" : "no",
                   c->lab->twin ? "twin" : "-", c->available ? "" : "UNAVAILABLE: ",
                   c->description);
        }
        printf("\n%zu cells from %zu lab(s) in %s\n", m.ncells, m.nlabs, m.bindir);
    }
    det_matrix_free(&m);
    return 0;
}

static int det__run(struct det_cli *cli, bool report, const char *dir)
{
    struct det_matrix m;
    int rc = det_discover(&m, "racelab");
    if (rc == 0)
        rc = report ? det_select(&m, cli->args + (cli->nargs > 0), cli->nargs - (cli->nargs > 0))
                    : det_select(&m, cli->args, cli->nargs);
    if (rc != 0) {
        det_matrix_free(&m);
        return rc;
    }
    cli->o.plot_workers = report;
    if (!report && cli->junit != NULL) {
        /* fail before a long matrix, not after it */
        FILE *f = fopen(cli->junit, "w");
        if (f == NULL) {
            fprintf(stderr, "%s: --junit: cannot write %s: %s\n", det_prog, cli->junit,
                    strerror(errno));
            det_matrix_free(&m);
            return 2;
        }
        fclose(f);
    }
    rc = det_matrix_run(&m, &cli->o);
    if (rc == 0) {
        if (report) {
            rc = det_write_report(dir, &m);
            if (rc == 0 && !cli->o.quiet)
                printf("%s: wrote %s/results.md, results.json, results.csv and plots "
                       "(%zu cells, %.1f s, %zu problem(s))\n", det_prog, dir, m.ncells,
                       m.wall_s, det_problems(&m));
        } else {
            det_write(stdout, &m, cli->fmt, cli->fmt == DET_FMT_TABLE && det_use_color(stdout));
            if (cli->junit != NULL)
                rc = det_write_junit(cli->junit, &m);
        }
        if (rc == 0 && det_problems(&m) > 0)
            rc = 1;
    }
    det_matrix_free(&m);
    return rc;
}

/* Per detector: TP, FP, FN, TN over the matrix against racy_by_design; blind
 * cells and known false positives are counted apart. Verdicts or detector
 * states that differ between runs are FLAKY. */
static int det__score(struct det_cli *cli)
{
    unsigned runs = cli->runs;
    struct det_matrix *ms = calloc(runs, sizeof *ms);
    int rc = 0;
    for (unsigned r = 0; r < runs && rc == 0; r++) {
        rc = det_discover(&ms[r], "racelab");
        if (rc == 0)
            rc = det_select(&ms[r], cli->args, cli->nargs);
        if (rc == 0) {
            if (!cli->o.quiet && isatty(2))
                fprintf(stderr, "score: run %u of %u\n", r + 1, runs);
            rc = det_matrix_run(&ms[r], &cli->o);
        }
    }
    if (rc != 0) {
        for (unsigned r = 0; r < runs; r++)
            det_matrix_free(&ms[r]);
        free(ms);
        return rc;
    }
    printf("%-9s %4s %4s %4s %4s %6s %8s %9s %7s %6s\n", "detector", "TP", "FP", "FN", "TN",
           "blind", "knownFP", "precision", "recall", "n/a");
    for (int d = 0; d < DET_NDET; d++) {
        unsigned tp = 0, fp = 0, fn = 0, tn = 0, blind = 0, kfp = 0, na = 0;
        for (unsigned r = 0; r < runs; r++) {
            for (size_t i = 0; i < ms[r].ncells; i++) {
                const struct det_cell *c = &ms[r].cells[i];
                if (!c->available)
                    continue;
                enum det_status s = c->det[d].status;
                if (s == DET_ST_BLIND) {
                    blind++;
                } else if (s == DET_ST_NA || s == DET_ST_NONE || s == DET_ST_TIMEOUT ||
                           s == DET_ST_CRASH) {
                    na++;
                } else {
                    bool pos = s == DET_ST_RACE;
                    kfp += s == DET_ST_KNOWN_FP;
                    if (c->racy_by_design)
                        pos ? tp++ : fn++;
                    else
                        pos ? fp++ : tn++;
                }
            }
        }
        char prec[16], rec[16];
        if (tp + fp)
            snprintf(prec, sizeof prec, "%.2f", (double)tp / (tp + fp));
        else
            snprintf(prec, sizeof prec, "-");
        if (tp + fn)
            snprintf(rec, sizeof rec, "%.2f", (double)tp / (tp + fn));
        else
            snprintf(rec, sizeof rec, "-");
        printf("%-9s %4u %4u %4u %4u %6u %8u %9s %7s %6u\n",
               d == DET_NATIVE ? "invariant" : det_names[d], tp, fp, fn, tn, blind, kfp, prec,
               rec, na);
    }
    printf("(over %u run(s) of %zu cells; blind and n/a cells are counted apart, never as "
           "negatives; recall counts only cells the detector could see)\n", runs,
           ms[0].ncells);
    printf("\nBlind spots:\n");
    for (int d = DET_TSAN; d < DET_NDET; d++) {
        const char *last = "";
        for (size_t i = 0; i < ms[0].ncells; i++) {
            const struct det_cell *c = &ms[0].cells[i];
            if (c->det[d].status != DET_ST_BLIND || strcmp(c->model, last) == 0)
                continue;
            last = c->model;
            printf("  %-8s on %-9s %s\n", det_names[d], c->model, c->det[d].reason);
        }
    }
    size_t flaky = 0;
    for (size_t i = 0; i < ms[0].ncells; i++) {
        const struct det_cell *c0 = &ms[0].cells[i];
        if (!c0->available)
            continue;
        char diff[256] = "";
        for (unsigned r = 1; r < runs; r++) {
            if (i >= ms[r].ncells)
                break;
            const struct det_cell *c = &ms[r].cells[i];
            if (c->verdict != c0->verdict)
                snprintf(diff, sizeof diff, "verdict %s in run 1, %s in run %u",
                         det_verdict_names[c0->verdict], det_verdict_names[c->verdict], r + 1);
            for (int d = 0; d < DET_NDET && diff[0] == '\0'; d++)
                if (c->det[d].status != c0->det[d].status)
                    snprintf(diff, sizeof diff, "%s %s in run 1, %s in run %u",
                             d == DET_NATIVE ? "invariant" : det_names[d],
                             det_status_text(c0->det[d].status),
                             det_status_text(c->det[d].status), r + 1);
        }
        if (diff[0] != '\0') {
            if (flaky++ == 0)
                printf("\n");
            printf("FLAKY %s/%s/%s: %s\n", c0->lab->name, c0->model, c0->variant, diff);
        }
    }
    if (flaky == 0)
        printf("\nNo flaky cells over %u run(s).\n", runs);
    size_t problems = 0;
    for (unsigned r = 0; r < runs; r++)
        problems += det_problems(&ms[r]);
    for (unsigned r = 0; r < runs; r++)
        det_matrix_free(&ms[r]);
    free(ms);
    return problems || flaky ? 1 : 0;
}

static int det__bench(int argc, char **argv)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        det_usage_error("bench: cannot find my own directory");
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash != NULL)
        *slash = '\0';
    static const char *const known[] = { "counter", "switch", "queue" };
    if (argc > 0 && argv[0][0] != '-') {
        const char *name = argv[0];
        char path[PATH_MAX + 16];
        snprintf(path, sizeof path, "%s/bench-%s", exe, name);
        if (access(path, X_OK) != 0)
            det_usage_error("bench: no bench-%s beside racelab in %s (known: counter, switch, "
                            "queue when built)", name, exe);
        argv[0] = path;
        execv(path, argv);
        det_usage_error("bench: cannot run %s: %s", path, strerror(errno));
    }
    int worst = 0, ran = 0;
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        char path[PATH_MAX + 16];
        snprintf(path, sizeof path, "%s/bench-%s", exe, known[i]);
        if (access(path, X_OK) != 0)
            continue;
        ran++;
        fflush(NULL);
        pid_t pid = fork();
        if (pid < 0)
            det_usage_error("bench: fork: %s", strerror(errno));
        if (pid == 0) {
            char **args = det_xmalloc(sizeof *args * (size_t)(argc + 2));
            args[0] = path;
            for (int k = 0; k < argc; k++)
                args[k + 1] = argv[k];
            args[argc + 1] = NULL;
            execv(path, args);
            fprintf(stderr, "%s: bench: cannot run %s: %s\n", det_prog, path, strerror(errno));
            _exit(127);
        }
        int st = 0;
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
            ;
        int code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        if (code > worst)
            worst = code;
    }
    if (ran == 0)
        det_usage_error("bench: no bench-* programs beside racelab in %s", exe);
    return worst;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc < 2) {
        fprintf(stderr, "%s: which command? list, run, score, report, check or bench "
                        "(racelab --help)\n", det_prog);
        return 2;
    }
    /* Options may come before the command too ("racelab --quiet run"): the
     * command is the first word that is neither an option nor an option's
     * value; the options before it are moved after it, in order. */
    static const char *const valued[] = { "--detectors", "--trials", "--timeout", "--jobs",
                                          "--format", "--junit", "--runs" };
    int ci = 1;
    while (ci < argc && argv[ci][0] == '-' && strcmp(argv[ci], "--help") != 0 &&
           strcmp(argv[ci], "-h") != 0) {
        bool takes = false;
        for (size_t k = 0; k < sizeof valued / sizeof valued[0]; k++)
            takes |= strcmp(argv[ci], valued[k]) == 0;
        ci += takes ? 2 : 1;
    }
    if (ci >= argc)
        det_usage_error("which command? list, run, score, report, check or bench");
    const char *cmd = argv[ci];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        det__help();
        return 0;
    }
    for (int k = ci; k > 1; k--)   /* argv[1..]: command, options before it, the rest */
        argv[k] = argv[k - 1];
    argv[1] = (char *)cmd;
    if (strcmp(cmd, "bench") == 0)
        return det__bench(argc - 2, argv + 2);
    static const char *const cmds[] = { "list", "run", "score", "report", "check" };
    bool known = false;
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
        known |= strcmp(cmd, cmds[i]) == 0;
    if (!known)
        det_usage_error("unknown command '%s' (list, run, score, report, check, bench)", cmd);
    struct det_cli cli;
    det__parse(argc - 2, argv + 2, cmd, &cli);
    det_signals_install();
    int rc;
    if (strcmp(cmd, "list") == 0) {
        rc = det__list(&cli);
    } else if (strcmp(cmd, "run") == 0) {
        rc = det__run(&cli, false, NULL);
    } else if (strcmp(cmd, "score") == 0) {
        rc = det__score(&cli);
    } else if (strcmp(cmd, "report") == 0) {
        rc = det__run(&cli, true, cli.nargs ? cli.args[0] : "results");
    } else {
        if (cli.nargs == 0)
            det_usage_error("check needs a PROGRAM or a FILE.c");
        rc = det_check(cli.nargs, cli.args, &cli.o);
    }
    free(cli.args);
    if (det_interrupted())
        return 130;
    return rc;
}
