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
            description = "Partitions of the accounts projection to show (default: the count the running processes"
                    + " declared, else " + NodeSettings.DEFAULT_PARTITIONS + ")")
    Integer partitions;

    /** @return the count asked for, if any; @throws ParameterException naming a bad value and the fix */
    java.util.OptionalInt asked() {
        if (partitions == null) {
            return java.util.OptionalInt.empty();
        }
        settings(partitions);
        return java.util.OptionalInt.of(partitions);
    }

    /**
     * @param declared the count the processes declared for the projection, if any
     * @return the settings to look at it with: the count asked for, else the declared one, else the default
     */
    NodeSettings settings(java.util.OptionalInt declared) {
        return settings(asked().orElse(declared.orElse(NodeSettings.DEFAULT_PARTITIONS)));
    }

    private NodeSettings settings(int count) {
        try {
            return new NodeSettings(ProjectionNode.defaultNodeId(), count, NodeSettings.DEFAULT_LEASE);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }
}
