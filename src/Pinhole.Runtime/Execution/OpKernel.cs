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

    /// <summary>
    /// The input whose storage output 0 may take over when that input is not read afterwards and has the output's
    /// element type and count (-1: none). A kernel that declares one must allocate output 0 with
    /// <see cref="KernelContext.OutputUninitialized"/> and be correct when output 0 and that input are the same
    /// memory: each output element computed from the input element at the same index, read before it is written.
    /// </summary>
    public virtual int InPlaceInput => -1;

    /// <summary>
    /// The axis along which output 0 joins the inputs end to end (Concat), or null. Where the join is contiguous (all
    /// dimensions before the axis are 1), the memory plan may place an input's range inside output 0's, where its part
    /// of the output goes; the kernel must then allocate output 0 with <see cref="KernelContext.OutputUninitialized"/>
    /// and leave such an input's bytes as they are (copying them onto themselves would only cost time).
    /// </summary>
    public virtual long? JoinAxis => null;
}

/// <summary>Creates (prepares) a kernel for one node.</summary>
public delegate OpKernel KernelFactory(KernelInfo info);
