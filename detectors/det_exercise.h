/* detectors/det_exercise.h - racelab exercise (det_exercise.c): what its
 * files share. det_exercise.c reads the table, keeps the progress and runs
 * the commands and the fix check; det_exercise_answer.c checks the break
 * and predict kinds (an answer line in the learner's file);
 * det_exercise_cost.c measures a fix's cost against solution.c natively;
 * det_exercise_watch.c re-checks when the file is saved (--watch). */
#ifndef RACELAB_DET_EXERCISE_H
#define RACELAB_DET_EXERCISE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "det.h"

#define EX_MAX 64

enum ex_kind { EX_FIX, EX_BREAK, EX_PREDICT };

struct ex_row {
    char name[64], primitive[32], kind_name[16], check[32], dir[PATH_MAX];
    enum ex_kind kind;
    int bound;               /* preemptions; -1 every schedule (predict "all"), 0 none (break) */
    double budget_s;
    double cost;             /* fix: the cost factor against solution.c, 0 none */
    char cost_args[200];     /* the native runs' arguments, space-separated */
    bool solved;
};

struct ex_set {
    char root[PATH_MAX], state[PATH_MAX], self[PATH_MAX];
    struct ex_row rows[EX_MAX];
    size_t n;
};

/* The result of one check, in words. */
struct ex_result {
    bool pass;
    char verdict[32];     /* pass, fail, race, deadlock, unfinished, tsan-race, timeout, cost,
                           * unanswered, changed, held, diverged, wrong */
    char words[1600];
    char schedule[200];
    unsigned long long runs;
};

/* Runs racelab itself with argv[1..] (argv[0] is set); the caller frees p. */
void ex_racelab(const struct ex_set *s, char **argv, double timeout_s, struct det_proc *p);
/* explore's one-line error as this command's, exit 2. */
__attribute__((noreturn)) void ex_explore_error(const struct ex_row *r, struct det_proc *p);
/* The file |path| whole (NUL-terminated, malloc'd), or exit 2 naming it. */
char *ex_slurp(const struct ex_row *r, const char *path);
/* The path of the exercise's file |leaf| (exercise.c, solution.c). */
void ex_path(const struct ex_row *r, const char *leaf, char *out, size_t cap);

/* det_exercise_answer.c: |sched| is --schedule's value or NULL. */
void ex_check_break(const struct ex_set *s, const struct ex_row *r, const char *file,
                    const char *sched, struct ex_result *x);
void ex_check_predict(const struct ex_set *s, const struct ex_row *r, const char *file,
                      struct ex_result *x);

/* det_exercise_cost.c: appends the cost to x->words, or fails x ("cost"). */
void ex_check_cost(const struct ex_row *r, const char *file, struct ex_result *x);

/* det_exercise_watch.c: check(arg) now and again after each save of |file|,
 * until q on stdin or SIGINT; returns the last check's status. Between
 * checks one line says it is watching (with |json| a {"kind":"watching"}). */
int ex_watch(const char *file, bool json, int (*check)(void *arg), void *arg);

#endif
