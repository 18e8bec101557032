namespace ForkHost.Tests.MySql;

/// <summary>Tests that need the real MySQL server share one, started once per test run.</summary>
[CollectionDefinition(Name)]
public sealed class MySqlCollection : ICollectionFixture<MySqlServerFixture>
{
    public const string Name = "MySql";
}
