package io.lockstep.projection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class PartitionTest {

    @Test
    void bucketsAreTheLowTenBitsOfTheFirstFourBytesOfTheMd5() {
        // md5('acc-1') = fbf7ea52..., 0xea52 & 1023 = 594 (the value PostgreSQL computes, see V7)
        assertThat(StreamBuckets.of("acc-1")).isEqualTo(594);
        assertThat(StreamBuckets.of("ada-1")).isEqualTo(920);
        assertThat(StreamBuckets.of("é€")).isEqualTo(493);
    }

    @Test
    void thePartitionsOfACountCoverEveryBucketOnce() {
        for (int count = 1; count <= StreamBuckets.COUNT; count *= 2) {
            List<Partition> all = Partition.all(count);
            assertThat(IntStream.range(0, StreamBuckets.COUNT)
                            .allMatch(
                                    b -> all.stream().filter(p -> p.contains(b)).count() == 1))
                    .isTrue();
        }
    }

    @Test
    void childrenSplitAPartitionsBucketsAndTheParentHoldsThem() {
        Partition p = new Partition(1, 4);
        List<Partition> children = p.children();
        assertThat(children).containsExactly(new Partition(2, 8), new Partition(3, 8));
        assertThat(children.get(0).firstBucket()).isEqualTo(p.firstBucket());
        assertThat(children.get(1).endBucket()).isEqualTo(p.endBucket());
        assertThat(children).allSatisfy(c -> assertThat(c.parent()).isEqualTo(p));
    }

    @Test
    void checkpointNamesKeepTheProjectionsNameForOnePartition() {
        assertThat(Partition.WHOLE.checkpointName("accounts")).isEqualTo("accounts");
        assertThat(new Partition(2, 4).checkpointName("accounts")).isEqualTo("accounts[2/4]");
    }

    @Test
    void countsThatAreNotPowersOfTwoAreRefusedWithTheFix() {
        assertThatThrownBy(() -> new Partition(0, 3))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("partition count 3")
                .hasMessageContaining("power of two");
        assertThatThrownBy(() -> new Partition(4, 4)).hasMessageContaining("outside 0..3");
        assertThatThrownBy(() -> Partition.all(2048)).hasMessageContaining("2048");
    }
}
