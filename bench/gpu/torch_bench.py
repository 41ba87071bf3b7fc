#!/usr/bin/env python3
"""The baselines of bench/gpu: ops of actinium_cuda_bench that PyTorch has (OPS, and the gated ones
as f(gate) * up), with its passes, dtypes and sizes, in PyTorch eager (out= variants: no allocation
in the timed region; a pass without one is left out) and torch.compile (one fused kernel where
Inductor makes one), plus cuBLAS GEMV/GEMM through torch.matmul for the sparse family.
Timed with CUDA events around one call, inputs rotated through buffers larger than twice the L2.
Prints CSV rows in actinium_cuda_bench's columns, with the implementation in the first column.

    torch_bench.py [--quick] [--reps N]
"""
import argparse
import statistics
import sys

import torch

# The element-wise ops, with PyTorch's defaults where Actinium's match them (softplus beta 1,
# threshold 20; elu alpha 1). torch.compile is timed for COMPILED only: each compiled function is
# specialized per dtype and shape, and the compilations of every op would not fit the script's time.
OPS = ["relu", "gelu_erf", "gelu_tanh", "silu", "sigmoid", "tanh", "softplus", "elu", "hardswish", "mish"]
COMPILED = {"relu", "gelu_erf", "gelu_tanh", "silu", "swiglu"}
# Gated ops as PyTorch users write them: f(gate) * up, two kernels in eager.
GATED = {"swiglu": "silu", "geglu_erf": "gelu_erf", "geglu_tanh": "gelu_tanh"}
COLS = 4096  # bias rows, as in cuda_bench.cu


def forward_eager(op):
    """y = f(x) into y, or None where PyTorch has no out= variant."""
    aten = torch.ops.aten
    return {
        "relu": lambda x, y: aten.clamp_min.out(x, 0, out=y),  # relu has no true out= variant
        "gelu_erf": lambda x, y: aten.gelu.out(x, approximate="none", out=y),
        "gelu_tanh": lambda x, y: aten.gelu.out(x, approximate="tanh", out=y),
        "silu": lambda x, y: aten.silu.out(x, out=y),
        "sigmoid": lambda x, y: aten.sigmoid.out(x, out=y),
        "tanh": lambda x, y: aten.tanh.out(x, out=y),
        "softplus": lambda x, y: aten.softplus.out(x, 1, 20, out=y),
        "elu": lambda x, y: aten.elu.out(x, 1.0, 1, 1, out=y),
        "hardswish": lambda x, y: aten.hardswish.out(x, out=y),
        "mish": lambda x, y: aten.mish.out(x, out=y),
    }.get(op)


def backward_eager(op):
    """dx = f'(x) dy into dx, or None where PyTorch has no grad_input= variant. sigmoid's and tanh's
    take the saved output where Actinium's take the input: the same bytes move."""
    aten = torch.ops.aten
    return {
        "relu": lambda x, dy, dx: aten.threshold_backward.grad_input(dy, x, 0, grad_input=dx),
        "gelu_erf": lambda x, dy, dx: aten.gelu_backward.grad_input(dy, x, approximate="none", grad_input=dx),
        "gelu_tanh": lambda x, dy, dx: aten.gelu_backward.grad_input(dy, x, approximate="tanh", grad_input=dx),
        "silu": lambda x, dy, dx: aten.silu_backward.grad_input(dy, x, grad_input=dx),
        "sigmoid": lambda x, dy, dx: aten.sigmoid_backward.grad_input(dy, x, grad_input=dx),
        "tanh": lambda x, dy, dx: aten.tanh_backward.grad_input(dy, x, grad_input=dx),
        "softplus": lambda x, dy, dx: aten.softplus_backward.grad_input(dy, x, 1, 20, grad_input=dx),
        "elu": lambda x, dy, dx: aten.elu_backward.grad_input(dy, 1.0, 1, 1, False, x, grad_input=dx),
    }.get(op)


