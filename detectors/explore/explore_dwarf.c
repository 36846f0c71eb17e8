/* detectors/explore/explore_dwarf.c - global variables and their types from
 * .debug_info (explore_dwarf.h). One pass reads every DIE of every unit into
 * a flat array (section order, so a reference is a binary search); the
 * variables at fixed addresses are then sorted by address. Naming walks the
 * variable's type down to the byte asked for. A unit with a form or header
 * this reader does not know is skipped whole: its variables are not named
 * here, and the symbol table names them as before. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "explore_dwarf.h"

enum {   /* the DWARF constants used below (DWARF 5, section 7) */
    TAG_ARRAY = 0x01, TAG_ENUM = 0x04, TAG_MEMBER = 0x0d, TAG_POINTER = 0x0f,
    TAG_REFERENCE = 0x10, TAG_STRUCT = 0x13, TAG_TYPEDEF = 0x16, TAG_UNION = 0x17,
    TAG_SUBRANGE = 0x21, TAG_BASE = 0x24, TAG_CONST = 0x26, TAG_VARIABLE = 0x34,
    TAG_VOLATILE = 0x35, TAG_RESTRICT = 0x37, TAG_ATOMIC = 0x47,
    AT_LOCATION = 0x02, AT_NAME = 0x03, AT_BYTE_SIZE = 0x0b, AT_BIT_OFFSET = 0x0c,
    AT_BIT_SIZE = 0x0d, AT_LOWER_BOUND = 0x22, AT_UPPER_BOUND = 0x2f, AT_COUNT = 0x37,
    AT_MEMBER_LOCATION = 0x38, AT_DECLARATION = 0x3c, AT_SPECIFICATION = 0x47,
    AT_TYPE = 0x49, AT_DATA_BIT_OFFSET = 0x6b, AT_STR_OFFSETS_BASE = 0x72,
    AT_ADDR_BASE = 0x73, AT_GNU_ADDR_BASE = 0x2133,
    OP_ADDR = 0x03, OP_PLUS_UCONST = 0x23, OP_ADDRX = 0xa1, OP_GNU_ADDR_INDEX = 0xfb,
};

/* One debugging information entry, what naming needs of it. */
struct xd_die {
    uint64_t off;                /* in .debug_info */
    uint64_t type, spec;         /* referenced DIEs' offsets, 0: none */
    uint64_t size, mloc, count, addr, bitoff, bits;
    const char *name;
    uint32_t child, next;        /* indices, 0: none */
    uint16_t tag;
    bool has_size, has_mloc, has_count, has_addr, has_bitoff, bad_ref;
};

struct xd_var { uint64_t addr, size; uint32_t die; };
struct xd_view { uint64_t base, size, type; };

struct xp_dwarf {
    void *map;
    size_t map_size;
    struct xd_die *die;          /* die[0] unused: index 0 means none */
    size_t ndie;
    struct xd_var *var;
    size_t nvar;
    struct xd_view view[8];
    size_t nview;
};

/* ---- reading bytes ------------------------------------------------------- */

struct xd_cur { const uint8_t *p, *end; bool bad; };

static uint64_t xd_fixed(struct xd_cur *c, size_t n)
{
    uint64_t v = 0;
    if ((size_t)(c->end - c->p) < n) {
        c->bad = true, c->p = c->end;
        return 0;
    }
    for (size_t i = 0; i < n; i++)
        v |= (uint64_t)c->p[i] << (8 * i);
    c->p += n;
    return v;
}

static uint64_t xd_uleb(struct xd_cur *c)
{
    uint64_t v = 0;
    for (unsigned shift = 0; c->p < c->end; shift += 7) {
        uint8_t b = *c->p++;
        if (shift < 64)
            v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            return v;
    }
    c->bad = true;
    return 0;
}

static int64_t xd_sleb(struct xd_cur *c)
{
    uint64_t v = 0;
    unsigned shift = 0;
    uint8_t b = 0x80;
    while (c->p < c->end && (b & 0x80)) {
        b = *c->p++;
        if (shift < 64)
            v |= (uint64_t)(b & 0x7f) << shift;
        shift += 7;
    }
    c->bad |= (b & 0x80) != 0;
    if (shift < 64 && (b & 0x40))
        v |= ~0ull << shift;
    return (int64_t)v;
}

static void xd_skip(struct xd_cur *c, uint64_t n)
{
    if ((uint64_t)(c->end - c->p) < n)
        c->bad = true, c->p = c->end;
    else if (n != 0)                             /* a missing section's cursor is NULL */
        c->p += n;
}

