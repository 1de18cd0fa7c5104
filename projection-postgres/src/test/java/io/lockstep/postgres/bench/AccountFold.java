package io.lockstep.postgres.bench;

import io.lockstep.postgres.bench.LiveWorkload.AccountClosed;
import io.lockstep.postgres.bench.LiveWorkload.AccountOpened;
import io.lockstep.postgres.bench.LiveWorkload.FundsDeposited;
import io.lockstep.postgres.bench.LiveWorkload.FundsWithdrawn;
import io.lockstep.projection.Envelope;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Folds a batch of the live workload into one change per account, for the fold contenders. */
final class AccountFold {

    /**
     * What a batch does to one account: added to the stored row by an upsert, or inserted when the account
     * is new (then {@code owner} is its owner; for an existing account it is ignored).
     */
    record Change(String accountId, String owner, long balance, long events, boolean closed) {}

    private AccountFold() {}

    /** @return one change per account {@code batch} touches, in the order of their first event */
    static Collection<Change> fold(List<Envelope> batch) {
        Map<String, Change> changes = new LinkedHashMap<>();
        for (Envelope envelope : batch) {
            switch (envelope.event()) {
                case AccountOpened e ->
                    changes.put(
                            e.accountId(),
                            add(changes.get(e.accountId()), e.accountId(), e.owner(), e.initialDeposit(), false));
                case FundsDeposited e ->
                    changes.put(e.accountId(), add(changes.get(e.accountId()), e.accountId(), null, e.amount(), false));
                case FundsWithdrawn e ->
                    changes.put(
                            e.accountId(), add(changes.get(e.accountId()), e.accountId(), null, -e.amount(), false));
                case AccountClosed e ->
                    changes.put(e.accountId(), add(changes.get(e.accountId()), e.accountId(), null, 0, true));
                default -> {}
            }
        }
        return changes.values();
    }

    private static Change add(Change change, String accountId, String owner, long delta, boolean closed) {
        if (change == null) {
            return new Change(accountId, owner == null ? "" : owner, delta, 1, closed);
        }
        return new Change(
                accountId,
                owner == null ? change.owner() : owner,
                change.balance() + delta,
                change.events() + 1,
                change.closed() || closed);
    }
}
