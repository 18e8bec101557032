namespace MyApp;

/// <summary>A service registered in <see cref="App.ConfigureBuilder"/>, from the value the load step computed.</summary>
public sealed record Greeting(string Text);
