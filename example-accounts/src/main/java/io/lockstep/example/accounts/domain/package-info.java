/** The write side of the accounts domain: events, the account's rules, and the command handlers that append with the stream's expected version. */
package io.lockstep.example.accounts.domain;
