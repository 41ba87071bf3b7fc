#!/usr/bin/env python3
"""Counts the arithmetic of each activation kernel's AVX-512 hot loop, per element.

Disassembles the AVX-512 translation unit, finds in each act_forward / act_backward instance the
streaming loop (the backward jump around its vmovntps), and counts vector arithmetic instructions
per vector stored: FMA-type = 2 flops, every other arithmetic instruction (add, mul, min, max,
compare, blend, round, scale, reciprocal, and/xor on floats) = 1; loads, stores, moves of whole
registers and integer/loop instructions = 0. Divided by 16 lanes gives flops per element, the
numbers in the AK_ACTIVATIONS list of native/include/actinium.h.

Run: python3 bench/tools/count_flops.py bindings/target/native/CMakeFiles/actinium_cpu.dir/act_shards/avx512_*.cpp.o
"""
import re
import subprocess
import sys

asm = "".join(subprocess.run(["objdump", "-d", "--no-show-raw-insn", "-C", obj], capture_output=True, text=True).stdout
              for obj in sys.argv[1:])
funcs = re.split(r"\n(?=[0-9a-f]+ <)", asm)
FMA = re.compile(r"^vf(n?)m(add|sub)(132|213|231)ps$")
ARITH = re.compile(r"^v(add|sub|mul|div|min|max|cmp\w*|blendm|rndscale|scalef|rcp14|and|andn|xor|or|sqrt)ps$")
for f in funcs:
    # The loop lives in the kernel or in the for_each_vector instance it calls, whichever holds
    # the streaming stores.
    m = re.match(r"[0-9a-f]+ <.*?ak::cpu::(act_forward|act_backward)<ak::cpu::multi::LoadStore<ak::cpu::avx512::LoadStore, \d+(?:, \w+)*>, ak::act::(\w+), float>", f)
    if not m or "vmovntps" not in f:
        continue
    lines = []
    for line in f.splitlines()[1:]:
        p = re.match(r"\s*([0-9a-f]+):\s+(\S+)\s*(.*)", line)
        if p:
            lines.append((int(p.group(1), 16), p.group(2), p.group(3)))
    first_nt = next(i for i, l in enumerate(lines) if l[1] == "vmovntps")
    for j in range(first_nt, len(lines)):
        op, arg = lines[j][1], lines[j][2]
        t = re.match(r"([0-9a-f]+)", arg)
        if op.startswith("j") and t and int(t.group(1), 16) <= lines[first_nt][0]:
            start = next(i for i, l in enumerate(lines) if l[0] == int(t.group(1), 16))
            body = lines[start:j + 1]
            break
    vectors = sum(1 for l in body if l[1] == "vmovntps")
    flops = 0
    for _, op, arg in body:
        if FMA.match(op):
            flops += 2
        elif ARITH.match(op) or (op == "vmovaps" and "{%k" in arg):  # masked move = blend
            flops += 1
    direction = "forward" if m.group(1) == "act_forward" else "backward"
    print(f"{m.group(2):10s} {direction:8s} {flops / vectors:6.1f} flops per element "
          f"({len(body)} instructions, {vectors} vectors per iteration)")
