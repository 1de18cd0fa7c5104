package io.lockstep.example.accounts.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * HTTP/1.1 over a plain socket, for what a well-behaved client library will not send: chunked bodies of any
 * size, over-long request lines and headers. Reads the answer until the server closes the connection or the
 * body's {@code Content-Length} is in.
 */
public final class RawHttp {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private RawHttp() {}

    /** An answer: status, the header block (lower-cased names) and the body. */
    public record Answer(int status, String headers, String body) {
        /** @return the body as JSON, or null when it is not */
        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                return null;
            }
        }
    }

    /**
     * Sends {@code head} (request line and headers, without the blank line), then lets {@code body} write to the
     * socket (it may fail half-way when the server answers and closes early), then reads the answer.
     */
    public static Answer exchange(int port, String head, Consumer<OutputStream> body) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            out.write((head + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            try {
                body.accept(out);
                out.flush();
            } catch (RuntimeException e) {
                if (!(e.getCause() instanceof SocketException)) {
                    throw e;
                }
                // the server answered and closed while the body was still being sent: read its answer
            }
            return read(socket.getInputStream());
        }
    }

    /** Writes {@code total} bytes of spaces as chunks of {@code chunk} bytes, then the last chunk. */
    public static Consumer<OutputStream> chunked(long total, int chunk) {
        return out -> {
            try {
                byte[] data = " ".repeat(chunk).getBytes(StandardCharsets.US_ASCII);
                for (long sent = 0; sent < total; sent += chunk) {
                    out.write((Integer.toHexString(chunk) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                    out.write(data);
                    out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                }
                out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            } catch (IOException e) {
                throw new RuntimeException(new SocketException(e.getMessage()));
            }
        };
    }

    private static Answer read(InputStream in) throws IOException {
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        int headEnd = -1;
        long expected = Long.MAX_VALUE;
        try {
            for (int n; received.size() < headEnd + expected && (n = in.read(buffer)) > 0; ) {
                received.write(buffer, 0, n);
                String text = received.toString(StandardCharsets.ISO_8859_1);
                if (headEnd < 0 && text.contains("\r\n\r\n")) {
                    headEnd = text.indexOf("\r\n\r\n") + 4;
                    String head = text.substring(0, headEnd).toLowerCase(Locale.ROOT);
                    int length = head.indexOf("content-length:");
                    if (length >= 0) {
                        expected = Long.parseLong(head.substring(length + 15, head.indexOf("\r\n", length))
                                .strip());
                    }
                }
            }
        } catch (SocketException reset) {
            // the server closed the connection right after answering
        }
        String text = received.toString(StandardCharsets.UTF_8);
        if (!text.contains("\r\n\r\n")) {
            throw new IOException("no complete answer; received: " + text);
        }
        String head = text.substring(0, text.indexOf("\r\n\r\n"));
        int status = Integer.parseInt(head.substring(9, 12));
        return new Answer(status, head.toLowerCase(Locale.ROOT), text.substring(text.indexOf("\r\n\r\n") + 4));
    }
}
