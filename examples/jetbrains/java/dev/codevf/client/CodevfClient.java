package dev.codevf.client;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A command-line CodeVF client on the JDK alone: the piece a JetBrains tool window would sit on.
 * Spawns codevf-agent, creates a task, prints the engineer's messages, sends each line typed as a chat
 * message, and while an engineer request waits, reads the answer from stdin: y (once), a (this exact
 * command for the session), anything else denies. "/quit" (or end of input) ends the session.
 *
 * Usage: java -cp OUT dev.codevf.client.CodevfClient [--schemas FILE] [--cwd DIR] --description TEXT [-- AGENT COMMAND...]
 */
public final class CodevfClient {
    private final Methods m;
    private final Map<?, ?> kinds;
    private final Rpc rpc;
    private final Deque<Map<?, ?>> waiting = new ConcurrentLinkedDeque<>();
    private volatile boolean ended;

    private CodevfClient(Methods m, Map<?, ?> kinds, Process agent) {
        this.m = m;
        this.kinds = kinds;
        this.rpc = new Rpc(agent.getInputStream(), agent.getOutputStream(), this::onNotification);
    }

    public static void main(String[] args) throws Exception {
        Path schemas = Path.of("schemas", "methods.json");
        Path cwd = Path.of("").toAbsolutePath();
        String description = null;
        boolean checkKinds = false;
        List<String> agentCmd = new ArrayList<>(List.of("codevf-agent"));
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--schemas" -> schemas = Path.of(args[++i]);
                case "--cwd" -> cwd = Path.of(args[++i]).toAbsolutePath();
                case "--description" -> description = args[++i];
                case "--check-kinds" -> checkKinds = true;
                case "--" -> { agentCmd = List.of(args).subList(i + 1, args.length); i = args.length; }
                default -> { System.err.println("unknown argument " + args[i]); System.exit(2); }
            }
        }
        Map<?, ?> kinds = Kinds.load(schemas);
        if (checkKinds) {
            // Every request kind the protocol declares must be handled here; exit 1 naming the ones that are not.
            List<String> missing = Kinds.unhandled(kinds);
            say(missing.isEmpty() ? "all request kinds handled: " + new java.util.TreeSet<>(kinds.keySet().stream().map(Object::toString).toList())
                : "unhandled request kinds: " + missing);
            System.exit(missing.isEmpty() ? 0 : 1);
        }
        if (description == null || agentCmd.isEmpty()) {
            System.err.println("usage: CodevfClient [--schemas FILE] [--cwd DIR] --description TEXT [-- AGENT COMMAND...]");
            System.exit(2);
        }
        Methods methods = Methods.load(schemas);
        Process agent = new ProcessBuilder(agentCmd).directory(cwd.toFile()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        int code = new CodevfClient(methods, kinds, agent).run(description, cwd.toString());
        agent.waitFor(10, TimeUnit.SECONDS);
        agent.destroy();
        System.exit(code);
    }

    private Object call(String typeName, Map<String, Object> params) throws Exception {
        return rpc.request(m.name(typeName), params).get(60, TimeUnit.SECONDS);
    }

    private int run(String description, String cwd) throws Exception {
        Object init = call("Initialize", Map.of("clientInfo", Map.of("name", "codevf-java-example", "version", "0.1.0"),
            "capabilities", Map.of("approvals", true)));
        say("* agent " + Json.str(init, "serverInfo", "name") + " " + Json.str(init, "serverInfo", "version"));
        Object task = call("CreateTask", Map.of("description", description, "cwd", cwd));
        String taskId = Json.str(task, "taskId");
        say("task: " + taskId);

        BlockingQueue<String> lines = stdinLines();
        while (!ended) {
            String line = lines.poll(200, TimeUnit.MILLISECONDS);
            if (line == null) continue;
            if (line.equals("\u0004") || line.equals("/quit")) break;
            Map<?, ?> req = waiting.pollFirst();
            try {
                if (req != null) answer(req, line.trim());
                else if (!line.isBlank()) say("* sent (seq " + Json.str(call("SendMessage", Map.of("taskId", taskId, "text", line)), "seq") + ")");
            } catch (Exception e) {
                say("! " + e.getMessage());
            }
        }
        if (!ended) {
            Object summary = call("EndSession", Map.of("taskId", taskId));
            say("* session ended: " + Json.str(summary, "minutes") + " min, " + Json.str(summary, "creditsUsed") + " credits");
        }
        call("Shutdown", null);
        rpc.notify(m.name("Exit"), null);
        return 0;
    }

    /** y: allow once; a: allow this exact command for the session (commands only); anything else: deny. */
    private void answer(Map<?, ?> req, String choice) throws Exception {
        String requestId = Json.str(req, "requestId");
        Kinds.Asked k = Kinds.ASKED.get(Json.str(req, "kind"));
        Object r = call(k.answerType(), k.answer(requestId, choice));
        say("* " + k.done(requestId, choice, r));
    }

    /** The kind a request notification announces, from schemas/kinds.json; null for other notifications. */
    private String kindOf(String method) {
        for (Map.Entry<?, ?> e : kinds.entrySet()) {
            if (method.equals(m.name(Json.str(e.getValue(), "notificationType")))) return e.getKey().toString();
        }
        return null;
    }

    private void onRequest(String kind, Object p) {
        if (Kinds.SHOWN.containsKey(kind)) { say("* " + Kinds.SHOWN.get(kind).show((Map<?, ?>) p)); return; }
        Kinds.Asked k = Kinds.ASKED.get(kind);
        if (k == null) { say("! request of an unknown kind " + kind + " (not answered; it is denied when it times out)"); return; }
        if (Json.get(p, "refused") != null) {
            say("request " + Json.str(p, "requestId") + ": " + k.describe((Map<?, ?>) p) + "\n  refused by your agent: " + Json.str(p, "refused", "message"));
            return;
        }
        Map<String, Object> req = new java.util.HashMap<>();
        ((Map<?, ?>) p).forEach((a, b) -> req.put(a.toString(), b));
        req.put("kind", kind);
        ask(req, k.describe((Map<?, ?>) p), k.keys());
    }

    private void onNotification(String method, Object p) {
        if (method.equals(m.name("EngineerMessage"))) say("engineer: " + Json.str(p, "text"));
        else if (method.equals(m.name("AiMessage"))) say("AI (" + Json.str(p, "aiTitle") + "): " + Json.str(p, "text"));
        else if (method.equals(m.name("Handoff"))) say("* handed over to a human engineer (" + Json.str(p, "reason") + ")");
        else if (method.equals(m.name("EngineerConnected"))) say("* " + Json.str(p, "engineer", "name") + " joined");
        else if (kindOf(method) != null) onRequest(kindOf(method), p);
        else if (method.equals(m.name("RequestResolved"))) resolved(p);
        else if (method.equals(m.name("CommandOutput"))) { System.out.print(Json.str(p, "data")); System.out.flush(); }
        else if (method.equals(m.name("CommandFinished"))) say("* command " + Json.str(p, "requestId") + " finished: exit "
            + Json.str(p, "exitCode") + (Json.get(p, "signal") != null ? " signal " + Json.str(p, "signal") : ""));
        else if (method.equals(m.name("SessionEnd"))) { say("* session ended by the engineer (" + Json.str(p, "reason") + ")"); ended = true; }
    }

    private void ask(Object p, String what, String prompt) {
        if (p instanceof Map<?, ?> req) waiting.addLast(req);
        boolean ai = "ai".equals(Json.str(p, "requester", "type"));
        say("request " + Json.str(p, "requestId") + ": " + what
            + (ai ? "\n  asked by the AI: " + Json.str(p, "requester", "name") : "\n  engineer: " + Json.str(p, "engineer"))
            + "\n  reason: " + Json.str(p, "reason") + "\n" + prompt + ":");
    }

    /** A rule, a timeout or a policy may settle a request first: drop it from the answer queue. */
    private void resolved(Object p) {
        String id = Json.str(p, "requestId");
        waiting.removeIf(r -> id.equals(Json.str(r, "requestId")));
        if (!"customer".equals(Json.str(p, "decidedBy"))) say("* request " + id + ": " + Json.str(p, "decision") + " by " + Json.str(p, "decidedBy"));
    }

    private static void say(String line) {
        System.out.println(line);
        System.out.flush();
    }

    /** Lines from stdin on a daemon thread; "\u0004" marks the end of input. */
    private static BlockingQueue<String> stdinLines() {
        BlockingQueue<String> q = new LinkedBlockingQueue<>();
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
                for (String l; (l = r.readLine()) != null; ) q.add(l);
            } catch (Exception ignored) { /* treated as end of input */ }
            q.add("\u0004");
        }, "codevf-stdin");
        t.setDaemon(true);
        t.start();
        return q;
    }
}
