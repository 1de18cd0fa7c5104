/**
 * The benchmarks. {@link io.lockstep.postgres.bench.ReplayBenchmark} replays one live accounts workload
 * ({@link io.lockstep.postgres.bench.LiveWorkload}) through Lockstep projections and through hand-written
 * JDBC baselines, on the same database in the same run, and prints events per second and Lockstep's
 * same-round ratios to each baseline; {@link io.lockstep.postgres.bench.AppendBenchmark} measures appends
 * to the event log. Test scope only.
 */
package io.lockstep.postgres.bench;
