#!/usr/bin/env python3
"""Prints the Vector512 GEMM micro-kernels (MR x 32 tile, k unrolled by 2) for GemmKernels.cs: Kernel512, and
Kernel512Epilogue, which also adds a per-row bias and clamps before its stores (the last k block of a convolution).
Row k of the B panel starts at b + k * ldb: 32 for a packed panel, the matrix's row stride when B is read in place.
Usage: tools/gen-gemm-kernel512.py MR  (the runtime uses MR = GemmKernels.Mr512)."""
import sys

mr = int(sys.argv[1]) if len(sys.argv) > 1 else 8
o = []
w = o.append


def step(suffix, aoff, boff):
    w(f"            var b0{suffix} = Vector512.Load(b{boff});")
    w(f"            var b1{suffix} = Vector512.Load(b{boff} + 16);")
    for i in range(mr):
        w(f"            var a{i}{suffix} = Vector512.Create(a[{aoff + i}]);")
        w(f"            c{i}0 = Fma512(a{i}{suffix}, b0{suffix}, c{i}0); c{i}1 = Fma512(a{i}{suffix}, b1{suffix}, c{i}1);")


def kernel(epilogue):
    if epilogue:
        w(f"    /// <summary>{mr}x32 tile as <see cref=\"Kernel512\"/>, then c = min(max(c + bias[i], lo), hi) before the store.</summary>")
        w("    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]")
        w("    internal static unsafe void Kernel512Epilogue(nint kc, float* a, float* b, nint ldb, float* c, nint ldc, float alpha,")
        w("        bool accumulate, float* bias, float lo, float hi)")
    else:
        w(f"    /// <summary>{mr}x32 tile: c[i*ldc + j] = alpha * sum_k a[k*{mr}+i] * b[k*ldb+j] (+ c when accumulating).</summary>")
        w("    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]")
        w("    internal static unsafe void Kernel512(nint kc, float* a, float* b, nint ldb, float* c, nint ldc, float alpha, bool accumulate)")
    w("    {")
    for i in range(mr):
        w(f"        Vector512<float> c{i}0 = default, c{i}1 = default;")
    w("        nint k = kc, ldb2 = 2 * ldb;")
    w("        for (; k >= 2; k -= 2)")
    w("        {")
    step("a", 0, "")
    step("b", mr, " + ldb")
    w(f"            a += {2 * mr};")
    w("            b += ldb2;")
    w("        }")
    w("        for (; k > 0; k--)")
    w("        {")
    step("a", 0, "")
    w(f"            a += {mr};")
    w("            b += ldb;")
    w("        }")
    w("        var va = Vector512.Create(alpha);")
    if epilogue:
        w("        var vlo = Vector512.Create(lo);")
        w("        var vhi = Vector512.Create(hi);")
        w("        if (accumulate)")
        w("        {")
        for i in range(mr):
            w(f"            c{i}0 = Fma512(c{i}0, va, Vector512.Load(c + ({i} * ldc)));")
            w(f"            c{i}1 = Fma512(c{i}1, va, Vector512.Load(c + ({i} * ldc) + 16));")
        w("        }")
        w("        else")
        w("        {")
        for i in range(mr):
            w(f"            c{i}0 *= va;")
            w(f"            c{i}1 *= va;")
        w("        }")
        for i in range(mr):
            w(f"        var bias{i} = Vector512.Create(bias[{i}]);")
            w(f"        float* r{i} = c + ({i} * ldc);")
            w(f"        Vector512.Store(Clamp512(c{i}0 + bias{i}, vlo, vhi), r{i} + 0);")
            w(f"        Vector512.Store(Clamp512(c{i}1 + bias{i}, vlo, vhi), r{i} + 16);")
        w("    }")
        return
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


kernel(False)
w("")
kernel(True)
print("\n".join(o))
