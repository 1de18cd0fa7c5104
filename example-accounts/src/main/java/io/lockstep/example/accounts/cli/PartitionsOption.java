package io.lockstep.example.accounts.cli;

import io.lockstep.example.accounts.app.NodeSettings;
import io.lockstep.postgres.ProjectionNode;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** The partition count of the accounts projection, for a command that only looks at it ({@code status}). */
final class PartitionsOption {

    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(
            names = "--partitions",
            defaultValue = "" + NodeSettings.DEFAULT_PARTITIONS,
            description = "Partitions of the accounts projection, as serve runs it (default: ${DEFAULT-VALUE})")
    int partitions;

    /** @throws ParameterException naming a bad value and the fix */
    NodeSettings settings() {
        try {
            return new NodeSettings(ProjectionNode.defaultNodeId(), partitions, NodeSettings.DEFAULT_LEASE);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }
}
