namespace ForkHost.Logging;

/// <summary>Every event ForkHost logs has an id from one range per area, so a collector can filter on it.</summary>
/// <remarks>
/// The ranges, in order; a new event takes the next free id of its range, and an id is never reused for another
/// meaning (collectors and alerts depend on it). Gaps are ids that were retired.
/// <list type="table">
/// <item><term>1000–1099</term><description>supervisor: start, listeners, reloads (HUP), upgrades (USR2), log reopening, stop</description></item>
/// <item><term>1100–1199</term><description>supervisor: workers (spawn, ready, exit, crash, hang, recycling)</description></item>
/// <item><term>1200–1299</term><description>supervisor: the control socket (forkhost status)</description></item>
/// <item><term>1300–1399</term><description>supervisor: --balance dispatch</description></item>
/// <item><term>1400–1499</term><description>supervisor: configuration and secrets, the state directory, the TLS certificate</description></item>
/// <item><term>1500–1599</term><description>supervisor: the fleet endpoint (--metrics-bind: /livez, /readyz, /metrics), --shutdown-delay</description></item>
/// <item><term>1600–1699</term><description>metrics: the workers' HTTP metrics, their reports and the supervisor's sums (either process)</description></item>
/// <item><term>2000–2099</term><description>worker: boot, serving, stopping, its channel, access log</description></item>
/// <item><term>3000–3099</term><description>fork safety: the audit, inherited sessions, the pool-fit check</description></item>
/// <item><term>3100–3199</term><description>multi-process traps: per-process state found at start (3100–3119), exactly-once placement and its lease (3120–3139), the memory limit shared by the workers (3140–3159)</description></item>
/// <item><term>4000–4099</term><description>either process: logging itself</description></item>
/// </list>
/// </remarks>
internal static class EventIds
{
    // 1000–1099 supervisor: start, listeners, reloads, upgrades, stop.
    public const int SupervisorStarting = 1000;
    public const int Listening = 1001;
    public const int AppLoaded = 1002;
    public const int AppLoadFailed = 1003;
    public const int SupervisorStopping = 1004;
    public const int SupervisorStopped = 1005;
    public const int SignalReceived = 1006;
    public const int Halting = 1007;
    public const int WantedWorkersChanged = 1009;
    public const int Reloading = 1010;
    public const int Reloaded = 1013;
    public const int ReloadAbandoned = 1014;
    public const int ReloadQueued = 1015;
    public const int ReloadRefused = 1017;
    public const int RestartNeeded = 1018;
    public const int BalanceUnavailable = 1019;
    public const int LogsReopened = 1021;
    public const int Upgrading = 1022;
    public const int UpgradeFailed = 1023;
    public const int UpgradeBusy = 1024;
    public const int HandingOver = 1025;
    public const int TakingOver = 1026;

    // 1100–1199 supervisor: workers.
    public const int WorkerSpawned = 1100;
    public const int WorkerReady = 1101;
    public const int WorkerExited = 1102;
    public const int WorkerBootFailed = 1103;
    public const int WorkerHung = 1104;
    public const int WorkerKilled = 1105;
    public const int WorkerProtocolError = 1106;
    public const int WorkerBootTimedOut = 1108;
    public const int AllWorkersReady = 1109;
    public const int WorkerStopRequested = 1110;
    public const int WorkerCrashed = 1111;
    public const int WorkerRecycling = 1112;
    public const int WorkerKilledBeforeReady = 1113;
    public const int WorkerRequestStuck = 1114;
    public const int WorkerStacks = 1115;
    public const int WorkerStacksUnavailable = 1116;
    public const int WorkerDumpWritten = 1117;
    public const int WorkerReplacingStuck = 1118;
    public const int WorkerDumpFailed = 1119;
    public const int WorkerWrongBuild = 1120;

    // 1200–1299 supervisor: control socket (forkhost status).
    public const int ControlSocketListening = 1200;
    public const int ControlRequestRejected = 1201;
    public const int ControlPeerRefused = 1202;
    public const int ControlConnectionFailed = 1203;
    public const int ControlAcceptFailed = 1204;
    public const int ControlOverCapacity = 1205;

