package io.lockstep.example.accounts.domain;

import io.lockstep.example.accounts.domain.AccountEvent.AccountCreated;
import io.lockstep.postgres.eventlog.AppendResult;
import io.lockstep.postgres.eventlog.ExpectedVersion;
import io.lockstep.postgres.eventlog.PostgresEventLog;
import io.lockstep.postgres.eventlog.StreamVersionConflictException;
import io.lockstep.projection.Envelope;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import java.util.regex.Pattern;
import javax.sql.DataSource;

/**
 * The write side: each command rebuilds the account from its stream, lets {@link Account} decide, and
 * appends the event expecting the version it read. When another command appended first, it reads again and
 * decides again, up to {@code maxAttempts} times, so a deposit is never lost to a race and a withdrawal is
 * never decided on a stale balance.
 *
 * <p>With an {@link IdempotencyKey} a command is safe to repeat: the key and the command's outcome are stored
 * in the append's transaction (a refusal by the account's rules in one of its own), so the same command sent
 * again with the key answers that outcome again and appends nothing, also when the first answer was lost in
 * a crash; the key with another command is refused ({@link IdempotencyKeyReused}). Concurrent first uses of
 * one key are carried out once: the second waits for the first's transaction, then answers its outcome.
 * Keys are kept for at least {@link #KEY_RETENTION} ({@link #deleteExpiredKeys()}).
 *
 * <p>Blocking (JDBC): call it off the event loop. Thread-safe.
 */
public final class AccountCommands {

    /** Account ids: 1 to 64 letters, digits, '-' or '_'. */
    public static final Pattern ACCOUNT_ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    /** The longest owner name. */
    public static final int MAX_OWNER_LENGTH = 100;
    /** How long idempotency keys are kept, at least: 24 hours. */
    public static final Duration KEY_RETENTION = IdempotencyKeys.RETENTION;

    private static final int PAGE = 10_000;

    private final PostgresEventLog log;
    private final DataSource dataSource;
    private final IdempotencyKeys keys;
    private final LongAdder conflicts = new LongAdder();
    private final int maxAttempts;
    private final Duration positionWait;

    /**
     * @param log          where the accounts' streams live (started, so positions get assigned)
     * @param dataSource   the pool of the transactions that store an idempotency key with an append
     * @param maxAttempts  how often a command is decided again after losing a race, 1..100
     * @param positionWait how long a command waits for its event's global position before answering without it
     *                     (zero: never wait, never report it)
     */
    public AccountCommands(PostgresEventLog log, DataSource dataSource, int maxAttempts, Duration positionWait) {
        this.log = Objects.requireNonNull(log, "log");
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.keys = new IdempotencyKeys(dataSource);
        if (maxAttempts < 1 || maxAttempts > 100) {
            throw new IllegalArgumentException("maxAttempts " + maxAttempts + " makes no sense; use 1..100");
        }
        this.maxAttempts = maxAttempts;
        this.positionWait = Objects.requireNonNull(positionWait, "positionWait");
    }

    /**
     * What a command appended.
     *
     * @param accountId the account
     * @param version   the account stream's version after the append
     * @param position  the event's global position, for read-your-writes ({@code ?minPosition=}); empty when
     *                  the sequencer did not assign it within the wait (the event is stored all the same)
     * @param replayed  true when this is the stored outcome of an earlier command with the same idempotency key
     */
    public record Outcome(String accountId, long version, OptionalLong position, boolean replayed) {}

    /**
     * Carries out {@code command}, once per {@code key} when one is given.
     *
     * @throws AccountRejection      when the account's rules refuse it (with a key: also a refusal stored earlier)
     * @throws IdempotencyKeyReused  when {@code key} was first used for another command
     * @throws DatabaseUnavailable  when the database failed for a passing reason; with a key, a retry is safe
     * @throws CommandStoreException when the database failed otherwise
     */
    public Outcome handle(AccountCommand command, Optional<IdempotencyKey> key) throws InterruptedException {
        Objects.requireNonNull(command, "command");
        try {
            return key.isPresent()
                    ? new KeyedCommand(this, keys, command, key.get()).run()
                    : execute(command, this::appendAlone);
        } catch (AccountRejection | IdempotencyKeyReused refusal) {
            throw refusal;
        } catch (RuntimeException e) {
            throw DatabaseUnavailable.classify(e);
        }
    }

    /** Opens an account; see {@link AccountCommand.Open}. */
    public Outcome open(Optional<String> accountId, String owner, long initialDeposit) throws InterruptedException {
        return handle(new AccountCommand.Open(accountId, owner, initialDeposit), Optional.empty());
    }

    /** @throws AccountRejection when the account is unknown or closed */
    public Outcome deposit(String accountId, long amount) throws InterruptedException {
        return handle(new AccountCommand.Deposit(accountId, amount), Optional.empty());
    }

    /** @throws AccountRejection when the account is unknown or closed, or the balance is too low */
    public Outcome withdraw(String accountId, long amount) throws InterruptedException {
        return handle(new AccountCommand.Withdraw(accountId, amount), Optional.empty());
    }

    /** @throws AccountRejection when the account is unknown or already closed */
    public Outcome close(String accountId) throws InterruptedException {
        return handle(new AccountCommand.Close(accountId), Optional.empty());
    }

    /** @return how many appends lost a race on their account's version and were decided again (or gave up) */
    public long conflicts() {
        return conflicts.sum();
    }

    /**
     * Removes idempotency keys older than {@link #KEY_RETENTION}; run it now and then (the application does,
     * every few minutes).
     *
     * @return how many were removed
     */
    public int deleteExpiredKeys() {
        try {
            return keys.deleteExpired(KEY_RETENTION);
        } catch (SQLException e) {
            throw new CommandStoreException("could not remove expired idempotency keys", e);
        }
    }

