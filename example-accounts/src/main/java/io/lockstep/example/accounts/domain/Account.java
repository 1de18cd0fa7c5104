package io.lockstep.example.accounts.domain;

import io.lockstep.example.accounts.domain.AccountEvent.AccountClosed;
import io.lockstep.example.accounts.domain.AccountEvent.AccountCreated;
import io.lockstep.example.accounts.domain.AccountEvent.FundsDeposited;
import io.lockstep.example.accounts.domain.AccountEvent.FundsWithdrawn;

/**
 * An account as its events left it: the write side's state, rebuilt from the account's stream before each
 * command, and the rules that decide which event a command produces. Immutable.
 *
 * @param id      the account id
 * @param owner   who owns it
 * @param balance in cents
 * @param closed  whether it was closed (a closed account refuses everything)
 * @param version the stream version of the last event applied: the expected version of the next append
 */
public record Account(String id, String owner, long balance, boolean closed, long version) {

    /** @return the account its first event opens */
    static Account opened(AccountCreated created) {
        return new Account(created.accountId(), created.owner(), created.initialDeposit(), false, 0);
    }

    /** @return this account after {@code event}, the stream's event at {@code version} */
    Account apply(AccountEvent event, long version) {
        return switch (event) {
            case AccountCreated created ->
                throw new IllegalStateException(
                        "account " + id + " was created twice (again at version " + version + ")");
            case FundsDeposited deposited -> new Account(id, owner, balance + deposited.amount(), closed, version);
            case FundsWithdrawn withdrawn -> new Account(id, owner, balance - withdrawn.amount(), closed, version);
            case AccountClosed ignored -> new Account(id, owner, balance, true, version);
        };
    }

    /** @throws AccountRejection.AccountClosed when closed */
    FundsDeposited deposit(long amount) {
        requireOpen();
        return new FundsDeposited(id, Amounts.require(amount, "amount"));
    }

    /** @throws AccountRejection when closed or when {@code amount} exceeds the balance */
    FundsWithdrawn withdraw(long amount) {
        requireOpen();
        Amounts.require(amount, "amount");
        if (amount > balance) {
            throw new AccountRejection.InsufficientFunds(id, balance, amount);
        }
        return new FundsWithdrawn(id, amount);
    }

    /** @throws AccountRejection.AccountClosed when already closed */
    AccountEvent.AccountClosed close() {
        requireOpen();
        return new AccountEvent.AccountClosed(id);
    }

    private void requireOpen() {
        if (closed) {
            throw new AccountRejection.AccountClosed(id);
        }
    }
}