/* ---- abbreviations ------------------------------------------------------- */

/* Makes room for one more of |n| elements of |size| in *p (capacity *cap);
 * false, *p kept, when memory runs out. */
static bool xd_grow(void *p, size_t *cap, size_t n, size_t size, size_t first)
{
    if (n < *cap)
        return true;
    size_t c = *cap * 2 + first;
    void *q = realloc(*(void **)p, c * size);
    if (q == NULL)
        return false;
    *(void **)p = q;
    *cap = c;
    return true;
}

struct xd_attr { uint64_t name, form; int64_t implicit; };
struct xd_abbrev { uint64_t code, tag; bool children; size_t first, nattr; };
struct xd_abbrevs { struct xd_abbrev *a; size_t n; struct xd_attr *attr; size_t nattr; };

static bool xd_read_abbrevs(struct xd_cur c, struct xd_abbrevs *t)
{
    t->n = t->nattr = 0;
    size_t cap = 0, acap = 0;
    for (uint64_t code; (code = xd_uleb(&c)) != 0 && !c.bad;) {
        if (!xd_grow(&t->a, &cap, t->n, sizeof *t->a, 64))
            return false;
        struct xd_abbrev *a = &t->a[t->n++];
        a->code = code, a->tag = xd_uleb(&c), a->children = xd_fixed(&c, 1) != 0;
        a->first = t->nattr, a->nattr = 0;
        for (;;) {
            uint64_t name = xd_uleb(&c), form = xd_uleb(&c);
            if (c.bad || (name == 0 && form == 0))
                break;
            if (!xd_grow(&t->attr, &acap, t->nattr, sizeof *t->attr, 256))
                return false;
            int64_t imp = form == 0x21 ? xd_sleb(&c) : 0;   /* DW_FORM_implicit_const */
            t->attr[t->nattr++] = (struct xd_attr){ name, form, imp };
            a->nattr++;
        }
    }
    return !c.bad;
}

static const struct xd_abbrev *xd_abbrev(const struct xd_abbrevs *t, uint64_t code)
{
    if (code - 1 < t->n && t->a[code - 1].code == code)   /* codes are usually 1, 2, ... */
        return &t->a[code - 1];
    for (size_t i = 0; i < t->n; i++)
        if (t->a[i].code == code)
            return &t->a[i];
    return NULL;
}

/* ---- one unit ------------------------------------------------------------ */

struct xd_sections {
    struct xd_cur info, abbrev, str, str_offsets, addr, line_str;
};

struct xd_unit {
    uint64_t off;                /* the unit's header, in .debug_info */
    unsigned version, addr_size;
    uint64_t str_base, addr_base;
    bool root;                   /* reading the unit's own DIE */
};

/* An attribute's value: a number, a reference, a string or a block. */
struct xd_val {
    uint64_t u;
    const uint8_t *blk;
    size_t blen;
    const char *str;
    bool is_ref, is_blk, is_sdata, bad_ref;
};

static const char *xd_str_at(const struct xd_cur *s, uint64_t off)
{
    if (off >= (uint64_t)(s->end - s->p) || memchr(s->p + off, 0, (size_t)(s->end - s->p - off)) == NULL)
        return NULL;
    return (const char *)s->p + off;
}

static const char *xd_strx(const struct xd_sections *s, const struct xd_unit *u, uint64_t i)
{
    struct xd_cur c = s->str_offsets;
    xd_skip(&c, u->str_base + i * 4);
    uint64_t off = xd_fixed(&c, 4);
    return c.bad ? NULL : xd_str_at(&s->str, off);
}

static uint64_t xd_addrx(const struct xd_sections *s, const struct xd_unit *u, uint64_t i,
                         bool *ok)
{
    struct xd_cur c = s->addr;
    xd_skip(&c, u->addr_base + i * u->addr_size);
    uint64_t a = xd_fixed(&c, u->addr_size);
    *ok = !c.bad;
    return a;
}

static void xd_block(struct xd_cur *c, struct xd_val *v, uint64_t n)
{
    v->is_blk = true, v->blk = c->p, v->blen = (size_t)n;
    xd_skip(c, n);
}

