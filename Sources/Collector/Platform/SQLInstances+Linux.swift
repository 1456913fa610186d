#if !os(Windows)
/// No SQL Server instances are listed outside Windows: SQL Server on Linux keeps its error log at
/// `/var/opt/mssql/log`, which WebBRIX does not use; copied Windows trees are searched by the
/// catalog.
enum PlatformSQLInstances {
    static func list() -> [SQLInstanceLog] { [] }
}
#endif
