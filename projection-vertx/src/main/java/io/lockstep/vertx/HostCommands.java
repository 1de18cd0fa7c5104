package io.lockstep.vertx;

import io.lockstep.projection.PartitionStatus;
import io.lockstep.projection.ProjectionHost;
import io.lockstep.projection.ProjectionRunner;
import io.lockstep.projection.ProjectionState;
import io.lockstep.projection.ProjectionStatus;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Management of projections that a {@link ProjectionHost} runs in partitions over several nodes: commands act
 * on the projection as a whole (every partition, every node), statuses list every partition with its owner.
 * Everything here reads or writes the database: callers run it on worker threads.
 */
final class HostCommands {

    private HostCommands() {}

    /** Carries out a pause, resume, replay or reset of a host's projection on a worker thread. */
    static Future<JsonObject> execute(Vertx vertx, ProjectionHost host, ManagementCommand command) {
        return vertx.executeBlocking(
                () -> {
                    String projection = switch (command) {
                        case ManagementCommand.Status status ->
                            throw new IllegalStateException("status is not a host command");
                        case ManagementCommand.Pause pause -> {
                            String name = act(pause.target(), host::pause);
                            // A FAILED runner commits nothing, paused or not: no need to wait for it.
                            awaitLocal(
                                    host,
                                    name,
                                    before -> now -> now.state() == ProjectionState.PAUSED
                                            || now.state() == ProjectionState.FAILED);
                            yield name;
                        }
                        case ManagementCommand.Resume resume -> {
                            Map<ProjectionRunner, ProjectionStatus> before = localStatuses(host, resume.target());
                            String name = act(resume.target(), host::resume);
                            // a runner started since (a partition taken over) only has to be out of PAUSED
                            awaitLocal(
                                    host,
                                    name,
                                    runner -> ProjectionManagement.resumedFrom(
                                            before.getOrDefault(runner, runner.status())));
                            yield name;
                        }
                        case ManagementCommand.Replay replay -> {
                            try {
                                yield act(replay.target(), host::replay);
                            } catch (IllegalStateException e) {
                                throw ManagementException.conflict(e.getMessage());
                            }
                        }
                        case ManagementCommand.Reset reset ->
                            act(reset.target(), p -> host.resetTo(p, reset.position()));
                    };
                    return overview(host, projection);
                },
                false);
    }

    /**
     * Waits until this process's runners of {@code projection}'s partitions show the status a pause or resume
     * leads to ({@code reached}, given each runner), all within {@link ProjectionManagement#STATE_WAIT}, so the
     * answer shows the state after the command; partitions other nodes run follow the stored flag on their own.
     */
    private static void awaitLocal(
            ProjectionHost host,
            String projection,
            java.util.function.Function<ProjectionRunner, Predicate<ProjectionStatus>> reached)
            throws InterruptedException {
        long deadline = ProjectionManagement.stateDeadline();
        for (ProjectionRunner runner : host.runners()) {
            if (partitionOf(runner, projection)) {
                ProjectionManagement.awaitStatus(runner, reached.apply(runner), deadline);
            }
        }
    }

    /** @return the status of each of this process's runners of the target's partitions, before a command */
    private static Map<ProjectionRunner, ProjectionStatus> localStatuses(
            ProjectionHost host, ManagementCommand.Target target) {
        Map<ProjectionRunner, ProjectionStatus> statuses = new java.util.HashMap<>();
        for (ProjectionRunner runner : host.runners()) {
            if (partitionOf(runner, target.projection())) {
                statuses.put(runner, runner.status());
            }
        }
        return statuses;
    }

    private static boolean partitionOf(ProjectionRunner runner, String projection) {
        String name = runner.status().name();
        return name.equals(projection) || name.startsWith(projection + "[");
    }

