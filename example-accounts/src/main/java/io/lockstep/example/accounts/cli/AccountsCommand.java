package io.lockstep.example.accounts.cli;

import picocli.CommandLine.Command;

/** The root command: only its subcommands do anything. */
@Command(
        name = "accounts",
        mixinStandardHelpOptions = true,
        version = "Lockstep accounts example 0.1.0",
        description = "An event-sourced accounts application built on Lockstep.",
        subcommands = {ServeCommand.class, SimulateCommand.class, ReplayCommand.class, StatusCommand.class})
public final class AccountsCommand {}