    // 1300–1399 supervisor: --balance dispatch (the supervisor accepts and hands connections to workers).
    public const int DispatchAcceptFailed = 1300;
    public const int DispatchDropped = 1301;
    public const int DispatchDescriptorsExhausted = 1302;
    public const int DispatchHeld = 1303;
    public const int DispatchAcceptPaused = 1304;
    public const int DispatchAcceptResumed = 1305;

    // 1400–1499 supervisor: configuration, secrets and the state directory.
    public const int MySqlOnCommandLine = 1400;
    public const int KeyRingReady = 1410;
    public const int KeyRingUnavailable = 1411;
    public const int CertificateLoaded = 1420;
    public const int CertificateExpiresSoon = 1421;
    public const int CertificateUnused = 1422;

    // 1500–1599 supervisor: the fleet endpoint (--metrics-bind) and the orchestrator's stop sequence.
    public const int FleetEndpointServing = 1500;
    public const int FleetEndpointHandedOver = 1501;
    public const int FleetEndpointFailed = 1502;
    public const int ShutdownDelayed = 1503;

    // 1600–1699 metrics (either process): the workers' reports and the supervisor's sums.
    public const int MetricsSeriesOverflow = 1600;
    public const int MetricsReportRejected = 1601;

    // 2000–2099 worker.
    public const int WorkerServing = 2000;
    public const int WorkerBootError = 2001;
    public const int WorkerStopping = 2002;
    public const int WorkerStopped = 2003;
    public const int WorkerChannelError = 2005;
    public const int WorkerStoppingHookFailed = 2006;
    public const int WorkerDrainLingering = 2007;
    public const int AccessLog = 2010;
    public const int WorkerAppKeyRing = 2020;

    // Worker: accepting and descriptors (rate-limited: at most one line per event and listener every 5 s).
    public const int WorkerDescriptorsExhausted = 2011;
    public const int WorkerAcceptFailed = 2012;
    public const int WorkerAcceptPaused = 2013;
    public const int WorkerAcceptResumed = 2014;
    public const int WorkerAcceptEnded = 2015;
    public const int WorkerConnectionLost = 2016;

    // Worker: the edge (proxies).
    public const int WorkerProxyHeaderRejected = 2030;

    // 3000–3099 fork safety (inherited connections, audit).
    public const int ForkSafetyAudit = 3000;
    public const int ForkSafetyConnection = 3001;
    public const int ForkSafetyDisposed = 3002;
    public const int ForkSafetyShared = 3004;
    public const int MySqlGreetingProbed = 3005;
    public const int MySqlGreetingFailed = 3006;
    public const int PoolFitChecked = 3010;
    public const int PoolFitWarning = 3011;
    public const int PoolFitUnreachable = 3012;
    public const int PoolFitRefused = 3013;

    // 3100–3119 multi-process traps: per-process state found in the app's services at start.
    public const int StateAudit = 3100;
    public const int StateFinding = 3101;
    public const int StateRefusedInWorker = 3102;
    // 3120–3139 exactly-once placement: the supervisor's lease (3120–3129), the worker that runs the placed services (3130–3139).
    public const int LeaseGranted = 3120;
    public const int LeaseRevoked = 3121;
    public const int LeaseReleased = 3122;
    public const int LeaseExpired = 3123;
    public const int PlacedServicesStarted = 3130;
    public const int PlacedServicesStopped = 3131;
    public const int PlacedServiceFailed = 3132;
    public const int PlacementLockWaiting = 3133;
    public const int PlacementLeaseExpired = 3134;
    // 3140–3159 multi-process traps: the memory limit shared by the workers.
    public const int WorkerHeapLimitSet = 3140;
    public const int WorkerHeapLimitFixed = 3141;
    public const int WorkerHeapLimitOff = 3142;
    public const int WorkerHeapLimitOperator = 3143;
    public const int WorkerHeapLimitTooSmall = 3144;
    public const int WorkersFollowNodeCores = 3145;
    public const int WorkerOomKilled = 3146;

    // 4000–4099 either process: logging.
    public const int LoggingSectionIgnored = 4000;
    public const int LoggingSectionPartlyApplied = 4001;
}
