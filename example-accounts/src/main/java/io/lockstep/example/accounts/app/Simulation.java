package io.lockstep.example.accounts.app;

import io.lockstep.example.accounts.domain.AccountCommands;
import io.lockstep.example.accounts.domain.AccountRejection;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * Realistic load through the write side's command handlers: opens accounts for a few owners, then sends
 * deposits (about 55%), withdrawals (about 45%, some larger than the balance, so refused) and now and then
 * a closing (about one account in ten over the run) to random open accounts from concurrent clients.
 * Refusals are counted, not errors: the domain's rules at work.
 */
public final class Simulation {

    /** What the simulation asked for. */
    public record Plan(int accounts, long commands, int concurrency, long seed) {}

    /** What happened. */
    public record Result(long opened, long appended, Map<String, Long> refused, double seconds) {}

    private final AccountCommands commands;
    private final Plan plan;
    private final AtomicLong done = new AtomicLong();
    private final LongAdder appended = new LongAdder();
    private final Map<String, LongAdder> refused = new ConcurrentHashMap<>();
    private final Set<String> closed = ConcurrentHashMap.newKeySet();
    private final AtomicReference<RuntimeException> failure = new AtomicReference<>();

    public Simulation(AccountCommands commands, Plan plan) {
        this.commands = commands;
        this.plan = plan;
    }

    /** @return commands handled so far, openings included: for progress */
    public long done() {
        return done.get();
    }

    /** @return every command the plan sends, openings included */
    public long total() {
        return plan.accounts() + plan.commands();
    }

    /**
     * Runs the plan on {@code concurrency} virtual threads and waits for it.
     *
     * @throws IllegalStateException when a command failed for another reason than the account's rules (the
     *                               database is down, say): the first such failure, after every client stopped
     */
    public Result run() throws InterruptedException {
        long started = System.nanoTime();
        String run = Long.toHexString(new Random(plan.seed() ^ System.nanoTime()).nextLong() & 0xffffffL);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < plan.accounts(); i++) {
            ids.add("sim-" + run + "-" + i);
        }
        int owners = Math.max(1, plan.accounts() / 3);
        AtomicLong nextOpen = new AtomicLong();
        CountDownLatch allOpened = new CountDownLatch(plan.accounts()); // no command reaches an account still opening
        AtomicLong nextCommand = new AtomicLong();
        List<Thread> clients = new ArrayList<>();
        for (int c = 0; c < plan.concurrency(); c++) {
            Random random = new Random(plan.seed() * 31 + c);
            clients.add(Thread.ofVirtual().name("simulated-client-" + c).start(() -> {
                try {
                    for (long i; (i = nextOpen.getAndIncrement()) < plan.accounts(); ) {
                        String id = ids.get((int) i);
                        long owner = i % owners;
                        try {
                            send(() ->
                                    commands.open(Optional.of(id), "owner-" + owner, 10_000 + random.nextInt(90_000)));
                        } finally {
                            allOpened.countDown();
                        }
                    }
                    allOpened.await();
                    double closing = Math.min(0.01, 0.1 * plan.accounts() / Math.max(1, plan.commands()));
                    while (failure.get() == null && nextCommand.getAndIncrement() < plan.commands()) {
                        String id = pick(ids, random);
                        double dice = random.nextDouble();
                        send(() -> {
                            if (dice < closing) {
                                commands.close(id);
                                closed.add(id);
                            } else if (dice < 0.55) {
                                commands.deposit(id, 1 + random.nextInt(50_000));
                            } else {
                                commands.withdraw(id, 1 + random.nextInt(60_000));
                            }
                        });
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
        }
        for (Thread client : clients) {
            client.join();
        }
        if (failure.get() != null) {
            throw new IllegalStateException(
                    "a simulated client failed after " + done.get() + " commands: "
                            + failure.get().getMessage(),
                    failure.get());
        }
        Map<String, Long> refusals = new java.util.TreeMap<>();
        refused.forEach((kind, count) -> refusals.put(kind, count.sum()));
        return new Result(
                Math.min(plan.accounts(), nextOpen.get()),
                appended.sum(),
                refusals,
                (System.nanoTime() - started) / 1e9);
    }

    /** A random account, preferring open ones as a real client would (it can still race with a closing). */
    private String pick(List<String> ids, Random random) {
        String id = ids.get(random.nextInt(ids.size()));
        for (int tries = 0; tries < 10 && closed.contains(id); tries++) {
            id = ids.get(random.nextInt(ids.size()));
        }
        return id;
    }

    private interface Command {
        void send() throws InterruptedException;
    }

    private void send(Command command) throws InterruptedException {
        try {
            command.send();
            appended.increment();
        } catch (AccountRejection rejection) {
            refused.computeIfAbsent(rejection.getClass().getSimpleName(), kind -> new LongAdder())
                    .increment();
        } catch (RuntimeException e) {
            failure.compareAndSet(null, e);
        } finally {
            done.incrementAndGet();
        }
    }
}
