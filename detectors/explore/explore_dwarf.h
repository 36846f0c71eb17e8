/* detectors/explore/explore_dwarf.h - the step table's names from DWARF:
 * every global variable of an executable (DW_TAG_variable at a fixed
 * address, DW_OP_addr), with its type, so that an address inside one reads
 * as a C expression - "stats.misses", "a[3]", "q.slot[5].seq" - and typed
 * views of untyped memory (a lab's |state| bytes seen as the variant's
 * structs: "acct[3].balance"; notes/explorer.md "Names in the step table").
 *
 * DWARF 2 to 5, 32-bit format, x86-64 executables. What the reader does
 * not understand (a form, a unit, a type) names nothing: the caller falls
 * back to the symbol table's "sym+offset". */
#ifndef RACELAB_EXPLORE_DWARF_H
#define RACELAB_EXPLORE_DWARF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct xp_dwarf;

/* The globals of |path|'s .debug_info; NULL when it has none it can read. */
struct xp_dwarf *xp_dwarf_open(const char *path);
void xp_dwarf_close(struct xp_dwarf *d);
/* Memory at |base| holds an object of the type the pointer variable at
 * |anchor| points to (a view, named without a variable's name); a type
 * that ends in a flexible array member extends to |end| (0: its size).
 * False when |anchor| is no such variable. Views come before globals. */
bool xp_dwarf_view(struct xp_dwarf *d, uint64_t anchor, uint64_t base, uint64_t end);
/* An access of |size| bytes (0: one) at |addr| as a path inside a view or
 * a global: "stats.misses", "a[3]", "x+4" (inside a scalar), "f.on/off"
 * (bit-fields it touches); false when no view or global holds it. */
bool xp_dwarf_name(const struct xp_dwarf *d, uint64_t addr, unsigned size, char *out,
                   size_t cap);

/* explore_elf.c: |path| mapped read-only when it is an ELF64 file (munmap
 * *size bytes), else NULL; the contents of its section |name|, NULL when
 * it has none. */
void *xp_elf_map(const char *path, size_t *size);
const unsigned char *xp_elf_section(const unsigned char *buf, size_t size, const char *name,
                                    size_t *len);

#endif
