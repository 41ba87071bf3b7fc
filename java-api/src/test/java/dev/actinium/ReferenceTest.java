package dev.actinium;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The float64 reference itself: erfc against published values, f' against finite differences of f. */
class ReferenceTest {

    @Test
    void erfcMatchesPublishedValues() {
        // Abramowitz & Stegun table 7.1 / high-precision values.
        double[][] known = {{0, 1}, {0.5, 0.4795001221869535}, {1, 0.15729920705028513}, {2, 0.004677734981047266},
                {2.5, 4.069520174449590e-4}, {3, 2.209049699858544e-5}, {5, 1.5374597944280349e-12}, {10, 2.088487583762545e-45},
                {-1, 1.8427007929497148}};
        for (double[] k : known) {
            double got = Reference.erfc(k[0]);
            assertEquals(k[1], got, 1e-12 * k[1], "erfc(" + k[0] + ")");  // the series loses a few digits near 2.5
        }
        // the two branches agree where they meet
        assertEquals(Reference.erfc(Math.nextDown(2.5)), Reference.erfc(2.5), 1e-11 * Reference.erfc(2.5));
    }

    @Test
    void derivativesMatchFiniteDifferences() {
        for (Activation op : Activation.values()) {
            OpInfo info = OpInfo.of(op);
            for (double x = -12; x <= 12; x += 0.0137) {
                if (op == Activation.RELU && Math.abs(x) < 1e-3) continue;  // the kink
                double h = 1e-5 * Math.max(1, Math.abs(x));
                double fd = (info.forward(x + h) - info.forward(x - h)) / (2 * h);
                double df = info.derivative(x);
                assertTrue(Math.abs(fd - df) <= 1e-7 * Math.max(1, Math.abs(df)),
                        op + " at " + x + ": f' = " + df + ", finite difference " + fd);
            }
            // limits
            assertEquals(0, info.derivative(Double.NEGATIVE_INFINITY), 0, op + " f'(-inf)");
            assertEquals(1, info.derivative(Double.POSITIVE_INFINITY), 0, op + " f'(+inf)");
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
