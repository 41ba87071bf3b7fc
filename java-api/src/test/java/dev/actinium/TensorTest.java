package dev.actinium;

import dev.actinium.act.Activation;
import dev.actinium.act.Activations;
import dev.actinium.act.Reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TensorTest {

    @Test
    void wrapSharesTheArray() {
        float[] data = {-1, 2, -3, 4};
        Tensor t = Tensor.wrap(data, 2, 2);
        Activations.forward(Activation.RELU, t, t);
        assertArrayEquals(new float[] {0, 2, 0, 4}, data);
        assertEquals(Shape.of(2, 2), t.shape());
        assertEquals(DType.F32, t.dtype());
        assertEquals(Device.CPU, t.device());
    }

    @Test
    void viewsAreContiguousAndShareMemory() {
        float[] data = new float[12];
        Tensor t = Tensor.wrap(data, 4, 3);
        Tensor rows = t.slice(1, 3);
        assertEquals(Shape.of(2, 3), rows.shape());
        rows.copyFrom(Tensor.wrap(new float[] {1, 2, 3, 4, 5, 6}, 2, 3));
        assertArrayEquals(new float[] {0, 0, 0, 1, 2, 3, 4, 5, 6, 0, 0, 0}, data);
        assertEquals(Shape.of(12), t.reshape(12).shape());
    }

    @Test
    void wrapAddressAndSegment() {
        try (Arena arena = Arena.ofConfined()) {
            var seg = arena.allocate(16 * 4, 64);
            for (int i = 0; i < 16; i++) seg.setAtIndex(ValueLayout.JAVA_FLOAT, i, i - 8);
            Tensor viaAddress = Tensor.wrapAddress(seg.address(), DType.F32, Device.CPU, 16);
            Activations.forward(Activation.RELU, viaAddress, viaAddress);
            assertEquals(0f, seg.getAtIndex(ValueLayout.JAVA_FLOAT, 0));
            assertEquals(7f, seg.getAtIndex(ValueLayout.JAVA_FLOAT, 15));
            Tensor viaSegment = Tensor.wrap(seg, DType.F32, 4, 4);
            assertArrayEquals(viaAddress.toFloatArray(), viaSegment.toFloatArray());
        }
    }

    /** F32 <-> BF16 / F16 on every ISA, bit for bit against Java's own rounding. */
    @Test
    void conversionsRoundToNearestEven() {
        Random r = new Random();
        int n = 70_001;
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = Float.intBitsToFloat(r.nextInt());
        float[] specials = {0f, -0f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 65504f, 65520f,
            65519.99f, 6e-8f, 3e-8f, 1e-45f};
        System.arraycopy(specials, 0, x, 0, specials.length);
        for (Isa isa : Actinium.supportedIsas()) {
            Actinium.useIsa(isa);
            try (Arena arena = Arena.ofShared()) {
                Tensor f32 = Tensor.wrap(x, n);
                short[] bf = new short[n], h = new short[n];
                Tensor.wrap(bf, DType.BF16, n).copyFrom(f32.to(DType.BF16, arena));
                Tensor.wrap(h, DType.F16, n).copyFrom(f32.to(DType.F16, arena));
                for (int i = 0; i < n; i++) {
                    assertEquals(Reference.toBf16(x[i]), bf[i], isa + " bf16 of " + x[i]);
                    short want = Float.floatToFloat16(x[i]);
                    if (Float.isNaN(x[i])) assertTrue(Float.isNaN(Float.float16ToFloat(h[i])), isa + " f16 NaN");
                    else assertEquals(want, h[i], isa + " f16 of " + x[i] + " (bits "
                            + Integer.toHexString(Float.floatToRawIntBits(x[i])) + ")");
                }
                float[] back = Tensor.wrap(h, DType.F16, n).toFloatArray();
                for (int i = 0; i < n; i++) {
                    float want = Float.float16ToFloat(h[i]);
                    assertTrue(Float.compare(want, back[i]) == 0 || Float.isNaN(want), isa + " f16 -> f32 of " + h[i]);
                }
            }
        }
        Actinium.useIsa(Actinium.supportedIsas().get(Actinium.supportedIsas().size() - 1));
    }

    @Test
    void conversionsQuietEveryNaNAndKeepItsPayload() {
        short[] bf16 = {(short) 0x7f81, (short) 0xff81, (short) 0x7fc1, (short) 0xffff};
        short[] f16 = {(short) 0x7c01, (short) 0xfc01, (short) 0x7e01, (short) 0xffff};
        float[] fromBf16 = Tensor.wrap(bf16, DType.BF16, 4).toFloatArray();
        float[] fromF16 = Tensor.wrap(f16, DType.F16, 4).toFloatArray();
        for (int i = 0; i < 4; i++) {
            assertEquals((bf16[i] & 0xffff) << 16 | 0x400000, Float.floatToRawIntBits(fromBf16[i]), "bf16 " + i);
            int f = f16[i] & 0xffff;
            int quieted = (f & 0x8000) << 16 | 0x7fc00000 | (f & 0x3ff) << 13;
            assertEquals(quieted, Float.floatToRawIntBits(fromF16[i]), "f16 " + i);
        }
    }

    @Test
    void allocationIsZeroedAndAligned() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor t = Tensor.allocate(arena, DType.BF16, 3, 5);
            assertEquals(30, t.byteSize());
            assertEquals(0, t.segment().address() % Tensor.ALIGNMENT);
            assertArrayEquals(new float[15], t.toFloatArray());
            assertTrue(t.toString().contains("BF16 [3, 5] cpu"));
        }
    }
}