    private static String act(ManagementCommand.Target target, java.util.function.Consumer<String> action) {
        if (target.tenant() != null && !target.tenant().isEmpty()) {
            throw ManagementException.badRequest("projection '" + target.projection() + "' runs in partitions without"
                    + " tenants; leave out 'tenant'");
        }
        action.accept(target.projection());
        return target.projection();
    }

    /**
     * @return {@code {"projection", "node", "partitions": [{"partition", "owner", "checkpoint", "lagBound",
     *         "paused", "local"}], "checkpointMin", "lagBound", "projectedThrough"}}: every partition, whichever node
     *         runs it, and how far the projection got as a whole
     */
    static JsonObject overview(ProjectionHost host, String projection) {
        List<PartitionStatus> partitions = host.status(projection);
        JsonArray list = new JsonArray();
        for (PartitionStatus p : partitions) {
            JsonObject json = new JsonObject()
                    .put("partition", p.partition().toString())
                    .put("owner", p.owner().orElse(null))
                    .put("checkpoint", p.checkpoint())
                    .put("lagBound", p.lagBound())
                    .put("paused", p.paused());
            p.local().ifPresent(local -> json.put("local", StatusJson.of(local)));
            list.add(json);
        }
        return new JsonObject()
                .put("projection", projection)
                .put("node", host.nodeId())
                .put("partitions", list)
                .put(
                        "checkpointMin",
                        partitions.stream()
                                .mapToLong(PartitionStatus::checkpoint)
                                .min()
                                .orElse(-1))
                .put(
                        "lagBound",
                        partitions.stream()
                                .mapToLong(PartitionStatus::lagBound)
                                .max()
                                .orElse(0))
                .put("projectedThrough", host.projectedThrough(projection));
    }

    /**
     * Refuses a replay or reset of one partition's runner: its reset handler would clear every partition's rows
     * while only its own checkpoint went back.
     */
    static void refuseOnePartition(List<ProjectionHost> hosts, String name) {
        for (ProjectionHost host : hosts) {
            for (String projection : host.projections()) {
                if (name.startsWith(projection + "[")) {
                    throw ManagementException.conflict("'" + name + "' is one partition of projection '" + projection
                            + "'; replay or reset '" + projection + "' as a whole");
                }
            }
        }
    }

    /**
     * {@code report}, DEGRADED at least, with a problem saying that the owners of the partitioned projections are
     * unknown, and why ({@code reason}, in the API's words).
     */
    static ProjectionHealth.Report ownersUnknown(ProjectionHealth.Report report, String reason) {
        List<String> problems = new ArrayList<>(report.problems());
        problems.add("which nodes own the partitions is unknown: " + reason);
        ProjectionHealth.Level level = report.level() == ProjectionHealth.Level.DOWN
                ? ProjectionHealth.Level.DOWN
                : ProjectionHealth.Level.DEGRADED;
        return new ProjectionHealth.Report(level, List.copyOf(problems));
    }

    /** @return a problem for every partition no live node holds; reads the database (one query per projection) */
    static List<String> unownedPartitions(List<ProjectionHost> hosts) {
        List<String> problems = new ArrayList<>();
        for (ProjectionHost host : hosts) {
            for (String projection : host.projections()) {
                host.unowned(projection)
                        .forEach(p -> problems.add(
                                "partition " + p + " of projection '" + projection + "' has no live owner"));
            }
        }
        return problems;
    }

    /** {@code report} with {@code more} problems, DEGRADED at least when there are any. */
    static ProjectionHealth.Report withProblems(ProjectionHealth.Report report, List<String> more) {
        if (more.isEmpty()) {
            return report;
        }
        List<String> problems = new ArrayList<>(report.problems());
        problems.addAll(more);
        ProjectionHealth.Level level = report.level() == ProjectionHealth.Level.DOWN
                ? ProjectionHealth.Level.DOWN
                : ProjectionHealth.Level.DEGRADED;
        return new ProjectionHealth.Report(level, List.copyOf(problems));
    }
}
