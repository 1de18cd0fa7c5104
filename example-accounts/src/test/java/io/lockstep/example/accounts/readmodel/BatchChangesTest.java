package io.lockstep.example.accounts.readmodel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lockstep.example.accounts.domain.AccountEvent.AccountClosed;
import io.lockstep.example.accounts.domain.AccountEvent.AccountCreated;
import io.lockstep.example.accounts.domain.AccountEvent.FundsDeposited;
import io.lockstep.example.accounts.domain.AccountEvent.FundsWithdrawn;
import io.lockstep.projection.Envelope;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Folding a batch in memory: one change per touched row, deltas as the per-event rules would apply them. */
class BatchChangesTest {

    static Envelope at(long position, Object event) {
        return new Envelope(
                position, "s", 0, event.getClass().getSimpleName(), Instant.ofEpochSecond(position), Map.of(), event);
    }

    @Test
    void foldsEachAccountAndOwnerIntoOneChange() {
        // given: "old" was opened in an earlier batch by ada; "new" opens and closes in this one
        List<Set<String>> lookedUp = new ArrayList<>();
        List<Envelope> batch = List.of(
                at(10, new FundsDeposited("old", 100)),
                at(11, new AccountCreated("new", "ada", 50)),
                at(12, new FundsWithdrawn("old", 30)),
                at(13, new FundsDeposited("new", 5)),
                at(14, new AccountClosed("new")));

        // when
        BatchChanges changes = BatchChanges.fold(batch, ids -> {
            lookedUp.add(ids);
            return Map.of("old", "ada");
        });

        // then
        assertThat(lookedUp).containsExactly(Set.of("old"));
        assertThat(changes.accounts()).extracting(a -> a.accountId).containsExactly("old", "new");
        BatchChanges.AccountChange old = changes.accounts().iterator().next();
        assertThat(old.opened).isFalse();
        assertThat(old.balanceDelta).isEqualTo(70);
        assertThat(old.transactions).isEqualTo(2);
        assertThat(old.lastPosition).isEqualTo(12);
        BatchChanges.AccountChange opened =
                changes.accounts().stream().skip(1).findFirst().orElseThrow();
        assertThat(opened.opened).isTrue();
        assertThat(opened.closed).isTrue();
        assertThat(opened.balanceDelta).isEqualTo(55);
        assertThat(opened.transactions).isEqualTo(2);
        assertThat(opened.lastUpdatedAt).isEqualTo(Instant.ofEpochSecond(14));
        BatchChanges.OwnerChange ada = changes.owners().iterator().next();
        assertThat(changes.owners()).hasSize(1);
        assertThat(ada.openAccountsDelta).isZero();
        assertThat(ada.balanceDelta).isEqualTo(125);
        assertThat(ada.lastPosition).isEqualTo(14);
    }

    @Test
    void ownersComeOutInNameOrderSoThatPartitionsLockTheirRowsInOneOrder() {
        // given: owners first touched in another order than their names'
        List<Envelope> batch = List.of(
                at(1, new AccountCreated("c-1", "carol", 1)),
                at(2, new AccountCreated("a-1", "ada", 1)),
                at(3, new AccountCreated("b-1", "bob", 1)),
                at(4, new AccountCreated("a-2", "ada", 1)));

        // when
        BatchChanges changes = BatchChanges.fold(batch, ids -> Map.of());

        // then
        assertThat(changes.owners()).extracting(o -> o.owner).containsExactly("ada", "bob", "carol");
        assertThat(changes.accounts()).extracting(a -> a.accountId).containsExactly("c-1", "a-1", "b-1", "a-2");
    }

    @Test
    void anEventForAnAccountNeverOpenedIsAnError() {
        assertThatThrownBy(() -> BatchChanges.fold(List.of(at(3, new FundsDeposited("ghost", 1))), ids -> Map.of()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("position 3")
                .hasMessageContaining("ghost");
    }
}
