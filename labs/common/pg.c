/* labs/common/pg.c - the postgres model's server and connections (db.h).
 *
 * The lab's own server: initdb (trust authentication, no fsync, superuser
 * `racelab`) into DIR/data, then the postgres program itself (not pg_ctl,
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

static const char *const server_paths[] = { "/usr/lib/postgresql/*/bin/postgres",
                                            "/usr/local/pgsql/bin/postgres", "/usr/bin/postgres",
                                            NULL };

/* The directory of |prog| (the postgres program, its initdb beside it). */
static void bindir_of(const char *prog, char *out, size_t len)
{
    snprintf(out, len, "%s", prog);
    char *slash = strrchr(out, '/');
    if (slash != NULL)
        *slash = '\0';
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

bool lab__pg_template(const char *bindir, char *out, size_t len)
{
    char bin[256], postgres[300], line[256], cache[400];
    if (bindir != NULL)
        snprintf(bin, sizeof bin, "%s", bindir);
    else if (lab__db_find_binary(server_paths, bin, sizeof bin))
        *strrchr(bin, '/') = '\0';   /* its directory: the paths are absolute */
    else
        return false;
    if (!lab__db_cache_dir(cache, sizeof cache))
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

static int commands(const char *prog, const char *dir, unsigned port, char *const *argv[4],
                    char *buf, size_t len)
{
    static char *init[16], *run[24];
    char bin[256], initdb[300], data[300], sport[12], *s[5];
    bindir_of(prog, bin, sizeof bin);
    if (!lab__pg_template(bin, template_path, sizeof template_path))
        template_path[0] = '\0';   /* no cache: initdb every time */
    snprintf(initdb, sizeof initdb, "%s/initdb", bin);
    snprintf(data, sizeof data, "%s/data", dir);
    snprintf(sport, sizeof sport, "%u", port);
    if (!lab__db_strings(buf, len, s, 5, initdb, data, prog, sport, dir))
        return 0;
    char *const i[] = { s[0], "-D", s[1], "-U", "racelab", "-A", "trust", "--no-sync",
                        "-E", "UTF8", "--no-instructions", NULL };
    char *const r[] = { s[2], "-D", s[1], "-p", s[3], "-h", "127.0.0.1", "-k", s[4],
                        "-c", "fsync=off", "-c", "synchronous_commit=off",
                        "-c", "full_page_writes=off", "-c", "max_connections=64",
                        "-c", "shared_buffers=16MB", NULL };
    memcpy(init, i, sizeof i);
    memcpy(run, r, sizeof r);
    argv[0] = init;
    argv[1] = run;
    return 2;
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
#define ANSWERS answers
#else
#define ANSWERS NULL   /* never asked: lab__db_client_load() refuses the model first */
#endif

const struct lab_db_kind lab__pg_kind = {
    .server_name = "postgres",
    .paths = server_paths,
    .companion = "initdb",
    .missing = "PostgreSQL's initdb and postgres are not installed (apt-get install "
               "postgresql), or use --db-url postgresql://USER@HOST:PORT/DB",
    .url_fmt = "postgresql://racelab@127.0.0.1:%u/postgres",
    .commands = commands,
    .answers = ANSWERS,
    .stop_signal = SIGINT,
    .restore = restore,
    .keep = keep,
    .forget = forget,
};
