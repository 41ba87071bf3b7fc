package dev.actinium;

import dev.actinium.act.Activation;
import dev.actinium.act.ActivationFunction;
import dev.actinium.act.Reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The float64 reference itself: erfc against published values, f' against finite differences of f. */
class ReferenceTest {

    @Test
    void erfcMatchesPublishedValues() {
        // Abramowitz & Stegun table 7.1 / high-precision values.
        double[][] known = {{0, 1}, {0.5, 0.4795001221869535}, {1, 0.15729920705028513}, {2, 0.004677734981047266},
                {2.5, 4.069520174449590e-4}, {3, 2.209049699858544e-5}, {5, 1.5374597944280349e-12}, {10,
                        2.088487583762545e-45},
                {-1, 1.8427007929497148}};
        for (double[] k : known) {
            double got = Reference.erfc(k[0]);
            assertEquals(k[1], got, 1e-12 * k[1], "erfc(" + k[0] + ")");  // the series loses a few digits near 2.5
        }
        // the two branches agree where they meet
        assertEquals(Reference.erfc(Math.nextDown(2.5)), Reference.erfc(2.5), 1e-11 * Reference.erfc(2.5));
    }

    /** f' against central differences of f, for every element-wise op, with default and other parameters. */
    @Test
    void derivativesMatchFiniteDifferences() {
        for (Activation op : Activation.values()) {
            if (op.isGated() || op.isSeeded()
                    || op == Activation.HELU) continue;  // HeLU's backward is by design not its f'

            for (ActivationFunction f : op.parameters().isEmpty() ? List.<ActivationFunction>of(op)
                    : List.of(op, ActivationsTest.other(op))) {
                for (double x = -12; x <= 12; x += 0.0137) {
                    double h = 1e-5 * Math.max(1, Math.abs(x));
                    double right = (Reference.forward(f, x + h) - Reference.forward(f, x)) / h;
                    double left = (Reference.forward(f, x) - Reference.forward(f, x - h)) / h;
                    double df = Reference.derivative(f, x), scale = Math.max(1, Math.abs(df));
                    if (Math.abs(right - left) > 1e-3 * scale) continue;  // a kink within h: no derivative to check
                    double fd = (right + left) / 2;
                    assertTrue(Math.abs(fd - df) <= 1e-6 * scale * Math.max(1, Math.abs(x)),
                            f + " at " + x + ": f' = " + df + ", finite difference " + fd);
                }
            }
        }
    }

    /** Random123's known-answer vectors for Philox4x32-10. */
    @Test
    void philoxMatchesKnownAnswers() {
        int[][][] kat = {
                {{0, 0, 0, 0}, {0, 0}, {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
                {{-1, -1, -1, -1}, {-1, -1}, {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
                {{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}, {0xa4093822, 0x299f31d0},
                        {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}}};
        for (int[][] k : kat) {
            assertArrayEquals(k[2], Reference.philox4x32x10(k[0], k[1]), java.util.Arrays.toString(k[0]));
        }
    }

    @Test
    void bf16RoundingIsNearestEven() {
        assertEquals(1.0f, Reference.roundBf16(1.00390625f));          // tie, even below
        assertEquals(1.015625f, Reference.roundBf16(1.01171875f));     // tie, even above
        assertEquals(Float.POSITIVE_INFINITY, Reference.roundBf16(Float.MAX_VALUE));
        assertTrue(Float.isNaN(Reference.roundBf16(Float.NaN)));
    }
}
