/* util/fs.h - the file-system helpers the layers above share. */
#ifndef UTIL_FS_H
#define UTIL_FS_H

/* Removes dir and everything under it (files a killed compiler or server
 * left included); symbolic links are removed, never followed. Errors are
 * ignored: the caller is cleaning up on its way out. */
void util_remove_tree(const char *dir);

#endif
