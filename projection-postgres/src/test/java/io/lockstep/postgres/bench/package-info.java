/**
 * The benchmarks. {@link io.lockstep.postgres.bench.ReplayBenchmark} replays one live accounts workload
 * ({@link io.lockstep.postgres.bench.LiveWorkload}) through Lockstep projections and through hand-written
 * JDBC baselines, on the same database in the same run, and prints events per second and Lockstep's
 * same-round ratios to each baseline; {@link io.lockstep.postgres.bench.AppendBenchmark} measures appends
 * to the event log, {@link io.lockstep.postgres.bench.BulkAppendBenchmark} bulk appends against plain COPY and
 * the round trips of an append in a caller's transaction. Test scope only.
 */
package io.lockstep.postgres.bench;
