namespace Pinhole.Runtime;

/// <summary>
/// A prepared operation. Its factory (the prepare step) validates attributes and pre-computes whatever does not
/// depend on input values; <see cref="Execute"/> then runs it. A kernel is shared by all concurrent runs of a
/// session, so <see cref="Execute"/> must not mutate the kernel.
/// </summary>
public abstract class OpKernel
{
    public abstract void Execute(KernelContext context);

    /// <summary>The algorithm and instruction-set path this kernel chose at prepare time (for profiles), e.g. "im2col+gemm avx512".</summary>
    public virtual string Variant => string.Empty;
}

/// <summary>Creates (prepares) a kernel for one node.</summary>
public delegate OpKernel KernelFactory(KernelInfo info);