/* Reads one value of |form|; false for a form this reader does not know. */
static bool xd_form(const struct xd_sections *s, const struct xd_unit *u, struct xd_cur *c,
                    uint64_t form, int64_t implicit, struct xd_val *v)
{
    memset(v, 0, sizeof *v);
    switch (form) {
    case 0x01: v->u = xd_fixed(c, u->addr_size); break;                    /* addr */
    case 0x03: xd_block(c, v, xd_fixed(c, 2)); break;                      /* block2 */
    case 0x04: xd_block(c, v, xd_fixed(c, 4)); break;                      /* block4 */
    case 0x05: v->u = xd_fixed(c, 2); break;                               /* data2 */
    case 0x06: case 0x17: v->u = xd_fixed(c, 4); break;          /* data4, sec_offset */
    case 0x07: case 0x20: v->u = xd_fixed(c, 8); break;          /* data8, ref_sig8 */
    case 0x08: v->str = (const char *)c->p;                                /* string */
        for (; c->p < c->end && *c->p; c->p++)
            ;
        if (c->p == c->end)
            return false;
        c->p++;
        break;
    case 0x09: case 0x18: xd_block(c, v, xd_uleb(c)); break;     /* block, exprloc */
    case 0x0a: xd_block(c, v, xd_fixed(c, 1)); break;                      /* block1 */
    case 0x0b: case 0x0c: v->u = xd_fixed(c, 1); break;          /* data1, flag */
    case 0x0d: v->u = (uint64_t)xd_sleb(c), v->is_sdata = true; break;     /* sdata */
    case 0x0e: v->str = xd_str_at(&s->str, xd_fixed(c, 4)); break;         /* strp */
    case 0x0f: v->u = xd_uleb(c); break;                                   /* udata */
    case 0x10: v->u = xd_fixed(c, u->version <= 2 ? u->addr_size : 4), v->is_ref = true;
        v->u -= u->off;          /* ref_addr: made unit-relative like the others */
        break;
    case 0x11: v->u = xd_fixed(c, 1), v->is_ref = true; break;             /* ref1 */
    case 0x12: v->u = xd_fixed(c, 2), v->is_ref = true; break;             /* ref2 */
    case 0x13: v->u = xd_fixed(c, 4), v->is_ref = true; break;             /* ref4 */
    case 0x14: v->u = xd_fixed(c, 8), v->is_ref = true; break;             /* ref8 */
    case 0x15: v->u = xd_uleb(c), v->is_ref = true; break;                 /* ref_udata */
    case 0x19: v->u = 1; break;                                            /* flag_present */
    case 0x1a: v->str = xd_strx(s, u, xd_uleb(c)); break;                  /* strx */
    case 0x1b: { bool ok; v->u = xd_addrx(s, u, xd_uleb(c), &ok); break; } /* addrx */
    case 0x1c: case 0x1d: xd_fixed(c, 4), v->bad_ref = true; break;  /* ref_sup4, strp_sup */
    case 0x1e: xd_skip(c, 16); break;                                      /* data16 */
    case 0x1f: v->str = xd_str_at(&s->line_str, xd_fixed(c, 4)); break;    /* line_strp */
    case 0x21: v->u = (uint64_t)implicit, v->is_sdata = true; break;       /* implicit_const */
    case 0x22: case 0x23: v->u = xd_uleb(c); break;              /* loclistx, rnglistx */
    case 0x24: xd_fixed(c, 8), v->bad_ref = true; break;                   /* ref_sup8 */
    case 0x25: case 0x26: case 0x27: case 0x28:                            /* strx1-4 */
        v->str = xd_strx(s, u, xd_fixed(c, form - 0x24));
        break;
    case 0x29: case 0x2a: case 0x2b: case 0x2c: { bool ok;                 /* addrx1-4 */
        v->u = xd_addrx(s, u, xd_fixed(c, form - 0x28), &ok);
        break;
    }
    default: return false;
    }
    if (form == 0x20)            /* a type unit's signature: not followed */
        v->bad_ref = true;
    return !c->bad;
}

/* A location that is one fixed address: DW_OP_addr A, or DW_OP_addrx I
 * (thread-local variables, whose expression goes on, are no such place). */
static bool xd_location(const struct xd_sections *s, const struct xd_unit *u,
                        const struct xd_val *v, uint64_t *addr)
{
    if (!v->is_blk || v->blen == 0)
        return false;
    struct xd_cur c = { v->blk + 1, v->blk + v->blen, false };
    bool ok = false;
    if (v->blk[0] == OP_ADDR)
        *addr = xd_fixed(&c, u->addr_size), ok = true;
    else if (v->blk[0] == OP_ADDRX || v->blk[0] == OP_GNU_ADDR_INDEX)
        *addr = xd_addrx(s, u, xd_uleb(&c), &ok);
    return ok && !c.bad && c.p == c.end;
}

