package io.lockstep.example.accounts.domain;

/**
 * Why the write side refused a command. Nothing was appended. A closed set: each case maps to one HTTP
 * status in the API.
 */
public abstract sealed class AccountRejection extends RuntimeException {

    private final String accountId;

    private AccountRejection(String accountId, String message) {
        super(message);
        this.accountId = accountId;
    }

    /** @return the account the command was for */
    public String accountId() {
        return accountId;
    }

    /** @return the rejection's kind, as stored with an idempotency key: its class's simple name */
    public String kind() {
        return getClass().getSimpleName();
    }

    /**
     * @return whether the refusal is the account's answer to the command, which a retry with the same
     *         idempotency key gets again; {@link Contention} is not (nothing was decided: retry)
     */
    public boolean isFinal() {
        return !(this instanceof Contention);
    }

    /**
     * Recreates a refusal stored with an idempotency key, with its original message.
     *
     * @throws IllegalArgumentException for an unknown kind
     */
    static AccountRejection restore(String kind, String accountId, String message) {
        return switch (kind) {
            case "UnknownAccount" -> new UnknownAccount(accountId, message);
            case "DuplicateAccount" -> new DuplicateAccount(accountId, message);
            case "AccountClosed" -> new AccountClosed(accountId, message);
            case "InsufficientFunds" -> new InsufficientFunds(accountId, message);
            default ->
                throw new IllegalArgumentException("unknown stored refusal '" + kind + "' for account " + accountId);
        };
    }

    /** No account has this id. */
    public static final class UnknownAccount extends AccountRejection {
        public UnknownAccount(String accountId) {
            this(accountId, "account " + accountId + " does not exist");
        }

        private UnknownAccount(String accountId, String message) {
            super(accountId, message);
        }
    }

    /** An account with this id exists already (opening it again). */
    public static final class DuplicateAccount extends AccountRejection {
        public DuplicateAccount(String accountId) {
            this(accountId, "account " + accountId + " exists already; choose another accountId or omit it");
        }

        private DuplicateAccount(String accountId, String message) {
            super(accountId, message);
        }
    }

    /** The account is closed and refuses everything. */
    public static final class AccountClosed extends AccountRejection {
        public AccountClosed(String accountId) {
            this(accountId, "account " + accountId + " is closed");
        }

        private AccountClosed(String accountId, String message) {
            super(accountId, message);
        }
    }

    /** A withdrawal larger than the balance. */
    public static final class InsufficientFunds extends AccountRejection {
        public InsufficientFunds(String accountId, long balance, long requested) {
            this(accountId, "account " + accountId + " holds " + balance + " cents; cannot withdraw " + requested);
        }

        private InsufficientFunds(String accountId, String message) {
            super(accountId, message);
        }
    }

    /** Other commands kept changing the account; gave up after the configured attempts. Safe to retry. */
    public static final class Contention extends AccountRejection {
        public Contention(String accountId, int attempts) {
            super(
                    accountId,
                    "account " + accountId + " changed concurrently " + attempts
                            + " times in a row; nothing was appended, try again");
        }
    }
}
