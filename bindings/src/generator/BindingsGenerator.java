// Generates the Java FFM bindings from native/include/actinium.h, as jextract would: the build
// preprocesses the header (cmake: actinium_bindgen.h, with AK_BINDGEN so the AK_API/AK_SHORT
// markers stay tokens) and runs this file with the JVM that runs Maven (Java 17+ suffices).
//
//   java BindingsGenerator.java bindings <preprocessed.h> <out-src-dir>
//       -> dev/actinium/bindings/ActiniumNative.java: every enum constant as an int, every
//          function as a static method over a static final MethodHandle
//   java BindingsGenerator.java enum <preprocessed.h> <out-src-dir> <c-enum> <prefix> <java-class>
//       -> one Java enum with the C enum's rows (prefix stripped), e.g. Isa from ak_isa
//   java BindingsGenerator.java activations <preprocessed.h> <out-src-dir> <java-class>
//       -> the activation enum from the op list's rows (AK_ACTIVATIONS, AK_ACT_PARAMS): code, name,
//          flags, flop counts, and each parameter's name, default and range
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

    record Function(String name, String returnType, List<Param> params, boolean isShort) {
        /** Returns an ak_status_t: its failures leave a message in its library's last error. */
        boolean returnsStatus() {
            return returnType.equals("ak_status_t");
        }
    }

    record Op(String name, String nativeName, int params, int flags, int forwardFlops, int backwardFlops) {}

    record OpParam(String op, String name, float defaultValue, float min, float max) {}

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
            case "activations" -> write(out, args[3], ActivationEnum.source(parseEnums(text), text, args[3]));
            default -> throw new IllegalArgumentException("mode must be bindings, enum or activations, not " + args[0]);
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
            case "ak_status_t" -> "int";
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
            case "ak_status_t" -> "ValueLayout.JAVA_INT";
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
                 *
                 * <p>A function returning {@code ak_status_t} that fails keeps its library's message (CPU or
                 * CUDA: each library has its own) for {@link #lastFailure()} on the calling thread, so a
                 * caller never has to know which library to ask.
                 */
                public final class ActiniumNative {
                    private ActiniumNative() {}

                    private static final ThreadLocal<String> LAST_FAILURE = ThreadLocal.withInitial(() -> "");

                    /** The message of the last status function that failed on this thread ("" if none). */
                    public static String lastFailure() {
                        return LAST_FAILURE.get();
                    }

                    private static void failed(boolean cuda) {
                        MemorySegment message = cuda ? ak_cuda_last_error() : ak_last_error();
                        LAST_FAILURE.set(message.equals(MemorySegment.NULL) ? ""
                                : message.reinterpret(4096).getString(0));
                    }

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
                    .append("        try {\n");
            if (f.returnsStatus()) {
                s.append("            int status = (int) ").append(f.name()).append("$.HANDLE.invokeExact(")
                        .append(call)
                        .append(");\n")
                        .append("            if (status != 0) failed(").append(f.name().startsWith("ak_cuda_"))
                        .append(");\n")
                        .append("            return status;\n");
            } else {
                s.append("            ").append(jret.equals("void") ? "" : "return (" + jret + ") ")
                        .append(f.name()).append("$.HANDLE.invokeExact(").append(call).append(");\n");
            }
            s.append("        } catch (Throwable t) {\n")
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

    /** The activation enum: one constant per row of AK_ACTIVATIONS, with its parameters. */
    static final class ActivationEnum {
        static final Pattern OP = Pattern.compile("ak_op (\\w+) (\\w+) (\\d+) ([^;]*?) (\\d+) (\\d+) ;");
        static final Pattern PARAM = Pattern.compile("ak_param (\\w+) (\\w+) (\\S+) (\\S+) (\\S+) ;");

        static String source(List<CEnum> enums, String text, String javaClass) {
            Map<String, Integer> flagValues = enums.stream().filter(e -> e.name().equals("ak_act_flag")).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no enum ak_act_flag in the header")).rows();
            List<Op> ops = new ArrayList<>();
            Matcher m = OP.matcher(text);
            while (m.find()) {
                int flags = 0;
                for (String term : m.group(4).split("\\|")) {
                    term = term.trim().replaceAll("[()]", "");
                    flags |= term.matches("\\d+") ? Integer.parseInt(term) : requireFlag(flagValues, term);
                }
                ops.add(new Op(m.group(1), m.group(2), Integer.parseInt(m.group(3)), flags,
                        Integer.parseInt(m.group(5)), Integer.parseInt(m.group(6))));
            }
            if (ops.isEmpty()) {
                throw new IllegalStateException("no ak_op rows: is this the header preprocessed with AK_BINDGEN?");
            }
            List<OpParam> params = new ArrayList<>();
            m = PARAM.matcher(text);
            while (m.find()) {
                params.add(new OpParam(m.group(1), m.group(2), number(m.group(3)), number(m.group(4)),
                        number(m.group(5))));
            }
            int dot = javaClass.lastIndexOf('.');
            String pkg = javaClass.substring(0, dot), simple = javaClass.substring(dot + 1);
            StringBuilder s = new StringBuilder();
            s.append("// Generated by bindings/src/generator/BindingsGenerator.java from AK_ACTIVATIONS and\n")
                    .append("// AK_ACT_PARAMS")
                    .append(" of native/include/actinium.h. Do not edit: change the header and rebuild.\n")
                    .append("package ").append(pkg).append(";\n\n")
                    .append("import java.util.List;\n\n")
                    .append("/**\n * Every activation of the native op list, in native order, with its parameters\n")
                    .append(" * (names, defaults and valid ranges as the native library checks them). An activation\n")
                    .append(" * is a function with its default parameters; {@link #with} gives it others.\n */\n")
                    .append("public enum ").append(simple).append(" implements ActivationFunction {\n");
            List<String> rows = new ArrayList<>();
            for (int k = 0; k < ops.size(); k++) {
                Op op = ops.get(k);
                List<String> ps = new ArrayList<>();
                for (OpParam p : params) {
                    if (p.op().equals(op.name())) {
                        ps.add("new Parameter(\"" + p.name() + "\", " + literal(p.defaultValue()) + ", "
                                + literal(p.min()) + ", " + literal(p.max()) + ")");
                    }
                }
                if (ps.size() != op.params()) {
                    throw new IllegalStateException(op.name() + ": " + op.params() + " parameters in its row, "
                            + ps.size() + " in AK_ACT_PARAMS");
                }
                rows.add("    " + op.name() + "(" + k + ", \"" + op.nativeName() + "\", " + op.flags() + ", "
                        + op.forwardFlops() + ", " + op.backwardFlops() + ", List.of(" + String.join(", ", ps) + "))");
            }
            s.append(String.join(",\n", rows)).append(";\n\n");
            flagValues.forEach((k, v) -> s.append("    /** {@code ").append(k).append("} of the row's flags. */\n")
                    .append("    public static final int ").append(k.substring("AK_ACT_".length())).append(" = ")
                    .append(v)
                    .append(";\n"));
            s.append("""

                        /** A parameter of an activation: its name, PyTorch's default, the closed range it lies in. */
                        public record Parameter(String name, float defaultValue, float min, float max) {}

                        private final int code;
                        private final String nativeName;
                        private final int flags;
                        private final int forwardFlops, backwardFlops;
                        private final List<Parameter> parameters;

                    """).append("    ").append(simple).append("""
                    (int code, String nativeName, int flags, int forwardFlops, int backwardFlops,
                                List<Parameter> parameters) {
                            this.code = code;
                            this.nativeName = nativeName;
                            this.flags = flags;
                            this.forwardFlops = forwardFlops;
                            this.backwardFlops = backwardFlops;
                            this.parameters = parameters;
                        }

                        /** The value of this row in the C enum (ak_activation). */
                        public int code() {
                            return code;
                        }

                        /** The lower-case name of this row, as the native library and benchmarks spell it. */
                        public String nativeName() {
                            return nativeName;
                        }

                        /** The row's flags: MEMORY_BOUND, FROM_OUTPUT, GATED, SEEDED. */
                        public int flags() {
                            return flags;
                        }

                        /** Gated: y = f(gate) * g(up) over the two halves of the last dimension. */
                        public boolean isGated() {
                            return (flags & GATED) != 0;
                        }

                        /** Backward from the saved output is offered (for parameters that allow it). */
                        public boolean hasBackwardFromOutput() {
                            return (flags & FROM_OUTPUT) != 0;
                        }

                        /** Stochastic: each element's function is drawn from (seed, element offset); forwardSeeded. */
                        public boolean isSeeded() {
                            return (flags & SEEDED) != 0;
                        }

                        /** A few flops per element: large outputs take streaming stores. */
                        public boolean isMemoryBound() {
                            return (flags & MEMORY_BOUND) != 0;
                        }

                        /** Arithmetic per element of the AVX-512 kernel, forward or backward (for floors). */
                        public int flops(boolean backward) {
                            return backward ? backwardFlops : forwardFlops;
                        }

                        /** The parameters, in the order of the native params array. */
                        public List<Parameter> parameters() {
                            return parameters;
                        }

                        @Override
                        public Activation op() {
                            return this;
                        }

                        @Override
                        public float[] params() {
                            float[] p = new float[parameters.size()];
                            for (int i = 0; i < p.length; i++) p[i] = parameters.get(i).defaultValue();
                            return p;
                        }

                        /** This activation with the given parameters, in the order of {@link #parameters()}. */
                        public ActivationFunction with(float... values) {
                            return new ParameterizedActivation(this, values);
                        }

                        /** This activation with one parameter set by name, the others at their defaults. */
                        public ActivationFunction with(String name, float value) {
                            return ParameterizedActivation.withOne(this, name, value);
                        }

                        /** The row with this C enum value. */
                        public static Activation ofCode(int code) {
                            if (code < 0 || code >= values().length) {
                                throw new IllegalArgumentException("no Activation with code " + code);
                            }
                            return values()[code];
                        }
                    }
                    """);
            return s.toString();
        }

        private static int requireFlag(Map<String, Integer> flags, String name) {
            Integer v = flags.get(name);
            if (v == null) throw new IllegalStateException("unknown activation flag " + name);
            return v;
        }

        /** A float of the header: 0.01f, -3.40282347e38f, ak_inf, -ak_inf. */
        private static float number(String token) {
            String t = token.trim();
            if (t.equals("ak_inf")) return Float.POSITIVE_INFINITY;
            if (t.equals("-ak_inf")) return Float.NEGATIVE_INFINITY;
            return Float.parseFloat(t.endsWith("f") ? t.substring(0, t.length() - 1) : t);
        }

        private static String literal(float v) {
            if (v == Float.POSITIVE_INFINITY) return "Float.POSITIVE_INFINITY";
            if (v == Float.NEGATIVE_INFINITY) return "Float.NEGATIVE_INFINITY";
            if (v == Float.MAX_VALUE) return "Float.MAX_VALUE";
            if (v == -Float.MAX_VALUE) return "-Float.MAX_VALUE";
            return Float.toString(v) + "f";
        }
    }
}
