/* detectors/explore/explore_elf.c - the symbol table of an ELF64 file: the
 * undefined calls of the user's object (what the explorer refuses), its
 * thread-local variables, and the global objects that name an address in
 * the step table. Reads .symtab (static and global symbols; an executable's
 * .dynsym holds only what it imports); maps the file and finds a section
 * for explore_dwarf.c. */
#include <elf.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "explore.h"
#include "explore_dwarf.h"

static void *xp__map(const char *path, size_t *size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    struct stat st;
    void *buf = NULL;
    if (fstat(fd, &st) == 0 && st.st_size >= (off_t)sizeof(Elf64_Ehdr)) {
        *size = (size_t)st.st_size;
        buf = mmap(NULL, *size, PROT_READ, MAP_PRIVATE, fd, 0);
        buf = buf == MAP_FAILED ? NULL : buf;
    }
    close(fd);
    return buf;
}

static bool xp__valid(const unsigned char *buf, size_t size)
{
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)buf;
    return memcmp(eh->e_ident, ELFMAG, SELFMAG) == 0 && eh->e_ident[EI_CLASS] == ELFCLASS64 &&
           eh->e_shoff != 0 && eh->e_shentsize == sizeof(Elf64_Shdr) &&
           eh->e_shoff + (size_t)eh->e_shnum * sizeof(Elf64_Shdr) <= size;
}

static void xp__take(const unsigned char *buf, size_t size, const Elf64_Shdr *sh,
                     const Elf64_Shdr *str, struct xp_sym *out, size_t *n)
{
    const Elf64_Sym *sym = (const Elf64_Sym *)(buf + sh->sh_offset);
    size_t nsym = sh->sh_size / sizeof(Elf64_Sym);
    const char *strs = (const char *)(buf + str->sh_offset);
    (void)size;
    for (size_t k = 1; k < nsym; k++) {
        if (sym[k].st_name >= str->sh_size || strs[sym[k].st_name] == '\0')
            continue;
        const char *name = strs + sym[k].st_name;
        size_t len = strnlen(name, str->sh_size - sym[k].st_name);
        struct xp_sym *s = &out[(*n)++];
        s->name = strndup(name, len);
        s->value = sym[k].st_value;
        s->size = sym[k].st_size;
        s->type = ELF64_ST_TYPE(sym[k].st_info);
        s->bind = ELF64_ST_BIND(sym[k].st_info);
        s->undef = sym[k].st_shndx == SHN_UNDEF;
    }
}

void *xp_elf_map(const char *path, size_t *size)
{
    unsigned char *buf = xp__map(path, size);
    if (buf != NULL && !xp__valid(buf, *size)) {
        munmap(buf, *size);
        buf = NULL;
    }
    return buf;
}

const unsigned char *xp_elf_section(const unsigned char *buf, size_t size, const char *name,
                                    size_t *len)
{
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)buf;
    const Elf64_Shdr *sh = (const Elf64_Shdr *)(buf + eh->e_shoff);
    if (eh->e_shstrndx >= eh->e_shnum)
        return NULL;
    const Elf64_Shdr *names = &sh[eh->e_shstrndx];
    if (names->sh_offset > size || names->sh_size > size - names->sh_offset)
        return NULL;
    for (size_t i = 0; i < eh->e_shnum; i++) {
        if (sh[i].sh_name >= names->sh_size || sh[i].sh_type == SHT_NOBITS ||
            sh[i].sh_offset > size || sh[i].sh_size > size - sh[i].sh_offset ||
            strncmp((const char *)buf + names->sh_offset + sh[i].sh_name, name,
                    names->sh_size - sh[i].sh_name) != 0)
            continue;
        *len = sh[i].sh_size;
        return buf + sh[i].sh_offset;
    }
    return NULL;
}

int xp_symbols(const char *path, struct xp_sym **out, size_t *n)
{
    size_t size = 0;
    unsigned char *buf = xp_elf_map(path, &size);
    *out = NULL;
    *n = 0;
    if (buf == NULL)
        return -1;
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)buf;
    const Elf64_Shdr *sh = (const Elf64_Shdr *)(buf + eh->e_shoff);
    for (size_t i = 0; i < eh->e_shnum; i++) {
        const Elf64_Shdr *str = &sh[sh[i].sh_link < eh->e_shnum ? sh[i].sh_link : 0];
        if (sh[i].sh_type != SHT_SYMTAB || sh[i].sh_entsize != sizeof(Elf64_Sym) ||
            sh[i].sh_offset + sh[i].sh_size > size || str->sh_offset + str->sh_size > size)
            continue;
        *out = realloc(*out, (*n + sh[i].sh_size / sizeof(Elf64_Sym) + 1) * sizeof **out);
        xp__take(buf, size, &sh[i], str, *out, n);
    }
    munmap(buf, size);
    return *out != NULL ? 0 : -1;
}

void xp_symbols_free(struct xp_sym *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(s[i].name);
    free(s);
}

bool xp_name_of(const struct xp_sym *s, size_t n, uint64_t addr, char *out, size_t cap)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i].undef || s[i].type != STT_OBJECT || addr < s[i].value ||
            addr >= s[i].value + (s[i].size ? s[i].size : 1))
            continue;
        if (addr == s[i].value)
            snprintf(out, cap, "%s", s[i].name);
        else
            snprintf(out, cap, "%s+%llu", s[i].name, (unsigned long long)(addr - s[i].value));
        return true;
    }
    return false;
}
