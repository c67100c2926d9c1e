package dev.codevf.client;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Method names read at run time from the generated {@code schemas/methods.json} (written by {@code npm run gen}),
 * looked up by their type name, so this client never keeps its own copy of the protocol's names.
 */
public final class Methods {
    private final Map<?, ?> methods;

    private Methods(Map<?, ?> methods) { this.methods = methods; }

    public static Methods load(Path file) throws IOException {
        Object doc = Json.parse(Files.readString(file, StandardCharsets.UTF_8));
        if (!(Json.get(doc, "methods") instanceof Map<?, ?> m)) throw new IOException(file + " has no \"methods\" object");
        return new Methods(m);
    }

    /** The wire name of the method or notification with this type name, e.g. "CreateTask" -> "createTask". */
    public String name(String typeName) {
        for (Map.Entry<?, ?> e : methods.entrySet()) {
            if (typeName.equals(Json.get(e.getValue(), "typeName"))) return e.getKey().toString();
        }
        throw new IllegalStateException("schemas/methods.json has no method with typeName " + typeName + "; regenerate it with npm run gen");
    }
}
