namespace Pinhole;

/// <summary>Base of every error Pinhole reports about a model or its inputs.</summary>
public class PinholeException : Exception
{
    public PinholeException(string message) : base(message) { }
    public PinholeException(string message, Exception inner) : base(message, inner) { }
    public PinholeException() { }
}

/// <summary>The model file or message is malformed, truncated, or violates the ONNX spec.</summary>
public class InvalidModelException : PinholeException
{
    public InvalidModelException(string message) : base(message) { }
    public InvalidModelException(string message, Exception inner) : base(message, inner) { }
    public InvalidModelException() { }
}

/// <summary>The model is valid ONNX but uses an op, opset, domain or type Pinhole does not run.</summary>
public class UnsupportedModelException : PinholeException
{
    public UnsupportedModelException(string message) : base(message) { }
    public UnsupportedModelException(string message, Exception inner) : base(message, inner) { }
    public UnsupportedModelException() { }
}

/// <summary>A run's inputs do not match the model: missing, unknown, wrong element type or shape.</summary>
public class InvalidInputException : PinholeException
{
    public InvalidInputException(string message) : base(message) { }
    public InvalidInputException(string message, Exception inner) : base(message, inner) { }
    public InvalidInputException() { }
}

/// <summary>External data refers outside the model's folder, through a symlink out, or by absolute path.</summary>
public class ExternalDataSecurityException : InvalidModelException
{
    public ExternalDataSecurityException(string message) : base(message) { }
    public ExternalDataSecurityException() { }
    public ExternalDataSecurityException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>A node failed while running: shapes or values that its op cannot accept.</summary>
public class KernelException : PinholeException
{
    public KernelException(string message) : base(message) { }
    public KernelException(string message, Exception inner) : base(message, inner) { }
    public KernelException() { }
}
