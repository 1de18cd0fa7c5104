package io.lockstep.projection;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Objects;

/**
 * The bucket of a stream: one of {@value #COUNT} slices of the stream-id space, the unit that partitions of a
 * projection divide among themselves. Every event of a stream falls in the stream's bucket, so one partition
 * handles a stream's events, in order.
 *
 * <p>The hash is the low 10 bits of the first four bytes (big-endian) of the MD5 digest of the stream id's
 * UTF-8 bytes: fixed by definition, so it is the same on every JVM, every PostgreSQL version and every
 * platform, and PostgreSQL computes the same value in a generated column
 * ({@code ('x' || substr(md5(stream_id), 1, 8))::bit(32)::int & 1023}, in a UTF-8 database). MD5 is used
 * for its spread and its availability on both sides, not for security. Thread-safe.
 */
public final class StreamBuckets {

    /** How many buckets there are; a partition count divides it. */
    public static final int COUNT = 1024;

    private StreamBuckets() {}

    /** @return the bucket of {@code streamId}, 0..1023 */
    public static int of(String streamId) {
        Objects.requireNonNull(streamId, "streamId");
        try {
            byte[] digest = MessageDigest.getInstance("MD5").digest(streamId.getBytes(StandardCharsets.UTF_8));
            return ((digest[2] & 0x03) << 8) | (digest[3] & 0xff);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has MD5", e);
        }
    }
}
