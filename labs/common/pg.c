/* labs/common/pg.c - the postgres model's server and connections (db.h).
 *
 * The lab's own server: initdb (trust authentication, no fsync, superuser
 * `racelab`) into DIR/data, then the postgres binary itself (not pg_ctl,
 * which would daemonize it away from the janitor) listening on
 * 127.0.0.1:PORT with its Unix socket in DIR. initdb's result is kept as a
 * template in the user's cache (db_cache.c), named by the server's version
 * (`postgres -V`) and its directory: the next run copies it into DIR/data
 * instead of running initdb again. */
#include "db.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

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

/* The first line |argv| prints on stdout (at most len - 1 bytes): 0 or -1. */
static int first_line(char *const argv[], char *out, size_t len)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0)
        return -1;
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_RDWR);
        if (null < 0 || dup2(null, 0) < 0 || dup2(p[1], 1) < 0 || dup2(null, 2) < 0)
            _exit(126);
        execv(argv[0], argv);
        _exit(127);
    }
    close(p[1]);
    size_t n = 0;
    ssize_t k = 1;
    while (pid > 0 && n + 1 < len && (k = read(p[0], out + n, len - 1 - n)) > 0)
        n += (size_t)k;
    close(p[0]);
    int st = 0;
    if (pid > 0)
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
            ;
    out[n] = '\0';
    out[strcspn(out, "\n")] = '\0';
    return pid > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0 && n > 0 ? 0 : -1;
}

bool lab__pg_template(char *out, size_t len)
{
    char bin[256], postgres[300], line[256], cache[400];
    if (!bindir(bin, sizeof bin) || !lab__db_cache_dir(cache, sizeof cache))
        return false;
    snprintf(postgres, sizeof postgres, "%s/postgres", bin);
    char *const argv[] = { postgres, "-V", NULL };
    if (first_line(argv, line, sizeof line) != 0)
        return false;
    /* "postgres (PostgreSQL) 15.18 (Debian ...)": the number, and a hash of
     * the whole line and the directory (two builds of one version differ) */
    const char *num = strstr(line, ") ");
    num = num ? num + 2 : line;
    uint32_t h = 2166136261u;
    for (const char *p = line; *p; p++)
        h = (h ^ (unsigned char)*p) * 16777619u;
    for (const char *p = bin; *p; p++)
        h = (h ^ (unsigned char)*p) * 16777619u;
    int n = snprintf(out, len, "%s/postgres-%.*s-%08x-initdb", cache,
                     (int)strspn(num, "0123456789."), num, (unsigned)h);
    return n > 0 && (size_t)n < len;
}

static char template_path[600];   /* for the janitor: set by commands() */

/* The janitor: DIR/data from the template (owned by `nobody` when we are
 * root, who runs the server): initdb is then unnecessary. */
static int restore(const char *dir)
{
    char data[300];
    snprintf(data, sizeof data, "%s/data", dir);
    const struct passwd *pw = getuid() == 0 ? getpwnam("nobody") : NULL;
    if (template_path[0] == '\0' ||
        !lab__db_cache_restore(template_path, data, pw ? (int)pw->pw_uid : -1,
                               pw ? (int)pw->pw_gid : -1))
        return 0;
    return 1;
}

static void forget(void)
{
    if (template_path[0] != '\0')
        lab__db_cache_discard(template_path);
}

static void keep(const char *dir)
{
    char data[300];
    snprintf(data, sizeof data, "%s/data", dir);
    if (template_path[0] != '\0')
        lab__db_cache_keep(data, template_path);
}

static int commands(const char *dir, unsigned port, char *const *argv[4], char *buf, size_t len)
{
    static char *init[16], *run[24];
    char bin[256];
    if (!bindir(bin, sizeof bin))
        return 0;
    if (!lab__pg_template(template_path, sizeof template_path))
        template_path[0] = '\0';   /* no cache: initdb every time */
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
    .restore = restore,
    .keep = keep,
    .forget = forget,
};
