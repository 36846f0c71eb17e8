/* gil racy: `counter += 1` in two Python threads, under the GIL.
 *
 * The GIL serializes bytecodes, not statements: with --check-points every
 * (CPython up to 3.9) a switch can fall between LOAD_GLOBAL and STORE_GLOBAL
 * and a whole switch interval of the other thread's increments is lost; with
 * backedge (3.10+) it cannot; with --no-gil it is the threads model's racy
 * again. labs/counter/gil_vm.h has the step table. */
#define VARIANT_NAME gil_racy
#define VARIANT_LABEL "racy"
#define VARIANT_DESC "counter += 1 in Python threads: LOAD_GLOBAL, LOAD_CONST, INPLACE_ADD, " \
                     "STORE_GLOBAL under the GIL"
#define VARIANT_RACY true
#define GIL_CODE                                                                  \
    { FOR_ITER, 7 }, { STORE_FAST, 0 }, { LOAD_GLOBAL, G_COUNTER }, { LOAD_CONST, 0 }, \
    { INPLACE_ADD, 0 }, { STORE_GLOBAL, G_COUNTER }, { JUMP_ABSOLUTE, 0 },             \
    { RETURN_VALUE, 0 }

#include "gil_vm.h"
