package io.lockstep.projection;

/** The in-memory store keeps the {@link ProjectionStore} contract. */
class InMemoryProjectionStoreTest extends ProjectionStoreContract<InMemoryTransaction> {

    private final InMemoryProjectionStore store = ProjectionStore.inMemory();

    @Override
    protected ProjectionStore<InMemoryTransaction> store() {
        return store;
    }
}
