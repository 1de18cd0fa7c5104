/**
 * JDBC helpers shared by the PostgreSQL projection store ({@code io.lockstep.postgres}) and the event log
 * ({@code io.lockstep.postgres.eventlog}): opening connections and translating failures into Lockstep's
 * exceptions. Not an API: public only so both packages can use it; anything here may change without notice.
 */
package io.lockstep.postgres.internal;
