import { AuthDataSplitScripts } from '../model/auth-data-split';

/** Where the split's Job mounts the auth role's password (the `auth` password of AuthDataSplitJob). */
const AUTH_PASSWORD_FILE = '/secrets/auth/password';

/**
 * The seed's phase-1 auth database split (`migration_scripts/phase1_auth_service.sql`), made safe to re-run:
 *
 * 1. `authSchema` (auth database, as its owner): the auth `users` table, if it does not exist. No
 *    `CREATE DATABASE`: CloudNativePG's bootstrap of the auth store already created `auth_service_db`.
 * 2. `exportMonolithUsers` (monolith database, as the monolith's application role, read-only): the auth columns of
 *    every monolith user, to a CSV file, in one statement and so one consistent snapshot.
 * 3. `importUsers` (auth database, one transaction): upserts the rows keeping their ids (other monolith tables
 *    refer to them), only where the monolith's row is the same user (same `created_at`) and not older, and never
 *    one the split copied before that is gone since: the auth service owns its users once copied, so a user it
 *    deleted stays deleted when the Job runs again (it lists the auth routes in its environment, so a step that
 *    changes them, a rollback from phase 4 too, re-runs it as a catch-up). Then checks that every monolith user is present as the same user or was copied
 *    and deleted since, else rolls everything back; records the ids copied; then moves the id sequence past the
 *    largest id and past the monolith's own sequence (ids of deleted monolith users are never handed out again),
 *    never backwards. The seed's `INSERT` renumbered users and filtered on a
 *    `migration_status` column: ids are kept here and every user is copied.
 * 4. `monolithCompatView` (monolith database, as superuser, one transaction): the seed's backward-compatible view,
 *    through postgres_fdw rather than dblink (typed foreign table, credentials in a user mapping, not in the view
 *    text). It is a new view, `public.users_compat`: the monolith's `users` table is never renamed, dropped or
 *    written, because its foreign keys, its writers during dual-write and the rollback path all need it. Pointing
 *    monolith reads at the view is a later, reviewed change. The superuser is needed only here, because
 *    `postgres_fdw` is not a trusted extension; the view owner's (the superuser's) user mapping is the one used,
 *    and the monolith's application role gets `SELECT` on the view alone.
 *
 * Each step is idempotent; the monolith's data is only ever read.
 */
