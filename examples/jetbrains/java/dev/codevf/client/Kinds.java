package dev.codevf.client;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * How this client shows and answers each kind of engineer request. The kinds are listed in the generated
 * {@code schemas/kinds.json}; {@link #unhandled} names any listed kind without an entry here, and the test
 * (and {@code --check-kinds}) fails on it, so a new kind cannot slip through as "not a command, so a file".
 */
final class Kinds {
    /** An asked kind: what the prompt says, what the keys mean, and the answer call. */
    interface Asked {
        String describe(Map<?, ?> req);
        String keys();
        /** Type name of the answer method and its params for the typed choice. */
        String answerType();
        Map<String, Object> answer(String requestId, String choice);
        String done(String requestId, String choice, Object result);
    }

    /** A kind that is shown and never asked. */
    interface Shown {
        String show(Map<?, ?> req);
    }

    static boolean yes(String c) {
        return c.equalsIgnoreCase("y") || c.equalsIgnoreCase("yes") || c.equalsIgnoreCase("a");
    }

    /** y or n only ("a", always, is for commands). */
    static Map<String, Object> yesOrNo(String id, String c) {
        return Map.of("requestId", id, "decision", yes(c) && !c.equalsIgnoreCase("a") ? "allow" : "deny");
    }

    static final Map<String, Asked> ASKED = Map.of(
        "command", new Asked() {
            public String describe(Map<?, ?> p) { return "run `" + Json.str(p, "command") + "`\n  in " + Json.str(p, "workingDirectory"); }
            public String keys() { return "allow? [y] once, [a] always this exact command, [n] deny"; }
            public String answerType() { return "ApproveCommand"; }
            public Map<String, Object> answer(String id, String c) {
                return Map.of("requestId", id, "decision", yes(c) ? "allow" : "deny", "scope", c.equalsIgnoreCase("a") ? "session" : "once");
            }
            public String done(String id, String c, Object r) {
                return (yes(c) ? "allowed " : "denied ") + id + (Boolean.TRUE.equals(Json.get(r, "started")) ? " (running)" : "");
            }
        },
        "file", new Asked() {
            public String describe(Map<?, ?> p) {
                return "read " + Json.str(p, "path") + (Json.get(p, "neverShare") != null ? "\n  never-share: " + Json.str(p, "neverShare") : "");
            }
            public String keys() { return "share? [y] yes, [n] no"; }
            public String answerType() { return "UploadFile"; }
            public Map<String, Object> answer(String id, String c) { return yesOrNo(id, c); }
            public String done(String id, String c, Object r) {
                return Boolean.TRUE.equals(Json.get(r, "sent")) ? "shared " + Json.str(r, "path") : "denied " + id;
            }
        },
        "write", new Asked() {
            public String describe(Map<?, ?> p) {
                return "change " + Json.str(p, "path") + (Boolean.TRUE.equals(Json.get(p, "newFile")) ? " (new file)" : "") + ":\n" + Json.str(p, "diff");
            }
            public String keys() { return "apply this change? [y] yes, [n] no"; }
            public String answerType() { return "ApproveWrite"; }
            public Map<String, Object> answer(String id, String c) { return yesOrNo(id, c); }
            public String done(String id, String c, Object r) {
                return Boolean.TRUE.equals(Json.get(r, "written")) ? "wrote " + Json.str(r, "path") : "denied " + id;
            }
        });

    static final Map<String, Shown> SHOWN = Map.of(
        "screenshare", p -> "the engineer offers a screenshare: " + Json.str(p, "url"));

    private Kinds() {}

    /** schemas/kinds.json's "kinds" object, read from the folder of methods.json. */
    static Map<?, ?> load(Path methodsJson) throws IOException {
        Path file = methodsJson.resolveSibling("kinds.json");
        if (!(Json.get(Json.parse(Files.readString(file, StandardCharsets.UTF_8)), "kinds") instanceof Map<?, ?> k)) {
            throw new IOException(file + " has no \"kinds\" object");
        }
        return k;
    }

    /** Kinds in the table without a handler of the right sort here (asked kinds need an answer, shown ones a view). */
    static List<String> unhandled(Map<?, ?> kinds) {
        TreeSet<String> missing = new TreeSet<>();
        for (Map.Entry<?, ?> e : kinds.entrySet()) {
            String kind = e.getKey().toString();
            boolean asked = Json.get(e.getValue(), "answer") != null;
            if (asked ? !ASKED.containsKey(kind) : !SHOWN.containsKey(kind)) missing.add(kind);
        }
        return new ArrayList<>(missing);
    }
}
