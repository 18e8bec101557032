namespace ForkHost.Lab.MySql;

/// <summary>No MySQL server could be found or started; the message says what to install or set.</summary>
internal sealed class MySqlServerUnavailableException(string message, Exception? innerException = null)
    : Exception(message, innerException);
