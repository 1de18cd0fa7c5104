package io.lockstep.example.accounts.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.lockstep.example.accounts.readmodel.AccountView;
import io.lockstep.example.accounts.support.Http.Response;
import io.lockstep.example.accounts.support.RunningApp;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;

/** Eight clients depositing into the same ten accounts over HTTP: no acknowledged deposit is lost or doubled. */
class ConcurrentClientsTest {

    static final int CLIENTS = 8;
    static final int ACCOUNTS = 10;
    static final int DEPOSITS_PER_CLIENT = 50;

    @Test
    void finalBalancesEqualTheSumOfAcknowledgedDeposits() throws Exception {
        try (RunningApp running = RunningApp.start()) {
            // given
            for (int a = 0; a < ACCOUNTS; a++) {
                assertThat(running.http
                                .post(
                                        "/accounts",
                                        "{\"owner\": \"crowd\", \"initialDeposit\": 1, \"accountId\": \"c-" + a + "\"}")
                                .status())
                        .isEqualTo(201);
            }
            Map<String, LongAdder> acknowledged = new ConcurrentHashMap<>();
            List<Integer> statuses = new CopyOnWriteArrayList<>();
            AtomicLong lastPosition = new AtomicLong();

            // when
            List<Thread> clients = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                Random random = new Random(c);
                clients.add(Thread.ofVirtual().start(() -> {
                    for (int i = 0; i < DEPOSITS_PER_CLIENT; i++) {
                        String id = "c-" + random.nextInt(ACCOUNTS);
                        long amount = 1 + random.nextInt(10_000);
                        try {
                            Response response =
                                    running.http.post("/accounts/" + id + "/deposits", "{\"amount\": " + amount + "}");
                            statuses.add(response.status());
                            if (response.status() == 200) {
                                acknowledged
                                        .computeIfAbsent(id, k -> new LongAdder())
                                        .add(amount);
                                lastPosition.accumulateAndGet(response.longAt("position"), Math::max);
                            }
                        } catch (Exception e) {
                            statuses.add(-1);
                        }
                    }
                }));
            }
            for (Thread client : clients) {
                client.join();
            }

            // then: every deposit was acknowledged (conflicts were retried), and the read model holds them all
            assertThat(statuses).hasSize(CLIENTS * DEPOSITS_PER_CLIENT).containsOnly(200);
            assertThat(running.app.commands().conflicts())
                    .as("the clients raced on versions")
                    .isPositive();
            assertThat(running.http
                            .get("/accounts/c-0?minPosition=" + lastPosition.get())
                            .status())
                    .isEqualTo(200);
            for (AccountView account : running.app.readModels().accounts()) {
                long deposits = acknowledged
                        .getOrDefault(account.accountId(), new LongAdder())
                        .sum();
                assertThat(account.balance()).as(account.accountId()).isEqualTo(1 + deposits);
            }
            assertThat(running.storedEvents()).isEqualTo(ACCOUNTS + CLIENTS * DEPOSITS_PER_CLIENT);
            assertThat(running.app.readModels().owner("crowd").orElseThrow().totalBalance())
                    .isEqualTo(ACCOUNTS
                            + acknowledged.values().stream()
                                    .mapToLong(LongAdder::sum)
                                    .sum());
        }
    }
}