export const AUTH_DATA_SPLIT_SQL: AuthDataSplitScripts = {
  authSchema: `-- Auth tables of the auth service's database (seed, phase 1). Creates what is missing, changes nothing else.
CREATE TABLE IF NOT EXISTS public.users (
    id SERIAL PRIMARY KEY,
    email VARCHAR(255) UNIQUE NOT NULL,
    hashed_password VARCHAR(255) NOT NULL,
    is_active BOOLEAN DEFAULT TRUE,
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);
-- The split's own bookkeeping: every monolith user id it has copied. A copied user that is no longer in
-- public.users was deleted by the auth service, and is not copied again.
CREATE TABLE IF NOT EXISTS public.auth_data_split_copied (
    id INTEGER PRIMARY KEY,
    copied_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
`,
  exportMonolithUsers: `-- The auth columns of every monolith user, as CSV on standard output. Read-only.
\\copy (SELECT id, email, hashed_password, is_active, created_at, updated_at FROM public.users ORDER BY id) TO PSTDOUT WITH (FORMAT csv)
`,
  monolithLastUserId: `-- The last id the monolith's users sequence handed out (0 if none): the auth sequence starts past it.
SELECT COALESCE(pg_sequence_last_value(pg_get_serial_sequence('public.users', 'id')::regclass), 0);
`,
  importUsers: `-- Monolith users (CSV on standard input) into the auth database. Run in one transaction, with
-- :monolith_last_id set to the monolith sequence's last value.
-- Block concurrent inserts so that the sequence is moved past every id this transaction sees.
LOCK TABLE public.users IN SHARE ROW EXCLUSIVE MODE;

CREATE TEMP TABLE monolith_users (
    id INTEGER PRIMARY KEY,
    email VARCHAR(255) NOT NULL,
    hashed_password VARCHAR(255) NOT NULL,
    is_active BOOLEAN,
    created_at TIMESTAMP,
    updated_at TIMESTAMP
) ON COMMIT DROP;
\\copy monolith_users FROM PSTDIN WITH (FORMAT csv)

-- Keep ids. Update only the same user (same created_at), only from a row that is not older, only when it differs.
-- Never bring back a user copied before and deleted since: the auth service owns it.
-- A monolith email that another auth user already holds violates the unique email and rolls everything back.
INSERT INTO public.users AS u (id, email, hashed_password, is_active, created_at, updated_at)
SELECT m.id, m.email, m.hashed_password, m.is_active, m.created_at, m.updated_at FROM monolith_users m
WHERE NOT EXISTS (SELECT 1 FROM public.auth_data_split_copied c WHERE c.id = m.id)
   OR EXISTS (SELECT 1 FROM public.users x WHERE x.id = m.id)
ON CONFLICT (id) DO UPDATE SET
    email = EXCLUDED.email,
    hashed_password = EXCLUDED.hashed_password,
    is_active = EXCLUDED.is_active,
    updated_at = EXCLUDED.updated_at
WHERE u.created_at IS NOT DISTINCT FROM EXCLUDED.created_at
  AND COALESCE(EXCLUDED.updated_at, '-infinity') >= COALESCE(u.updated_at, '-infinity')
  AND (u.email, u.hashed_password, u.is_active, u.updated_at)
      IS DISTINCT FROM (EXCLUDED.email, EXCLUDED.hashed_password, EXCLUDED.is_active, EXCLUDED.updated_at);

-- Every monolith user must now be in the auth database as the same user, or have been copied and deleted since;
-- otherwise nothing is committed.
DO $$
DECLARE
    mismatched bigint;
BEGIN
    SELECT count(*) INTO mismatched
    FROM monolith_users m LEFT JOIN public.users u ON u.id = m.id
    WHERE (u.id IS NULL AND NOT EXISTS (SELECT 1 FROM public.auth_data_split_copied c WHERE c.id = m.id))
       OR (u.id IS NOT NULL AND u.created_at IS DISTINCT FROM m.created_at);
    IF mismatched > 0 THEN
        RAISE EXCEPTION 'auth data split: % monolith users are missing from the auth database or share their id with another user; nothing was committed', mismatched;
    END IF;
END
$$;

INSERT INTO public.auth_data_split_copied (id)
SELECT m.id FROM monolith_users m JOIN public.users u ON u.id = m.id
ON CONFLICT (id) DO NOTHING;

-- New auth users get ids after the copied ones and after any id the monolith ever handed out (a deleted user's
-- id may still be referenced elsewhere); the sequence never moves backwards.
SELECT setval('public.users_id_seq', target)
FROM (SELECT GREATEST(COALESCE(max(id), 0), :monolith_last_id) AS target FROM public.users) AS t
WHERE target > (SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END FROM public.users_id_seq);
`,
  monolithCompatView: `-- Backward-compatible, read-only view of the auth users in the monolith database. Run as superuser, in one
-- transaction. The monolith's own users table is not touched.
\\getenv auth_host AUTH_DB_HOST
\\getenv auth_port AUTH_DB_PORT
\\getenv auth_dbname AUTH_DB_NAME
\\getenv auth_user AUTH_DB_USERNAME
-- The password from the auth Secret's key mounted as a file: never in psql's environment or arguments.
\\set auth_password \`cat ${AUTH_PASSWORD_FILE}\`
\\getenv monolith_app_user MONOLITH_DB_USERNAME

CREATE EXTENSION IF NOT EXISTS postgres_fdw;

CREATE SERVER IF NOT EXISTS auth_service_db FOREIGN DATA WRAPPER postgres_fdw
    OPTIONS (host :'auth_host', port :'auth_port', dbname :'auth_dbname');
-- A re-run follows a moved auth database and a rotated password.
ALTER SERVER auth_service_db OPTIONS (SET host :'auth_host', SET port :'auth_port', SET dbname :'auth_dbname');
CREATE USER MAPPING IF NOT EXISTS FOR CURRENT_USER SERVER auth_service_db
    OPTIONS (user :'auth_user', password :'auth_password');
ALTER USER MAPPING FOR CURRENT_USER SERVER auth_service_db
    OPTIONS (SET user :'auth_user', SET password :'auth_password');

CREATE SCHEMA IF NOT EXISTS auth_service;
CREATE FOREIGN TABLE IF NOT EXISTS auth_service.users (
    id INTEGER NOT NULL,
    email VARCHAR(255) NOT NULL,
    hashed_password VARCHAR(255) NOT NULL,
    is_active BOOLEAN,
    created_at TIMESTAMP,
    updated_at TIMESTAMP
) SERVER auth_service_db OPTIONS (schema_name 'public', table_name 'users');

CREATE OR REPLACE VIEW public.users_compat AS
    SELECT id, email, hashed_password, is_active, created_at, updated_at FROM auth_service.users;
GRANT SELECT ON public.users_compat TO :"monolith_app_user";
`,
};
