/* labs/common/db_cache.c - a server's set-up directory kept for the next
 * run (db.h): the postgres model's initdb result, so that a run copies a
 * template (a fraction of a second) instead of running initdb (seconds).
 *
 * A template lives in the user's cache directory ($XDG_CACHE_HOME/racelab,
 * else ~/.cache/racelab) under a name that carries the server's version.
 * It is made atomically: copied into a temporary directory beside it, its
 * manifest (files and bytes) written last, then renamed into place; a second
 * run racing to make the same one loses the rename and removes its copy.
 * It is checked before use: a template whose copy does not match its
 * manifest, or that has none, is renamed away and removed, and the run sets
 * up from scratch (and keeps a new template); so is one whose server ended
 * on its own before it was done (db.c's janitor). */
#include "util/fs.h"
#include "db.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MANIFEST ".racelab-manifest"

bool lab__db_cache_dir(char *out, size_t len)
{
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    int n;
    if (xdg && xdg[0] == '/')
        n = snprintf(out, len, "%s/racelab", xdg);
    else if (home && home[0] == '/')
        n = snprintf(out, len, "%s/.cache/racelab", home);
    else
        return false;
    if (n < 0 || (size_t)n >= len)
        return false;
    /* each missing component, as the user only (the parent may exist) */
    for (char *p = out + 1; (p = strchr(p, '/')) != NULL; p++) {
        *p = '\0';
        int rc = mkdir(out, 0700);
        *p = '/';
        if (rc != 0 && errno != EEXIST)
            return false;
    }
    return (mkdir(out, 0700) == 0 || errno == EEXIST) && access(out, W_OK | X_OK) == 0;
}

/* ---- copying a tree --------------------------------------------------------- */

static struct {
    const char *from, *to;
    size_t from_len;
    int uid, gid;        /* chown each copy to these, or -1 */
    bool count_only;     /* only count what a copy would copy */
    unsigned long long files, bytes;
} cp;

static int copy_file(const char *src, const char *dst, mode_t mode)
{
    int in = open(src, O_RDONLY | O_CLOEXEC);
    int out = in < 0 ? -1 : open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode & 07777);
    char buf[65536];
    ssize_t n = 0;
    while (out >= 0 && (n = read(in, buf, sizeof buf)) > 0) {
        if (write(out, buf, (size_t)n) != n) {
            n = -1;
            break;
        }
        cp.bytes += (unsigned long long)n;
    }
    int rc = in >= 0 && out >= 0 && n == 0 ? 0 : -1;
    if (in >= 0)
        close(in);
    if (out >= 0 && close(out) != 0)
        rc = -1;
    return rc;
}

static int copy_entry(const char *path, const struct stat *st, int flag, struct FTW *f)
{
    (void)f;
    const char *rel = path + cp.from_len;
    if (strcmp(rel, "/" MANIFEST) == 0)
        return 0;
    char dst[1024];
    if (snprintf(dst, sizeof dst, "%s%s", cp.to, rel) >= (int)sizeof dst)
        return -1;
    int rc = -1;   /* a link, a socket, an unreadable directory: not a template */
    if (flag == FTW_D && cp.count_only) {
        rc = 0;
    } else if (flag == FTW_D) {
        rc = mkdir(dst, st->st_mode & 07777) == 0 || (rel[0] == '\0' && errno == EEXIST) ? 0 : -1;
    } else if (flag == FTW_F && S_ISREG(st->st_mode)) {
        cp.files++;
        if (cp.count_only)
            cp.bytes += (unsigned long long)st->st_size;
        rc = cp.count_only ? 0 : copy_file(path, dst, st->st_mode);
    }
    if (cp.count_only)
        return rc;
    if (rc == 0 && cp.uid >= 0 && lchown(dst, (uid_t)cp.uid, (gid_t)cp.gid) != 0)
        rc = -1;
    return rc;
}

/* Copies the tree |from| into |to| (created; it may exist if empty),
 * chowning to uid:gid unless uid < 0, or with |to| NULL only counts; the
 * counts into *files, *bytes. */
static int copy_tree(const char *from, const char *to, int uid, int gid,
                     unsigned long long *files, unsigned long long *bytes)
{
    cp.count_only = to == NULL;
    cp.from = from;
    cp.to = to;
    cp.from_len = strlen(from);
    cp.uid = uid;
    cp.gid = gid;
    cp.files = cp.bytes = 0;
    int rc = nftw(from, copy_entry, 16, FTW_PHYS);
    *files = cp.files;
    *bytes = cp.bytes;
    return rc == 0 ? 0 : -1;
}

/* ---- templates -------------------------------------------------------------- */

static bool read_manifest(const char *tmpl, unsigned long long *files, unsigned long long *bytes)
{
    char path[600];
    snprintf(path, sizeof path, "%s/" MANIFEST, tmpl);
    FILE *f = fopen(path, "r");
    bool ok = f && fscanf(f, "files %llu bytes %llu", files, bytes) == 2;
    if (f)
        fclose(f);
    return ok;
}

/* At once (no other run picks it up), then removed. */
void lab__db_cache_discard(const char *tmpl)
{
    char away[600];
    snprintf(away, sizeof away, "%s.broken-%d", tmpl, (int)getpid());
    if (rename(tmpl, away) == 0)
        util_remove_tree(away);
}

bool lab__db_cache_restore(const char *tmpl, const char *to, int uid, int gid)
{
    unsigned long long want_files, want_bytes, files = 0, bytes = 0;
    if (access(tmpl, F_OK) != 0)
        return false;   /* none yet */
    /* counted first: a damaged template is found before anything is copied */
    bool ok = lab__db_cache_valid(tmpl) && read_manifest(tmpl, &want_files, &want_bytes) &&
              copy_tree(tmpl, to, uid, gid, &files, &bytes) == 0 && files == want_files &&
              bytes == want_bytes;
    if (!ok) {
        fprintf(stderr, "racelab: the cached template %s is damaged: made anew\n", tmpl);
        lab__db_cache_discard(tmpl);
        util_remove_tree(to);
    }
    return ok;
}

bool lab__db_cache_valid(const char *tmpl)
{
    unsigned long long want_files, want_bytes, files = 0, bytes = 0;
    return read_manifest(tmpl, &want_files, &want_bytes) &&
           copy_tree(tmpl, NULL, -1, -1, &files, &bytes) == 0 && files == want_files &&
           bytes == want_bytes;
}

void lab__db_cache_keep(const char *from, const char *tmpl)
{
    char tmp[600];
    if (snprintf(tmp, sizeof tmp, "%s.tmp-XXXXXX", tmpl) >= (int)sizeof tmp ||
        mkdtemp(tmp) == NULL)
        return;
    unsigned long long files, bytes;
    char path[700];
    snprintf(path, sizeof path, "%s/" MANIFEST, tmp);
    bool ok = copy_tree(from, tmp, -1, -1, &files, &bytes) == 0;
    FILE *f = ok ? fopen(path, "w") : NULL;
    ok = f && fprintf(f, "files %llu bytes %llu\n", files, bytes) > 0;
    if (f && fclose(f) != 0)
        ok = false;
    /* rename() onto an existing template fails (ENOTEMPTY): another run won */
    if (!ok || rename(tmp, tmpl) != 0)
        util_remove_tree(tmp);
}
