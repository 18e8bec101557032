using ForkHost.Channel;
using ForkHost.Tests.Infrastructure;
using ForkHost.Worker.Placement;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

namespace ForkHost.Tests.Placement;

/// <summary>The worker's side: placed services run only with the lease and the lock, and stop before the release is reported.</summary>
public sealed class PlacedServicesTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_grant_starts_the_service_only_once_the_lock_is_free_and_a_revoke_stops_it_before_the_release_is_reported()
    {
        var fence = new FakeFence { HeldElsewhere = true };
        var service = new RecordingService();
        var releases = new List<(LeaseReleasedMessage Message, bool LockHeld)>();
        var placed = new PlacedServices(fence, TimeProvider.System);
        placed.ReportReleasesTo(m => { lock (releases) releases.Add((m, fence.Held)); });
        placed.Attach([(new ForkHost.PlacedHostedServiceRegistration(typeof(RecordingService)), service)], NullLogger.Instance);

        placed.Grant(1, TimeSpan.FromSeconds(30));
        await Eventually.HoldsAsync(() => fence.Attempts > 3, Wait, "the lock was tried");
        Assert.Equal(0, service.Starts);

        fence.HeldElsewhere = false;
        await Eventually.HoldsAsync(() => service.Starts == 1, Wait, "the service started");
        placed.Grant(1, TimeSpan.FromSeconds(30));

        placed.Revoke(1);
        await Eventually.HoldsAsync(() => { lock (releases) return releases.Count == 1; }, Wait, "the release was reported");
        Assert.Equal(1, service.Stops);
        Assert.Equal(1, service.Starts);
        Assert.Equal(new LeaseReleasedMessage(1, "revoked"), releases[0].Message);
        Assert.False(releases[0].LockHeld, "the release was reported while the lock was still held");
    }

    [Fact]
    public async Task A_lease_not_renewed_within_its_ttl_stops_the_service_by_itself()
    {
        var fence = new FakeFence();
        var service = new RecordingService();
        var releases = new List<LeaseReleasedMessage>();
        var placed = new PlacedServices(fence, TimeProvider.System);
        placed.ReportReleasesTo(m => { lock (releases) releases.Add(m); });
        placed.Attach([(new ForkHost.PlacedHostedServiceRegistration(typeof(RecordingService)), service)], NullLogger.Instance);

        placed.Grant(7, TimeSpan.FromMilliseconds(300));
        await Eventually.HoldsAsync(() => { lock (releases) return releases.Count == 1; }, Wait, "the lease expired");
        Assert.Equal(new LeaseReleasedMessage(7, "expired"), releases[0]);
        Assert.Equal(service.Starts, service.Stops);
        Assert.False(fence.Held);
    }

    [Fact]
    public async Task The_workers_stop_stops_the_placed_services_and_gives_the_lease_back()
    {
        var fence = new FakeFence();
        var service = new RecordingService();
        var releases = new List<LeaseReleasedMessage>();
        var placed = new PlacedServices(fence, TimeProvider.System);
        placed.ReportReleasesTo(m => { lock (releases) releases.Add(m); });
        placed.Attach([(new ForkHost.PlacedHostedServiceRegistration(typeof(RecordingService)), service)], NullLogger.Instance);
        placed.Grant(3, TimeSpan.FromSeconds(30));
        await Eventually.HoldsAsync(() => service.Starts == 1, Wait, "the service started");

        await placed.StopAsync(CancellationToken.None);

        Assert.Equal(1, service.Stops);
        Assert.Equal([new LeaseReleasedMessage(3, "stopping")], releases);
        Assert.False(fence.Held);
    }

    private sealed class FakeFence : IPlacementFence
    {
        private int _attempts;
        private volatile bool _held;

        public volatile bool HeldElsewhere;
        public int Attempts => Volatile.Read(ref _attempts);
        public bool Held => _held;
        public string Description => "a fake lock";

        public IDisposable? TryAcquire()
        {
            Interlocked.Increment(ref _attempts);
            if (HeldElsewhere || _held)
                return null;
            _held = true;
            return new Release(this);
        }

        private sealed class Release(FakeFence fence) : IDisposable
        {
            public void Dispose() => fence._held = false;
        }
    }

    private sealed class RecordingService : IHostedService
    {
        private int _starts;
        private int _stops;

        public int Starts => Volatile.Read(ref _starts);
        public int Stops => Volatile.Read(ref _stops);

        public Task StartAsync(CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _starts);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _stops);
            return Task.CompletedTask;
        }
    }
}
