package io.lockstep.postgres.eventlog;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class StreamVersionsTest {

    static final StreamVersions.Epoch EPOCH =
            new StreamVersions.Epoch(Instant.parse("2026-11-26T08:00:00Z"), "base/16384/16402");
    static final StreamVersions.Epoch RESTARTED =
            new StreamVersions.Epoch(Instant.parse("2026-11-26T09:00:00Z"), "base/16384/16402");

    final StreamVersions versions = new StreamVersions();

    @Test
    void keepsTheHighestVersionWithItsEpoch() {
        // when: two appends of this process commit out of order
        versions.reached(EPOCH, "s", 7);
        versions.reached(EPOCH, "s", 5);

        // then
        assertThat(versions.versionOf("s")).isEqualTo(new StreamVersions.Remembered(EPOCH, 7));
        assertThat(versions.versionOf("other")).isEqualTo(StreamVersions.NONE);
        assertThat(StreamVersions.NONE.known()).isFalse();
    }

    @Test
    void aNewEpochForgetsWhatWasRememberedUnderTheOldOne() {
        // given
        versions.reached(EPOCH, "s", 7);

        // when
        versions.reached(RESTARTED, "t", 2);

        // then
        assertThat(versions.versionOf("s")).isEqualTo(StreamVersions.NONE);
        assertThat(versions.versionOf("t")).isEqualTo(new StreamVersions.Remembered(RESTARTED, 2));
    }

    @Test
    void forgetsOneStreamOrAll() {
        // given
        versions.reached(EPOCH, "s", 7);
        versions.reached(EPOCH, "t", 3);

        // when / then
        versions.forget("s");
        assertThat(versions.versionOf("s")).isEqualTo(StreamVersions.NONE);
        assertThat(versions.versionOf("t").known()).isTrue();
        versions.forgetAll(RESTARTED); // another thread already moved on: keep
        assertThat(versions.versionOf("t").known()).isTrue();
        versions.forgetAll(EPOCH);
        assertThat(versions.versionOf("t")).isEqualTo(StreamVersions.NONE);
    }

    @Test
    void startsOverPastItsBound() {
        // given: as many streams as it keeps
        for (int i = 0; i < StreamVersions.MAX_STREAMS; i++) {
            versions.reached(EPOCH, "s" + i, i);
        }
        versions.reached(EPOCH, "s0", 1); // a remembered stream does not count twice

        // when
        versions.reached(EPOCH, "one-more", 1);

        // then
        assertThat(versions.versionOf("s0")).isEqualTo(StreamVersions.NONE);
        assertThat(versions.versionOf("one-more").known()).isTrue();
    }
}
