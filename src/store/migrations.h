/* migrations.h — the numbered schema migrations embedded in the binary, per backend.
 * Sources: src/store/migrations/{sqlite,postgres}/NNNN_name.sql (generated at build). */
#ifndef AJ_MIGRATIONS_H
#define AJ_MIGRATIONS_H

typedef struct aj_migration {
    int version;
    const char *name;
    const char *sql;
} aj_migration;

/* Arrays end with a {0, NULL, NULL} entry; counts exclude it. */
extern const aj_migration aj_migrations_sqlite[];
extern const int aj_n_migrations_sqlite;
extern const aj_migration aj_migrations_postgres[];
extern const int aj_n_migrations_postgres;

#endif
