namespace ForkHost.Tests.Infrastructure;

internal sealed record PrometheusSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);