/* A member's offset: a constant, or DW_OP_plus_uconst N (DWARF 2). */
static bool xd_member_location(const struct xd_val *v, uint64_t *off)
{
    if (!v->is_blk) {
        *off = v->u;
        return !v->is_ref;
    }
    struct xd_cur c = { v->blk + 1, v->blk + v->blen, false };
    if (v->blen == 0 || v->blk[0] != OP_PLUS_UCONST)
        return false;
    *off = xd_uleb(&c);
    return !c.bad && c.p == c.end;
}

static void xd_attr(const struct xd_sections *s, const struct xd_unit *u, uint64_t at,
                    const struct xd_val *v, struct xd_die *e, int64_t *lower, bool *upper)
{
    bool konst = !v->is_ref && !v->is_blk && !v->bad_ref;
    if (at == AT_NAME)
        e->name = v->str;
    else if (at == AT_TYPE || at == AT_SPECIFICATION) {
        uint64_t *r = at == AT_TYPE ? &e->type : &e->spec;
        *r = v->is_ref ? u->off + v->u : 0;
        e->bad_ref |= !v->is_ref;
    } else if (at == AT_BYTE_SIZE && konst)
        e->size = v->u, e->has_size = true;
    else if (at == AT_MEMBER_LOCATION)
        e->has_mloc = xd_member_location(v, &e->mloc);
    else if (at == AT_LOCATION && e->tag == TAG_VARIABLE)
        e->has_addr = xd_location(s, u, v, &e->addr);
    else if (at == AT_BIT_SIZE && konst)
        e->bits = v->u;
    else if ((at == AT_DATA_BIT_OFFSET || at == AT_BIT_OFFSET) && konst)
        e->bitoff = v->u, e->has_bitoff = at == AT_DATA_BIT_OFFSET;
    else if (at == AT_COUNT && konst && !(v->is_sdata && (int64_t)v->u < 0))
        e->count = v->u, e->has_count = true;
    else if (at == AT_UPPER_BOUND && konst && !(v->is_sdata && (int64_t)v->u < 0))
        e->count = v->u + 1, e->has_count = *upper = true;   /* less the lower bound */
    else if (at == AT_LOWER_BOUND && konst)
        *lower = (int64_t)v->u;
}

/* The old bit-field encoding (DW_AT_bit_offset: from the storage unit's
 * most significant bit) as an offset in bits from the struct's start. */
static void xd_bitfield(struct xd_die *e, bool has_old)
{
    if (e->tag != TAG_MEMBER || e->bits == 0 || e->has_bitoff)
        return;
    if (has_old && e->has_mloc && e->has_size && e->size * 8 >= e->bitoff + e->bits)
        e->bitoff = e->mloc * 8 + e->size * 8 - e->bitoff - e->bits, e->has_bitoff = true;
}

/* One DIE's attributes into |e|; false on a form not understood. */
static bool xd_die(const struct xd_sections *s, struct xd_unit *u, struct xd_cur *c,
                   const struct xd_abbrevs *t, const struct xd_abbrev *a, struct xd_die *e)
{
    int64_t lower = 0;
    bool old_bitoff = false, upper = false;
    e->tag = (uint16_t)(a->tag > 0xffff ? 0 : a->tag);
    for (size_t k = 0; k < a->nattr; k++) {
        const struct xd_attr *at = &t->attr[a->first + k];
        uint64_t form = at->form;
        if (form == 0x16)                       /* DW_FORM_indirect */
            form = xd_uleb(c);
        struct xd_val v;
        if (!xd_form(s, u, c, form, at->implicit, &v))
            return false;
        if (u->root && at->name == AT_STR_OFFSETS_BASE)   /* the unit's own DIE */
            u->str_base = v.u;
        else if (u->root && (at->name == AT_ADDR_BASE || at->name == AT_GNU_ADDR_BASE))
            u->addr_base = v.u;
        old_bitoff |= at->name == AT_BIT_OFFSET;
        xd_attr(s, u, at->name, &v, e, &lower, &upper);
    }
    if (e->tag == TAG_SUBRANGE && upper && lower != 0)
        e->has_count = lower >= 0 && (uint64_t)lower < e->count, e->count -= (uint64_t)lower;
    xd_bitfield(e, old_bitoff);
    return true;
}

