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

    /** No account has this id. */
    public static final class UnknownAccount extends AccountRejection {
        public UnknownAccount(String accountId) {
            super(accountId, "account " + accountId + " does not exist");
        }
    }

    /** An account with this id exists already (opening it again). */
    public static final class DuplicateAccount extends AccountRejection {
        public DuplicateAccount(String accountId) {
            super(accountId, "account " + accountId + " exists already; choose another accountId or omit it");
        }
    }

    /** The account is closed and refuses everything. */
    public static final class AccountClosed extends AccountRejection {
        public AccountClosed(String accountId) {
            super(accountId, "account " + accountId + " is closed");
        }
    }

    /** A withdrawal larger than the balance. */
    public static final class InsufficientFunds extends AccountRejection {
        private final long balance;

        public InsufficientFunds(String accountId, long balance, long requested) {
            super(accountId, "account " + accountId + " holds " + balance + " cents; cannot withdraw " + requested);
            this.balance = balance;
        }

        /** @return the balance when the withdrawal was refused */
        public long balance() {
            return balance;
        }
    }

    /** Other commands kept changing the account; gave up after the configured attempts. Safe to retry. */
    public static final class Contention extends AccountRejection {
        public Contention(String accountId, int attempts) {
            super(accountId, "account " + accountId + " changed concurrently " + attempts
                    + " times in a row; nothing was appended, try again");
        }
    }
}
