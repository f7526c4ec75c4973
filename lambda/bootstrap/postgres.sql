-- dbq bootstrap for PostgreSQL (RDS, Aurora PostgreSQL or any PostgreSQL 13+).
--
-- Creates one login role per dbq role, each with least privilege on the application schemas of ONE
-- database; run it as the database's owner or the RDS master user, once per database, and again after
-- adding a schema or installing dblink. It is idempotent and runs in one transaction.
-- ## A template for lambda/bootstrap/render.ts, which drops these "-- ##" lines, keeps one branch of each
-- ## "-- #if NAME / -- #else / -- #endif" and replaces each {{placeholder}} with a validated identifier,
-- ## literal or number.
--
-- Users: {{read_user}} (queries), {{write_user}} (queries and DML), {{admin_user}} (DDL and operations).
-- None of them is a superuser or owns the application's objects, so the database itself refuses what
-- their role may not do, whatever reaches it.

BEGIN;

-- 1. The login roles. New roles are NOSUPERUSER NOREPLICATION NOBYPASSRLS; changing those attributes
--    needs a superuser (not available on RDS), so they are checked instead of set.
DO $dbq$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = {{read_user_literal}}) THEN
    CREATE ROLE {{read_user}} LOGIN;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = {{write_user_literal}}) THEN
    CREATE ROLE {{write_user}} LOGIN;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = {{admin_user_literal}}) THEN
    CREATE ROLE {{admin_user}} LOGIN;
  END IF;
  IF EXISTS (
    SELECT FROM pg_roles
    WHERE rolname IN ({{read_user_literal}}, {{write_user_literal}}, {{admin_user_literal}})
      AND (rolsuper OR rolreplication OR rolbypassrls)
  ) THEN
    RAISE EXCEPTION 'a dbq user is SUPERUSER, REPLICATION or BYPASSRLS; remove that attribute first';
  END IF;
END
$dbq$;

-- #if iam
-- IAM authentication: no password; rds_iam (RDS only) makes the role log in with IAM tokens. On a server
-- without rds_iam the roles cannot log in with a password at all.
ALTER ROLE {{read_user}} LOGIN NOCREATEDB NOCREATEROLE CONNECTION LIMIT {{connection_limit}} PASSWORD NULL;
ALTER ROLE {{write_user}} LOGIN NOCREATEDB NOCREATEROLE CONNECTION LIMIT {{connection_limit}} PASSWORD NULL;
ALTER ROLE {{admin_user}} LOGIN NOCREATEDB NOCREATEROLE CONNECTION LIMIT {{connection_limit}} PASSWORD NULL;
DO $dbq$
BEGIN
  IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'rds_iam') THEN
    GRANT rds_iam TO {{read_user}}, {{write_user}}, {{admin_user}};
  ELSE
    RAISE NOTICE 'no rds_iam role (not Amazon RDS): the dbq users have no password and cannot log in';
  END IF;
END
$dbq$;
-- #else
-- Password authentication (development and tests only).
ALTER ROLE {{read_user}} LOGIN NOCREATEDB NOCREATEROLE CONNECTION LIMIT {{connection_limit}} PASSWORD {{read_password}};
ALTER ROLE {{write_user}} LOGIN NOCREATEDB NOCREATEROLE CONNECTION LIMIT {{connection_limit}} PASSWORD {{write_password}};
ALTER ROLE {{admin_user}} LOGIN NOCREATEDB NOCREATEROLE CONNECTION LIMIT {{connection_limit}} PASSWORD {{admin_password}};
-- #endif

-- 2. Session defaults, a backstop to dbq's own per-statement timeout. The idle-in-transaction timeout
--    must stay above the function's cursorIdleMs: a held cursor is an open read-only transaction.
ALTER ROLE {{read_user}} SET statement_timeout = {{statement_timeout_ms}};
ALTER ROLE {{write_user}} SET statement_timeout = {{statement_timeout_ms}};
ALTER ROLE {{admin_user}} SET statement_timeout = {{statement_timeout_ms}};
ALTER ROLE {{read_user}} SET idle_in_transaction_session_timeout = {{idle_in_transaction_timeout_ms}};
ALTER ROLE {{write_user}} SET idle_in_transaction_session_timeout = {{idle_in_transaction_timeout_ms}};
ALTER ROLE {{admin_user}} SET idle_in_transaction_session_timeout = {{idle_in_transaction_timeout_ms}};
ALTER ROLE {{read_user}} SET default_transaction_read_only = on;

