// Generates the Java FFM bindings from native/include/actinium.h, as jextract would: the build
// preprocesses the header (cmake: actinium_bindgen.h, with AK_BINDGEN so the AK_API/AK_SHORT
// markers stay tokens) and runs this file with the JVM that runs Maven (Java 17+ suffices).
//
//   java BindingsGenerator.java bindings <preprocessed.h> <out-src-dir>
//       -> dev/actinium/bindings/ActiniumNative.java: every enum constant as an int, every
//          function as a static method over a static final MethodHandle
//   java BindingsGenerator.java enum <preprocessed.h> <out-src-dir> <c-enum> <prefix> <java-class>
//       -> one Java enum with the C enum's rows (prefix stripped), e.g. Activation from ak_activation
//
// Nothing here is edited by hand downstream: a change to the header regenerates everything.
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public class BindingsGenerator {

    record Param(String cType, String name) {}

    record Function(String name, String returnType, List<Param> params, boolean isShort) {}

    record CEnum(String name, Map<String, Integer> rows) {}

    static final Pattern ENUM = Pattern.compile("typedef\\s+enum\\s+(\\w+)\\s*\\{([^}]*)\\}\\s*\\w+\\s*;");
    static final Pattern FUNCTION =
            Pattern.compile("ak_api\\s+(ak_short\\s+)?([\\w\\s*]+?)\\s*\\b(ak_\\w+)\\s*\\(([^)]*)\\)\\s*;");

    public static void main(String[] args) throws IOException {
        String text = Files.readString(Path.of(args[1])).replaceAll("\\s+", " ");
        Path out = Path.of(args[2]);
        switch (args[0]) {
            case "bindings" -> write(out, "dev.actinium.bindings.ActiniumNative",
                    bindings(parseEnums(text), parseFunctions(text)));
            case "enum" -> write(out, args[5], javaEnum(parseEnums(text), args[3], args[4], args[5]));
            default -> throw new IllegalArgumentException("mode must be bindings or enum, not " + args[0]);
        }
    }

    static List<CEnum> parseEnums(String text) {
        List<CEnum> enums = new ArrayList<>();
        Matcher m = ENUM.matcher(text);
        while (m.find()) {
            Map<String, Integer> rows = new LinkedHashMap<>();
            int next = 0;
            for (String row : m.group(2).split(",")) {
                row = row.trim();
                if (row.isEmpty()) continue;
                String[] kv = row.split("=");
                int value = kv.length == 2 ? Integer.decode(kv[1].trim()) : next;
                rows.put(kv[0].trim(), value);
                next = value + 1;
            }
            enums.add(new CEnum(m.group(1), rows));
        }
        if (enums.isEmpty()) throw new IllegalStateException("no enums found: is this the preprocessed header?");
        return enums;
    }

    static List<Function> parseFunctions(String text) {
        List<Function> functions = new ArrayList<>();
        Matcher m = FUNCTION.matcher(text);
        while (m.find()) {
            List<Param> params = new ArrayList<>();
            String list = m.group(4).trim();
            if (!list.equals("void") && !list.isEmpty()) {
                for (String p : list.split(",")) {
                    Matcher pm = Pattern.compile("(.*?)\\b(\\w+)$").matcher(p.trim());
                    if (!pm.matches()) {
                        throw new IllegalStateException("cannot parse parameter '" + p + "' of " + m.group(3));
                    }
                    params.add(new Param(normalize(pm.group(1)), pm.group(2)));
                }
            }
            functions.add(new Function(m.group(3), normalize(m.group(2)), params, m.group(1) != null));
        }
        if (functions.isEmpty()) throw new IllegalStateException("no ak_ functions found");
        return functions;
    }

    static String normalize(String cType) {
        return cType.replace("const", "").replaceAll("\\s+", "").trim();
    }

    static String javaType(String c) {
        if (c.endsWith("*")) return "MemorySegment";
        return switch (c) {
            case "int32_t" -> "int";
            case "int64_t" -> "long";
            case "float" -> "float";
            case "double" -> "double";
            default -> throw new IllegalStateException("no Java type for C type " + c);
        };
    }

    static String layout(String c) {
        if (c.endsWith("*")) return "ValueLayout.ADDRESS";
        return switch (c) {
            case "int32_t" -> "ValueLayout.JAVA_INT";
            case "int64_t" -> "ValueLayout.JAVA_LONG";
            case "float" -> "ValueLayout.JAVA_FLOAT";
            case "double" -> "ValueLayout.JAVA_DOUBLE";
            default -> throw new IllegalStateException("no layout for C type " + c);
        };
    }

    static String bindings(List<CEnum> enums, List<Function> functions) {
        StringBuilder s = new StringBuilder();
        s.append("""
                // Generated by bindings/src/generator/BindingsGenerator.java from native/include/actinium.h.
                // Do not edit: change the header and rebuild.
                package dev.actinium.bindings;

                import java.lang.foreign.FunctionDescriptor;
                import java.lang.foreign.MemorySegment;
                import java.lang.foreign.ValueLayout;
                import java.lang.invoke.MethodHandle;
                import java.util.List;

                /**
                 * The C ABI of Actinium, one static method per function of {@code actinium.h}.
                 * Functions prefixed {@code ak_cuda_} live in the CUDA library, the others in the CPU
                 * library; each binds on its first call. A function whose library or symbol is unavailable
                 * throws an UnsatisfiedLinkError saying why, on that call and every later one. Calls marked
                 * short in the header are linked with {@code Linker.Option.critical(true)}, so heap segments
                 * pass without a copy.
                 */
                public final class ActiniumNative {
                    private ActiniumNative() {}

                    /** A function of the header as the generator read it. */
                    public record FunctionInfo(String name, FunctionDescriptor descriptor, boolean cuda,
                                               boolean critical) {}

                """);
        for (CEnum e : enums) {
            s.append("    // enum ").append(e.name()).append('\n');
            e.rows().forEach((k, v) ->
                    s.append("    public static final int ").append(k).append(" = ").append(v).append(";\n"));
            s.append('\n');
        }
        List<String> infos = new ArrayList<>();
        for (Function f : functions) {
            String ret = f.returnType();
            String desc = (ret.equals("void") ? "FunctionDescriptor.ofVoid("
                    : "FunctionDescriptor.of(" + layout(ret) + (f.params().isEmpty() ? "" : ", "))
                    + String.join(", ", f.params().stream().map(p -> layout(p.cType())).toList()) + ")";
            // The holder binds on the first call only; Downcalls.bind never throws, so the holder always initialises.
            String info = f.name() + "$INFO";
            infos.add(info);
            s.append("    private static final FunctionInfo ").append(info).append(" = new FunctionInfo(\"")
                    .append(f.name()).append("\",\n            ").append(desc).append(", ")
                    .append(f.name().startsWith("ak_cuda_")).append(", ").append(f.isShort()).append(");\n\n")
                    .append("    private static final class ").append(f.name()).append("$ {\n")
                    .append("        static final MethodHandle HANDLE = Downcalls.bind(").append(info).append(");\n")
                    .append("    }\n\n");
            String jret = ret.equals("void") ? "void" : javaType(ret);
            String sig = String.join(", ", f.params().stream().map(p -> javaType(p.cType()) + " " + p.name()).toList());
            String call = String.join(", ", f.params().stream().map(Param::name).toList());
            s.append("    /** {@code ").append(ret).append(' ').append(f.name()).append('(')
                    .append(String.join(", ", f.params().stream().map(p -> p.cType() + " " + p.name()).toList()))
                    .append(")} */\n")
                    .append("    public static ").append(jret).append(' ').append(f.name()).append('(').append(sig)
                    .append(") {\n")
                    .append("        try {\n")
                    .append("            ").append(jret.equals("void") ? "" : "return (" + jret + ") ")
                    .append(f.name()).append("$.HANDLE.invokeExact(").append(call).append(");\n")
                    .append("        } catch (Throwable t) {\n")
                    .append("            throw NativeLibraries.rethrow(t);\n")
                    .append("        }\n")
                    .append("    }\n\n");
        }
        s.append("    /** Every function of the header, for binding checks. */\n")
                .append("    public static final List<FunctionInfo> FUNCTIONS = List.of(\n            ")
                .append(String.join(",\n            ", infos)).append(");\n");
        s.append("}\n");
        return s.toString();
    }

    static String javaEnum(List<CEnum> enums, String cName, String prefix, String javaClass) {
        CEnum e = enums.stream().filter(x -> x.name().equals(cName)).findFirst()
                .orElseThrow(() -> new IllegalStateException("no enum " + cName + " in the header"));
        int dot = javaClass.lastIndexOf('.');
        String pkg = javaClass.substring(0, dot), simple = javaClass.substring(dot + 1);
        StringBuilder s = new StringBuilder();
        s.append("// Generated by bindings/src/generator/BindingsGenerator.java from enum ").append(cName)
                .append(" of native/include/actinium.h.\n// Do not edit: change the header and rebuild.\n")
                .append("package ").append(pkg).append(";\n\n")
                .append("/** The rows of {@code ").append(cName)
                .append("} in {@code actinium.h}, in native order. */\n")
                .append("public enum ").append(simple).append(" {\n");
        List<String> rows = new ArrayList<>();
        e.rows().forEach((k, v) -> {
            if (!k.startsWith(prefix) || k.endsWith("_COUNT")) return;
            String name = k.substring(prefix.length());
            rows.add("    " + name + "(" + v + ", \"" + name.toLowerCase(Locale.ROOT) + "\")");
        });
        s.append(String.join(",\n", rows)).append(";\n\n")
                .append("    private final int code;\n    private final String nativeName;\n\n")
                .append("    ").append(simple).append("(int code, String nativeName) {\n")
                .append("        this.code = code;\n        this.nativeName = nativeName;\n    }\n\n")
                .append("    /** The value of this row in the C enum. */\n")
                .append("    public int code() {\n        return code;\n    }\n\n")
                .append("    /** The lower-case name of this row, as the native library and benchmarks spell it. */\n")
                .append("    public String nativeName() {\n        return nativeName;\n    }\n\n")
                .append("    /** The row with this C enum value. */\n")
                .append("    public static ").append(simple).append(" ofCode(int code) {\n")
                .append("        for (").append(simple).append(" v : values()) if (v.code == code) return v;\n")
                .append("        throw new IllegalArgumentException(\"no ").append(simple)
                .append(" with code \" + code);\n    }\n")
                .append("}\n");
        return s.toString();
    }

    static void write(Path outDir, String javaClass, String source) throws IOException {
        Path file = outDir.resolve(javaClass.replace('.', '/') + ".java");
        Files.createDirectories(file.getParent());
        if (Files.exists(file) && Files.readString(file).equals(source)) return;  // keep mtime: no needless recompiles
        Files.writeString(file, source);
    }
}
