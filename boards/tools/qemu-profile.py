#!/usr/bin/env python3
"""Instructions per step by function, from a QEMU execution log.

qemu-profile.py LOG ELF STEPS: LOG from `qemu-system-arm ... -d in_asm,exec,nochain -D LOG`
(every translated block with its instructions, then every execution of a block); each
executed instruction is attributed, through the ELF's debug info (addr2line, inlining
included), to the outermost function of the crate it belongs to (gating `contexts`,
`forward`, `update`, libm `expf`, ...), and the totals are divided by STEPS.
"""
import collections
import re
import subprocess
import sys

log, elf, steps = sys.argv[1], sys.argv[2], int(sys.argv[3])
blocks, block, execs = {}, None, collections.Counter()
for line in open(log, errors="replace"):
    if line.startswith("IN:"):
        block = None
        continue
    m = re.match(r"0x([0-9a-f]{8}):", line)
    if m:
        a = int(m.group(1), 16)
        if block is None:
            block = a
            blocks[block] = []
        blocks[block].append(a)
        continue
    if line.startswith("Trace"):
        execs[int(re.search(r"\[[0-9a-f]+/([0-9a-f]+)/", line).group(1), 16)] += 1
        block = None
count = collections.Counter()
for pc, n in execs.items():
    for a in blocks.get(pc, []):
        count[a] += n
addrs = sorted(count)
out = subprocess.run(
    ["arm-none-eabi-addr2line", "-f", "-i", "-C", "-a", "-e", elf] + [hex(a) for a in addrs],
    capture_output=True, text=True, check=True).stdout.splitlines()
frames, i, cur = {}, 0, None
while i < len(out):
    if out[i].startswith("0x"):
        cur = int(out[i], 16)
        frames[cur] = []
        i += 1
        continue
    frames[cur].append(re.sub(r"<.*?>", "", out[i]).split("::")[-1])
    i += 2
parts = ("contexts", "forward", "update", "expf", "logf", "clamp")
total = collections.Counter()
for a, n in count.items():
    chain = list(reversed(frames.get(a, ["?"])))  # outermost first
    inside = "learn_targets" in chain or "predict_all" in chain
    label = next((f for f in chain if f in parts), None)
    if label is None:
        label = ("learn_targets: other" if inside else "outside: " + chain[-1])
    total[label] += n
print("instructions per step, inside learn:")
for label, n in total.most_common():
    if n / steps >= 1 and not label.startswith("outside"):
        print(f"{n / steps:10.1f}  {label}")
print("outside learn's own code (runtime calls such as __aeabi_memclr4 from learn, but also")
print("the program's setup and the input stream):")
for label, n in total.most_common():
    if n / steps >= 1 and label.startswith("outside"):
        print(f"{n / steps:10.1f}  {label}")