def function(op):
    f = torch.nn.functional
    if op in GATED:
        gate = function(GATED[op])
        return lambda g, u: gate(g) * u
    return {
        "relu": f.relu,
        "gelu_erf": lambda x: f.gelu(x, approximate="none"),
        "gelu_tanh": lambda x: f.gelu(x, approximate="tanh"),
        "silu": f.silu,
    }[op]


def backward_function(op):
    aten = torch.ops.aten
    return {
        "relu": lambda x, dy: aten.threshold_backward(dy, x, 0),
        "gelu_erf": lambda x, dy: aten.gelu_backward(dy, x, approximate="none"),
        "gelu_tanh": lambda x, dy: aten.gelu_backward(dy, x, approximate="tanh"),
        "silu": lambda x, dy: aten.silu_backward(dy, x),
    }[op]


def time_calls(reps, call, batch=1):
    """Median, min and max in microseconds per call of call(i), `batch` calls between two events (as
    cuda_bench.cu does, so small kernels are not timed as the gap between two host dispatches)."""
    start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    for i in range(5):
        call(i)
    times = []
    nxt = 5
    for _ in range(reps):
        start.record()
        for _ in range(batch):
            call(nxt)
            nxt += 1
        stop.record()
        stop.synchronize()
        times.append(start.elapsed_time(stop) * 1000.0 / batch)
    times.sort()
    return statistics.median(times), times[0], times[-1]


def row(impl, op, pass_name, dtype, n, timing, bytes_moved, copy_us):
    median, lo, hi = timing
    print(f"{impl},{op},{pass_name},{dtype},{n},{median:.2f},{lo:.2f},{hi:.2f},{bytes_moved:.0f},"
          f"{bytes_moved / (median * 1e3):.1f},{copy_us:.2f},{bytes_moved / (copy_us * 1e3):.1f},"
          f"{copy_us / median:.3f}", flush=True)


def timed_row(impl, op, pass_name, dtype_name, n, call, timed, bytes_moved, copy_us):
    """One CSV row, or a line on stderr where PyTorch refuses the call: the other rows go on."""
    try:
        row(impl, op, pass_name, dtype_name, n, timed(call), bytes_moved, copy_us)
    except Exception as e:  # noqa: BLE001 - a missing variant in this PyTorch version
        print(f"torch_bench: {impl} {op} {pass_name} {dtype_name} {n}: {type(e).__name__}: {e}", file=sys.stderr)


