/* labs/common/db.c - the database models' server: started, watched and
 * removed on every exit path (db.h says how), or the user's (--db-url). */
#include "util/fs.h"
#include "db.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <glob.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/time.h"

static struct lab_db_server server;
static int stop_fd = -1;   /* the lab's end of the janitor's pipe */

const struct lab_db_server *lab_db_server(void)
{
    return &server;
}

static const struct lab_db_kind *kind_of(enum lab_model m)
{
    return m == LAB_REDIS ? &lab__redis_kind : m == LAB_POSTGRES ? &lab__pg_kind : NULL;
}

/* ---- URLs ------------------------------------------------------------------ */

static bool copy_part(char *dst, size_t cap, const char *src, size_t n)
{
    if (n >= cap)
        return false;
    memcpy(dst, src, n);
    dst[n] = '\0';
    return true;
}

int lab_db_parse_url(const char *url, enum lab_model m, struct lab_db_url *u, char *err,
                     size_t errlen)
{
    const char *want = m == LAB_REDIS ? "redis://" : "postgresql://";
    const char *p = url;
    memset(u, 0, sizeof *u);
    if (strncmp(p, want, strlen(want)) == 0)
        p += strlen(want);
    else if (m == LAB_POSTGRES && strncmp(p, "postgres://", 11) == 0)
        p += 11;
    else {
        snprintf(err, errlen, "'%.80s' is not a %sHOST[:PORT] URL", url, want);
        return -1;
    }
    const char *at = strchr(p, '@'), *slash = strchr(p, '/');
    if (at && (!slash || at < slash)) {
        const char *colon = memchr(p, ':', (size_t)(at - p));
        size_t ulen = (size_t)((colon ? colon : at) - p);
        if (!copy_part(u->user, sizeof u->user, p, ulen) ||
            (colon && !copy_part(u->password, sizeof u->password, colon + 1,
                                 (size_t)(at - colon - 1)))) {
            snprintf(err, errlen, "'%.80s': the user or password is too long", url);
            return -1;
        }
        p = at + 1;
    }
    size_t hlen = strcspn(p, ":/");
    char *end = NULL;
    long port = m == LAB_REDIS ? 6379 : 5432;
    if (p[hlen] == ':') {
        errno = 0;
        port = strtol(p + hlen + 1, &end, 10);
        if (errno || end == p + hlen + 1 || (*end && *end != '/') || port < 1 || port > 65535) {
            snprintf(err, errlen, "'%.80s': the port must be a number from 1 to 65535", url);
            return -1;
        }
    } else {
        end = (char *)p + hlen;
    }
    if (hlen == 0 || !copy_part(u->host, sizeof u->host, p, hlen) ||
        (*end == '/' && !copy_part(u->path, sizeof u->path, end + 1, strlen(end + 1)))) {
        snprintf(err, errlen, "'%.80s' names no host (%sHOST[:PORT]%s)", url, want,
                 m == LAB_REDIS ? "[/DB]" : "/DBNAME");
        return -1;
    }
    u->port = (unsigned)port;
    return 0;
}

/* ---- helpers --------------------------------------------------------------- */

unsigned lab__db_free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof a;
    unsigned port = 0;
    if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    if (fd >= 0)
        close(fd);
    return port;
}

bool lab__db_port_open(unsigned port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    bool open = fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
    if (fd >= 0)
        close(fd);
    return open;
}

bool lab__db_find_binary(const char *const *paths, char *out, size_t len)
{
    for (; *paths; paths++) {
        glob_t g;
        if (glob(*paths, 0, NULL, &g) != 0)
            continue;
        /* glob sorts: the last match is the highest version (15 after 13). */
        bool ok = g.gl_pathc > 0 && snprintf(out, len, "%s", g.gl_pathv[g.gl_pathc - 1]) <
                                        (int)len;
        globfree(&g);
        if (ok)
            return true;
    }
    return false;
}

