package io.lockstep.example.accounts.domain;

import io.lockstep.postgres.eventlog.AppendResult;
import java.sql.SQLException;
import java.util.Optional;

/**
 * One command sent with an {@link IdempotencyKey}: answers the key's stored outcome when it has one, else
 * carries the command out with the key stored in the append's transaction (a final refusal in a transaction
 * of its own). When a concurrent first use of the key committed first, it answers that one's outcome.
 */
final class KeyedCommand {

    /** The key was stored by a concurrent first use; nothing was appended. */
    static final class KeyTaken extends RuntimeException {
        KeyTaken() {
            super(null, null, false, false);
        }
    }

    /** Reads of the key after a lost race: the winner has committed it, so the first read finds it. */
    private static final int MAX_LOOKUPS = 5;

    private final AccountCommands commands;
    private final IdempotencyKeys keys;
    private final AccountCommand command;
    private final IdempotencyKey key;

    KeyedCommand(AccountCommands commands, IdempotencyKeys keys, AccountCommand command, IdempotencyKey key) {
        this.commands = commands;
        this.keys = keys;
        this.command = command;
        this.key = key;
    }

    AccountCommands.Outcome run() throws InterruptedException {
        for (int lookup = 1; lookup <= MAX_LOOKUPS; lookup++) {
            Optional<IdempotencyKeys.Stored> stored = find();
            if (stored.isPresent()) {
                return replay(stored.get());
            }
            try {
                return commands.execute(
                        command,
                        (accountId, expected, version, event) ->
                                commands.appendWithKey(key, command, accountId, expected, version, event));
            } catch (KeyTaken taken) {
                // a concurrent first use committed: answer its outcome
            } catch (AccountRejection refusal) {
                if (!refusal.isFinal() || storeRefusal(refusal)) {
                    throw refusal;
                }
                // a concurrent first use stored its outcome first: answer that one
            }
        }
        throw new CommandStoreException(
                "Idempotency-Key '" + key.value() + "' kept changing hands (stored, then" + " expired) " + MAX_LOOKUPS
                        + " times; retry",
                null);
    }

    private AccountCommands.Outcome replay(IdempotencyKeys.Stored stored) {
        if (!stored.request().equals(command.request())) {
            throw new IdempotencyKeyReused(key, stored.request(), command.request());
        }
        return switch (stored) {
            case IdempotencyKeys.Stored.Appended appended ->
                commands.outcome(
                        appended.accountId(),
                        new AppendResult(
                                AccountCommands.stream(appended.accountId()), appended.version(), appended.version()),
                        true);
            case IdempotencyKeys.Stored.Refused refused ->
                throw AccountRejection.restore(refused.kind(), refused.accountId(), refused.message());
        };
    }

    private Optional<IdempotencyKeys.Stored> find() {
        try {
            return keys.find(key);
        } catch (SQLException e) {
            throw new CommandStoreException("could not read Idempotency-Key '" + key.value() + "'", e);
        }
    }

    private boolean storeRefusal(AccountRejection refusal) {
        try {
            return keys.insertRefused(key, command, refusal);
        } catch (SQLException e) {
            throw new CommandStoreException(
                    "could not store the refusal of " + command.request() + " with Idempotency-Key '" + key.value()
                            + "'",
                    e);
        }
    }
}
