using ForkHost.Supervisor.Secrets;

namespace ForkHost.Tests.Unit;

public sealed class ConnectionStringRedactorTests
{
    [Theory]
    [InlineData("Server=db;User ID=app;Password=s3cret;Database=x", "Server=db;User ID=app;Password=***;Database=x")]
    [InlineData("server=db;pwd=s3cret", "server=db;pwd=***")]
    [InlineData("Server=db; Password = 'a;b' ;Database=x", "Server=db; Password = *** ;Database=x")]
    [InlineData("Password=\"q\"\"uoted\";Server=db", "Password=***;Server=db")]
    [InlineData("Server=db;Database=x", "Server=db;Database=x")]
    public void Passwords_are_masked_and_nothing_else_changes(string input, string expected)
    {
        string redacted = ConnectionStringRedactor.Redact(input);
        Assert.Equal(expected, redacted);
        Assert.DoesNotContain("s3cret", redacted);
    }
}