bool lab__db_strings(char *buf, size_t len, char **out, int n, ...)
{
    va_list ap;
    va_start(ap, n);
    size_t used = 0;
    bool fit = true;
    for (int i = 0; i < n; i++) {
        const char *str = va_arg(ap, const char *);
        size_t k = strlen(str) + 1;
        fit = fit && used + k <= len;
        if (!fit)
            break;
        out[i] = memcpy(buf + used, str, k);
        used += k;
    }
    va_end(ap);
    return fit;
}

/* Whether |path| is a file we may execute. */
static bool executable(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

bool lab__db_server_program(enum lab_model m, const char *given, char *out, size_t len,
                            char *why, size_t whylen)
{
    const struct lab_db_kind *k = kind_of(m);
    if (given == NULL) {
        if (lab__db_find_binary(k->paths, out, len))
            return true;
        snprintf(why, whylen, "%s", k->missing);
        return false;
    }
    snprintf(out, len, "%s", given);
    char companion[600] = "";
    if (k->companion != NULL) {
        const char *slash = strrchr(given, '/');
        snprintf(companion, sizeof companion, "%.*s%s%s", slash ? (int)(slash - given + 1) : 0,
                 given, slash ? "" : "./", k->companion);
    }
    if (!executable(given) || (companion[0] && !executable(companion))) {
        snprintf(why, whylen, "--db-server %.200s: %s is not an executable file",
                 given, executable(given) ? companion : given);
        return false;
    }
    return true;
}

const char *lab__db_unavailable(enum lab_model m)
{
    static char why[LAB_NMODELS][300];
    if (kind_of(m) == NULL)
        return NULL;
    const char *client = lab__db_client_load(m);
    if (client != NULL)
        return client;
    /* The server program matters only for the lab's own server. */
    bool users = server.model == m && server.url[0] != '\0' && !server.own;
    char prog[256];
    if (!users && !lab__db_server_program(m, NULL, prog, sizeof prog, why[m], sizeof why[m]))
        return why[m];
    return NULL;
}

/* ---- the janitor ----------------------------------------------------------- */

/* In a child: runs argv with its output in dir/server.log, as `nobody` when
 * we are root, in a process group of its own. */
static pid_t run_child(char *const argv[], const char *dir)
{
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    setpgid(0, 0);
    signal(SIGINT, SIG_DFL);   /* the janitor ignores them; exec would keep that */
    signal(SIGHUP, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    char log[300];
    snprintf(log, sizeof log, "%s/server.log", dir);
    int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    int null = open("/dev/null", O_RDONLY);
    if (fd < 0 || null < 0 || dup2(null, 0) < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
        _exit(126);
    if (getuid() == 0) {
        const struct passwd *pw = getpwnam("nobody");
        if (pw == NULL || setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0)
            _exit(126);
    }
    execv(argv[0], argv);
    _exit(127);
}

/* Waits for |pid| while the lab's pipe stays open: its exit status, or -1
 * when the pipe closed first (then |pid| still runs). */
static int wait_or_stop(pid_t pid, int fd)
{
    for (;;) {
        int st;
        if (waitpid(pid, &st, WNOHANG) == pid)
            return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        struct pollfd p = { .fd = fd, .events = POLLIN };
        if (poll(&p, 1, 50) > 0)
            return -1;   /* EOF: the lab is gone or asks us to stop */
    }
}

/* Stops |pid|'s group: |sig| first, SIGKILL after 5 s. */
static void stop_group(pid_t pid, int sig)
{
    kill(pid, sig);
    for (int i = 0; i < 500; i++) {
        if (waitpid(pid, NULL, WNOHANG) == pid)
            break;
        struct timespec ts = { 0, 10 * 1000 * 1000 };
        nanosleep(&ts, NULL);
    }
    kill(-pid, SIGKILL);   /* the server's own children, and the server if it hung */
    (void)waitpid(pid, NULL, WNOHANG);
}

/* DIR/.server: the setup commands are done and the server starts now (the
 * lab's 10 s to answer count from here, not from initdb's start); DIR/.ended:
 * a setup command failed or the server ended (the lab need not wait). */
static void mark(const char *dir, const char *name)
{
    char path[300];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd >= 0)
        close(fd);
}

/* The janitor: runs the commands in order (the last is the server) while
 * the lab lives; then stops what runs and removes the directory. */
static void janitor(int fd, const struct lab_db_kind *k, char *const *argv[4], int n,
                    const char *dir)
{
    setsid();
    signal(SIGINT, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    signal(SIGTERM, SIG_IGN);
    pid_t pid = 0;
    int first = k->restore ? k->restore(dir) : 0;
    for (int i = first; i < n; i++) {
        struct pollfd gone = { .fd = fd, .events = POLLIN };
        if (poll(&gone, 1, 0) > 0)
            break;               /* the lab ended during the last step: start nothing */
        if (i == n - 1 && i > first && k->keep)
            k->keep(dir);        /* the setup ran: the next run need not */
        if (i == n - 1)
            mark(dir, ".server");
        pid = run_child(argv[i], dir);
        if (pid < 0)
            break;
        int rc = wait_or_stop(pid, fd);
        if (rc < 0)
            break;               /* stopped while pid runs */
        pid = 0;
        if (rc != 0 || i == n - 1) {
            mark(dir, ".ended"); /* a setup step failed, or the server ended */
            if (i == n - 1 && first > 0 && k->forget)
                k->forget();     /* it ended on its own on a restored setup: suspect */
            break;
        }
    }
    if (pid == 0) {
        char c;
        while (read(fd, &c, 1) > 0)
            ;                    /* wait for the lab's end */
    }
    if (pid > 0)
        stop_group(pid, k->stop_signal);
    util_remove_tree(dir);
    _exit(0);
}

/* ---- start and stop -------------------------------------------------------- */

static void on_stop_signal(int sig)
{
    lab__db_stop();          /* close(), waitpid(): async-signal-safe */
    _exit(128 + sig);
}

void lab__db_stop(void)
{
    if (stop_fd >= 0) {
        close(stop_fd);
        stop_fd = -1;
    }
    if (server.janitor > 0) {
        while (waitpid(server.janitor, NULL, 0) < 0 && errno == EINTR)
            ;
        server.janitor = 0;
    }
}

/* Forks the janitor for |k|'s |prog| in a fresh directory: 0 or -1 with err. */
static int spawn_janitor(const struct lab_db_kind *k, const char *prog, unsigned port, char *err,
                         size_t errlen)
{
    const char *tmp = getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    snprintf(server.dir, sizeof server.dir, "%s/racelab-%s-%d-XXXXXX", tmp,
             k == &lab__redis_kind ? "redis" : "postgres", (int)getpid());
    if (mkdtemp(server.dir) == NULL) {
        snprintf(err, errlen, "cannot create a directory in %s: %s", tmp, strerror(errno));
        return -1;
    }
    const struct passwd *pw = getuid() == 0 ? getpwnam("nobody") : NULL;
    if (pw != NULL && chown(server.dir, pw->pw_uid, pw->pw_gid) != 0) {
        snprintf(err, errlen, "cannot hand %s to nobody: %s", server.dir, strerror(errno));
        rmdir(server.dir);
        return -1;
    }
    static char buf[4096];
    char *const *argv[4];
    int n = k->commands(prog, server.dir, port, argv, buf, sizeof buf);
    int p[2];
    if (n <= 0 || pipe2(p, O_CLOEXEC) != 0) {
        snprintf(err, errlen, "cannot prepare %s: %s", k->server_name,
                 n <= 0 ? "command line too long" : strerror(errno));
        rmdir(server.dir);
        return -1;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        close(p[1]);
        janitor(p[0], k, argv, n, server.dir);
    }
    close(p[0]);
    if (pid < 0) {
        close(p[1]);
        rmdir(server.dir);
        snprintf(err, errlen, "cannot fork: %s", strerror(errno));
        return -1;
    }
    stop_fd = p[1];
    server.janitor = (int)pid;
    return 0;
}

/* The server log's last line, for a message. */
static void last_log_line(char *out, size_t len)
{
    char path[300], line[512] = "";
    snprintf(path, sizeof path, "%s/server.log", server.dir);
    FILE *f = fopen(path, "r");
    out[0] = '\0';
    while (f && fgets(line, sizeof line, f))
        if (line[0] != '\n')
            snprintf(out, len, "%.*s", (int)strcspn(line, "\n"), line);
    if (f)
        fclose(f);
}

/* Whether the janitor left the mark |name| (see mark()). */
static bool marked(const char *name)
{
    char path[300];
    snprintf(path, sizeof path, "%s/%s", server.dir, name);
    return access(path, F_OK) == 0;
}

/* Waits for the server to answer: |timeout_s| from its start, after at most
 * LAB_DB_SETUP_TIMEOUT_S for the setup (initdb). */
static int await_server(const struct lab_db_kind *k, unsigned timeout_s, char *err,
                        size_t errlen)
{
    const uint64_t s_ns = 1000000000u;
    uint64_t setup_end = util_now_ns() + LAB_DB_SETUP_TIMEOUT_S * s_ns, start_end = 0;
    while (!k->answers(&server)) {
        int st;
        bool gone = waitpid(server.janitor, &st, WNOHANG) == server.janitor || marked(".ended");
        if (start_end == 0 && marked(".server"))
            start_end = util_now_ns() + timeout_s * s_ns;
        uint64_t now = util_now_ns();
        if (gone || now >= setup_end || (start_end != 0 && now >= start_end)) {
            char last[200];
            last_log_line(last, sizeof last);
            lab__db_stop();
            char when[64];
            snprintf(when, sizeof when, "did not answer within %u s of its start", timeout_s);
            snprintf(err, errlen, "%s on 127.0.0.1:%u %s%s%s", k->server_name, server.u.port,
                     gone ? "exited before it answered"
                     : start_end ? when
                                 : "was not set up within 60 s",
                     last[0] ? ": " : "", last);
            return -1;
        }
        struct timespec ts = { 0, 20 * 1000 * 1000 };
        nanosleep(&ts, NULL);
    }
    return 0;
}

/* The lab's own server for |c|: started, and answering; 0 or -1 with err. */
static int start_own(const struct lab_db_kind *k, const struct lab_config *c, char *err,
                     size_t errlen)
{
    char prog[256];
    if (!lab__db_server_program(c->model, c->mo.db_server, prog, sizeof prog, err, errlen))
        return -1;
    unsigned port = lab__db_free_port();
    if (port == 0) {
        snprintf(err, errlen, "no free TCP port on 127.0.0.1");
        return -1;
    }
    server.own = true;
    snprintf(server.url, sizeof server.url, k->url_fmt, port);
    if (lab_db_parse_url(server.url, c->model, &server.u, err, errlen) != 0 ||
        spawn_janitor(k, prog, port, err, errlen) != 0)
        return -1;
    struct sigaction sa = { .sa_handler = on_stop_signal };
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    atexit(lab__db_stop);
    return await_server(k, c->mo.db_timeout_s ? c->mo.db_timeout_s : LAB_DB_START_TIMEOUT_S,
                        err, errlen);
}

int lab__db_start(const struct lab_config *c, char *err, size_t errlen)
{
    const struct lab_db_kind *k = kind_of(c->model);
    server = (struct lab_db_server){ .model = c->model };
    const char *client = lab__db_client_load(c->model);
    if (client != NULL) {
        snprintf(err, errlen, "%s", client);
        return -1;
    }
    if (c->mo.db_url == NULL)
        return start_own(k, c, err, errlen);
    if (lab_db_parse_url(c->mo.db_url, c->model, &server.u, err, errlen) != 0)
        return -1;
    snprintf(server.url, sizeof server.url, "%s", c->mo.db_url);
    if (!k->answers(&server)) {
        snprintf(err, errlen, "--db-url %.200s: no %s answers there", c->mo.db_url,
                 k->server_name);
        return -1;
    }
    return 0;
}
