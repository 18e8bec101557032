namespace ForkHost.Logging;

/// <summary>The "Serilog" section of the configuration cannot be applied; the message says why, on one line.</summary>
internal sealed class LoggingConfigurationException(string message, Exception innerException) : Exception(message, innerException);
