/* detectors/explore/xrt_proto.c - the operation names of xrt_proto.h. */
#include "xrt_proto.h"

const char *const xrt_op_names[XRT_NOPS] = {
    [XRT_OP_LOAD] = "LOAD",       [XRT_OP_STORE] = "STORE",     [XRT_OP_RMW] = "RMW",
    [XRT_OP_CAS] = "CAS",         [XRT_OP_FENCE] = "FENCE",     [XRT_OP_LOCK] = "LOCK",
    [XRT_OP_TRYLOCK] = "TRYLOCK", [XRT_OP_UNLOCK] = "UNLOCK",   [XRT_OP_WAIT] = "WAIT",
    [XRT_OP_WAKE] = "WAKE",       [XRT_OP_SIGNAL] = "SIGNAL",   [XRT_OP_BROADCAST] = "BROADCAST",
    [XRT_OP_YIELD] = "YIELD",     [XRT_OP_SEM_WAIT] = "SEM_WAIT", [XRT_OP_SEM_POST] = "SEM_POST",
    [XRT_OP_ONCE] = "ONCE",       [XRT_OP_ONCE_END] = "ONCE_END", [XRT_OP_RDLOCK] = "RDLOCK",
    [XRT_OP_WRLOCK] = "WRLOCK",   [XRT_OP_TRYRDLOCK] = "TRYRDLOCK",
    [XRT_OP_TRYWRLOCK] = "TRYWRLOCK", [XRT_OP_RDUNLOCK] = "RDUNLOCK",
    [XRT_OP_BARRIER] = "BARRIER", [XRT_OP_FREE] = "FREE",     [XRT_OP_FWAIT] = "FWAIT",
    [XRT_OP_FWAKE] = "FWAKE",     [XRT_OP_FWOKEN] = "FWOKEN",   [XRT_OP_NONE] = "-",
};
