/* util/src/fs.c - see util/fs.h. */
#define _XOPEN_SOURCE 700
#include "util/fs.h"

#include <ftw.h>
#include <stdio.h>
#include <unistd.h>

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *f)
{
    (void)st;
    (void)f;
    (void)(flag == FTW_DP ? rmdir(path) : unlink(path));
    return 0;   /* go on: remove what can be removed */
}

void util_remove_tree(const char *dir)
{
    if (dir != NULL && dir[0] != '\0')
        (void)nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}
