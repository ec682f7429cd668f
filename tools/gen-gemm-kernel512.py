#!/usr/bin/env python3
"""Prints the Vector512 GEMM micro-kernel (MR x 32 tile, k unrolled by 2) for GemmKernels.cs.
Usage: tools/gen-gemm-kernel512.py MR  (the runtime uses MR = GemmKernels.Mr512)."""
import sys

mr = int(sys.argv[1]) if len(sys.argv) > 1 else 12
o = []
w = o.append
w(f"    /// <summary>{mr}x32 tile: c[i*ldc + j] = alpha * sum_k a[k*{mr}+i] * b[k*32+j] (+ c when accumulating).</summary>")
w("    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]")
w("    internal static unsafe void Kernel512(nint kc, float* a, float* b, float* c, nint ldc, float alpha, bool accumulate)")
w("    {")
for i in range(mr):
    w(f"        Vector512<float> c{i}0 = default, c{i}1 = default;")
w("        nint k = kc;")

def step(suffix, aoff, boff):
    w(f"            var b0{suffix} = Vector512.Load(b + {boff});")
    w(f"            var b1{suffix} = Vector512.Load(b + {boff + 16});")
    for i in range(mr):
        w(f"            var a{i}{suffix} = Vector512.Create(a[{aoff + i}]);")
        w(f"            c{i}0 = Fma512(a{i}{suffix}, b0{suffix}, c{i}0); c{i}1 = Fma512(a{i}{suffix}, b1{suffix}, c{i}1);")

w("        for (; k >= 2; k -= 2)")
w("        {")
step("a", 0, 0)
step("b", mr, 32)
w(f"            a += {2 * mr};")
w("            b += 64;")
w("        }")
w("        for (; k > 0; k--)")
w("        {")
step("a", 0, 0)
w(f"            a += {mr};")
w("            b += 32;")
w("        }")
w("        var va = Vector512.Create(alpha);")
w("        if (accumulate)")
w("        {")
for i in range(mr):
    w(f"            float* r{i} = c + ({i} * ldc);")
    w(f"            Vector512.Store(Fma512(c{i}0, va, Vector512.Load(r{i} + 0)), r{i} + 0);")
    w(f"            Vector512.Store(Fma512(c{i}1, va, Vector512.Load(r{i} + 16)), r{i} + 16);")
w("        }")
w("        else")
w("        {")
for i in range(mr):
    w(f"            float* r{i} = c + ({i} * ldc);")
    w(f"            Vector512.Store(c{i}0 * va, r{i} + 0);")
    w(f"            Vector512.Store(c{i}1 * va, r{i} + 16);")
w("        }")
w("    }")
print("\n".join(o))
