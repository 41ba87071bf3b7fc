// Stochastic activations: each element draws its function from a uniform u of Philox keyed by
// (seed, element offset) (ops/philox.h), so forward and backward make the same choice, on every
// ISA, on CUDA and for any split. Functors of seeded rows (AK_ACT_SEEDED) take u beside x:
//   fwd(x, u, p), bwd(x, u, dy, p). Both branches are computed and one is selected per element.
#pragma once
#include "classic.h"
#include "smooth.h"

namespace ak::act {

// SiLU where u < p, else ReLU (stochastic activations, Lomeli et al. 2025): p = 0 is exactly ReLU
// and p = 1 exactly SiLU, bit for bit.
struct stochastic_silu {
    struct Params {
        float p;
    };
    static constexpr bool kSeeded = true;
    template <class V> AK_HD static V fwd(V x, V u, const Params& p) {
        return select(u < V(p.p), silu::fwd(x, NoParams{}), relu::fwd(x, NoParams{}));
    }
    template <class V> AK_HD static V bwd(V x, V u, V dy, const Params& p) {
        return select(u < V(p.p), silu::bwd(x, dy, NoParams{}), relu::bwd(x, dy, NoParams{}));
    }
};

}  // namespace ak::act
