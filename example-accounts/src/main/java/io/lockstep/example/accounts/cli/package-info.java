/** The command line (picocli): serve, simulate, replay, status, with progress reports and an orderly stop. */
package io.lockstep.example.accounts.cli;
