package io.lockstep.example.accounts.domain;

/** The accounts domain's events. Amounts are whole cents. */
public sealed interface AccountEvent {

    /** @return the account the event belongs to */
    String accountId();

    /** An account was opened with a first deposit. */
    record AccountCreated(String accountId, String owner, long initialDeposit) implements AccountEvent {}

    /** Money came in. */
    record FundsDeposited(String accountId, long amount) implements AccountEvent {}

    /** Money went out. */
    record FundsWithdrawn(String accountId, long amount) implements AccountEvent {}

    /** The account was closed. */
    record AccountClosed(String accountId) implements AccountEvent {}
}