-- 3. The database: everyone connects; temporary tables only for the admin (and the kept roles).
GRANT CONNECT ON DATABASE {{database}} TO {{read_user}}, {{write_user}}, {{admin_user}};
REVOKE TEMPORARY ON DATABASE {{database}} FROM PUBLIC;
REVOKE TEMPORARY ON DATABASE {{database}} FROM {{read_user}}, {{write_user}};
GRANT TEMPORARY ON DATABASE {{database}} TO {{admin_user}}{{keep_roles_suffix}};
DO $dbq$
BEGIN
  IF EXISTS (SELECT FROM pg_namespace WHERE nspname = 'public') THEN
    REVOKE CREATE ON SCHEMA public FROM PUBLIC;
  END IF;
END
$dbq$;

-- 4. The application schemas. read: SELECT; write: DML and sequences; admin: everything a non-owner
--    can hold, plus CREATE in the schemas. Existing objects first, then the same for future ones.
REVOKE ALL ON ALL TABLES IN SCHEMA {{schemas}} FROM {{read_user}}, {{write_user}};
REVOKE ALL ON ALL SEQUENCES IN SCHEMA {{schemas}} FROM {{read_user}}, {{write_user}};
REVOKE CREATE ON SCHEMA {{schemas}} FROM {{read_user}}, {{write_user}};
GRANT USAGE ON SCHEMA {{schemas}} TO {{read_user}}, {{write_user}};
GRANT USAGE, CREATE ON SCHEMA {{schemas}} TO {{admin_user}};
GRANT SELECT ON ALL TABLES IN SCHEMA {{schemas}} TO {{read_user}};
GRANT SELECT ON ALL SEQUENCES IN SCHEMA {{schemas}} TO {{read_user}};
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {{schemas}} TO {{write_user}};
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {{schemas}} TO {{write_user}};
GRANT ALL ON ALL TABLES IN SCHEMA {{schemas}} TO {{admin_user}};
GRANT ALL ON ALL SEQUENCES IN SCHEMA {{schemas}} TO {{admin_user}};
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA {{schemas}} TO {{admin_user}};
-- #if owner
ALTER DEFAULT PRIVILEGES FOR ROLE {{owner}} IN SCHEMA {{schemas}} GRANT SELECT ON TABLES TO {{read_user}};
ALTER DEFAULT PRIVILEGES FOR ROLE {{owner}} IN SCHEMA {{schemas}} GRANT SELECT ON SEQUENCES TO {{read_user}};
ALTER DEFAULT PRIVILEGES FOR ROLE {{owner}} IN SCHEMA {{schemas}} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {{write_user}};
ALTER DEFAULT PRIVILEGES FOR ROLE {{owner}} IN SCHEMA {{schemas}} GRANT USAGE, SELECT ON SEQUENCES TO {{write_user}};
ALTER DEFAULT PRIVILEGES FOR ROLE {{owner}} IN SCHEMA {{schemas}} GRANT ALL ON TABLES TO {{admin_user}};
ALTER DEFAULT PRIVILEGES FOR ROLE {{owner}} IN SCHEMA {{schemas}} GRANT ALL ON SEQUENCES TO {{admin_user}};
ALTER DEFAULT PRIVILEGES FOR ROLE {{owner}} IN SCHEMA {{schemas}} GRANT EXECUTE ON FUNCTIONS TO {{admin_user}};
-- #else
-- Future objects created by the role running this script.
ALTER DEFAULT PRIVILEGES IN SCHEMA {{schemas}} GRANT SELECT ON TABLES TO {{read_user}};
ALTER DEFAULT PRIVILEGES IN SCHEMA {{schemas}} GRANT SELECT ON SEQUENCES TO {{read_user}};
ALTER DEFAULT PRIVILEGES IN SCHEMA {{schemas}} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {{write_user}};
ALTER DEFAULT PRIVILEGES IN SCHEMA {{schemas}} GRANT USAGE, SELECT ON SEQUENCES TO {{write_user}};
ALTER DEFAULT PRIVILEGES IN SCHEMA {{schemas}} GRANT ALL ON TABLES TO {{admin_user}};
ALTER DEFAULT PRIVILEGES IN SCHEMA {{schemas}} GRANT ALL ON SEQUENCES TO {{admin_user}};
ALTER DEFAULT PRIVILEGES IN SCHEMA {{schemas}} GRANT EXECUTE ON FUNCTIONS TO {{admin_user}};
-- #endif
-- Tables the admin user creates are readable and writable by the other roles too. Setting another role's
-- default privileges needs membership in it, which the RDS master user may lack: then the admin grants
-- on its new tables itself.
DO $dbq$
BEGIN
  ALTER DEFAULT PRIVILEGES FOR ROLE {{admin_user}} IN SCHEMA {{schemas}} GRANT SELECT ON TABLES TO {{read_user}};
  ALTER DEFAULT PRIVILEGES FOR ROLE {{admin_user}} IN SCHEMA {{schemas}} GRANT SELECT ON SEQUENCES TO {{read_user}};
  ALTER DEFAULT PRIVILEGES FOR ROLE {{admin_user}} IN SCHEMA {{schemas}} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {{write_user}};
  ALTER DEFAULT PRIVILEGES FOR ROLE {{admin_user}} IN SCHEMA {{schemas}} GRANT USAGE, SELECT ON SEQUENCES TO {{write_user}};