/* Room for the next DIE, zeroed; NULL when memory (or uint32_t) runs out. */
static struct xd_die *xd_new(struct xp_dwarf *d, size_t *cap)
{
    if (d->ndie >= UINT32_MAX || !xd_grow(&d->die, cap, d->ndie, sizeof *d->die, 1024))
        return NULL;
    struct xd_die *e = &d->die[d->ndie];
    memset(e, 0, sizeof *e);
    return e;
}

/* The DIEs of the unit at c (its header read), linked to their parents'
 * first child and their next sibling; false (and none kept) on anything
 * not understood. */
static bool xd_dies(struct xp_dwarf *d, const struct xd_sections *s, struct xd_unit *u,
                    struct xd_cur c, const struct xd_abbrevs *t, size_t *cap)
{
    size_t first = d->ndie, depth = 0;
    uint32_t last[64] = { 0 }, parent[64] = { 0 };
    u->root = true;
    while (c.p < c.end) {
        uint64_t off = (uint64_t)(c.p - s->info.p), code = xd_uleb(&c);
        if (code == 0) {                         /* the end of a sibling chain */
            if (depth == 0)
                break;
            depth--;
            continue;
        }
        const struct xd_abbrev *a = xd_abbrev(t, code);
        struct xd_die *e = xd_new(d, cap);
        if (e == NULL || a == NULL)
            goto bad;
        e->off = off;
        if (!xd_die(s, u, &c, t, a, e))
            goto bad;
        uint32_t i = (uint32_t)d->ndie++;
        if (last[depth])
            d->die[last[depth]].next = i;
        else if (depth > 0 && parent[depth])
            d->die[parent[depth]].child = i;
        last[depth] = i;
        u->root = false;
        if (a->children) {
            if (++depth == 64)
                goto bad;
            parent[depth] = i, last[depth] = 0;
        }
    }
    return true;
bad:
    d->ndie = first;
    return false;
}

/* Every unit of .debug_info: DWARF 2 to 5, the 32-bit format; a unit that
 * is not a compile or partial unit, or not understood, is skipped. */
static void xd_units(struct xp_dwarf *d, const struct xd_sections *s)
{
    struct xd_abbrevs t = { 0 };
    size_t cap = 0;
    if (xd_new(d, &cap) == NULL)
        return;
    d->ndie = 1;                                 /* die[0]: none */
    struct xd_cur c = s->info;
    while ((size_t)(c.end - c.p) >= 11) {
        struct xd_unit u = { .off = (uint64_t)(c.p - s->info.p) };
        uint64_t len = xd_fixed(&c, 4);
        if (len >= 0xfffffff0u || len > (uint64_t)(c.end - c.p))
            break;                               /* 64-bit DWARF or truncated */
        struct xd_cur unit = { c.p, c.p + len, false };
        c.p += len;
        u.version = (unsigned)xd_fixed(&unit, 2);
        unsigned type = 1;
        uint64_t abbrev;
        if (u.version == 5) {
            type = (unsigned)xd_fixed(&unit, 1);
            u.addr_size = (unsigned)xd_fixed(&unit, 1);
            abbrev = xd_fixed(&unit, 4);
        } else {
            abbrev = xd_fixed(&unit, 4);
            u.addr_size = (unsigned)xd_fixed(&unit, 1);
        }
        struct xd_cur ab = s->abbrev;
        xd_skip(&ab, abbrev);
        if (unit.bad || ab.bad || u.version < 2 || u.version > 5 || (type != 1 && type != 3) ||
            u.addr_size != 8 || !xd_read_abbrevs(ab, &t))
            continue;
        xd_dies(d, s, &u, unit, &t, &cap);
    }
    free(t.a);
    free(t.attr);
}

/* ---- types --------------------------------------------------------------- */

static const struct xd_die *xd_at(const struct xp_dwarf *d, uint64_t off)
{
    size_t lo = 1, hi = d->ndie;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (d->die[mid].off < off)
            lo = mid + 1;
        else
            hi = mid;
    }
    return off != 0 && lo < d->ndie && d->die[lo].off == off ? &d->die[lo] : NULL;
}

/* Through typedefs and qualifiers (const, volatile, restrict, _Atomic) to
 * the type itself; NULL for none or a loop. */
