package io.lockstep.postgres;

import io.lockstep.postgres.testing.TestDatabase;
import io.lockstep.projection.ProjectionStore;
import io.lockstep.projection.ProjectionStoreContract;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The PostgreSQL store keeps the {@link ProjectionStore} contract. */
class PostgresProjectionStoreContractTest extends ProjectionStoreContract<PostgresTransaction> {

    @RegisterExtension
    static final TestDatabase db = TestDatabase.perClass(4);

    private static PostgresProjectionStore store;

    @BeforeAll
    static void createStore() {
        store = PostgresProjectionStore.builder(db.dataSource()).build();
    }

    @Override
    protected ProjectionStore<PostgresTransaction> store() {
        return store;
    }
}
