package io.lockstep.example.accounts;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Collectors;

/** Keeps README.md's code examples equal to the compiled code they quote (this module's and the quick start's). */
class ReadmeExampleTest {

    private static final String START = "// README example: start";
    private static final String END = "// README example: end";

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(
            strings = {
                "src/main/java/io/lockstep/example/accounts/readmodel/AccountsProjection.java",
                "src/main/java/io/lockstep/example/accounts/ProjectionsOnVertx.java",
                "src/main/java/io/lockstep/example/accounts/redis/TopBalances.java",
                "src/test/java/io/lockstep/example/accounts/ReadmeSnippets.java",
                "../example-quickstart/src/main/java/com/example/quickstart/OrderTotals.java",
                "../example-quickstart/src/main/java/com/example/quickstart/QuickstartApp.java"
            })
    void theReadmeQuotesTheCompiledExampleVerbatim(String file) throws IOException {
        // given
        String source = Files.readString(Path.of(file));
        String block = source.substring(source.indexOf(START) + START.length(), source.indexOf(END));
        String quoted = Arrays.stream(block.split("\n"))
                .map(line -> line.length() >= 8 ? line.substring(8) : line.strip())
                .collect(Collectors.joining("\n"))
                .strip();

        // when
        String readme = Files.readString(Path.of("../README.md"));

        // then
        assertThat(quoted).isNotBlank();
        assertThat(readme).contains(quoted);
    }
}