EXCEPTION WHEN insufficient_privilege THEN
  RAISE NOTICE 'default privileges for tables the admin user creates were not set: %', SQLERRM;
END
$dbq$;

-- 5. Functions that escape a READ ONLY transaction or reach outside the database. PUBLIC may run these by
--    default, and a grant cannot be taken from one role while PUBLIC has it, so EXECUTE is revoked from
--    PUBLIC in this database and given back to the admin user (and the kept roles): session signals
--    (pg_cancel_backend, pg_terminate_backend), advisory locks (pg_advisory_*, pg_try_advisory_*), large
--    objects (lo_*, loread, lowrite) and dblink (when installed). Already superuser-only by default and
--    revoked from PUBLIC only should someone have granted them: pg_reload_conf, pg_rotate_logfile,
--    pg_read_file, pg_read_binary_file, pg_ls_dir, pg_stat_file, server-side lo_import and lo_export,
--    dblink_connect_u.
--    Only the functions' owner can revoke: the built-in ones belong to the bootstrap superuser, which RDS
--    keeps for itself (rdsadmin), so there PostgreSQL only warns and the functions stay available to
--    PUBLIC. The warning below lists them; dbq's statement policy still refuses them for read and write.
DO $dbq$
DECLARE
  f regprocedure;
  still text[] := '{}';
BEGIN
  FOR f IN
    SELECT p.oid::regprocedure FROM pg_proc p
    WHERE (p.pronamespace = 'pg_catalog'::regnamespace
           AND p.proname ~ '^(pg_cancel_backend|pg_terminate_backend|pg_(try_)?advisory_.*|lo_.*|loread|lowrite)$'
           AND p.proname !~ '^(lo_import|lo_export)$')
       OR (p.proname ~ '^dblink' AND p.proname <> 'dblink_connect_u' AND EXISTS (
             SELECT FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid
             WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND e.extname = 'dblink'))
  LOOP
    EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', f);
    EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO {{admin_user}}{{keep_roles_suffix}}', f);
  END LOOP;
  FOR f IN
    SELECT p.oid::regprocedure FROM pg_proc p
    WHERE (p.pronamespace = 'pg_catalog'::regnamespace
           AND p.proname ~ '^(pg_reload_conf|pg_rotate_logfile(_old)?|pg_read_(binary_)?file(_old)?|pg_ls_dir|pg_stat_file|lo_import|lo_export)$')
       OR (p.proname = 'dblink_connect_u')
  LOOP
    EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', f);
  END LOOP;
  SELECT coalesce(array_agg(DISTINCT p.proname::text), '{}') INTO still FROM pg_proc p
  WHERE p.pronamespace = 'pg_catalog'::regnamespace
    AND p.proname ~ '^(pg_cancel_backend|pg_terminate_backend|pg_(try_)?advisory_.*|lo_.*|loread|lowrite)$'
    AND has_function_privilege('public', p.oid, 'EXECUTE');
  IF cardinality(still) > 0 THEN
    RAISE WARNING 'PUBLIC can still execute % (only their owner can revoke that)', array_to_string(still, ', ');
  END IF;
END
$dbq$;

-- 6. What an operator needs beyond the schemas: seeing every session and cancelling runaway ones
--    (pg_monitor, pg_signal_backend; neither reaches superuser sessions).
DO $dbq$
BEGIN
  GRANT pg_monitor, pg_signal_backend TO {{admin_user}};
EXCEPTION WHEN insufficient_privilege THEN
  RAISE NOTICE 'could not grant pg_monitor and pg_signal_backend to the admin user: %', SQLERRM;
END
$dbq$;

COMMIT;
