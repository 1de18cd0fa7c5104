/** The running application: the database (embedded or external), the wiring of log, projection, commands and HTTP, and the load simulation. */
package io.lockstep.example.accounts.app;