static const struct xd_die *xd_strip(const struct xp_dwarf *d, uint64_t off)
{
    const struct xd_die *t = xd_at(d, off);
    for (int hops = 0; t != NULL && hops < 32; hops++) {
        if (t->tag != TAG_TYPEDEF && t->tag != TAG_CONST && t->tag != TAG_VOLATILE &&
            t->tag != TAG_RESTRICT && t->tag != TAG_ATOMIC)
            return t;
        t = t->bad_ref ? NULL : xd_at(d, t->type);
    }
    return NULL;
}

static bool xd_scalar(const struct xd_die *t)
{
    return t->tag == TAG_BASE || t->tag == TAG_POINTER || t->tag == TAG_ENUM ||
           t->tag == TAG_REFERENCE;
}

/* An array's dimensions (0: unknown, a flexible array's), at most 8. */
static size_t xd_dims(const struct xp_dwarf *d, const struct xd_die *t, uint64_t *dim)
{
    size_t n = 0;
    for (uint32_t k = t->child; k != 0 && n < 8; k = d->die[k].next)
        if (d->die[k].tag == TAG_SUBRANGE)
            dim[n++] = d->die[k].has_count ? d->die[k].count : 0;
    if (n == 0)
        dim[n++] = 0;
    return n;
}

/* sizeof the type at |off|; 0 when not known (incomplete, flexible). */
static uint64_t xd_size(const struct xp_dwarf *d, uint64_t off, int depth)
{
    const struct xd_die *t = xd_strip(d, off);
    if (t == NULL || depth > 16)
        return 0;
    if (t->tag == TAG_ARRAY) {
        uint64_t dim[8], n = xd_size(d, t->type, depth + 1);
        size_t nd = xd_dims(d, t, dim);
        for (size_t i = 0; i < nd; i++)
            n = dim[i] != 0 && n <= UINT64_MAX / dim[i] ? n * dim[i] : 0;
        return n;
    }
    if (t->tag == TAG_POINTER && !t->has_size)
        return 8;
    return t->has_size && (xd_scalar(t) || t->tag == TAG_STRUCT || t->tag == TAG_UNION) ? t->size : 0;
}

/* ---- naming -------------------------------------------------------------- */

struct xd_buf { char *p; size_t cap, len; bool full; };

static __attribute__((format(printf, 2, 3))) void xd_put(struct xd_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= b->cap - b->len)
        b->full = true;
    else
        b->len += (size_t)n;
}

/* A member's bytes, [*lo, *hi): a bit-field's by its bits, a flexible
 * array's to the end of the object. False when its place is not known. */
static bool xd_member_bytes(const struct xp_dwarf *d, const struct xd_die *m, bool in_union,
                            uint64_t *lo, uint64_t *hi)
{
    if (m->bits != 0) {
        if (!m->has_bitoff)
            return false;
        *lo = m->bitoff / 8, *hi = (m->bitoff + m->bits + 7) / 8;
        return true;
    }
    if (!m->has_mloc && !in_union)
        return false;
    *lo = m->has_mloc ? m->mloc : 0;
    uint64_t n = xd_size(d, m->type, 0);
    const struct xd_die *t = xd_strip(d, m->type);
    bool last = true;                            /* a flexible array is the last member */
    for (uint32_t k = m->next; k != 0 && last; k = d->die[k].next)
        last = d->die[k].tag != TAG_MEMBER;
    if (n == 0 && t != NULL && t->tag == TAG_ARRAY && last)
        n = UINT64_MAX - *lo;
    *hi = *lo + n;
    return n != 0;
}

static bool xd_path(const struct xp_dwarf *d, uint64_t type, uint64_t off, uint64_t len,
                    struct xd_buf *b, int depth);

/* Bytes [off, off + len) inside a struct or union: the one member that
 * holds off, or the bit-fields the access touches (a bit-field is read and
 * written with its neighbours: "flags.ready/busy"), or padding ("+N"
 * after the struct's own name). A union whose members overlap there says
 * no member: which one the access meant is not known (pthread_mutex_t is
 * such a union: "m", not "m.__data/__size/__align"). */
