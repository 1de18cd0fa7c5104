package io.lockstep.example.accounts.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lockstep.example.accounts.domain.AccountEvent.AccountCreated;
import io.lockstep.example.accounts.domain.AccountEvent.FundsDeposited;
import io.lockstep.example.accounts.domain.AccountEvent.FundsWithdrawn;
import org.junit.jupiter.api.Test;

/** The account's rules, without a database. */
class AccountTest {

    final Account opened = Account.opened(new AccountCreated("a", "ada", 100));

    @Test
    void foldsItsEventsIntoBalanceAndVersion() {
        Account account = opened.apply(new FundsDeposited("a", 50), 1).apply(new FundsWithdrawn("a", 30), 2);

        assertThat(account.balance()).isEqualTo(120);
        assertThat(account.version()).isEqualTo(2);
        assertThat(account.closed()).isFalse();
    }

    @Test
    void refusesAWithdrawalAboveTheBalanceButAllowsTheWholeBalance() {
        assertThatThrownBy(() -> opened.withdraw(101))
                .isInstanceOf(AccountRejection.InsufficientFunds.class)
                .hasMessageContaining("holds 100 cents");
        assertThat(opened.withdraw(100)).isEqualTo(new FundsWithdrawn("a", 100));
    }

    @Test
    void aClosedAccountRefusesEverything() {
        Account closed = opened.apply(opened.close(), 1);

        assertThatThrownBy(() -> closed.deposit(1)).isInstanceOf(AccountRejection.AccountClosed.class);
        assertThatThrownBy(() -> closed.withdraw(1)).isInstanceOf(AccountRejection.AccountClosed.class);
        assertThatThrownBy(closed::close).isInstanceOf(AccountRejection.AccountClosed.class);
    }

    @Test
    void amountsMustBePositiveWholeCentsUpToTheMaximum() {
        assertThatThrownBy(() -> opened.deposit(0)).hasMessageContaining("amount 0");
        assertThatThrownBy(() -> opened.deposit(Amounts.MAX_AMOUNT + 1))
                .hasMessageContaining(String.valueOf(Amounts.MAX_AMOUNT));
        assertThat(opened.deposit(Amounts.MAX_AMOUNT).amount()).isEqualTo(Amounts.MAX_AMOUNT);
    }

    @Test
    void aSecondCreationInTheStreamIsACorruptStream() {
        assertThatThrownBy(() -> opened.apply(new AccountCreated("a", "eve", 1), 1))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("created twice");
    }
}
