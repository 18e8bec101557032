using System.Runtime.InteropServices;
using ForkHost.Channel;
using ForkHost.Logging;
using ForkHost.Supervisor.Placement;
using ForkHost.Tests.Arbitration;
using ForkHost.Tests.Infrastructure;

namespace ForkHost.Tests.Placement;

/// <summary>
/// The supervisor's placement lease, through the real arbiter loop with fake workers and a fake clock: one holder at a
/// time, a new grant only after the old holder released, exited or stayed silent for the TTL.
/// </summary>
public sealed class PlacementLeaseArbiterTests
{
    private static ArbiterHarness Harness(int workers = 3) => new(ArbiterHarness.DefaultSettings with { Workers = workers });

    /// <summary>Every worker that was ever granted a lease: none may be granted while another holds one.</summary>
    private static IReadOnlyList<FakeWorker> Granted(ArbiterHarness harness) =>
        harness.Launcher.Launched.Where(w => w.Grants.Count > 0).ToList();

    private static IReadOnlyList<long> GrantedIds(FakeWorker worker) => worker.Grants.Select(g => g.LeaseId).Distinct().ToList();

    [Fact]
    public async Task One_worker_gets_the_lease_and_each_of_its_heartbeats_renews_it_workers_without_placed_services_get_none()
    {
        await using (ArbiterHarness plain = Harness())
        {
            await plain.StartAsync();
            await plain.AdvanceAsync(TimeSpan.FromSeconds(1));
            Assert.Empty(Granted(plain));
        }

        await using ArbiterHarness harness = Harness();
        harness.Launcher.OnLaunched = w => w.Ready(placedServices: 1);
        await harness.StartAsync(autoReady: false);

        FakeWorker holder = Assert.Single(Granted(harness));
        Assert.Equal(1, holder.Slot);
        Assert.Equal([1L], GrantedIds(holder));
        Assert.Equal((int)PlacementLease.Ttl.TotalMilliseconds, holder.Grants[0].TtlMilliseconds);
        holder.Heartbeat();
        holder.Heartbeat();
        await harness.SettleAsync();
        Assert.Equal(3, holder.Grants.Count);
        Assert.Equal([1L], GrantedIds(holder));
        Assert.Single(harness.Logger.WithId(EventIds.LeaseGranted));
        Assert.Equal(1, (await harness.Arbiter.GetStatusAsync(CancellationToken.None)).PlacementLease?.Slot);
    }

    [Fact]
    public async Task A_reload_revokes_the_old_holder_first_and_grants_to_the_new_generation_only_after_its_release()
    {
        await using ArbiterHarness harness = Harness(workers: 2);
        harness.Launcher.OnLaunched = w => w.Ready(placedServices: 1);
        await harness.StartAsync(autoReady: false);
        FakeWorker old = Assert.Single(Granted(harness));
        // The old generation drains slowly: its workers stay until the test lets them go.
        foreach (FakeWorker w in harness.LiveOfGeneration(1))
            w.Obedient = false;

        await harness.SignalAsync(PosixSignal.SIGHUP);
        await harness.Loader.CompleteAsync();
        await Eventually.HoldsAsync(() => harness.LiveOfGeneration(2).Count == 2, TimeSpan.FromSeconds(5), "generation 2 started");
        await harness.SettleAsync();

        LeaseRevokedMessage revoked = Assert.Single(old.Sent.OfType<LeaseRevokedMessage>());
        Assert.Equal(1, revoked.LeaseId);
        Assert.All(harness.LiveOfGeneration(2), w => Assert.Empty(w.Grants));
        // Renewals stop once a revoke is sent; a heartbeat of the revoked holder grants nothing.
        int grantsBefore = old.Grants.Count;
        old.Heartbeat();
        await harness.SettleAsync();
        Assert.Equal(grantsBefore, old.Grants.Count);

        old.ReleaseLease(1);
        await harness.SettleAsync();
        FakeWorker next = Assert.Single(harness.LiveOfGeneration(2), w => w.Grants.Count > 0);
        Assert.Equal([2L], GrantedIds(next));
        Assert.Equal(2, Granted(harness).Count);
    }

    [Fact]
    public async Task A_holder_killed_from_outside_is_replaced_at_once_since_its_lock_died_with_it()
    {
        await using ArbiterHarness harness = Harness();
        harness.Launcher.OnLaunched = w => w.Ready(placedServices: 1);
        await harness.StartAsync(autoReady: false);
        FakeWorker holder = Assert.Single(Granted(harness));

        holder.KilledFromOutside();
        await harness.SettleAsync();

        FakeWorker next = Assert.Single(Granted(harness), w => w != holder);
        Assert.Equal([2L], GrantedIds(next));
        Assert.Contains("exited", Assert.Single(harness.Logger.WithId(EventIds.LeaseReleased)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_silent_holder_keeps_the_lease_for_the_ttl_then_it_expires_and_moves()
    {
        await using ArbiterHarness harness = Harness();
        harness.Launcher.OnLaunched = w => w.Ready(placedServices: 1);
        await harness.StartAsync(autoReady: false);
        FakeWorker holder = Assert.Single(Granted(harness));

        // Less than the TTL without a heartbeat: still its lease, whatever the others do.
        await harness.AdvanceAsync(PlacementLease.Ttl - TimeSpan.FromMilliseconds(500));
        foreach (FakeWorker other in harness.Launcher.Live.Where(w => w != holder))
            other.Heartbeat();
        await harness.SettleAsync();
        Assert.Single(Granted(harness));

        await harness.AdvanceAsync(TimeSpan.FromSeconds(1));
        Assert.Single(harness.Logger.WithId(EventIds.LeaseExpired));
        FakeWorker next = Assert.Single(Granted(harness), w => w != holder);
        Assert.Equal([2L], GrantedIds(next));
    }

    [Fact]
    public async Task A_stopping_supervisor_revokes_and_grants_nothing_more()
    {
        await using ArbiterHarness harness = Harness();
        harness.Launcher.OnLaunched = w =>
        {
            w.Obedient = false;
            w.Ready(placedServices: 1);
        };
        await harness.StartAsync(autoReady: false);
        FakeWorker holder = Assert.Single(Granted(harness));

        await harness.SignalAsync(PosixSignal.SIGTERM);
        Assert.Single(holder.Sent.OfType<LeaseRevokedMessage>());
        holder.ReleaseLease(1, "stopping");
        await harness.SettleAsync();
        Assert.Single(Granted(harness));
        foreach (FakeWorker w in harness.Launcher.Live)
            w.Exit(0);
    }
}
