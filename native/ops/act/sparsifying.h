// Sparsity-oriented activations: squared ReLU, shifted ReLU, soft thresholding (each with an
// optional magnitude clip, infinite by default) and HeLU. Functor contract and NaN rule:
// functor.h. Gradients are 0 where the clip holds the output, as at any flat piece.
#pragma once
#include <cmath>

#include "functor.h"

namespace ak::act {

// min(relu(x)^2, clip). The gradient 2x passes where 0 < x < sqrt(clip); x = +inf counts as
// inside when clip is infinite (compared as FLT_MAX), so the gradient there is +inf, not 0.
struct relu_squared {
    struct Params {
        float clip;
    };
    template <class V> AK_HD static V fwd(V x, const Params& p) {
        V r = vmax(x, V(0.0f));
        return with_nan_of(x, vmin(V(p.clip), r * r));
    }
    template <class V> AK_HD static V bwd(V x, V dy, const Params& p) {
        V below_clip = inside(vmin(x, V(3.4028235e38f)), V(0.0f), V(sqrtf(p.clip)), V(2.0f) * x);
        return times_dy(x, below_clip, dy);
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
