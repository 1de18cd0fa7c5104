/**
 * A test kit for applications' projection tests on PostgreSQL: given events, when projected, then rows.
 */
package io.lockstep.postgres.testkit;
