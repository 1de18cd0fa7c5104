package io.lockstep.example.accounts.domain;

import java.util.Objects;
import java.util.Optional;

/**
 * A command to the write side, validated when made. {@link #request()} is its canonical text: two commands
 * with the same text are the same request, which is what an {@link IdempotencyKey} is checked against.
 */
public sealed interface AccountCommand {

    /** @return the command as canonical JSON, e.g. {@code {"command":"deposit","accountId":"ada-1","amount":500}} */
    String request();

    /**
     * Open an account.
     *
     * @param accountId the id to use, or empty for a new random one
     */
    record Open(Optional<String> accountId, String owner, long initialDeposit) implements AccountCommand {
        /** @throws IllegalArgumentException for a malformed id or owner, or an amount out of range */
        public Open {
            Objects.requireNonNull(accountId, "accountId").ifPresent(AccountCommands::requireAccountId);
            AccountCommands.requireOwner(owner);
            Amounts.require(initialDeposit, "initialDeposit");
        }

        @Override
        public String request() {
            return "{\"command\":\"open\",\"accountId\":"
                    + accountId.map(id -> "\"" + id + "\"").orElse("null")
                    + ",\"owner\":\"" + owner.replace("\\", "\\\\").replace("\"", "\\\"") + "\",\"initialDeposit\":"
                    + initialDeposit + "}";
        }
    }

    /** Deposit {@code amount} cents. */
    record Deposit(String accountId, long amount) implements AccountCommand {
        /** @throws IllegalArgumentException for a malformed id or an amount out of range */
        public Deposit {
            AccountCommands.requireAccountId(accountId);
            Amounts.require(amount, "amount");
        }

        @Override
        public String request() {
            return "{\"command\":\"deposit\",\"accountId\":\"" + accountId + "\",\"amount\":" + amount + "}";
        }
    }

    /** Withdraw {@code amount} cents. */
    record Withdraw(String accountId, long amount) implements AccountCommand {
        /** @throws IllegalArgumentException for a malformed id or an amount out of range */
        public Withdraw {
            AccountCommands.requireAccountId(accountId);
            Amounts.require(amount, "amount");
        }

        @Override
        public String request() {
            return "{\"command\":\"withdraw\",\"accountId\":\"" + accountId + "\",\"amount\":" + amount + "}";
        }
    }

    /** Close the account. */
    record Close(String accountId) implements AccountCommand {
        /** @throws IllegalArgumentException for a malformed id */
        public Close {
            AccountCommands.requireAccountId(accountId);
        }

        @Override
        public String request() {
            return "{\"command\":\"close\",\"accountId\":\"" + accountId + "\"}";
        }
    }
}
