/**
 * The PostgreSQL projection store: {@link io.lockstep.postgres.PostgresProjectionStore} runs each batch in one
 * transaction on a pooled {@code DataSource}, gives handlers a jOOQ {@code DSLContext} bound to it
 * ({@link io.lockstep.postgres.PostgresTransaction}, {@link io.lockstep.postgres.StatementTemplate}), and
 * advances the checkpoint in that same transaction, guarded against concurrent runners; its
 * {@code CheckpointStore} views read and move those checkpoints. The event log lives in
 * {@code io.lockstep.postgres.eventlog}, the test kit in {@code io.lockstep.postgres.testkit}; the Vert.x
 * integration is the separate module {@code projection-vertx}.
 */
package io.lockstep.postgres;
