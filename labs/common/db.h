/* labs/common/db.h - the redis and postgres models: a real database server
 * and one client connection per worker.
 *
 * The workers are threads (the threads model's start gate, so requests
 * really overlap); each opens its own connection in the variant's setup.
 * The counter lives in the server, so the race is between processes, in the
 * server's data: ThreadSanitizer and valgrind, which watch one process's
 * memory, are blind to it by construction.
 *
 * The server: by default the lab starts its own, once per run, on 127.0.0.1
 * on a free port, in a fresh directory under $TMPDIR (/tmp): redis-server
 * with persistence off; PostgreSQL through initdb (or a copy of the
 * template an earlier run's initdb left in the user's cache: db_cache.c)
 * and the postgres binary (as root both run as the unprivileged user
 * `nobody`, since PostgreSQL refuses to run as root), its socket inside
 * that directory. A janitor
 * process, forked before the server and in a session of its own, owns the
 * server and the directory: it waits on a pipe from the lab, and when the
 * pipe closes - the lab's normal end, an error, SIGINT/SIGTERM/SIGHUP (the
 * lab waits for the janitor, then exits 128+N), or the lab dying of any
 * signal, SIGKILL included - it stops the server (then kills its process
 * group), removes the directory and exits. --db-url uses a server the user
 * runs instead; the variants create and drop only their own key or table. */
#ifndef RACELAB_DB_H
#define RACELAB_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lab.h"

#define LAB_DB_START_TIMEOUT_S 10u   /* from the server's start to its first answer: --db-timeout */
#define LAB_DB_SETUP_TIMEOUT_S 60u   /* initdb */
#define LAB_DB_LEASE_MS 100u      /* the redis lock variant's lease, default of --lease-ms */

/* scheme://[user[:password]@]host[:port][/path] */
struct lab_db_url {
    char user[64], password[64], host[256], path[64];
    unsigned port;
};

/* Parses |url| for model |m| (redis://, postgresql:// or postgres://): 0, or
 * -1 with one line in err. */
int lab_db_parse_url(const char *url, enum lab_model m, struct lab_db_url *u, char *err,
                     size_t errlen);

/* The server this run talks to. */
struct lab_db_server {
    enum lab_model model;
    bool own;                 /* started by the lab (else --db-url) */
    char url[600];            /* for libpq: a URL it takes; for redis: informative */
    struct lab_db_url u;
    char dir[256];            /* own: its directory */
    int janitor;              /* own: the janitor's pid, or 0 */
};
const struct lab_db_server *lab_db_server(void);

/* NULL, or why |m| cannot run in this build or on this machine (a library
 * or a server binary missing, with the package to install). */
const char *lab__db_unavailable(enum lab_model m);

/* db_dl.c: opens |m|'s client library (db_client.h), once: NULL, or why it
 * cannot (not in this build, not on this machine: the package to install). */
const char *lab__db_client_load(enum lab_model m);

/* Starts (or, with --db-url, checks) the server for |c|: 0, or -1 with one
 * line in err (nothing is left running). */
int lab__db_start(const struct lab_config *c, char *err, size_t errlen);
/* Stops the lab's own server and removes its directory (idempotent). */
void lab__db_stop(void);

/* db.c's helpers for redis.c and pg.c. */
/* A free TCP port on 127.0.0.1, or 0. */
unsigned lab__db_free_port(void);
/* Whether something accepts TCP connections on 127.0.0.1:|port|. */
bool lab__db_port_open(unsigned port);
/* The first existing file of |paths| (NULL-terminated, each may hold one
 * '*' for a version directory, the highest is taken) into out; false if none. */
bool lab__db_find_binary(const char *const *paths, char *out, size_t len);
/* Copies the |n| strings that follow into buf, one after the other, and
 * points out[0..n-1] at the copies: false if they do not fit. */
bool lab__db_strings(char *buf, size_t len, char **out, int n, ...);

/* redis.c and pg.c: the model's server (the janitor runs the commands). */
struct lab_db_kind {
    const char *server_name;        /* "redis-server", "postgres" */
    /* Where the installed server program is (lab__db_find_binary's list;
     * --db-server names another), and what to say when it is nowhere: the
     * package to install, or --db-url. */
    const char *const *paths;
    const char *companion;          /* a program that must be beside it (initdb), or NULL */
    const char *missing;
    const char *url_fmt;            /* the own server's URL, %u its port */
    /* argv vectors of the commands that set up and run the server program
     * |prog| in |dir| on |port| (the last one is the server); returns their
     * number (0: they do not fit in buf). */
    int (*commands)(const char *prog, const char *dir, unsigned port, char *const *argv[4],
                    char *buf, size_t len);
    /* Whether the server answers (PING, SELECT 1). */
    bool (*answers)(const struct lab_db_server *s);
    int stop_signal;                /* SIGTERM (redis), SIGINT (postgres: fast shutdown) */
    /* Optional, run by the janitor in |dir| before the commands: how many
     * setup commands a cached result (db_cache.c) made unnecessary, 0 if
     * none did. */
    int (*restore)(const char *dir);
    /* Optional, run by the janitor when the setup commands ran and
     * succeeded, before the server starts: keeps their result. */
    void (*keep)(const char *dir);
    /* Optional, run by the janitor when a server started on a restored
     * setup ended before the lab was done with it: the kept result is
     * suspect, and the next run sets up from scratch. */
    void (*forget)(void);
};
extern const struct lab_db_kind lab__redis_kind, lab__pg_kind;
/* The server program to start for |m| (--db-server |given|, else the
 * installed one) into out: true, or false with why (one line). */
bool lab__db_server_program(enum lab_model m, const char *given, char *out, size_t len,
                            char *why, size_t whylen);

/* db_cache.c: set-up results kept across runs (a template per server
 * version), in $XDG_CACHE_HOME/racelab or ~/.cache/racelab. */
/* That directory (made if missing) into out; false if there is none. */
bool lab__db_cache_dir(char *out, size_t len);
/* Copies template |tmpl| into |to| (new), chowned to uid:gid unless uid < 0:
 * true; false if there is no template or it is damaged (then it is removed,
 * and so is what was copied). */
bool lab__db_cache_restore(const char *tmpl, const char *to, int uid, int gid);
/* Makes |tmpl| a copy of the tree |from|, atomically (a temporary copy
 * renamed into place); nothing if another run made it first. */
void lab__db_cache_keep(const char *from, const char *tmpl);
/* Renames |tmpl| away at once and removes it. */
void lab__db_cache_discard(const char *tmpl);
/* Whether |tmpl| matches its manifest (its files and bytes). */
bool lab__db_cache_valid(const char *tmpl);
/* pg.c: the template the PostgreSQL of |bindir| (NULL: the installed one)
 * uses, in the cache directory; false when there is no cache directory or
 * no PostgreSQL. */
bool lab__pg_template(const char *bindir, char *out, size_t len);

#endif
