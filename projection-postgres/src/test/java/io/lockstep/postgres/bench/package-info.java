/**
 * The replay benchmark: {@link io.lockstep.postgres.bench.ReplayBenchmark} replays one seeded accounts
 * workload through Lockstep projections and through hand-written JDBC baselines, on the same database in
 * the same run, and prints events per second and Lockstep's ratio to each baseline. Test scope only.
 */
package io.lockstep.postgres.bench;
