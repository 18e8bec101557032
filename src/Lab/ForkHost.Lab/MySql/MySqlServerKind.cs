namespace ForkHost.Lab.MySql;

internal enum MySqlServerKind
{
    /// <summary>--mysql or FORKHOST_MYSQL: used as is, never stopped.</summary>
    Given,
    /// <summary>A MySQL container started by Testcontainers where a Docker engine answers.</summary>
    Testcontainers,
    /// <summary>A local mariadbd/mysqld in a temporary directory, deleted afterwards.</summary>
    Throwaway,
}
