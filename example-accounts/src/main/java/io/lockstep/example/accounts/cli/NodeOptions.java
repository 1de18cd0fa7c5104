package io.lockstep.example.accounts.cli;

import io.lockstep.example.accounts.app.NodeSettings;
import io.lockstep.postgres.ProjectionNode;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** How a command that runs the projection joins the other processes on its database: node id and partitions. */
final class NodeOptions {

    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(
            names = "--node-id",
            description = "This process's id among the processes that share the projection's"
                    + " partitions on this database; unique (default: host name and process id, e.g. host:4711)")
    String nodeId;

    @Option(
            names = "--partitions",
            defaultValue = "" + NodeSettings.DEFAULT_PARTITIONS,
            description = "Partitions of the accounts projection, shared among the processes; a power of two,"
                    + " 1..1024, the same in every process (default: ${DEFAULT-VALUE})")
    int partitions;

    @Option(
            names = "--lease",
            defaultValue = "10s",
            description = "How long a process killed without stopping"
                    + " keeps its partitions before the others take them over, e.g. 10s, 1500ms, 1m; 1s..5m; renewed every"
                    + " fifth of it (default: ${DEFAULT-VALUE})")
    String lease;

    private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s|m)");

    /** @throws ParameterException naming a bad value and the fix */
    NodeSettings settings() {
        Matcher m = DURATION.matcher(lease.strip());
        if (!m.matches()) {
            throw new ParameterException(
                    spec.commandLine(),
                    "--lease " + lease + " is not a duration; write a whole"
                            + " number with ms, s or m, e.g. 10s (the default)");
        }
        long amount = Long.parseLong(m.group(1));
        Duration duration = switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(amount);
            case "s" -> Duration.ofSeconds(amount);
            default -> Duration.ofMinutes(amount);
        };
        try {
            return new NodeSettings(nodeId != null ? nodeId : ProjectionNode.defaultNodeId(), partitions, duration);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }
}
