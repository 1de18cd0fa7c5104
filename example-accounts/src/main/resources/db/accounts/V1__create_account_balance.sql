-- The example's read model. Applied by the example's own Flyway (history table flyway_schema_history),
-- beside Lockstep's migrations (schema lockstep, history table lockstep_schema_history).
CREATE TABLE account_balance (
    account_id   text    PRIMARY KEY,
    owner        text    NOT NULL,
    balance      bigint  NOT NULL,
    transactions integer NOT NULL,
    closed       boolean NOT NULL DEFAULT false,
    last_position bigint NOT NULL
);
