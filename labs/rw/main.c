/* lab-rw: readers beside writers, and writers that wait for ever. */
#include <stdio.h>
#include <string.h>

#include "rw.h"
#include "util/opt.h"

/* lab-rw's own option, --read-pct P (or --read-pct=P), taken out of argv
 * before the runtime parses the rest: 0 (argv shortened), 1 (--help: add a
 * line after the runtime's help) or -1 with a one-line reason in err. */
static int take_read_pct(int *argc, char **argv, char *err, size_t errlen)
{
    static const char opt[] = "--read-pct";
    int out = 1, help = 0;
    for (int i = 1; i < *argc; i++) {
        const char *a = argv[i], *val = NULL;
        help |= strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0;
        if (strcmp(a, opt) == 0) {
            if (i + 1 >= *argc) {
                snprintf(err, errlen, "%s needs a value", opt);
                return -1;
            }
            val = argv[++i];
        } else if (strncmp(a, opt, sizeof opt - 1) == 0 && a[sizeof opt - 1] == '=') {
            val = a + sizeof opt;
        } else {
            argv[out++] = argv[i];
            continue;
        }
        uint64_t pct;
        if (!util_parse_u64(val, 0, 100, &pct)) {
            snprintf(err, errlen, "%s needs a whole number from 0 to 100, not '%.64s'", opt,
                     val);
            return -1;
        }
        rw_read_pct = (unsigned)pct;
    }
    argv[out] = NULL;
    *argc = out;
    return help;
}

int main(int argc, char **argv)
{
    char err[256];
    int rc = take_read_pct(&argc, argv, err, sizeof err);
    if (rc < 0)
        return util_opt_fail("lab-rw", err);
    int status = lab_main(&rw_lab, argc, argv);
    if (rc == 1)
        printf("\nlab-rw's own option:\n  --read-pct P   the share of operations that read, in "
               "percent (0 to 100), default %u\n", RW_READ_PCT_DEFAULT);
    return status;
}
