package io.lockstep.example.accounts.readmodel;

import io.lockstep.example.accounts.domain.AccountEvent;
import io.lockstep.example.accounts.domain.AccountEvent.AccountClosed;
import io.lockstep.example.accounts.domain.AccountEvent.AccountCreated;
import io.lockstep.example.accounts.domain.AccountEvent.FundsDeposited;
import io.lockstep.example.accounts.domain.AccountEvent.FundsWithdrawn;
import io.lockstep.projection.Envelope;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * A batch of account events folded in memory into one change per touched account and one per touched
 * owner, so the projection writes each row once per batch instead of twice per event. Pure: no database;
 * the owners of accounts opened in earlier batches come from {@code ownerOf}. Account changes come out in the
 * order their row was first touched; owner changes in the order of the owner's name, because partitions of the
 * projection update one owner's row concurrently (an owner's accounts are streams of different partitions):
 * every batch locking owner rows in the same order, no two can wait for each other in a cycle, so they never
 * deadlock (a batch waits for the other's commit instead). Account rows need no order: each account's events
 * belong to one partition.
 */
final class BatchChanges {

    /** What one batch does to one {@code account_balance} row. */
    static final class AccountChange {
        final String accountId;
        final String owner;
        /** Opened in this batch: the row is inserted, not updated. */
        final boolean opened;

        long balanceDelta;
        int transactions;
        boolean closed;
        long lastPosition;
        Instant lastUpdatedAt;

        private AccountChange(String accountId, String owner, boolean opened) {
            this.accountId = accountId;
            this.owner = owner;
            this.opened = opened;
        }
    }

    /** What one batch does to one {@code owner_summary} row (deltas, applied as an upsert). */
    static final class OwnerChange {
        final String owner;
        int openAccountsDelta;
        long balanceDelta;
        long lastPosition;
        Instant lastUpdatedAt;

        private OwnerChange(String owner) {
            this.owner = owner;
        }
    }

    private final Map<String, AccountChange> accounts = new LinkedHashMap<>();
    private final Map<String, OwnerChange> owners = new TreeMap<>(); // sorted: see the class comment

    private BatchChanges() {}

    /**
     * @param batch   the events, in position order
     * @param ownerOf looks up the owners of the given accounts opened before this batch
     * @throws IllegalStateException when an event names an account that was never opened
     */
    static BatchChanges fold(List<Envelope> batch, Function<Set<String>, Map<String, String>> ownerOf) {
        Set<String> opened = batch.stream()
                .map(Envelope::event)
                .filter(AccountCreated.class::isInstance)
                .map(e -> ((AccountCreated) e).accountId())
                .collect(Collectors.toSet());
        Set<String> earlier = batch.stream()
                .map(Envelope::event)
                .filter(AccountEvent.class::isInstance)
                .map(e -> ((AccountEvent) e).accountId())
                .filter(id -> !opened.contains(id))
                .collect(Collectors.toSet());
        Map<String, String> owned = earlier.isEmpty() ? Map.of() : ownerOf.apply(earlier);
        BatchChanges changes = new BatchChanges();
        for (Envelope envelope : batch) {
            if (envelope.event() instanceof AccountEvent event) {
                changes.apply(event, envelope, owned);
            }
        }
        return changes;
    }

    private void apply(AccountEvent event, Envelope envelope, Map<String, String> owned) {
        AccountChange account = switch (event) {
            case AccountCreated created ->
                accounts.computeIfAbsent(created.accountId(), id -> new AccountChange(id, created.owner(), true));
            default ->
                accounts.computeIfAbsent(event.accountId(), id -> {
                    String owner = owned.get(id);
                    if (owner == null) {
                        throw new IllegalStateException("event at position " + envelope.position() + " is for account "
                                + id + ", which was never opened");
                    }
                    return new AccountChange(id, owner, false);
                });
        };
        OwnerChange owner = owners.computeIfAbsent(account.owner, OwnerChange::new);
        switch (event) {
            case AccountCreated created -> {
                account.balanceDelta += created.initialDeposit();
                account.transactions++;
                owner.openAccountsDelta++;
                owner.balanceDelta += created.initialDeposit();
            }
            case FundsDeposited deposited -> {
                account.balanceDelta += deposited.amount();
                account.transactions++;
                owner.balanceDelta += deposited.amount();
            }
            case FundsWithdrawn withdrawn -> {
                account.balanceDelta -= withdrawn.amount();
                account.transactions++;
                owner.balanceDelta -= withdrawn.amount();
            }
            case AccountClosed ignored -> {
                account.closed = true;
                owner.openAccountsDelta--;
            }
        }
        account.lastPosition = owner.lastPosition = envelope.position();
        account.lastUpdatedAt = owner.lastUpdatedAt = envelope.recordedAt();
    }

    Collection<AccountChange> accounts() {
        return accounts.values();
    }

    Collection<OwnerChange> owners() {
        return owners.values();
    }
}
