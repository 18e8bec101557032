using System.Diagnostics;
using System.Text.Json;
using System.Xml.Linq;
using ForkHost.Tests.Infrastructure;

namespace ForkHost.Tests.Packaging;

/// <summary>
/// What the packages in artifacts/packages hold, and what the serving path depends on: the contract depends on the
/// framework only, the tool and the hosting package carry the supervisor and the worker and nothing of the lab, the template references this very version.
/// </summary>
public sealed class PackageContentsTests
{
    private static readonly string[] LabPackages = ["Testcontainers", "Docker.DotNet"];

    [Theory]
    [InlineData("src/Supervisor/ForkHost.Supervisor.csproj")]
    [InlineData("src/Worker/ForkHost.Worker.csproj")]
    [InlineData("src/Hosting/ForkHost.Hosting.csproj")]
    public async Task The_serving_path_depends_on_no_lab_package(string project)
    {
        var startInfo = new ProcessStartInfo("dotnet", ["list", project, "package", "--include-transitive", "--format", "json", "--no-restore"])
        {
            WorkingDirectory = RepositoryPaths.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using Process list = Process.Start(startInfo)!;
        Task<string> stdout = list.StandardOutput.ReadToEndAsync();
        Task<string> stderr = list.StandardError.ReadToEndAsync();
        await list.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(list.ExitCode == 0, $"dotnet list {project} package exited {list.ExitCode}: {await stdout}{await stderr}");

        using JsonDocument document = JsonDocument.Parse(await stdout);
        List<string> packages = document.RootElement.GetProperty("projects").EnumerateArray()
            .SelectMany(p => p.GetProperty("frameworks").EnumerateArray())
            .SelectMany(f => new[] { "topLevelPackages", "transitivePackages" }.SelectMany(kind => f.TryGetProperty(kind, out JsonElement ofKind) ? ofKind.EnumerateArray() : []))
            .Select(package => package.GetProperty("id").GetString()!)
            .ToList();
        Assert.Contains("Serilog", packages); // the list is the real one, not an empty answer
        Assert.DoesNotContain(packages, id => LabPackages.Any(lab => id.StartsWith(lab, StringComparison.OrdinalIgnoreCase)));
    }

    [Fact]
    public void The_tool_package_carries_the_supervisor_and_the_worker_in_forkhost_and_nothing_of_the_lab()
    {
        IReadOnlyList<string> entries = PackageFolder.Entries(PackageFolder.Tool);
        const string tool = "tools/net10.0/any/";
        foreach (string file in new[] { "forkhost.dll", "forkhost.runtimeconfig.json", "ForkHost.Supervisor.dll", "ForkHost.Worker.dll", "ForkHost.Engine.dll", "ForkHost.Abstractions.dll", "DotnetToolSettings.xml" })
            Assert.Contains(tool + file, entries);
        // A worker is forkhost started again: there is no second program.
        Assert.DoesNotContain(entries, entry => Path.GetFileName(entry).StartsWith("forkhost-worker", StringComparison.Ordinal));

        Assert.DoesNotContain(entries, entry => Path.GetFileName(entry).StartsWith("Testcontainers", StringComparison.OrdinalIgnoreCase) && entry.EndsWith(".dll", StringComparison.Ordinal));
        Assert.DoesNotContain(entries, entry => Path.GetFileName(entry).StartsWith("Docker.DotNet", StringComparison.OrdinalIgnoreCase) && entry.EndsWith(".dll", StringComparison.Ordinal));
        Assert.DoesNotContain(entries, entry => Path.GetFileName(entry).StartsWith("forkhost-lab", StringComparison.Ordinal));
        Assert.DoesNotContain(entries, entry => entry.Contains("demo-app/", StringComparison.Ordinal));

        XNamespace ns = PackageFolder.Nuspec(PackageFolder.Tool).Root!.Name.Namespace;
        Assert.Contains(PackageFolder.Nuspec(PackageFolder.Tool).Descendants(ns + "packageType"), type => (string?)type.Attribute("name") == "DotnetTool");
    }

    [Fact]
    public void The_hosting_package_carries_the_supervisor_and_the_worker_and_depends_on_this_versions_contract()
    {
        IReadOnlyList<string> entries = PackageFolder.Entries(PackageFolder.Hosting);
        foreach (string assembly in new[] { "ForkHost.Hosting", "ForkHost.Supervisor", "ForkHost.Worker", "ForkHost.Engine", "ForkHost.Lab.MySqlWire" })
            Assert.Contains($"lib/net10.0/{assembly}.dll", entries);
        // The contract is a package of its own, so that an app referencing both has one copy.
        Assert.DoesNotContain("lib/net10.0/ForkHost.Abstractions.dll", entries);
        Assert.Contains("build/ForkHost.Hosting.props", entries);
        Assert.Contains("buildTransitive/ForkHost.Hosting.props", entries);

        XDocument nuspec = PackageFolder.Nuspec(PackageFolder.Hosting);
        XNamespace ns = nuspec.Root!.Name.Namespace;
        Dictionary<string, string> dependencies = nuspec.Descendants(ns + "dependency")
            .ToDictionary(d => (string)d.Attribute("id")!, d => (string)d.Attribute("version")!);
        Assert.Equal(PackageFolder.Version, dependencies[PackageFolder.Contract]);
        // What the carried assemblies reference, restated: an app restoring this package gets them.
        foreach (string package in new[] { "MySqlConnector", "Serilog", "Serilog.Extensions.Hosting", "Serilog.Sinks.Console", "Serilog.Sinks.File", "Serilog.Formatting.Compact" })
            Assert.True(dependencies.ContainsKey(package), $"ForkHost.Hosting does not depend on {package}: {string.Join(", ", dependencies.Keys)}");
        Assert.DoesNotContain(dependencies.Keys, id => LabPackages.Any(lab => id.StartsWith(lab, StringComparison.OrdinalIgnoreCase)));
    }

    [Fact]
    public void The_contract_package_depends_on_nothing_beyond_the_aspnetcore_framework()
    {
        XDocument nuspec = PackageFolder.Nuspec(PackageFolder.Contract);
        XNamespace ns = nuspec.Root!.Name.Namespace;
        Assert.Empty(nuspec.Descendants(ns + "dependency"));
        Assert.Equal(["Microsoft.AspNetCore.App"], nuspec.Descendants(ns + "frameworkReference").Select(f => (string)f.Attribute("name")!));
        Assert.Contains("lib/net10.0/ForkHost.Abstractions.dll", PackageFolder.Entries(PackageFolder.Contract));
    }

    [Theory]
    [InlineData(PackageFolder.Contract)]
    [InlineData(PackageFolder.Tool)]
    [InlineData(PackageFolder.Hosting)]
    [InlineData(PackageFolder.Templates)]
    public void Every_package_has_its_readme_a_licence_expression_and_the_repository(string id)
    {
        XDocument nuspec = PackageFolder.Nuspec(id);
        XNamespace ns = nuspec.Root!.Name.Namespace;
        XElement metadata = nuspec.Root.Element(ns + "metadata")!;
        Assert.Equal(PackageFolder.Version, (string?)metadata.Element(ns + "version"));
        Assert.Equal("MIT", (string?)metadata.Element(ns + "license"));
        Assert.Equal("expression", (string?)metadata.Element(ns + "license")?.Attribute("type"));
        Assert.Equal("https://github.com/forkhost/forkhost", (string?)metadata.Element(ns + "repository")?.Attribute("url"));
        Assert.Equal("README.md", (string?)metadata.Element(ns + "readme"));
        Assert.Contains("README.md", PackageFolder.Entries(id));
    }

    [Fact]
    public void The_template_references_the_hosting_package_at_the_packed_version_offers_aot_and_is_found_as_forkhost()
    {
        XDocument project = XDocument.Parse(PackageFolder.ReadEntry(PackageFolder.Templates, "content/ForkHostApp/MyApp.csproj"));
        XElement reference = Assert.Single(project.Descendants("PackageReference"));
        Assert.Equal(PackageFolder.Hosting, (string?)reference.Attribute("Include"));
        Assert.Equal(PackageFolder.Version, (string?)reference.Attribute("Version"));
        // Its own executable, and a plugin forkhost run can load.
        Assert.Equal("Exe", project.Descendants("OutputType").Single().Value);
        Assert.Equal("true", project.Descendants("EnableDynamicLoading").Single().Value);

        using JsonDocument template = JsonDocument.Parse(PackageFolder.ReadEntry(PackageFolder.Templates, "content/ForkHostApp/.template.config/template.json"));
        Assert.Equal("forkhost", template.RootElement.GetProperty("shortName").GetString());
        Assert.Equal("MyApp", template.RootElement.GetProperty("sourceName").GetString());
        Assert.Equal("bool", template.RootElement.GetProperty("symbols").GetProperty("NativeAot").GetProperty("datatype").GetString());
        using JsonDocument host = JsonDocument.Parse(PackageFolder.ReadEntry(PackageFolder.Templates, "content/ForkHostApp/.template.config/dotnetcli.host.json"));
        Assert.Equal("aot", host.RootElement.GetProperty("symbolInfo").GetProperty("NativeAot").GetProperty("longName").GetString());
    }
}