    /** @return the account as its stream says now, or empty when it does not exist */
    public Optional<Account> load(String accountId) {
        requireAccountId(accountId);
        Account account = null;
        long from = 0;
        while (true) {
            List<Envelope> page = log.readStream(stream(accountId), from, PAGE);
            for (Envelope envelope : page) {
                AccountEvent event = (AccountEvent) envelope.event();
                account = account == null
                        ? Account.opened((AccountCreated) event)
                        : account.apply(event, envelope.streamVersion());
            }
            if (page.size() < PAGE) {
                return Optional.ofNullable(account);
            }
            from += PAGE;
        }
    }

    /** Appends one decided event; {@code version} is the stream's version after it. */
    @FunctionalInterface
    interface EventAppend {
        AppendResult append(String accountId, ExpectedVersion expected, long version, AccountEvent event);
    }

    Outcome execute(AccountCommand command, EventAppend append) throws InterruptedException {
        return switch (command) {
            case AccountCommand.Open open -> open(open, append);
            case AccountCommand.Deposit deposit ->
                decide(deposit.accountId(), a -> a.deposit(deposit.amount()), append);
            case AccountCommand.Withdraw withdraw ->
                decide(withdraw.accountId(), a -> a.withdraw(withdraw.amount()), append);
            case AccountCommand.Close close -> decide(close.accountId(), Account::close, append);
        };
    }

    private Outcome open(AccountCommand.Open open, EventAppend append) {
        String id = open.accountId().orElseGet(() -> UUID.randomUUID().toString());
        try {
            return outcome(
                    id,
                    append.append(
                            id,
                            ExpectedVersion.noStream(),
                            0,
                            new AccountCreated(id, open.owner(), open.initialDeposit())),
                    false);
        } catch (StreamVersionConflictException e) {
            throw new AccountRejection.DuplicateAccount(id);
        }
    }

    private Outcome decide(String accountId, Function<Account, AccountEvent> decision, EventAppend append)
            throws InterruptedException {
        for (int attempt = 1; ; attempt++) {
            Account account = load(accountId).orElseThrow(() -> new AccountRejection.UnknownAccount(accountId));
            AccountEvent event = decision.apply(account);
            try {
                return outcome(
                        accountId,
                        append.append(
                                accountId, ExpectedVersion.exactly(account.version()), account.version() + 1, event),
                        false);
            } catch (StreamVersionConflictException e) {
                conflicts.increment();
                if (attempt == maxAttempts) {
                    throw new AccountRejection.Contention(accountId, attempt);
                }
                // Spread the racers out a little before deciding again on the newer state.
                Thread.sleep(ThreadLocalRandom.current().nextLong(1, 2L + attempt * 2L));
            }
        }
    }

    private AppendResult appendAlone(String accountId, ExpectedVersion expected, long version, AccountEvent event) {
        return log.append(stream(accountId), expected, List.of(event));
    }

    /**
     * Appends in a transaction that first stores {@code key} with the outcome.
     *
     * @throws KeyedCommand.KeyTaken when the key is stored already (nothing was appended)
     */
    AppendResult appendWithKey(
            IdempotencyKey key,
            AccountCommand command,
            String accountId,
            ExpectedVersion expected,
            long version,
            AccountEvent event) {
        try (Connection transaction = dataSource.getConnection()) {
            transaction.setAutoCommit(false);
            try {
                if (!keys.insertAppended(transaction, key, command, accountId, version)) {
                    transaction.rollback();
                    throw new KeyedCommand.KeyTaken();
                }
                AppendResult appended =
                        log.appendInTransaction(transaction, stream(accountId), expected, List.of(event), Map.of());
                transaction.commit();
                return appended;
            } catch (RuntimeException | SQLException e) {
                rollback(transaction, e);
                throw e;
            }
        } catch (SQLException e) {
            throw new CommandStoreException(
                    "could not store " + command.request() + " with Idempotency-Key '" + key.value() + "'", e);
        }
    }

    /**
     * The append has committed: from here on nothing may turn the command into a failure, or a client that
     * retries would apply it twice. Not knowing the position only makes the answer less helpful.
     */
    Outcome outcome(String accountId, AppendResult appended, boolean replayed) {
        OptionalLong position = OptionalLong.empty();
        if (!positionWait.isZero()) {
            try {
                position = log.awaitPosition(appended, positionWait);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                // e.g. no pooled connection within the pool's timeout: answered without a position
            }
        }
        return new Outcome(accountId, appended.lastVersion(), position, replayed);
    }

    private static void rollback(Connection transaction, Exception cause) {
        try {
            transaction.rollback();
        } catch (SQLException e) {
            cause.addSuppressed(e);
        }
    }

    /** @return the stream of an account */
    public static String stream(String accountId) {
        return "account-" + accountId;
    }

    /** @throws IllegalArgumentException naming the id and the allowed form */
    public static String requireAccountId(String accountId) {
        if (accountId == null || !ACCOUNT_ID.matcher(accountId).matches()) {
            throw new IllegalArgumentException(
                    "accountId '" + accountId + "' is invalid: use 1 to 64 letters, digits," + " '-' or '_'");
        }
        return accountId;
    }

    /** @throws IllegalArgumentException naming the owner and the allowed form */
    public static String requireOwner(String owner) {
        if (owner == null
                || owner.isBlank()
                || owner.length() > MAX_OWNER_LENGTH
                || owner.chars().anyMatch(Character::isISOControl)) {
            throw new IllegalArgumentException("owner '" + owner + "' is invalid: give a name of 1 to "
                    + MAX_OWNER_LENGTH + " characters without control characters");
        }
        return owner;
    }
}