def activations(quick, reps, l2):
    # 16M first: where the script is cut at its time limit, the rows that matter most are in.
    sizes = [1 << 24, 1 << 16] if quick else [1 << 24, 1 << 26, 1 << 20, 1 << 16]
    # One compiled function per op and pass; Inductor specializes it per dtype and shape.
    torch._dynamo.config.cache_size_limit = 64
    compiled = {op: (torch.compile(function(op)), torch.compile(backward_function(op)),
                     torch.compile(lambda x, b, f=function(op): f(x + b))) for op in COMPILED - GATED.keys()}
    compiled_gated = {op: torch.compile(function(op)) for op in COMPILED & GATED.keys()}
    for n in sizes:
        for dtype_name, dtype in (("f32", torch.float32), ("bf16", torch.bfloat16), ("f16", torch.float16)):
            es = torch.tensor([], dtype=dtype).element_size()
            sets = max(1, min(512, 2 * l2 // (3 * n * es) + 1))
            batch = max(1, (1 << 22) // n)  # about 4M elements per timing, as in cuda_bench.cu

            def timed(call, batch=batch):
                return time_calls(reps, call, batch)

            xs = [torch.randn(n, device="cuda", dtype=dtype) * 3 for _ in range(sets)]  # normal(0, 3) as there
            dys = [torch.randn(n, device="cuda", dtype=dtype) for _ in range(sets)]
            ys = [torch.empty(n, device="cuda", dtype=dtype) for _ in range(sets)]
            scratch = torch.empty(n, device="cuda", dtype=dtype)
            copy2 = timed(lambda i: ys[i % sets].copy_(xs[i % sets]))[0]
            copy3 = timed(lambda i: (ys[i % sets].copy_(xs[i % sets]),
                                     dys[i % sets][: n // 2].copy_(xs[i % sets][: n // 2])))[0]
            bias = [d[:COLS] for d in dys]
            for op in OPS:
                fwd, bwd = forward_eager(op), backward_eager(op)
                timed_row("torch_eager", op, "forward", dtype_name, n,
                          lambda i: fwd(xs[i % sets], ys[i % sets]), timed, 2 * n * es, copy2)
                if bwd is not None:
                    timed_row("torch_eager", op, "backward", dtype_name, n,
                              lambda i: bwd(xs[i % sets], dys[i % sets], ys[i % sets]), timed, 3 * n * es, copy3)
                # Eager has no fused bias + activation: an add into a scratch tensor, then the op.
                timed_row("torch_eager", op, "forward_bias", dtype_name, n,
                          lambda i: (torch.add(xs[i % sets].view(-1, COLS), bias[i % sets], out=scratch.view(-1, COLS)),
                                     fwd(scratch, ys[i % sets])), timed, 2 * n * es, copy2)
                if op not in compiled:
                    continue
                compiled_fwd, compiled_bwd, compiled_bias = compiled[op]
                timed_row("torch_compile", op, "forward", dtype_name, n,
                          lambda i: compiled_fwd(xs[i % sets]), timed, 2 * n * es, copy2)
                timed_row("torch_compile", op, "backward", dtype_name, n,
                          lambda i: compiled_bwd(xs[i % sets], dys[i % sets]), timed, 3 * n * es, copy3)
                timed_row("torch_compile", op, "forward_bias", dtype_name, n,
                          lambda i: compiled_bias(xs[i % sets].view(-1, COLS), bias[i % sets]), timed, 2 * n * es,
                          copy2)
            # Gated, as cuda_bench.cu times them: gate = x and up = dy, n / 2 elements each, y of n / 2.
            half = n // 2
            for op, gate_op in GATED.items():
                gate_fwd = forward_eager(gate_op)
                timed_row("torch_eager", op, "forward", dtype_name, n,
                          lambda i: (gate_fwd(xs[i % sets][:half], scratch[:half]),
                                     torch.mul(scratch[:half], dys[i % sets][:half], out=ys[i % sets][:half])),
                          timed, 3 * half * es, copy2)
                if op in compiled_gated:
                    timed_row("torch_compile", op, "forward", dtype_name, n,
                              lambda i: compiled_gated[op](xs[i % sets][:half], dys[i % sets][:half]), timed,
                              3 * half * es, copy2)
            del xs, dys, ys, scratch, bias
            torch.cuda.empty_cache()


def matmuls(quick, reps):
    """cuBLAS through torch.matmul: the dense baseline of the sparse family (weights 4096 x 11008)."""
    k, m = 4096, 11008
    for dtype_name, dtype in (("f32", torch.float32), ("bf16", torch.bfloat16)):
        w = torch.randn(m, k, device="cuda", dtype=dtype)
        es = w.element_size()
        copy = time_calls(reps, lambda i: w.clone())[0]
        for batch in ([1, 32] if quick else [1, 8, 32]):
            x = torch.randn(batch, k, device="cuda", dtype=dtype)
            y = torch.empty(batch, m, device="cuda", dtype=dtype)
            t = time_calls(reps, lambda i: torch.matmul(x, w.t(), out=y))
            # the weights dominate: read once; clone reads and writes them, so the copy moves 2x
            row("cublas", "matmul", f"batch{batch}", dtype_name, m * k, t, m * k * es, copy / 2)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--reps", type=int, default=0)
    args = parser.parse_args()
    if not torch.cuda.is_available():
        print("torch_bench: torch sees no CUDA device", file=sys.stderr)
        return 2
    reps = args.reps or (20 if args.quick else 100)
    l2 = torch.cuda.get_device_properties(0).L2_cache_size
    print("impl,op,pass,dtype,n,us_median,us_min,us_max,bytes,gbps,copy_us,copy_gbps,of_copy", flush=True)
    activations(args.quick, reps, l2)
    matmuls(args.quick, reps)
    return 0


if __name__ == "__main__":
    sys.exit(main())
