-- The accounts application's read models, written by the "accounts" projection. Applied by the
-- application's own Flyway (history table flyway_schema_history), beside Lockstep's migrations (schema
-- lockstep, history table lockstep_schema_history). jOOQ's classes are generated from this file at build
-- time (DDLDatabase), so keep to DDL its parser understands.

-- One row per account.
CREATE TABLE account_balance (
    account_id      varchar(64)  PRIMARY KEY,
    owner           varchar(100) NOT NULL,
    balance         bigint       NOT NULL,
    transactions    integer      NOT NULL,
    closed          boolean      NOT NULL DEFAULT false,
    last_position   bigint       NOT NULL,
    last_updated_at timestamp with time zone NOT NULL
);

-- One row per owner: open accounts and the total balance of all the owner's accounts (closed ones keep
-- their balance: closing does not pay out in this domain).
CREATE TABLE owner_summary (
    owner           varchar(100) PRIMARY KEY,
    open_accounts   integer      NOT NULL,
    total_balance   bigint       NOT NULL,
    last_position   bigint       NOT NULL,
    last_updated_at timestamp with time zone NOT NULL
);
