/* labs/common/models.c - the gil, redis and postgres models' options and
 * variant lookup (models.h). */
#include "runtime.h"

#include <stdio.h>
#include <string.h>

#include "db.h"
#include "util/json.h"

const char *const lab__check_point_names[] = { "every", "backedge", NULL };

void lab__model_opts_defaults(struct lab_model_opts *mo)
{
    *mo = (struct lab_model_opts){ .switch_us = LAB_GIL_SWITCH_DEFAULT_US,
                                   .check_points = LAB_CHECK_EVERY,
                                   .bytecode_ns = LAB_GIL_BYTECODE_DEFAULT_NS,
                                   .lease_ms = LAB_DB_LEASE_MS,
                                   .db_timeout_s = LAB_DB_START_TIMEOUT_S };
}

void lab__model_run_defaults(struct lab_config *c, bool workers_seen, bool iters_seen,
                             bool trials_seen)
{
    if (!LAB_IS_DB(c->model))
        return;
    if (!workers_seen)
        c->workers = 4;
    if (!iters_seen)
        c->iters = 2000;
    if (!trials_seen)
        c->trials = 3;
}

const char *lab__check_model_opts(enum lab_model m, const struct lab_model_opts *mo,
                                  const struct lab_model_seen *seen)
{
    static char msg[300];
    bool gil_opt = seen->switch_us || seen->check_points || seen->no_gil || seen->bytecode_ns;
    if (gil_opt && m != LAB_GIL)
        return "--switch-interval, --check-points, --no-gil and --bytecode-ns apply to "
               "--model gil only";
    if (m == LAB_GIL && mo->no_gil && (seen->check_points || seen->switch_us))
        return "--no-gil: there is no lock to drop, so --check-points and --switch-interval "
               "mean nothing there";
    if ((seen->db_url || seen->db_server || seen->db_timeout) && !LAB_IS_DB(m))
        return "--db-url, --db-server and --db-timeout apply to --model redis or postgres only";
    if (seen->db_url && (seen->db_server || seen->db_timeout))
        return "--db-server and --db-timeout are for the lab's own server, not --db-url's";
    if ((seen->hold_ms || seen->lease_ms) && m != LAB_REDIS)
        return "--hold-ms and --lease-ms apply to --model redis only (its lock variant)";
    if (seen->db_url) {
        struct lab_db_url u;
        char err[200];
        if (lab_db_parse_url(mo->db_url, m, &u, err, sizeof err) != 0) {
            snprintf(msg, sizeof msg, "--db-url: %s", err);
            return msg;
        }
    }
    return NULL;
}

bool lab__variant_offered(const struct lab_variant *v, enum lab_model m)
{
    return (v->models & LAB_MODEL_BIT(m)) != 0 ||
           ((v->models & LAB_MEMORY_MODELS) != 0 && (LAB_MODEL_BIT(m) & LAB_MEMORY_MODELS) != 0);
}

const struct lab_variant *lab__find_for_model(const struct lab *lab, const char *name,
                                              enum lab_model m)
{
    for (size_t i = 0; i < lab->nvariants; i++)
        if (strcmp(lab->variants[i]->name, name) == 0 && (lab->variants[i]->models &
                                                          LAB_MODEL_BIT(m)))
            return lab->variants[i];
    return lab_find_variant(lab, name);
}

void lab__json_blind(enum lab_model m)
{
    const char *why = NULL;
    if (m == LAB_GIL)
        why = "every bytecode runs under the GIL, a mutex: the lost update is an atomicity "
              "violation between bytecodes, not a data race, so a race detector sees correct "
              "locking (with --no-gil TSan does report it)";
    else if (LAB_IS_DB(m))
        why = "the counter lives in the database server, another process: the race is in the "
              "server's data between client connections, where no in-process detector looks";
    if (why == NULL)
        return;
    static const char *const tools[] = { "tsan", "valgrind" };
    fputs(",\"blind\":[", stdout);
    for (size_t i = 0; i < sizeof tools / sizeof tools[0]; i++) {
        printf("%s{\"tool\":\"%s\",\"why\":", i ? "," : "", tools[i]);
        util_json_string(stdout, why);
        putchar('}');
    }
    putchar(']');
}

void lab__json_model_run_args(enum lab_model m)
{
    if (LAB_IS_DB(m))
        fputs(",\"run_args\":[\"--iters\",\"100\"]", stdout);
}
