package io.lockstep.redis.testing;

import io.lockstep.projection.InMemoryEventSource;
import io.lockstep.projection.Projection;
import io.lockstep.redis.RedisTransaction;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A projection whose every command counts: each {@link Deposit} adds its amount to the account's field of
 * the {@code balances} hash and increments {@code applied}, so an event applied twice or never shows in the
 * totals. Its fold is {@link #fold}.
 */
public final class BalancesProjection {

    private BalancesProjection() {}

    /** @return the projection {@code name}, its keys under {@code prefix} */
    public static Projection<RedisTransaction> create(String name, String prefix) {
        return Projection.<RedisTransaction>builder(name)
                .on(Deposit.class, (event, envelope, tx) -> {
                    tx.commands().hincrby(prefix + "balances", event.account(), event.amount());
                    tx.commands().incr(prefix + "applied");
                })
                .onReset(tx -> tx.commands().del(prefix + "balances", prefix + "applied"))
                .build();
    }

    /** Appends {@code count} deposits over {@code accounts} accounts, the same for the same {@code seed}. */
    public static InMemoryEventSource events(int count, int accounts, long seed) {
        InMemoryEventSource source = new InMemoryEventSource();
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < count; i++) {
            String account = "acc-" + random.nextInt(accounts);
            source.append(account, new Deposit(account, 1 + random.nextInt(1000)));
        }
        return source;
    }

    /** @return the balances the first {@code count} events of {@code source} add up to */
    public static Map<String, String> fold(InMemoryEventSource source, long count) {
        Map<String, Long> sums = new HashMap<>();
        source.read(-1, (int) count).forEach(envelope -> {
            Deposit deposit = (Deposit) envelope.event();
            sums.merge(deposit.account(), deposit.amount(), Long::sum);
        });
        Map<String, String> balances = new HashMap<>();
        sums.forEach((account, sum) -> balances.put(account, Long.toString(sum)));
        return balances;
    }
}
