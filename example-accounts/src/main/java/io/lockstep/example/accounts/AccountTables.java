package io.lockstep.example.accounts;

import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.table;

import org.jooq.Field;
import org.jooq.Record;
import org.jooq.Table;

/** jOOQ handles on the example's read-model table (db/accounts/V1__create_account_balance.sql). */
final class AccountTables {

    static final Table<Record> ACCOUNT_BALANCE = table(name("account_balance"));
    static final Field<String> ACCOUNT_ID = field(name("account_id"), String.class);
    static final Field<String> OWNER = field(name("owner"), String.class);
    static final Field<Long> BALANCE = field(name("balance"), Long.class);
    static final Field<Integer> TRANSACTIONS = field(name("transactions"), Integer.class);
    static final Field<Boolean> CLOSED = field(name("closed"), Boolean.class);
    static final Field<Long> LAST_POSITION = field(name("last_position"), Long.class);

    private AccountTables() {
    }
}
