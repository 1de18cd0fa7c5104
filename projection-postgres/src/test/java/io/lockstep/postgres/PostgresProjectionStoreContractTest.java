package io.lockstep.postgres;

import io.lockstep.postgres.testing.TestDatabase;
import io.lockstep.projection.ProjectionStore;
import io.lockstep.projection.ProjectionStoreContract;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The PostgreSQL store keeps the {@link ProjectionStore} contract. */
class PostgresProjectionStoreContractTest extends ProjectionStoreContract<PostgresTransaction> {

    private static TestDatabase db;
    private static PostgresProjectionStore store;

    @BeforeAll
    static void createDatabase() {
        db = TestDatabase.create();
        store = PostgresProjectionStore.builder(db.dataSource()).build();
    }

    @AfterAll
    static void dropDatabase() {
        db.close();
    }

    @Override
    protected ProjectionStore<PostgresTransaction> store() {
        return store;
    }
}
