/* labs/common/models.h - what the runtime needs to know of the gil, redis
 * and postgres models: their options (one table fragment for args.c),
 * their checks, and which variants they offer. The models themselves:
 * gil.h (the interpreter lock), db.h (the servers and their clients). */
#ifndef RACELAB_MODELS_H
#define RACELAB_MODELS_H

#include "lab.h"

/* Which of the models' options the command line gave. */
struct lab_model_seen {
    bool switch_us, check_points, no_gil, bytecode_ns, db_url, db_server, db_timeout, hold_ms,
        lease_ms;
};

#define LAB_GIL_SWITCH_DEFAULT_US 5000u   /* CPython's sys.getswitchinterval() */
#define LAB_GIL_BYTECODE_DEFAULT_NS 20u
#define LAB_MAX_HOLD_MS 60000u

extern const char *const lab__check_point_names[];

/* The option table's entries (util/opt.h) for struct lab_model_opts |mo|
 * and struct lab_model_seen |seen|. */
#define LAB_MODEL_OPTIONS(MO, SEEN)                                                          \
    { .name = "switch-interval", .kind = UTIL_OPT_UINT, .dest = &(MO).switch_us,             \
      .arg = "US", .min = 1, .max = 10000000, .seen = &(SEEN).switch_us,                     \
      .help = "gil: a thread waiting that long for the GIL asks its holder to drop it, "     \
              "default 5000 (CPython's)" },                                                  \
    { .name = "check-points", .kind = UTIL_OPT_CHOICE, .dest = &(MO).check_points,           \
      .arg = "WHERE", .choices = lab__check_point_names, .seen = &(SEEN).check_points,       \
      .help = "gil: where the holder honours a drop request: every (before every bytecode, " \
              "CPython up to 3.9; the default) or backedge (backward jumps, 3.10 and later)" }, \
    { .name = "no-gil", .kind = UTIL_OPT_FLAG, .dest = &(MO).no_gil, .seen = &(SEEN).no_gil, \
      .help = "gil: a free-threaded interpreter (3.13t): no global lock at all" },           \
    { .name = "bytecode-ns", .kind = UTIL_OPT_UINT, .dest = &(MO).bytecode_ns, .arg = "NS",  \
      .min = 0, .max = 100000, .seen = &(SEEN).bytecode_ns,                                  \
      .help = "gil: what one bytecode costs, default 20 (about CPython 3.9's)" },            \
    { .name = "db-url", .kind = UTIL_OPT_STRING, .dest = &(MO).db_url, .arg = "URL",         \
      .seen = &(SEEN).db_url,                                                                \
      .help = "redis, postgres: use this server (redis://HOST:PORT[/DB], "                   \
              "postgresql://USER@HOST:PORT/DB) instead of starting one; only the lab's own " \
              "key or table is created and dropped" },                                       \
    { .name = "db-server", .kind = UTIL_OPT_STRING, .dest = &(MO).db_server, .arg = "PROG",  \
      .seen = &(SEEN).db_server,                                                             \
      .help = "redis, postgres: the server program to start (redis-server, or postgres "     \
              "with its initdb beside it) instead of the installed one" },                   \
    { .name = "db-timeout", .kind = UTIL_OPT_UINT, .dest = &(MO).db_timeout_s, .arg = "S",   \
      .min = 1, .max = 3600, .seen = &(SEEN).db_timeout,                                     \
      .help = "redis, postgres: seconds the lab's own server has to answer once started, "   \
              "default 10" },                                                                \
    { .name = "hold-ms", .kind = UTIL_OPT_UINT, .dest = &(MO).hold_ms, .arg = "MS",          \
      .min = 0, .max = LAB_MAX_HOLD_MS, .seen = &(SEEN).hold_ms,                             \
      .help = "redis lock: the holder keeps the lock MS ms per increment, default 0; past "  \
              "the lease two clients hold it at once" },                                     \
    { .name = "lease-ms", .kind = UTIL_OPT_UINT, .dest = &(MO).lease_ms, .arg = "MS",        \
      .min = 1, .max = LAB_MAX_HOLD_MS, .seen = &(SEEN).lease_ms,                            \
      .help = "redis lock: the lock's lease (SET NX PX), default 100" }

void lab__model_opts_defaults(struct lab_model_opts *mo);
/* The database models' own defaults: 4 clients x 2000 operations, 3 trials
 * (a round trip costs tens of microseconds, not nanoseconds), where not
 * given. */
void lab__model_run_defaults(struct lab_config *c, bool workers_seen, bool iters_seen,
                             bool trials_seen);

/* NULL, or one line: the models' options that |m| does not take, or a
 * --db-url that does not parse or is not |m|'s. */
const char *lab__check_model_opts(enum lab_model m, const struct lab_model_opts *mo,
                                  const struct lab_model_seen *seen);

/* --list --json: the cell's "blind" array (labs/PROTOCOL.md) for |m|: the
 * detectors that cannot see the cell's race by construction, and why;
 * nothing for the memory models (the harness knows their blind spots). */
void lab__json_blind(enum lab_model m);

/* --list --json: the database models' "run_args" for the harness: fewer
 * operations than a person's default (every one is a network round trip,
 * and the harness runs each cell several times, each with its own server). */
void lab__json_model_run_args(enum lab_model m);

/* Whether `--variant all` and --list's "not on" lines under |m| include |v|:
 * it runs under |m|, or it and |m| are both of the memory models. */
bool lab__variant_offered(const struct lab_variant *v, enum lab_model m);

/* The variant named |name| that runs under |m|, else the first so named. */
const struct lab_variant *lab__find_for_model(const struct lab *lab, const char *name,
                                              enum lab_model m);

#endif