static bool xd_members(const struct xp_dwarf *d, const struct xd_die *t, uint64_t off,
                       uint64_t len, struct xd_buf *b, int depth)
{
    const struct xd_die *hit[4];
    uint64_t at[4];
    size_t n = 0;
    for (uint32_t k = t->child; k != 0; k = d->die[k].next) {
        const struct xd_die *m = &d->die[k];
        uint64_t lo, hi;
        if (m->tag != TAG_MEMBER)
            continue;
        if (!xd_member_bytes(d, m, t->tag == TAG_UNION, &lo, &hi))
            return false;                        /* a layout not understood: no name */
        bool in = m->bits != 0 ? off < hi && lo < off + len : off >= lo && off < hi;
        if (in && n == 4)
            return false;                        /* too many to name */
        if (in)
            at[n] = lo, hit[n++] = m;
    }
    if (n == 0 || (n > 1 && t->tag == TAG_UNION)) {
        if (off != 0)
            xd_put(b, "+%llu", (unsigned long long)off);
        return true;
    }
    if (n == 1 && hit[0]->bits == 0) {
        if (hit[0]->name != NULL)                /* an anonymous struct or union: no step */
            xd_put(b, "%s%s", b->len ? "." : "", hit[0]->name);
        return xd_path(d, hit[0]->type, off - at[0], len, b, depth + 1);
    }
    for (size_t i = 0; i < n; i++) {
        if (hit[i]->name == NULL)
            return false;
        xd_put(b, "%s%s", i ? "/" : b->len ? "." : "", hit[i]->name);
    }
    return true;
}

/* |off| inside an array: "[i]" per dimension, then inside the element. */
static bool xd_array(const struct xp_dwarf *d, const struct xd_die *t, uint64_t off,
                     uint64_t len, struct xd_buf *b, int depth)
{
    uint64_t dim[8], stride[8], el = xd_size(d, t->type, 0);
    size_t nd = xd_dims(d, t, dim);
    if (el == 0)
        return false;
    for (size_t i = nd; i-- > 0;) {
        stride[i] = el;
        if (i + 1 < nd) {
            if (dim[i + 1] == 0 || stride[i + 1] > UINT64_MAX / dim[i + 1])
                return false;                    /* only the first dimension may be open */
            stride[i] = stride[i + 1] * dim[i + 1];
        }
    }
    for (size_t i = 0; i < nd; i++) {
        uint64_t idx = off / stride[i];
        if (dim[i] != 0 && idx >= dim[i])
            return false;
        xd_put(b, "[%llu]", (unsigned long long)idx);
        off %= stride[i];
    }
    return xd_path(d, t->type, off, len, b, depth + 1);
}

/* Appends the path to bytes [off, off + len) of an object of type |type|
 * to b: where off is, and for bit-fields which of them the access holds. */
static bool xd_path(const struct xp_dwarf *d, uint64_t type, uint64_t off, uint64_t len,
                    struct xd_buf *b, int depth)
{
    const struct xd_die *t = xd_strip(d, type);
    if (t == NULL || depth > 32 || b->full)
        return false;
    if (t->tag == TAG_STRUCT || t->tag == TAG_UNION)
        return xd_members(d, t, off, len, b, depth);
    if (t->tag == TAG_ARRAY)
        return xd_array(d, t, off, len, b, depth);
    if (!xd_scalar(t))
        return false;
    if (off != 0)                                /* inside a scalar: a partial access */
        xd_put(b, "+%llu", (unsigned long long)off);
    return true;
}

