-- dbq bootstrap for MySQL (RDS MySQL, Aurora MySQL) and MariaDB.
--
-- Creates one user per dbq role with least privilege on ONE database; run it as the RDS master user (or
-- any user with CREATE USER and GRANT OPTION on the database). It is idempotent: every run resets the
-- three users' privileges to exactly these.
-- ## A template for lambda/bootstrap/render.ts, which drops these "-- ##" lines, keeps one branch of each
-- ## "-- #if NAME / -- #else / -- #endif" and replaces each {{placeholder}} with a validated identifier,
-- ## literal or number.
--
-- Users: {{read_user}} (queries), {{write_user}} (queries and DML), {{admin_user}} (DDL). None gets a
-- global privilege (no FILE, PROCESS, SUPER, CONNECTION ADMIN, ...) or any access to the mysql schema, so
-- the server itself refuses LOAD_FILE, INTO OUTFILE, other users' sessions and the grant tables.

-- CREATE USER only makes a missing user (never one without a password, not even for a moment); ALTER USER
-- brings an existing one to the same state.
-- #if iam
-- IAM authentication: the RDS plugin checks IAM tokens, sent in clear text and so only over TLS.
CREATE USER IF NOT EXISTS {{read_user}} IDENTIFIED WITH AWSAuthenticationPlugin AS 'RDS' {{tls_clause}} WITH MAX_USER_CONNECTIONS {{connection_limit}}{{mariadb_limits}};
CREATE USER IF NOT EXISTS {{write_user}} IDENTIFIED WITH AWSAuthenticationPlugin AS 'RDS' {{tls_clause}} WITH MAX_USER_CONNECTIONS {{connection_limit}}{{mariadb_limits}};
CREATE USER IF NOT EXISTS {{admin_user}} IDENTIFIED WITH AWSAuthenticationPlugin AS 'RDS' {{tls_clause}} WITH MAX_USER_CONNECTIONS {{connection_limit}}{{mariadb_limits}};
ALTER USER {{read_user}} IDENTIFIED WITH AWSAuthenticationPlugin AS 'RDS' {{tls_clause}} WITH MAX_USER_CONNECTIONS {{connection_limit}}{{mariadb_limits}};
ALTER USER {{write_user}} IDENTIFIED WITH AWSAuthenticationPlugin AS 'RDS' {{tls_clause}} WITH MAX_USER_CONNECTIONS {{connection_limit}}{{mariadb_limits}};
ALTER USER {{admin_user}} IDENTIFIED WITH AWSAuthenticationPlugin AS 'RDS' {{tls_clause}} WITH MAX_USER_CONNECTIONS {{connection_limit}}{{mariadb_limits}};
-- #else
-- Password authentication (development and tests only).
CREATE USER IF NOT EXISTS {{read_user}} IDENTIFIED BY {{read_password}} {{tls_clause}} WITH MAX_USER_CONNECTIONS {{connection_limit}}{{mariadb_limits}};
CREATE USER IF NOT EXISTS {{write_user}} IDENTIFIED BY {{write_password}} {{tls_clause}} WITH MAX_USER_CONNECTIONS {{connection_limit}}{{mariadb_limits}};
CREATE USER IF NOT EXISTS {{admin_user}} IDENTIFIED BY {{admin_password}} {{tls_clause}} WITH MAX_USER_CONNECTIONS {{connection_limit}}{{mariadb_limits}};
ALTER USER {{read_user}} IDENTIFIED BY {{read_password}} {{tls_clause}} WITH MAX_USER_CONNECTIONS {{connection_limit}}{{mariadb_limits}};
ALTER USER {{write_user}} IDENTIFIED BY {{write_password}} {{tls_clause}} WITH MAX_USER_CONNECTIONS {{connection_limit}}{{mariadb_limits}};
ALTER USER {{admin_user}} IDENTIFIED BY {{admin_password}} {{tls_clause}} WITH MAX_USER_CONNECTIONS {{connection_limit}}{{mariadb_limits}};
-- #endif

-- Start from nothing, so a privilege granted by hand earlier does not survive a run.
REVOKE ALL PRIVILEGES, GRANT OPTION FROM {{read_user}}, {{write_user}}, {{admin_user}};

-- read: queries. No EXECUTE: stored routines (possibly SQL SECURITY DEFINER) are not callable.
GRANT SELECT, SHOW VIEW ON {{database}}.* TO {{read_user}};
-- write: queries and DML; no DDL, no LOCK TABLES, no temporary tables.
GRANT SELECT, INSERT, UPDATE, DELETE, SHOW VIEW ON {{database}}.* TO {{write_user}};
-- admin: everything on this database an operator needs, nothing on the server.
GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, ALTER, INDEX, REFERENCES, CREATE VIEW, SHOW VIEW,
  TRIGGER, CREATE ROUTINE, ALTER ROUTINE, EXECUTE, EVENT, LOCK TABLES, CREATE TEMPORARY TABLES
  ON {{database}}.* TO {{admin_user}};
