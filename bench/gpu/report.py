#!/usr/bin/env python3
"""Writes OUT/REPORT.md from what bench/gpu/run.sh left in OUT: the machine, the steps and their
outcome (steps.tsv), the test summaries, and per case Actinium's time, fraction of the device copy,
and ratio over PyTorch eager and torch.compile (cuda_kernels.csv, torch.csv), and the Java demo's
table where it ran (java_demo_cuda_*.txt). Standard library only.

    report.py OUT
"""
import csv
import os
import sys


def read_csv(path):
    if not os.path.exists(path):
        return []
    with open(path, newline="") as f:
        return [r for r in csv.DictReader(f) if r]


def read_text(path):
    return open(path).read().strip() if os.path.exists(path) else ""


def main(out):
    lines = ["# Actinium on the GPU", ""]
    lines += [f"- {l}" for l in read_text(os.path.join(out, "machine.txt")).splitlines()]
    lines += ["", "## Steps", "", "| step | outcome |", "|---|---|"]
    for step in read_text(os.path.join(out, "steps.tsv")).splitlines():
        name, _, outcome = step.partition("\t")
        lines.append(f"| {name} | {outcome} |")
    actinium = read_csv(os.path.join(out, "cuda_kernels.csv"))
    baselines = read_csv(os.path.join(out, "torch.csv"))
    by_key = {}
    for r in baselines:
        by_key[(r["impl"], r["op"], r["pass"], r["dtype"], r["n"])] = float(r["us_median"])
    if actinium:
        lines += ["", "## CUDA kernels", "",
                  "Median of one call between CUDA events, inputs rotated through more than twice the L2; "
                  "'of copy' is the device-to-device copy of the same bytes over the kernel's time; "
                  "'x eager' and 'x compile' are PyTorch's time over Actinium's (above 1: Actinium is faster).",
                  "", "| op | pass | dtype | n | us | GB/s | of copy | x eager | x compile |",
                  "|---|---|---|---:|---:|---:|---:|---:|---:|"]
        for r in actinium:
            key = (r["op"], r["pass"], r["dtype"], r["n"])
            us = float(r["us_median"])
            ratios = []
            for impl in ("torch_eager", "torch_compile"):
                base = by_key.get((impl,) + key)
                ratios.append(f"{base / us:.2f}" if base else "-")
            lines.append(f"| {r['op']} | {r['pass']} | {r['dtype']} | {int(r['n']):,} | {us:.1f} | "
                         f"{float(r['gbps']):.0f} | {float(r['of_copy']) * 100:.0f}% | {ratios[0]} | {ratios[1]} |")
    matmuls = [r for r in baselines if r["impl"] == "cublas"]
    if matmuls:
        lines += ["", "## cuBLAS (torch.matmul), the dense baseline of the sparse family", "",
                  "| shape | dtype | us | weight GB/s | of copy |", "|---|---|---:|---:|---:|"]
        for r in matmuls:
            lines.append(f"| 11008 x 4096, {r['pass']} | {r['dtype']} | {float(r['us_median']):.1f} | "
                         f"{float(r['gbps']):.0f} | {float(r['of_copy']) * 100:.0f}% |")
    for name in ("cuda_tests.txt", "cuda_emulated_tests.txt"):
        text = read_text(os.path.join(out, name)).splitlines()
        if text:
            lines += ["", f"## {name}", "", "```"] + text[-3:] + ["```"]
    for name in ("java_demo_cuda_f32.txt", "java_demo_cuda_bf16.txt"):
        text = read_text(os.path.join(out, name)).splitlines()
        start = next((i for i, line in enumerate(text) if line.startswith("n = ")), None)
        if start is not None:  # the demo's table: every op through the Java API on the GPU
            lines += ["", f"## {name} (the Java API on the GPU)", "", "```"] + text[start:] + ["```"]
        elif text:
            lines += ["", f"## {name}", "", "```"] + text[-5:] + ["```"]
    with open(os.path.join(out, "REPORT.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
