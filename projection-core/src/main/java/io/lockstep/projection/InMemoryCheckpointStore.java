package io.lockstep.projection;

import io.lockstep.projection.internal.Arguments;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A {@link CheckpointStore} in a map, for tests and prototypes. Thread-safe; shares its map with every
 * tenant view made from it.
 */
final class InMemoryCheckpointStore implements CheckpointStore {

    private final Map<CheckpointKey, Long> positions;
    private final String tenantId;

    InMemoryCheckpointStore() {
        this(new ConcurrentHashMap<>(), CheckpointKey.NO_TENANT);
    }

    private InMemoryCheckpointStore(Map<CheckpointKey, Long> positions, String tenantId) {
        this.positions = positions;
        this.tenantId = tenantId;
    }

    @Override
    public long getCheckpoint(String projectionName) {
        return positions.getOrDefault(key(projectionName), Arguments.NO_POSITION);
    }

    @Override
    public void storeCheckpoint(String projectionName, long position) {
        CheckpointKey key = key(projectionName);
        Arguments.requirePosition(position, "position");
        positions.compute(key, (k, stored) -> {
            if (stored != null && stored > position) {
                throw CheckpointConflictException.backward(k, stored, position);
            }
            return position;
        });
    }

    @Override
    public void resetCheckpoint(String projectionName, long position) {
        CheckpointKey key = key(projectionName);
        positions.put(key, Arguments.requirePosition(position, "position"));
    }

    @Override
    public CheckpointStore forTenant(String tenantId) {
        return new InMemoryCheckpointStore(
                positions, Arguments.requireKeyPart(tenantId, "tenantId", CheckpointKey.MAX_LENGTH));
    }

    /**
     * Atomic compare-and-set used by the in-memory projection store at commit.
     *
     * @throws CheckpointConflictException when the stored position is not {@code expected}
     */
    void advance(CheckpointKey key, long expected, long next) {
        positions.compute(key, (k, stored) -> {
            long current = stored == null ? Arguments.NO_POSITION : stored;
            if (current != expected) {
                throw CheckpointConflictException.concurrentAdvance(k, expected, current);
            }
            return next;
        });
    }

    void set(CheckpointKey key, long position) {
        positions.put(key, position);
    }

    long get(CheckpointKey key) {
        return positions.getOrDefault(key, Arguments.NO_POSITION);
    }

    private CheckpointKey key(String projectionName) {
        return new CheckpointKey(tenantId, projectionName);
    }
}
