namespace ForkHost.Tests.MySql;

// TEMPORARY stand-in, replaced at merge by the shared version (same name, same constant).
[CollectionDefinition(Name)]
public sealed class MySqlCollection : ICollectionFixture<MySqlServerFixture>
{
    public const string Name = "MySql";
}
