/// The rules that ship with amt-collect, as data (the format `RuleSet.load(from:)` reads).
///
/// Event ids and providers are the ones Windows, Windows Installer and SQL Server write:
/// - power: Kernel-Power 41 (rebooted without a clean shutdown), EventLog 6008 (previous shutdown
///   unexpected); 6005/6006 and User32 1074 are normal and only feed the timeline.
/// - service: Service Control Manager 7031/7034 (terminated unexpectedly), 7000 (failed to
///   start), 7009 (start timed out), 7023 (terminated with an error).
/// - install: failed runs summarized by the install parsers (`event.outcome` failure, grouped by
///   `amt.install.exit_code`: 1603 fatal error, 1618 another install running, 1638 another version
///   installed) and MsiInstaller 11708 (installation failed) in the Application log. One run is
///   counted once however many of its files state it (`distinctBy` `amt.install.run_id`).
/// - database: SQL Server 18456 (login failed, grouped by state), 9002 (transaction log full),
///   1105 (filegroup full); from ERRORLOG (`event.provider` `Logon`, `spidNN`, `Server`) and from
///   the Application log (`MSSQLSERVER`, `MSSQL$INSTANCE`).
/// - storage: SQL Server 823/824/825 (I/O errors), disk 7/11/51/153, Ntfs 55.
/// - time: Time-Service (W32Time) warnings 24, 29, 36, 47, 50, 129, 134.
/// - network: Tcpip 4199 (address conflict), DNS Client 1014 (name resolution timed out, 3+).
/// - service: AMTError error messages of one template recurring 5 or more times.
/// - web: IIS W3C 5xx answers of one URL path, 5 or more within 10 minutes (503 apart); 503
///   Service Unavailable (application pool stopped or overloaded, 3+); HTTP.sys (HTTPERR) requests
///   refused with `AppOffline`, `QueueFull`, `AppShutdown`, `Disabled` or
///   `Connection_Abandoned_By_AppPool` (grouped by `s-queuename`, the application pool), and
///   connections cut by its `Timer_*` limits (5+; `Timer_ConnectionIdle` is routine).
/// - service: Windows Error Reporting crash (and hang) reports of the product's processes
///   (`WebBRIX*`, `w3wp.exe` hosting it, `sqlservr.exe`), one finding per program; SQL Server Agent
///   job failures (entries naming a job at error or warning level), one per job, and the agent's
///   lost connections to SQL Server (`[165]` ODBC, `[298]` SQLServer error, `[382]` logon failed).
/// - install: Windows servicing (CBS.log, dism.log): feature or repair source files not found
///   (0x800F081F, 0x800F0906, 0x800F0907: .NET Framework 3.5), component store corruption
///   (0x80073712), SFC "cannot repair"; failed DISM commands and Windows Update installs (grouped
///   by `amt.install.exit_code`).
enum BuiltinRules {
    static let json = #"""
    {"rules": [
      {"id": "power-unexpected-shutdown", "area": "power", "severity": "critical",
       "title": "Unexpected shutdown or power loss",
       "nextStep": "Check the UPS and the server's power supply; ask the site whether the server lost power or was switched off at the times shown, and whether the UPS battery and its shutdown software work.",
       "match": {"datasets": ["windows.evtx", "windows.event_xml", "windows.event_csv"],
                 "providers": ["Microsoft-Windows-Kernel-Power", "EventLog"], "eventIDs": [41, 6008]}},

      {"id": "service-crash", "area": "service", "severity": "error",
       "title": "A Windows service stopped unexpectedly",
       "nextStep": "Note the service name in the evidence (param1). If it is a WebBRIX service, send the AMTError logs from the same minutes; check that the service is running now and set to restart on failure.",
       "match": {"datasets": ["windows.evtx", "windows.event_xml", "windows.event_csv"],
                 "providers": ["Service Control Manager"], "eventIDs": [7031, 7034]}},

      {"id": "service-start-failed", "area": "service", "severity": "error",
       "title": "A Windows service failed to start",
       "nextStep": "Note the service name (param1) and the error: %%1069 is a logon failure (re-enter the service account's password in Services), %%1053 a start timeout (check the services it depends on, e.g. SQL Server). Start the service by hand and confirm it stays running.",
       "match": {"datasets": ["windows.evtx", "windows.event_xml", "windows.event_csv"],
                 "providers": ["Service Control Manager"], "eventIDs": [7000, 7009, 7023]}},

      {"id": "application-crash", "area": "service", "severity": "error",
       "title": "A program crashed",
       "nextStep": "The first value (Data[0]) is the program that crashed and Data[6] the exception code (e0434352 is an unhandled .NET exception: the AMTError log of the same minute shows it). If it is a WebBRIX program, note its version (Data[1]), send the AMTError logs, and check that its service restarted.",
       "match": {"datasets": ["windows.evtx", "windows.event_xml", "windows.event_csv"],
                 "providers": ["Application Error", ".NET Runtime"], "eventIDs": [1000, 1026]}},

      {"id": "install-failed", "area": "install", "severity": "error",
       "title": "An installation failed",
       "nextStep": "Open the install log at the line shown and read the failed action and its error. Exit code 1603: fix the error named there (often the database login or folder permissions), then rerun the setup as administrator; 1618: another installation was running - wait or restart, then retry; 1638: another version is installed - use the upgrade package or uninstall it first.",
       "match": {"datasets": ["msi", "sql.setup", "installshield", "setupapi", "dpinst"], "outcome": "failure"},
       "groupBy": "amt.install.exit_code", "distinctBy": "amt.install.run_id"},

      {"id": "install-failed-eventlog", "area": "install", "severity": "error",
       "title": "Windows Installer recorded a failed installation",
       "nextStep": "Find the product and time in the evidence, then look for the matching MSI*.LOG in the Windows or user Temp folder (collected with this bundle when present) to see which action failed.",
       "match": {"datasets": ["windows.evtx", "windows.event_xml", "windows.event_csv"],
                 "providers": ["MsiInstaller"], "eventIDs": [11708]}},

      {"id": "sql-login-failed", "area": "database", "severity": "error",
       "title": "SQL Server login failures",
       "nextStep": "The state tells why: 8 wrong password (compare the password in the WebBRIX connection string with the SQL login), 5 no such login, 38 or 40 the database is missing or offline, 58 the server accepts Windows logins only (enable mixed mode), 7 the login is disabled. The CLIENT address in the message is the machine that tried.",
       "match": {"datasets": ["sql.errorlog", "windows.evtx", "windows.event_xml", "windows.event_csv"],
                 "providers": ["Logon", "MSSQLSERVER", "MSSQL$*"], "codes": ["18456"]},
       "groupBy": "amt.sql.state"},

      {"id": "sql-log-full", "area": "database", "severity": "critical",
       "title": "SQL Server database or transaction log is full",
       "nextStep": "Check free space on the drive holding the WebBRIX database files; for a full transaction log (9002) check that log backups run (or the recovery model is SIMPLE) and that the log file may grow. Escalate to Tier 2 before shrinking or deleting anything.",
       "match": {"datasets": ["sql.errorlog", "windows.evtx", "windows.event_xml", "windows.event_csv"],
                 "providers": ["spid*", "Server", "MSSQLSERVER", "MSSQL$*"], "codes": ["9002", "1105"]}},

      {"id": "sql-io-error", "area": "storage", "severity": "critical",
       "title": "SQL Server reported disk I/O errors",
       "nextStep": "The disk under the database may be failing: check the disk health and the System log for disk errors, make sure a recent database backup exists, and escalate to Tier 2 (run DBCC CHECKDB only under their guidance).",
       "match": {"datasets": ["sql.errorlog", "windows.evtx", "windows.event_xml", "windows.event_csv"],
                 "providers": ["spid*", "Server", "MSSQLSERVER", "MSSQL$*"], "codes": ["823", "824", "825"]}},

      {"id": "disk-errors", "area": "storage", "severity": "error",
       "title": "Disk errors in the System log",
       "nextStep": "Check the disk or RAID controller health with the server vendor's tools, back up the WebBRIX database now, and plan a disk replacement with the site.",
       "match": {"datasets": ["windows.evtx", "windows.event_xml", "windows.event_csv"],
                 "providers": ["disk"], "eventIDs": [7, 11, 51, 153]}},

      {"id": "ntfs-corruption", "area": "storage", "severity": "error",
       "title": "File system corruption reported (NTFS)",
       "nextStep": "Schedule a disk check (chkdsk /f) of the volume named in the message at a maintenance window, after backing up the WebBRIX database.",
       "match": {"datasets": ["windows.evtx", "windows.event_xml", "windows.event_csv"],
                 "providers": ["Ntfs", "Microsoft-Windows-Ntfs"], "eventIDs": [55]}},

      {"id": "time-sync", "area": "time", "severity": "warning",
       "title": "The server's clock is not synchronizing",
       "nextStep": "Run 'w32tm /query /status' and check that the server reaches its time source (domain controller or NTP server on UDP 123); a wrong clock breaks door schedules and log times.",
       "match": {"datasets": ["windows.evtx", "windows.event_xml", "windows.event_csv"],
                 "providers": ["Microsoft-Windows-Time-Service", "W32Time"],
                 "eventIDs": [24, 29, 36, 47, 50, 129, 134], "levels": ["warning", "error", "critical"]}},

      {"id": "ip-conflict", "area": "network", "severity": "error",
       "title": "IP address conflict",
       "nextStep": "Another device uses this server's IP address (its hardware address is in the message). Find that device and give it a different address, or give the server a reserved address.",
       "match": {"datasets": ["windows.evtx", "windows.event_xml", "windows.event_csv"],
                 "providers": ["Tcpip"], "eventIDs": [4199]}},

      {"id": "dns-failures", "area": "network", "severity": "warning",
       "title": "Name resolution timed out",
       "nextStep": "Check the server's DNS server settings (ipconfig /all) and that it can resolve the names in the messages (nslookup NAME).",
       "match": {"datasets": ["windows.evtx", "windows.event_xml", "windows.event_csv"],
                 "providers": ["Microsoft-Windows-DNS-Client", "DNS Client Events"], "eventIDs": [1014]},
       "threshold": 3},

      {"id": "amterror-recurring", "area": "service", "severity": "warning",
       "title": "Recurring WebBRIX error",
       "nextStep": "The message names what keeps failing: for a door controller, check its power and network cable and ping its address from this server; for the database, check that SQL Server is running. Send the AMTError lines shown with the case.",
       "match": {"datasets": ["amt.error"], "levels": ["error", "critical"]},
       "threshold": 5, "groupBy": "template"},

      {"id": "iis-5xx-burst", "area": "service", "severity": "error",
       "title": "The web server answered one URL with server errors (HTTP 5xx) again and again",
       "nextStep": "The URL path names the failing part of WebBRIX (for /api/doors/<n>/... the door controller n: check its power and network and ping it from this server). Send the AMTError log of the same minutes (times here are UTC) and note the status and substatus (500.0 an application error, 502.3 a gateway timeout).",
       "match": {"datasets": ["iis.w3c"], "levels": ["error"], "extra": {"http.response.status_code": "!503"}},
       "threshold": 5, "window": 600, "groupBy": "url.path"},

      {"id": "iis-503-unavailable", "area": "service", "severity": "error",
       "title": "The web server answered 503 Service Unavailable (application pool stopped or overloaded)",
       "nextStep": "In IIS Manager > Application Pools check that WebBRIXPool is Started (start it, and look in the System event log for WAS events 5002/5117 saying why it stopped). Substatus 0 means the pool was down, 2 or 3 that it was overloaded. HTTPERR (collected here) names the pool.",
       "match": {"datasets": ["iis.w3c"], "extra": {"http.response.status_code": "503"}},
       "threshold": 3},

      {"id": "httperr-app-pool-down", "area": "service", "severity": "error",
       "title": "HTTP.sys refused requests: the application pool was offline or its queue full",
       "nextStep": "The group is the application pool (s-queuename). AppOffline or AppShutdown: the pool stopped (often after repeated crashes: Rapid-Fail Protection) - start it in IIS Manager and find the crash in the Application log; QueueFull: the pool could not keep up - check the server's CPU and the WebBRIX services it waits on (SQL Server).",
       "match": {"datasets": ["iis.httperr"], "extra": {"amt.iis.reason": "AppOffline|QueueFull|AppShutdown|Disabled|Connection_Abandoned_By_AppPool"}},
       "groupBy": "amt.iis.queue"},

      {"id": "httperr-timeouts", "area": "network", "severity": "warning",
       "title": "HTTP.sys cut connections on its time limits (Timer_*)",
       "nextStep": "Timer_AppPool: requests waited too long for the application pool (busy or starting); Timer_EntityBody, Timer_HeaderWait or Timer_MinBytesPerSecond: the client sent too slowly (a slow or broken network between the clients and this server). Note the client addresses in the evidence.",
       "match": {"datasets": ["iis.httperr"], "extra": {"amt.iis.reason": "Timer_AppPool|Timer_EntityBody|Timer_HeaderWait|Timer_MinBytesPerSecond|Timer_ReqQueue|Timer_Response"}},
       "threshold": 5, "groupBy": "amt.iis.reason"},

      {"id": "wer-product-crash", "area": "service", "severity": "error",
       "title": "WebBRIX, IIS or SQL Server crashed (Windows Error Reporting)",
       "nextStep": "The report names the program, the faulting module and the exception code: e0434352 is an unhandled .NET exception (the AMTError log and the Application log of the same minute show which), c0000005 an access violation in the module named. Check that the service or application pool restarted, note the program version, and send the Report.wer files with the case.",
       "match": {"datasets": ["windows.wer"], "levels": ["error", "critical"],
                 "extra": {"wer.app.name": "webbrix*|w3wp.exe|sqlservr.exe"}},
       "groupBy": "amt.wer.app.name"},

      {"id": "wer-product-hang", "area": "service", "severity": "warning",
       "title": "WebBRIX, IIS or SQL Server hung (Windows Error Reporting)",
       "nextStep": "The program hung and was closed: check the AMTError log and SQL Server's ERRORLOG of the same minutes for what it was waiting on (a database lock, a door controller that does not answer).",
       "match": {"datasets": ["windows.wer"], "levels": ["warning"],
                 "extra": {"wer.app.name": "webbrix*|w3wp.exe|sqlservr.exe"}},
       "groupBy": "amt.wer.app.name"},

      {"id": "sql-agent-job-failed", "area": "database", "severity": "error",
       "title": "A SQL Server Agent job failed",
       "nextStep": "Open the job's history in SQL Server Management Studio (SQL Server Agent > Jobs > the job > View History) and read the failed step's message. For a backup job, check that the backup folder exists and its drive has free space: failed log backups let the transaction log fill up (error 9002).",
       "match": {"datasets": ["sql.agent"], "levels": ["error", "warning"], "extra": {"sql_agent.job": "*"}},
       "groupBy": "amt.sql_agent.job"},

      {"id": "sql-agent-connection", "area": "database", "severity": "error",
       "title": "SQL Server Agent lost its connection to SQL Server",
       "nextStep": "The agent could not reach the database engine at the times shown: check in the SQL Server ERRORLOG and the System log whether SQL Server was stopped or restarting then, and that the SQL Server service is running now. Jobs scheduled meanwhile did not run.",
       "match": {"datasets": ["sql.agent"], "levels": ["error"], "codes": ["165", "298", "382"]}},

      {"id": "servicing-source-missing", "area": "install", "severity": "error",
       "title": "Windows could not find the source files to add a feature or repair (.NET Framework 3.5)",
       "nextStep": "Usually .NET Framework 3.5, which WebBRIX reports need. 0x800F081F: the files are not on the server. Insert or mount the Windows Server installation media of this server's version and run as administrator: DISM /Online /Enable-Feature /FeatureName:NetFx3 /All /Source:D:\\sources\\sxs /LimitAccess (D: is the media's drive). 0x800F0906: the server could not download them from Windows Update; 0x800F0907: Group Policy forbids that download - use the same command with /Source, or ask the site's IT to enable 'Specify settings for optional component installation and component repair'. For a /RestoreHealth repair use /Source:WIM:D:\\sources\\install.wim:1 /LimitAccess.",
       "match": {"datasets": ["windows.cbs", "windows.dism"],
                 "messagePattern": "0x800f081f|0x800f0906|0x800f0907|cbs_e_source_missing|cbs_e_download_failure|cbs_e_grouppolicy_disallowed"}},

      {"id": "servicing-store-corrupt", "area": "install", "severity": "error",
       "title": "The Windows component store is damaged",
       "nextStep": "Updates and features cannot install until it is repaired. Run as administrator: DISM /Online /Cleanup-Image /RestoreHealth (offline: add /Source:WIM:D:\\sources\\install.wim:1 /LimitAccess with the installation media), then sfc /scannow, restart, and install the update or feature again.",
       "match": {"datasets": ["windows.cbs", "windows.dism", "windows.update"],
                 "messagePattern": "0x80073712|[80073712]|cbs_e_store_corruption|error_sxs_component_store_corrupt|mark store corrupt"}},

      {"id": "servicing-sfc-cannot-repair", "area": "install", "severity": "error",
       "title": "System File Checker found corrupt files it could not repair",
       "nextStep": "Run DISM /Online /Cleanup-Image /RestoreHealth first (it repairs the store SFC copies from), then sfc /scannow again and restart. If files still cannot be repaired, the evidence names them: send this bundle to support.",
       "match": {"datasets": ["windows.cbs"],
                 "messagePattern": "cannot repair member file|found corrupt files but was unable to fix"}},

      {"id": "windows-update-failed", "area": "install", "severity": "error",
       "title": "Windows Update failed to install an update",
       "nextStep": "The evidence names the update (KB) and the code says why: 0x80070643 - the installer of a .NET Framework update failed: run the Microsoft .NET Framework Repair Tool, restart, then install that KB from the Microsoft Update Catalog; 0x80073712 - the component store is damaged: DISM /Online /Cleanup-Image /RestoreHealth, then retry; 0x800F0922 - no connection to Windows Update or not enough free space on the system disk; 0x80070005 - access denied: retry as administrator with security software paused. Install the .NET updates before upgrading WebBRIX.",
       "match": {"datasets": ["windows.update"], "outcome": "failure"},
       "groupBy": "amt.install.exit_code"},

      {"id": "dism-command-failed", "area": "install", "severity": "warning",
       "title": "A DISM command failed",
       "nextStep": "The evidence shows the command and DISM's explanation. 0x800F081F: rerun it with /Source pointing at installation media of the same Windows version and /LimitAccess; 0x800F0906 / 0x800F0907: Windows Update was unreachable or blocked by policy; no code with 'Failed validating command line': an option was mistyped - check each one and rerun.",
       "match": {"datasets": ["windows.dism"], "outcome": "failure"},
       "groupBy": "amt.install.exit_code"}
    ]}
    """#
}
