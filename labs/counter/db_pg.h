/* labs/counter/db_pg.h - db_variant.h's postgres half: the table (one row,
 * id 1, v the count) and the statements the variants share. Include only
 * from db_variant.h. */
#define DB__NAME_FMT "racelab_counter_%d_%u"

#define db__connect lab_pg_connect
#define db__close PQfinish

static void db__ping(conn_t *c)
{
    PQclear(PQexec(c, "SELECT 1"));
}

/* Runs |sql|: its result if it succeeded (the caller clears it), else NULL
 * with the SQLSTATE in state[6] (40001: a serialization failure) and, for
 * any other failure, the first error recorded. */
static PGresult *pg_run(conn_t *c, const char *sql, struct db_worker *w, char state[6])
{
    PGresult *r = PQexec(c, sql);
    ExecStatusType st = PQresultStatus(r);
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
        return r;
    const char *code = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    snprintf(state, 6, "%s", code ? code : "?????");
    if (strcmp(state, "40001") != 0 && w->errors++ == 0)
        snprintf(w->err, sizeof w->err, "postgres: %s: %.*s", sql,
                 (int)strcspn(PQerrorMessage(c), "\n"), PQerrorMessage(c));
    PQclear(r);
    return NULL;
}

/* printf into a statement and run it, dropping the result: 0, 1 (a
 * serialization failure: retry) or -1 (an error). */
__attribute__((format(printf, 3, 4)))
static int pg_do(conn_t *c, struct db_worker *w, const char *fmt, ...)
{
    char sql[256], state[6];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sql, sizeof sql, fmt, ap);
    va_end(ap);
    PGresult *r = pg_run(c, sql, w, state);
    if (r != NULL) {
        PQclear(r);
        return 0;
    }
    return strcmp(state, "40001") == 0 ? 1 : -1;
}

/* SELECT v (with |suffix|, e.g. " FOR UPDATE") into *v: as pg_do(). */
static int pg_get(conn_t *c, const struct state *s, const char *suffix, uint64_t *v,
                  struct db_worker *w)
{
    char sql[512], state[6];
    snprintf(sql, sizeof sql, "SELECT v FROM %s WHERE id = 1%s", s->name, suffix);
    PGresult *r = pg_run(c, sql, w, state);
    if (r == NULL)
        return strcmp(state, "40001") == 0 ? 1 : -1;
    *v = PQntuples(r) == 1 ? strtoull(PQgetvalue(r, 0, 0), NULL, 10) : 0;
    PQclear(r);
    return 0;
}

/* BEGIN |begin|; SELECT v|suffix|; UPDATE v = v'+1; COMMIT - again after a
 * serialization failure (SQLSTATE 40001), counted. 0 or -1. */
__attribute__((unused)) static int pg_txn(conn_t *c, const struct state *s, struct db_worker *w, const char *begin,
                  const char *pre, const char *suffix)
{
    for (;;) {
        uint64_t v = 0;
        int rc = pg_do(c, w, "%s", begin);
        if (rc == 0 && pre != NULL)
            rc = pg_do(c, w, "%s", pre);
        if (rc == 0)
            rc = pg_get(c, s, suffix, &v, w);
        if (rc == 0)
            rc = pg_do(c, w, "UPDATE %s SET v = %llu WHERE id = 1", s->name,
                       (unsigned long long)(v + 1));
        if (rc == 0)
            rc = pg_do(c, w, "COMMIT");
        if (rc == 0)
            return 0;
        (void)pg_do(c, w, "ROLLBACK");
        if (rc < 0)
            return -1;
        w->aborts++;
        w->retries++;
    }
}

static int db__create(struct state *s, char *err, size_t len)
{
    char sql[400];
    snprintf(sql, sizeof sql, "CREATE TABLE %s (id int PRIMARY KEY, v bigint NOT NULL); "
             "INSERT INTO %s VALUES (1, 0)", s->name, s->name);
    PGresult *r = PQexec(s->w[0].conn, sql);
    bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok)
        snprintf(err, len, "postgres: creating table %s: %.*s", s->name,
                 (int)strcspn(PQerrorMessage(s->w[0].conn), "\n"),
                 PQerrorMessage(s->w[0].conn));
    PQclear(r);
    return ok ? 0 : -1;
}

static void db__drop(struct state *s)
{
    char sql[160];
    snprintf(sql, sizeof sql, "DROP TABLE IF EXISTS %s", s->name);
    PQclear(PQexec(s->w[0].conn, sql));
}

static uint64_t db__read(const struct state *s)
{
    struct db_worker w = { 0 };
    uint64_t v = 0;
    (void)pg_get(s->w[0].conn, s, "", &v, &w);
    return v;
}
