package dev.codevf.client;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;

/**
 * JSON-RPC 2.0 over Content-Length framing (as LSP4J speaks it): requests with futures, notifications to a
 * listener. One reader thread; writes are synchronized so each frame goes out whole.
 */
public final class Rpc {
    private final InputStream in;
    private final OutputStream out;
    private final AtomicLong nextId = new AtomicLong(1);
    private final Map<Long, CompletableFuture<Object>> pending = new ConcurrentHashMap<>();
    private final BiConsumer<String, Object> onNotification;
    private final CompletableFuture<Void> closed = new CompletableFuture<>();

    /** Thrown into a request's future when the agent answers with an error. */
    public static final class RpcException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        public final long code;
        public final Object data;
        RpcException(long code, String message, Object data) {
            super(message + " (" + code + ")");
            this.code = code;
            this.data = data;
        }
    }

    public Rpc(InputStream in, OutputStream out, BiConsumer<String, Object> onNotification) {
        this.in = in;
        this.out = out;
        this.onNotification = onNotification;
        Thread t = new Thread(this::readLoop, "codevf-rpc-reader");
        t.setDaemon(true);
        t.start();
    }

    public CompletableFuture<Void> closed() { return closed; }

    public CompletableFuture<Object> request(String method, Object params) {
        long id = nextId.getAndIncrement();
        CompletableFuture<Object> f = new CompletableFuture<>();
        pending.put(id, f);
        Map<String, Object> msg = new LinkedHashMap<>();
        msg.put("jsonrpc", "2.0");
        msg.put("id", id);
        msg.put("method", method);
        if (params != null) msg.put("params", params);
        try {
            send(msg);
        } catch (IOException e) {
            pending.remove(id);
            f.completeExceptionally(e);
        }
        return f;
    }

    public void notify(String method, Object params) throws IOException {
        Map<String, Object> msg = new LinkedHashMap<>();
        msg.put("jsonrpc", "2.0");
        msg.put("method", method);
        if (params != null) msg.put("params", params);
        send(msg);
    }

    private synchronized void send(Map<String, Object> msg) throws IOException {
        byte[] body = Json.write(msg).getBytes(StandardCharsets.UTF_8);
        out.write(("Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(body);
        out.flush();
    }

    private void readLoop() {
        try {
            while (true) {
                byte[] body = readFrame();
                if (body == null) break;
                dispatch(Json.parse(new String(body, StandardCharsets.UTF_8)));
            }
        } catch (IOException | RuntimeException e) {
            System.err.println("codevf-client: connection failed: " + e.getMessage());
        } finally {
            IOException gone = new IOException("the agent closed the connection");
            pending.values().forEach(f -> f.completeExceptionally(gone));
            closed.complete(null);
        }
    }

    /** Headers up to an empty line, then exactly Content-Length bytes; null at end of stream. */
    private byte[] readFrame() throws IOException {
        long length = -1;
        while (true) {
            String line = readHeaderLine();
            if (line == null) return null;
            if (line.isEmpty()) break;
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase("Content-Length")) {
                length = Long.parseLong(line.substring(colon + 1).trim());
            }
        }
        if (length < 0) throw new IOException("frame without Content-Length");
        byte[] body = in.readNBytes((int) length);
        if (body.length < length) return null;
        return body;
    }

    private String readHeaderLine() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        while (true) {
            int c = in.read();
            if (c < 0) return null;
            if (c == '\n') break;
            if (c != '\r') b.write(c);
        }
        return b.toString(StandardCharsets.US_ASCII);
    }

    private void dispatch(Object msg) {
        Object id = Json.get(msg, "id");
        Object method = Json.get(msg, "method");
        if (method == null && id instanceof Number n) {
            CompletableFuture<Object> f = pending.remove(n.longValue());
            if (f == null) return;
            Object err = Json.get(msg, "error");
            if (err != null) {
                Object code = Json.get(err, "code");
                f.completeExceptionally(new RpcException(code instanceof Number c ? c.longValue() : -32603,
                    String.valueOf(Json.get(err, "message")), Json.get(err, "data")));
            } else f.complete(Json.get(msg, "result"));
        } else if (method != null && id == null) {
            onNotification.accept(method.toString(), Json.get(msg, "params"));
        } else if (method != null) {
            Map<String, Object> reply = new LinkedHashMap<>();
            reply.put("jsonrpc", "2.0");
            reply.put("id", id);
            reply.put("error", Map.of("code", -32601, "message", "This client answers no requests: " + method));
            try { send(reply); } catch (IOException ignored) { /* the reader loop sees the close */ }
        }
    }
}
