package dev.actinium.bench;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * One-node (or two-node) ONNX models written in code: ONNX Runtime's Java package has no graph
 * builder, and a model file per op would be a binary in the repository. Writes the protobuf wire
 * format of onnx.proto (ModelProto, GraphProto, NodeProto, AttributeProto, ValueInfoProto) for
 * float tensors of one dynamic dimension "n".
 */
final class OnnxModel {
    private OnnxModel() {}

    /** Protobuf wire format: varints and length-delimited fields, the two kinds these messages use. */
    static final class Message {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Message varint(int field, long value) {
            tag(field, 0);
            raw(value);
            return this;
        }

        Message bytes(int field, byte[] value) {
            tag(field, 2);
            raw(value.length);
            out.writeBytes(value);
            return this;
        }

        Message string(int field, String value) {
            return bytes(field, value.getBytes(StandardCharsets.UTF_8));
        }

        Message message(int field, Message value) {
            return bytes(field, value.out.toByteArray());
        }

        byte[] toBytes() {
            return out.toByteArray();
        }

        private void tag(int field, int wireType) {
            raw(((long) field << 3) | wireType);
        }

        private void raw(long value) {
            while ((value & ~0x7fL) != 0) {
                out.write((int) ((value & 0x7f) | 0x80));
                value >>>= 7;
            }
            out.write((int) value);
        }
    }

    /** A node of the graph: op_type in domain ("" for the standard ops), with string attributes. */
    record Node(String opType, String domain, String[] inputs, String output, String... stringAttributes) {}

    private static final int FLOAT = 1, BFLOAT16 = 16;  // TensorProto.DataType
    private static final int ATTRIBUTE_STRING = 3;  // AttributeProto.AttributeType

    /** A model whose graph computes the nodes in order from input "x" to output "y" (BF16 or F32). */
    static byte[] model(boolean bf16, Node... nodes) {
        Message graph = new Message();
        for (int i = 0; i < nodes.length; i++) {
            Node node = nodes[i];
            Message m = new Message();
            for (String input : node.inputs()) m.string(1, input);
            m.string(2, node.output()).string(3, "node" + i).string(4, node.opType());
            for (int a = 0; a + 1 < node.stringAttributes().length; a += 2) {
                m.message(5, new Message().string(1, node.stringAttributes()[a]).varint(20, ATTRIBUTE_STRING)
                        .string(4, node.stringAttributes()[a + 1]));
            }
            if (!node.domain().isEmpty()) m.string(7, node.domain());
            graph.message(1, m);
        }
        graph.string(2, "actinium_baseline").message(11, vector("x", bf16)).message(12, vector("y", bf16));
        return new Message()
                .varint(1, 9)  // IR version 9 (ONNX 1.15)
                .string(2, "actinium-bench")
                .message(7, graph)
                .message(8, new Message().string(1, "").varint(2, 20))  // opset 20: Gelu with approximate
                .message(8, new Message().string(1, "com.microsoft").varint(2, 1))
                .toBytes();
    }

    private static Message vector(String name, boolean bf16) {
        Message shape = new Message().message(1, new Message().string(2, "n"));
        Message tensor = new Message().varint(1, bf16 ? BFLOAT16 : FLOAT).message(2, shape);
        return new Message().string(1, name).message(2, new Message().message(1, tensor));
    }
}
