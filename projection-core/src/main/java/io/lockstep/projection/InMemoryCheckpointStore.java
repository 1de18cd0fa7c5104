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
        return new InMemoryCheckpointStore(positions, Arguments.requireName(tenantId, "tenantId"));
    }

    /** Compare-and-set used by the in-memory projection store inside its "transaction". */
    boolean advance(CheckpointKey key, long expected, long next) {
        long stored = positions.getOrDefault(key, Arguments.NO_POSITION);
        if (stored != expected) {
            return false;
        }
        positions.put(key, next);
        return true;
    }

    long get(CheckpointKey key) {
        return positions.getOrDefault(key, Arguments.NO_POSITION);
    }

    private CheckpointKey key(String projectionName) {
        return new CheckpointKey(tenantId, projectionName);
    }
}
