namespace ForkHost.Apps;

/// <summary>The app named by --app cannot be found or does not implement the contract; the message says what to fix.</summary>
internal sealed class AppResolutionException(string message, Exception? innerException = null)
    : Exception(message, innerException);
