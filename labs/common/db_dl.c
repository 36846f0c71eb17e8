/* labs/common/db_dl.c - the database models' client libraries, opened at
 * run time (db_client.h says why): the library the build compiled against,
 * by its soname (RACELAB_<LIB>_SONAME, read from it by
 * cmake/RacelabDeps.cmake), once per process, never closed. */
#define LAB_DB_API_TABLES
#include "db_client.h"

#include <dlfcn.h>
#include <stdio.h>

#ifdef RACELAB_HAVE_HIREDIS
struct lab_redis_api lab__redis_api;

/* Every entry of the table from |h|: true if each was found. */
static bool fill_redis(void *h)
{
    bool ok = true;
#define LAB_DB__SYM(f) ok = ok && (*(void **)&lab__redis_api.f = dlsym(h, #f)) != NULL;
    LAB_REDIS_API(LAB_DB__SYM)
#undef LAB_DB__SYM
    return ok;
}
#endif

#ifdef RACELAB_HAVE_LIBPQ
struct lab_pq_api lab__pq_api;

static bool fill_pq(void *h)
{
    bool ok = true;
#define LAB_DB__SYM(f) ok = ok && (*(void **)&lab__pq_api.f = dlsym(h, #f)) != NULL;
    LAB_PQ_API(LAB_DB__SYM)
#undef LAB_DB__SYM
    return ok;
}
#endif

/* One client library: what to open, what fills its table. */
struct lab_db_client {
    const char *name, *soname, *package;
    bool (*fill)(void *h);
};

static const struct lab_db_client clients[LAB_NMODELS] = {
    [LAB_REDIS] = { "hiredis",
#ifdef RACELAB_HAVE_HIREDIS
                    RACELAB_HIREDIS_SONAME, "libhiredis-dev", fill_redis },
#else
                    NULL, "libhiredis-dev", NULL },
#endif
    [LAB_POSTGRES] = { "libpq",
#ifdef RACELAB_HAVE_LIBPQ
                       RACELAB_LIBPQ_SONAME, "libpq-dev", fill_pq },
#else
                       NULL, "libpq-dev", NULL },
#endif
};

const char *lab__db_client_load(enum lab_model m)
{
    static char why[LAB_NMODELS][400];
    static bool tried[LAB_NMODELS];
    if (!LAB_IS_DB(m))
        return NULL;
    const struct lab_db_client *c = &clients[m];
    if (tried[m])
        return why[m][0] ? why[m] : NULL;
    tried[m] = true;
    if (c->soname == NULL) {
        snprintf(why[m], sizeof why[m], "built without the %s client library (apt-get install "
                 "%s, then rebuild)", c->name, c->package);
        return why[m];
    }
    void *h = dlopen(c->soname, RTLD_NOW | RTLD_LOCAL);
    if (h == NULL || !c->fill(h)) {
        const char *e = dlerror();
        snprintf(why[m], sizeof why[m], "cannot load %s, the %s client library (apt-get install "
                 "%s): %s", c->soname, c->name, c->package, e ? e : "a function is missing");
        if (h != NULL)
            dlclose(h);
        return why[m];
    }
    return NULL;
}
