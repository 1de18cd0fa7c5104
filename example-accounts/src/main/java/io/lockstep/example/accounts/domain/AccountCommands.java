package io.lockstep.example.accounts.domain;

import io.lockstep.example.accounts.domain.AccountEvent.AccountCreated;
import io.lockstep.postgres.eventlog.AppendResult;
import io.lockstep.postgres.eventlog.ExpectedVersion;
import io.lockstep.postgres.eventlog.PostgresEventLog;
import io.lockstep.postgres.eventlog.StreamVersionConflictException;
import io.lockstep.projection.Envelope;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The write side: each command rebuilds the account from its stream, lets {@link Account} decide, and
 * appends the event expecting the version it read. When another command appended first, it reads again and
 * decides again, up to {@code maxAttempts} times, so a deposit is never lost to a race and a withdrawal is
 * never decided on a stale balance. Blocking (JDBC): call it off the event loop. Thread-safe.
 */
public final class AccountCommands {

    /** Account ids: 1 to 64 letters, digits, '-' or '_'. */
    public static final Pattern ACCOUNT_ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    /** The longest owner name. */
    public static final int MAX_OWNER_LENGTH = 100;
    private static final int PAGE = 10_000;

    private final PostgresEventLog log;
    private final LongAdder conflicts = new LongAdder();
    private final int maxAttempts;
    private final Duration positionWait;

    /**
     * @param log          where the accounts' streams live (started, so positions get assigned)
     * @param maxAttempts  how often a command is decided again after losing a race, 1..100
     * @param positionWait how long a command waits for its event's global position before answering without it
     *                     (zero: never wait, never report it)
     */
    public AccountCommands(PostgresEventLog log, int maxAttempts, Duration positionWait) {
        this.log = Objects.requireNonNull(log, "log");
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
     */
    public record Outcome(String accountId, long version, OptionalLong position) {
    }

    /**
     * Opens an account.
     *
     * @param accountId the id to use, or empty for a new random one
     * @throws AccountRejection.DuplicateAccount when the id is taken
     * @throws IllegalArgumentException          for a malformed id or owner, or an amount out of range
     */
    public Outcome open(Optional<String> accountId, String owner, long initialDeposit) throws InterruptedException {
        String id = accountId.map(AccountCommands::requireAccountId).orElseGet(() -> UUID.randomUUID().toString());
        requireOwner(owner);
        Amounts.require(initialDeposit, "initialDeposit");
        try {
            AppendResult appended = log.append(stream(id), ExpectedVersion.noStream(),
                    List.of(new AccountCreated(id, owner, initialDeposit)));
            return outcome(id, appended);
        } catch (StreamVersionConflictException e) {
            throw new AccountRejection.DuplicateAccount(id);
        }
    }

    /** @throws AccountRejection when the account is unknown or closed */
    public Outcome deposit(String accountId, long amount) throws InterruptedException {
        Amounts.require(amount, "amount");
        return decide(accountId, account -> account.deposit(amount));
    }

    /** @throws AccountRejection when the account is unknown or closed, or the balance is too low */
    public Outcome withdraw(String accountId, long amount) throws InterruptedException {
        Amounts.require(amount, "amount");
        return decide(accountId, account -> account.withdraw(amount));
    }

    /** @throws AccountRejection when the account is unknown or already closed */
    public Outcome close(String accountId) throws InterruptedException {
        return decide(accountId, Account::close);
    }

    /** @return how many appends lost a race on their account's version and were decided again (or gave up) */
    public long conflicts() {
        return conflicts.sum();
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
                account = account == null ? Account.opened((AccountCreated) event)
                        : account.apply(event, envelope.streamVersion());
            }
            if (page.size() < PAGE) {
                return Optional.ofNullable(account);
            }
            from += PAGE;
        }
    }

    private Outcome decide(String accountId, Function<Account, AccountEvent> decision) throws InterruptedException {
        for (int attempt = 1; ; attempt++) {
            Account account = load(accountId).orElseThrow(() -> new AccountRejection.UnknownAccount(accountId));
            AccountEvent event = decision.apply(account);
            try {
                AppendResult appended = log.append(stream(accountId), ExpectedVersion.exactly(account.version()),
                        List.of(event));
                return outcome(accountId, appended);
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

    /**
     * The append has committed: from here on nothing may turn the command into a failure, or a client that
     * retries would apply it twice. Not knowing the position only makes the answer less helpful.
     */
    private Outcome outcome(String accountId, AppendResult appended) {
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
        return new Outcome(accountId, appended.lastVersion(), position);
    }

    /** @return the stream of an account */
    public static String stream(String accountId) {
        return "account-" + accountId;
    }

    /** @throws IllegalArgumentException naming the id and the allowed form */
    public static String requireAccountId(String accountId) {
        if (accountId == null || !ACCOUNT_ID.matcher(accountId).matches()) {
            throw new IllegalArgumentException("accountId '" + accountId + "' is invalid: use 1 to 64 letters, digits,"
                    + " '-' or '_'");
        }
        return accountId;
    }

    /** @throws IllegalArgumentException naming the owner and the allowed form */
    public static String requireOwner(String owner) {
        if (owner == null || owner.isBlank() || owner.length() > MAX_OWNER_LENGTH
                || owner.chars().anyMatch(Character::isISOControl)) {
            throw new IllegalArgumentException("owner '" + owner + "' is invalid: give a name of 1 to "
                    + MAX_OWNER_LENGTH + " characters without control characters");
        }
        return owner;
    }
}
