/** The read side: the accounts projection (account_balance and owner_summary through jOOQ classes generated from the Flyway script) and the queries over it. */
package io.lockstep.example.accounts.readmodel;
