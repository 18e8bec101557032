using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ForkHost.Worker.DataProtection;

/// <summary>
/// ASP.NET Core's Data Protection key ring, one for every worker of a supervisor. Left alone, each worker would keep
/// its own ring (under $HOME, or in memory when there is none, or in ./.aspnet as root without HOME), so an
/// authentication cookie or antiforgery token minted by one worker would be rejected by the next. ForkHost's
/// registration comes before the app's, so an app that configures Data Protection itself (a repository of its own,
/// another application name) overrides it.
/// </summary>
internal sealed partial class WorkerKeyRing(string? directory)
{
    private IXmlRepository? _repository;

    public void AddTo(IServiceCollection services, string applicationName)
    {
        // Never Data Protection's default: with no state directory the keys stay in this worker's memory, not in the
        // working directory, and the supervisor has already warned that tokens do not cross workers.
        _repository = directory is null
            ? new MemoryXmlRepository()
            : new FileSystemXmlRepository(new DirectoryInfo(directory), Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance);
        services.AddDataProtection().SetApplicationName(applicationName);
        services.Configure<KeyManagementOptions>(options => options.XmlRepository = _repository);
    }

    public void LogWhich(IServiceProvider services)
    {
        IXmlRepository? used = services.GetRequiredService<IOptions<KeyManagementOptions>>().Value.XmlRepository;
        if (!ReferenceEquals(used, _repository))
            LogAppOwnRepository(services.GetRequiredService<ILogger<WorkerKeyRing>>(), used?.GetType().FullName ?? "Data Protection's default");
    }

    /// <summary>
    /// Whether the keys the built host uses outlive this process: not ForkHost's in-memory ring (no state directory),
    /// not Data Protection's ephemeral provider. A repository the app configured itself counts as persisted: ForkHost
    /// cannot see where it writes, and the app chose it.
    /// </summary>
    public bool IsPersisted(IServiceProvider services)
    {
        if (services.GetService<IDataProtectionProvider>() is EphemeralDataProtectionProvider)
            return false;
        IXmlRepository? used = services.GetRequiredService<IOptions<KeyManagementOptions>>().Value.XmlRepository;
        return used is not null and not MemoryXmlRepository;
    }

    [LoggerMessage(EventId = Logging.EventIds.WorkerAppKeyRing, Level = LogLevel.Information,
        Message = "The app configures its own Data Protection key repository ({Repository}); ForkHost's shared key ring is not used")]
    private static partial void LogAppOwnRepository(ILogger logger, string repository);

    /// <summary>Keys kept for this process only (no state directory): what Data Protection's ephemeral mode does, minus the working-directory fallback.</summary>
    private sealed class MemoryXmlRepository : IXmlRepository
    {
        private readonly List<XElement> _elements = [];
        private readonly Lock _lock = new();

        public IReadOnlyCollection<XElement> GetAllElements()
        {
            lock (_lock)
                return _elements.Select(e => new XElement(e)).ToList();
        }

        public void StoreElement(XElement element, string friendlyName)
        {
            lock (_lock)
                _elements.Add(new XElement(element));
        }
    }
}
