/**
 * Lockstep on PostgreSQL: {@link io.lockstep.postgres.PostgresProjectionStore} runs each batch in one
 * transaction on a pooled {@code DataSource}, gives handlers a jOOQ {@code DSLContext} bound to it
 * ({@link io.lockstep.postgres.PostgresTransaction}), and advances the checkpoint in that same
 * transaction, guarded against concurrent runners.
 */
package io.lockstep.postgres;