static const struct xd_var *xd_var_at(const struct xp_dwarf *d, uint64_t addr)
{
    size_t lo = 0, hi = d->nvar;
    while (lo < hi) {                            /* the first variable after addr */
        size_t mid = lo + (hi - lo) / 2;
        if (d->var[mid].addr <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = lo; i-- > 0 && lo - i <= 4;)   /* the closest few starting at or before */
        if (addr - d->var[i].addr < d->var[i].size)
            return &d->var[i];
    return NULL;
}

/* A variable's name and type, from the declaration it completes
 * (DW_AT_specification) when the definition does not repeat them. */
static void xd_var_decl(const struct xp_dwarf *d, const struct xd_die *v, const char **name,
                        uint64_t *type)
{
    const struct xd_die *s = v->spec != 0 ? xd_at(d, v->spec) : NULL;
    *name = v->name != NULL ? v->name : s != NULL ? s->name : NULL;
    *type = v->type != 0 || s == NULL ? v->type : s->type;
}

bool xp_dwarf_name(const struct xp_dwarf *d, uint64_t addr, unsigned size, char *out,
                   size_t cap)
{
    uint64_t len = size ? size : 1;
    if (d == NULL || cap == 0)
        return false;
    struct xd_buf b = { out, cap, 0, false };
    out[0] = '\0';
    for (size_t i = 0; i < d->nview; i++)
        if (addr - d->view[i].base < d->view[i].size)
            return xd_path(d, d->view[i].type, addr - d->view[i].base, len, &b, 0) && !b.full &&
                   b.len > 0 && out[0] != '+';   /* padding of the view itself: no name */
    const struct xd_var *v = xd_var_at(d, addr);
    if (v == NULL)
        return false;
    const char *name;
    uint64_t type;
    xd_var_decl(d, &d->die[v->die], &name, &type);
    xd_put(&b, "%s", name);
    return xd_path(d, type, addr - v->addr, len, &b, 0) && !b.full;
}

/* ---- the index ----------------------------------------------------------- */

static int xd_var_cmp(const void *a, const void *b)
{
    const struct xd_var *x = a, *y = b;
    return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* Every variable at a fixed address with a name and a known size. */
static void xd_index(struct xp_dwarf *d)
{
    size_t cap = 0;
    for (size_t i = 1; i < d->ndie; i++) {
        const struct xd_die *e = &d->die[i];
        const char *name;
        uint64_t type, size;
        if (e->tag != TAG_VARIABLE || !e->has_addr || e->addr < 4096)
            continue;                            /* 0: a variable the linker dropped */
        xd_var_decl(d, e, &name, &type);
        if (name == NULL || (size = xd_size(d, type, 0)) == 0 || e->addr + size < e->addr)
            continue;                            /* no name, no size, a tombstone (-1) */
        if (!xd_grow(&d->var, &cap, d->nvar, sizeof *d->var, 256))
            break;
        d->var[d->nvar++] = (struct xd_var){ e->addr, size, (uint32_t)i };
    }
    if (d->nvar > 1)
        qsort(d->var, d->nvar, sizeof *d->var, xd_var_cmp);
}

static struct xd_cur xd_section(const unsigned char *buf, size_t size, const char *name)
{
    size_t len = 0;
    const unsigned char *p = xp_elf_section(buf, size, name, &len);
    return (struct xd_cur){ p, p != NULL ? p + len : NULL, false };
}

struct xp_dwarf *xp_dwarf_open(const char *path)
{
    size_t size = 0;
    unsigned char *buf = xp_elf_map(path, &size);
    if (buf == NULL)
        return NULL;
    struct xd_sections s = {
        .info = xd_section(buf, size, ".debug_info"),
        .abbrev = xd_section(buf, size, ".debug_abbrev"),
        .str = xd_section(buf, size, ".debug_str"),
        .str_offsets = xd_section(buf, size, ".debug_str_offsets"),
        .addr = xd_section(buf, size, ".debug_addr"),
        .line_str = xd_section(buf, size, ".debug_line_str"),
    };
    if (s.info.p == NULL || s.abbrev.p == NULL) {
        munmap(buf, size);
        return NULL;
    }
    struct xp_dwarf *d = calloc(1, sizeof *d);
    if (d == NULL) {
        munmap(buf, size);
        return NULL;
    }
    d->map = buf, d->map_size = size;
    xd_units(d, &s);
    xd_index(d);
    return d;
}

void xp_dwarf_close(struct xp_dwarf *d)
{
    if (d == NULL)
        return;
    munmap(d->map, d->map_size);
    free(d->die);
    free(d->var);
    free(d);
}

/* Whether the struct |t| ends in a flexible array member (int x[];). */
static bool xd_flexible(const struct xp_dwarf *d, const struct xd_die *t)
{
    uint32_t last = 0;
    for (uint32_t k = t != NULL && t->tag == TAG_STRUCT ? t->child : 0; k != 0; k = d->die[k].next)
        if (d->die[k].tag == TAG_MEMBER)
            last = k;
    const struct xd_die *m = last ? xd_strip(d, d->die[last].type) : NULL;
    return m != NULL && m->tag == TAG_ARRAY && xd_size(d, d->die[last].type, 0) == 0;
}

bool xp_dwarf_view(struct xp_dwarf *d, uint64_t anchor, uint64_t base, uint64_t end)
{
    const struct xd_var *v = d != NULL && d->nview < 8 ? xd_var_at(d, anchor) : NULL;
    if (v == NULL || v->addr != anchor)
        return false;
    const char *name;
    uint64_t type;
    xd_var_decl(d, &d->die[v->die], &name, &type);
    const struct xd_die *p = xd_strip(d, type);
    uint64_t size = p != NULL && p->tag == TAG_POINTER ? xd_size(d, p->type, 0) : 0;
    if (size == 0)
        return false;
    if (end > base + size && xd_flexible(d, xd_strip(d, p->type)))
        size = end - base;
    d->view[d->nview++] = (struct xd_view){ base, size, p->type };
    return true;
}
