/* labs/common/pg.c - the postgres model's server and connections (db.h).
 *
 * The lab's own server: initdb (trust authentication, no fsync, superuser
 * `racelab`) into DIR/data, then the postgres binary itself (not pg_ctl,
 * which would daemonize it away from the janitor) listening on
 * 127.0.0.1:PORT with its Unix socket in DIR. */
#include "db.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "db_client.h"

static bool built(void)
{
#ifdef RACELAB_HAVE_LIBPQ
    return true;
#else
    return false;
#endif
}

static const char *const initdb_paths[] = { "/usr/lib/postgresql/*/bin/initdb",
                                            "/usr/local/pgsql/bin/initdb", "/usr/bin/initdb",
                                            NULL };

/* The directory of the highest installed initdb, with its postgres. */
static bool bindir(char *out, size_t len)
{
    if (!lab__db_find_binary(initdb_paths, out, len))
        return false;
    char *slash = strrchr(out, '/');
    *slash = '\0';
    return true;
}

static bool binaries(char *why, size_t len)
{
    char dir[256];
    if (bindir(dir, sizeof dir))
        return true;
    snprintf(why, len, "PostgreSQL's initdb and postgres are not installed (apt-get install "
             "postgresql), or use --db-url postgresql://USER@HOST:PORT/DB");
    return false;
}

static int commands(const char *dir, unsigned port, char *const *argv[4], char *buf, size_t len)
{
    static char *init[16], *run[24];
    char bin[256];
    if (!bindir(bin, sizeof bin))
        return 0;
    int n = snprintf(buf, len, "%s/initdb%c%s/data%c%s/postgres%c%u%c%s", bin, 0, dir, 0, bin,
                     0, port, 0, dir);
    if (n < 0 || (size_t)n >= len)
        return 0;
    char *initdb = buf, *data = initdb + strlen(initdb) + 1, *postgres = data + strlen(data) + 1;
    char *sport = postgres + strlen(postgres) + 1, *sock = sport + strlen(sport) + 1;
    char *const i[] = { initdb, "-D", data, "-U", "racelab", "-A", "trust", "--no-sync",
                        "-E", "UTF8", "--no-instructions", NULL };
    char *const r[] = { postgres, "-D", data, "-p", sport, "-h", "127.0.0.1", "-k", sock,
                        "-c", "fsync=off", "-c", "synchronous_commit=off",
                        "-c", "full_page_writes=off", "-c", "max_connections=64",
                        "-c", "shared_buffers=16MB", NULL };
    memcpy(init, i, sizeof i);
    memcpy(run, r, sizeof r);
    argv[0] = init;
    argv[1] = run;
    return 2;
}

static void fill_url(struct lab_db_server *s, unsigned port)
{
    snprintf(s->url, sizeof s->url, "postgresql://racelab@127.0.0.1:%u/postgres", port);
    snprintf(s->u.host, sizeof s->u.host, "127.0.0.1");
    snprintf(s->u.user, sizeof s->u.user, "racelab");
    snprintf(s->u.path, sizeof s->u.path, "postgres");
    s->u.port = port;
}

#ifdef RACELAB_HAVE_LIBPQ
PGconn *lab_pg_connect(char *err, size_t errlen)
{
    const struct lab_db_server *s = lab_db_server();
    PGconn *c = PQconnectdb(s->url);
    if (PQstatus(c) != CONNECTION_OK) {
        snprintf(err, errlen, "cannot connect to %s: %.*s", s->url,
                 (int)strcspn(PQerrorMessage(c), "\n"), PQerrorMessage(c));
        PQfinish(c);
        return NULL;
    }
    PQclear(PQexec(c, "SET client_min_messages = warning"));
    return c;
}

static bool answers(const struct lab_db_server *s)
{
    if (PQping(s->url) != PQPING_OK)
        return false;
    char err[256];
    PGconn *c = lab_pg_connect(err, sizeof err);
    if (c == NULL)
        return false;
    PGresult *r = PQexec(c, "SELECT 1");
    bool ok = PQresultStatus(r) == PGRES_TUPLES_OK;
    PQclear(r);
    PQfinish(c);
    return ok;
}
#else
static bool answers(const struct lab_db_server *s)
{
    (void)s;
    return false;
}
#endif

const struct lab_db_kind lab__pg_kind = {
    .server_name = "postgres",
    .package = "postgresql",
    .built = built,
    .binaries = binaries,
    .commands = commands,
    .answers = answers,
    .fill_url = fill_url,
    .stop_signal = SIGINT,
};
