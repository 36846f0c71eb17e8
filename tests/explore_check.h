/* tests/explore_check.h - reading racelab explore's --json output in tests.
 *
 * summary_field() is a number field of the summary line
 * ({"kind":"summary",...,"runs":6,...}: "runs" -> 6), -1 if absent. */
#ifndef RACELAB_EXPLORE_CHECK_H
#define RACELAB_EXPLORE_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline long long summary_field(const char *out, const char *field)
{
    const char *sum = strstr(out, "{\"kind\":\"summary\"");
    char key[64];
    snprintf(key, sizeof key, "\"%s\":", field);
    const char *p = sum ? strstr(sum, key) : NULL;
    return p ? strtoll(p + strlen(key), NULL, 10) : -1;
}

#endif
