package io.lockstep.projection;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.LongStream;

/** Constants and step helpers the runner and operator test fixtures share. */
abstract class StepFixture {

    static final String NAME = "balances";
    static final RetryPolicy FAST_RETRIES = new RetryPolicy(3, Duration.ZERO, Duration.ZERO);
    static final Duration PATIENCE = Duration.ofSeconds(10);
    static final int STEP_LIMIT = 10_000;

    /** @return each position of {@code from..to} mapped to {@code times} applications */
    static Map<Long, Integer> each(long from, long to, int times) {
        return LongStream.rangeClosed(from, to).boxed().collect(Collectors.toMap(Function.identity(), p -> times));
    }

    /** @return each position of {@code from..to} mapped to one application */
    static Map<Long, Integer> onceEach(long from, long to) {
        return each(from, to, 1);
    }

    /** @return each of {@code positions} mapped to one application */
    static Map<Long, Integer> onceEach(LongStream positions) {
        return positions.boxed().collect(Collectors.toMap(Function.identity(), p -> 1));
    }

    /** Steps until {@code last} accepts a result (included), failing the test after {@link #STEP_LIMIT} steps. */
    static List<StepResult> stepUntil(ProjectionRunner runner, Predicate<StepResult> last) {
        List<StepResult> results = new ArrayList<>();
        for (int i = 0; i < STEP_LIMIT; i++) {
            StepResult result = runner.step();
            results.add(result);
            if (last.test(result)) {
                return results;
            }
        }
        throw new AssertionError("no final step result after " + STEP_LIMIT + " steps; last ones: "
                + results.subList(results.size() - 5, results.size()));
    }

    static List<StepResult> stepUntilIdle(ProjectionRunner runner) {
        return stepUntil(runner, StepResult.Idle.class::isInstance);
    }
}
