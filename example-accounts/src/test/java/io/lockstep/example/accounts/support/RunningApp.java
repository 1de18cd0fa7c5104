package io.lockstep.example.accounts.support;

import io.lockstep.example.accounts.app.AccountsApp;
import io.lockstep.example.accounts.app.Database;
import io.lockstep.example.accounts.app.Pools;
import io.lockstep.postgres.testing.TestDatabase;
import java.nio.file.Path;
import java.util.Optional;

/** The application on a test database of its own, serving HTTP on a free port. */
public final class RunningApp implements AutoCloseable {

    public final TestDatabase db;
    public final Database database;
    public final AccountsApp app;
    public final Http http;

    private RunningApp(TestDatabase db) {
        this.db = db;
        this.database = Database.open(Optional.of(db.jdbcUrl()), Path.of("unused"));
        this.app = AccountsApp.start(Pools.open(database, Pools.Sizes.SERVE), AccountsApp.POSITION_WAIT);
        this.http = new Http(app.listen("127.0.0.1", 0));
    }

    public static RunningApp start() {
        TestDatabase db = TestDatabase.create(4);
        try {
            return new RunningApp(db);
        } catch (RuntimeException e) {
            db.close();
            throw e;
        }
    }

    /** @return how many events the log holds (sequenced or not) */
    public long storedEvents() {
        return db.queryLong("SELECT count(*) FROM lockstep.events");
    }

    @Override
    public void close() {
        try {
            app.close();
            database.close();
        } finally {
            db.close();
        }
    }
}
