// Sparsity-oriented activations: squared ReLU, shifted ReLU, soft thresholding (each with an
// optional magnitude clip, infinite by default) and HeLU. Functor contract and NaN rule:
// functor.h. Gradients are 0 where the clip holds the output, as at any flat piece.
#pragma once
#include "functor.h"

namespace ak::act {

// min(relu(x)^2, clip). The gradient 2x passes where x > 0 and the clip does not hold.
struct relu_squared {
    struct Params {
        float clip;
    };
    template <class V> AK_HD static V fwd(V x, const Params& p) {
        V r = vmax(x, V(0.0f));
        return with_nan_of(x, vmin(V(p.clip), r * r));
    }
    // The clip test is the forward's own, r * r < clip in float, so both directions agree at the
    // boundary; an infinite clip never holds (x = +inf included).
    template <class V> AK_HD static V bwd(V x, V dy, const Params& p) {
        V r = vmax(x, V(0.0f)), twice = V(2.0f) * x;
        V slope = p.clip < bits_to_float(0x7f800000) ? select(r * r < V(p.clip), twice, V(0.0f)) : twice;
        return times_dy(x, select(x > V(0.0f), slope, V(0.0f)), dy);
    }
};

// min(max(0, x - tau), clip): ReLU moved right by tau, so that small activations are exactly 0.
struct shifted_relu {
    struct Params {
        float tau, clip;
    };
    template <class V> AK_HD static V fwd(V x, const Params& p) {
        return with_nan_of(x, vmin(V(p.clip), vmax(x - V(p.tau), V(0.0f))));
    }
    template <class V> AK_HD static V bwd(V x, V dy, const Params& p) {
        V shifted = vmin(x - V(p.tau), V(3.4028235e38f));
        return with_nan_of(x, inside(shifted, V(0.0f), V(p.clip), dy));
    }
};

// sign(x) min(max(|x| - tau, 0), clip): soft thresholding (softshrink with a clip).
struct soft_threshold {
    struct Params {
        float tau, clip;
    };
    template <class V> AK_HD static V fwd(V x, const Params& p) {
        V m = vmin(V(p.clip), vmax(vabs(x) - V(p.tau), V(0.0f)));
        return with_nan_of(x, select(x < V(0.0f), -m, m));
    }
    template <class V> AK_HD static V bwd(V x, V dy, const Params& p) {
        V shifted = vmin(vabs(x) - V(p.tau), V(3.4028235e38f));
        return with_nan_of(x, inside(shifted, V(0.0f), V(p.clip), dy));
    }
};

// HeLU (hysteresis ReLU): relu forward; backward passes the gradient wherever x > -alpha, so
// units just below 0 keep learning.
struct helu {
    struct Params {
        float alpha;
    };
    template <class V> AK_HD static V fwd(V x, const Params&) { return with_nan_of(x, vmax(x, V(0.0f))); }
    template <class V> AK_HD static V bwd(V x, V dy, const Params& p) {
        return pass_where(x, x > V(-p.alpha), dy);
    }
};

}  // namespace ak::act
