package io.lockstep.postgres.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The README's table of the SQLStates that are the environment's is the rule {@link SqlFailures} applies: every
 * state it lists is the environment's, every state it names as an event's is not, and of all PostgreSQL's SQLState
 * classes exactly those the table lists are the environment's.
 */
class SqlFailuresTest {

    /** Every SQLState class of PostgreSQL 17 (Appendix A of its documentation). */
    private static final List<String> POSTGRES_CLASSES = List.of(
            "00", "01", "02", "03", "08", "09", "0A", "0B", "0F", "0L", "0P", "0Z", "20", "21", "22", "23", "24", "25",
            "26", "27", "28", "2B", "2D", "2F", "34", "38", "39", "3B", "3D", "3F", "40", "42", "44", "53", "54", "55",
            "57", "58", "72", "F0", "HV", "P0", "XX");

    private static final Pattern STATE = Pattern.compile("`([0-9A-Z]{2})(xxx|[0-9A-Z]{3})`");

    private static String readme() throws IOException {
        return Files.readString(Path.of("../README.md"));
    }

    /** @return the SQLStates (a class as {@code 08xxx}) in the first column of the README's table */
    private static List<String> tableStates() throws IOException {
        String readme = readme();
        int start = readme.indexOf("| SQLState | what it means |");
        String table = readme.substring(start, readme.indexOf("\n\n", start));
        List<String> states = new ArrayList<>();
        for (String row : table.split("\n")) {
            String first = row.split("\\|")[1];
            Matcher m = STATE.matcher(first);
            while (m.find()) {
                states.add(m.group(1) + m.group(2));
            }
        }
        return states;
    }

    /** @return the SQLStates of the README's paragraph on failures that are an event's */
    private static List<String> eventStates() throws IOException {
        String readme = readme();
        int start = readme.indexOf("**An event's.**");
        String paragraph = readme.substring(start, readme.indexOf("\n\n", start));
        List<String> states = new ArrayList<>();
        Matcher m = STATE.matcher(paragraph);
        while (m.find()) {
            states.add(m.group(1) + m.group(2));
        }
        return states;
    }

    private static List<String> examples(String documented) {
        return documented.endsWith("xxx")
                ? List.of(documented.substring(0, 2) + "000", documented.substring(0, 2) + "P01")
                : List.of(documented);
    }

    @Test
    void everyStateOfTheReadmesTableIsTheEnvironments() throws IOException {
        List<String> states = tableStates();

        assertThat(states).contains("08xxx", "25006", "42501", "53xxx", "55xxx", "57xxx", "58xxx", "72000");
        for (String documented : states) {
            for (String state : examples(documented)) {
                assertThat(SqlFailures.reason(state)).as(state).isNotNull();
                assertThat(SqlFailures.isTransient(new SQLException("simulated", state)))
                        .as(state)
                        .isTrue();
            }
        }
    }

    @Test
    void everyStateTheReadmeCallsAnEventsIsNot() throws IOException {
        List<String> states = eventStates();

        assertThat(states).contains("22xxx", "23xxx", "21000", "44000", "54xxx", "P0001");
        for (String documented : states) {
            for (String state : examples(documented)) {
                assertThat(SqlFailures.reason(state)).as(state).isNull();
            }
        }
    }

    @Test
    void ofAllSqlStateClassesExactlyThoseInTheTableAreTheEnvironments() throws IOException {
        List<String> tableClasses = tableStates().stream()
                .filter(s -> s.endsWith("xxx") || s.endsWith("000"))
                .map(s -> s.substring(0, 2))
                .toList();

        for (String sqlClass : POSTGRES_CLASSES) {
            assertThat(SqlFailures.reason(sqlClass + "000") != null)
                    .as("class %s: the environment's in the code iff in the README's table", sqlClass)
                    .isEqualTo(tableClasses.contains(sqlClass));
        }
        assertThat(SqlFailures.reason("25001")).as("25001, active transaction").isNull();
    }
}
