using ForkHost.Channel;
using ForkHost.Worker.ProcessState;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.OutputCaching;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ForkHost.Tests.Traps;

/// <summary>Trap 3's detector over real service collections: what an app adds is found, what the framework adds is not.</summary>
public sealed class PerProcessStateDetectorTests
{
    [Fact]
    public void What_CreateBuilder_registers_is_not_a_finding()
    {
        Assert.Empty(Detect(_ => { }));
    }

    [Fact]
    public void Framework_features_that_bring_their_own_registrations_are_not_findings()
    {
        // Health checks bring a hosted service (the publisher), MVC and Razor Pages their caches, SignalR its lifetime manager.
        Assert.Empty(Detect(services =>
        {
            services.AddHealthChecks();
            services.AddControllersWithViews();
            services.AddRazorPages();
            services.AddSignalR();
            services.AddResponseCompression();
            services.AddAuthentication().AddCookie();
            services.AddAntiforgery();
        }));
    }

    [Fact]
    public void A_session_over_the_in_memory_cache_that_MVC_views_bring_is_still_found()
    {
        Assert.Equal(PerProcessStateKind.Session, Assert.Single(Detect(services =>
        {
            services.AddControllersWithViews();
            services.AddSession();
        })).Kind);
    }

    [Fact]
    public void An_in_memory_session_is_found_as_a_session()
    {
        PerProcessStateFinding finding = Assert.Single(Detect(services =>
        {
            services.AddDistributedMemoryCache();
            services.AddSession();
        }));
        Assert.Equal(PerProcessStateKind.Session, finding.Kind);
        Assert.Contains("each of the 4 workers keeps its own sessions", finding.Describe(4));
        Assert.False(finding.LosesData);
    }

    [Fact]
    public void An_in_memory_distributed_cache_without_sessions_is_found()
    {
        Assert.Equal(PerProcessStateKind.DistributedMemoryCache, Assert.Single(Detect(s => s.AddDistributedMemoryCache())).Kind);
    }

    [Fact]
    public void A_shared_distributed_cache_under_the_session_is_not_a_finding()
    {
        Assert.Empty(Detect(services =>
        {
            services.AddDistributedMemoryCache();
            services.AddSingleton<IDistributedCache, SharedCache>();
            services.AddSession();
        }));
    }

    [Fact]
    public void AddMemoryCache_is_found()
    {
        Assert.Equal(PerProcessStateKind.MemoryCache, Assert.Single(Detect(s => s.AddMemoryCache())).Kind);
    }

    [Fact]
    public void AddRateLimiter_is_found_with_the_multiplied_limit()
    {
        PerProcessStateFinding finding = Assert.Single(Detect(s => s.AddRateLimiter(_ => { })));
        Assert.Equal(PerProcessStateKind.RateLimiter, finding.Kind);
        Assert.Equal("AddRateLimiter: each of the 4 workers keeps its own partitions, so a client can make up to 4× the configured permits; count permits in a shared store, or divide the limits by 4",
            finding.Describe(4));
    }

    [Fact]
    public void The_output_cache_is_found_with_its_in_memory_store_and_not_with_a_shared_one()
    {
        Assert.Equal(PerProcessStateKind.OutputCache, Assert.Single(Detect(s => s.AddOutputCache())).Kind);
        Assert.Empty(Detect(services =>
        {
            services.AddSingleton<IOutputCacheStore, SharedOutputCacheStore>();
            services.AddOutputCache();
        }));
    }

    [Fact]
    public void An_app_hosted_service_is_found_by_name_and_loses_data()
    {
        PerProcessStateFinding finding = Assert.Single(Detect(s => s.AddHostedService<NightlyReport>()));
        Assert.Equal(PerProcessStateKind.HostedService, finding.Kind);
        Assert.Equal(typeof(NightlyReport).FullName, finding.Service);
        Assert.True(finding.LosesData);
        Assert.Contains("its work is done 4 times", finding.Describe(4));
        Assert.Contains("AddPlacedHostedService<PerProcessStateDetectorTests.NightlyReport>()", finding.Describe(4));
    }

    [Fact]
    public void A_hosted_service_registered_by_a_factory_is_found_too()
    {
        Assert.Equal(PerProcessStateKind.HostedService, Assert.Single(Detect(s => s.AddHostedService(_ => new NightlyReport()))).Kind);
    }

    [Fact]
    public void A_key_ring_that_is_not_persisted_is_found_and_loses_data()
    {
        PerProcessStateFinding finding = Assert.Single(Detect(_ => { }, keyRingPersisted: false));
        Assert.Equal(PerProcessStateKind.KeyRing, finding.Kind);
        Assert.True(finding.LosesData);
    }

    /// <summary>As a worker does: the builder's services before and after the app's ConfigureBuilder.</summary>
    private static IReadOnlyList<PerProcessStateFinding> Detect(Action<IServiceCollection> configureBuilder, bool keyRingPersisted = true)
    {
        WebApplicationBuilder builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = ["--hostBuilder:reloadConfigOnChange=false"] });
        List<ServiceDescriptor> beforeApp = [.. builder.Services];
        configureBuilder(builder.Services);
        return PerProcessStateDetector.Detect(beforeApp, [.. builder.Services], keyRingPersisted);
    }

    private sealed class NightlyReport : BackgroundService
    {
        protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.CompletedTask;
    }

    private sealed class SharedCache : IDistributedCache
    {
        public byte[]? Get(string key) => null;
        public Task<byte[]?> GetAsync(string key, CancellationToken token = default) => Task.FromResult<byte[]?>(null);
        public void Refresh(string key) { }
        public Task RefreshAsync(string key, CancellationToken token = default) => Task.CompletedTask;
        public void Remove(string key) { }
        public Task RemoveAsync(string key, CancellationToken token = default) => Task.CompletedTask;
        public void Set(string key, byte[] value, DistributedCacheEntryOptions options) { }
        public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default) => Task.CompletedTask;
    }

    private sealed class SharedOutputCacheStore : IOutputCacheStore
    {
        public ValueTask EvictByTagAsync(string tag, CancellationToken cancellationToken) => ValueTask.CompletedTask;
        public ValueTask<byte[]?> GetAsync(string key, CancellationToken cancellationToken) => ValueTask.FromResult<byte[]?>(null);
        public ValueTask SetAsync(string key, byte[] value, string[]? tags, TimeSpan validFor, CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }
}
