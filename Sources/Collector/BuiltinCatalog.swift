// The built-in catalog: where WebBRIX, its installers, SQL Server and Windows keep the logs Tier 1
// asks for (DESIGN.md "Known locations"). It is data: JSON text compiled into the binary (SwiftPM
// resources are not embedded in a single executable) and decoded by `Catalog.builtin()`.
// A user catalog (`--catalog FILE`) has the same shape; an entry with the same id replaces one here.
//
// Patterns are globs relative to the root, matched case-insensitively (see `Glob`).
// `{a,b}` alternatives; `[{]*[}]` is a folder named like `{GUID}`; `{,[0-9]*/}` means "here or in a
// numbered sub-folder" (Windows puts each remote-desktop session's temp files in `Temp\2`, `Temp\3` …).

let builtinCatalogJSON = #"""
{
  "entries": [
    {
      "id": "amt_error_logs",
      "title": "WebBRIX error logs (AMTError*)",
      "group": "amt_error",
      "kind": "amt.error",
      "patterns": [
        "Program Files*/AMT*/**/AMTError*",
        "ProgramData/AMT*/**/AMTError*",
        "inetpub/wwwroot/*/**/AMTError*"
      ],
      "exclude": ["*.{dll,exe,pdb,config,xml,json,msi,cab,zip,7z}"],
      "note": "The product's own error log; its location and layout are set in the logging configuration below."
    },
    {
      "id": "amt_logging_config_files",
      "title": "WebBRIX logging configuration (NLog.config, log4net.config)",
      "group": "config",
      "kind": "config",
      "patterns": [
        "{Program Files*/AMT*,ProgramData/AMT*,inetpub/wwwroot/*}/**/{NLog,log4net}.config"
      ],
      "any_age": true,
      "max_bytes": 1048576,
      "note": "Names the real log path and layout. Copied, not parsed into records."
    },
    {
      "id": "amt_app_config_logging",
      "title": "WebBRIX application configs with a logging section (Web.config, *.exe.config, *.config)",
      "group": "config",
      "kind": "config",
      "patterns": [
        "{Program Files*/AMT*,ProgramData/AMT*,inetpub/wwwroot/*}/**/*.config"
      ],
      "contains": ["<log4net", "<nlog", "serilog:write-to", "<loggingConfiguration"],
      "any_age": true,
      "max_bytes": 1048576,
      "note": "Only configs whose first 64 KiB hold a <log4net>, <nlog> or Enterprise Library <loggingConfiguration> section or Serilog appSettings keys. They may hold connection strings: redaction applies."
    },
    {
      "id": "amt_appsettings_logging",
      "title": "WebBRIX application settings with a Serilog section (appsettings*.json)",
      "group": "config",
      "kind": "config",
      "patterns": [
        "{Program Files*/AMT*,ProgramData/AMT*,inetpub/wwwroot/*}/**/appsettings*.json"
      ],
      "contains": ["\"Serilog\""],
      "any_age": true,
      "max_bytes": 1048576,
      "note": "Names the Serilog file sinks' paths and output templates. They may hold connection strings: redaction applies."
    },
    {
      "id": "msi_logs",
      "title": "Windows Installer logs (MSI*.LOG)",
      "group": "install",
      "kind": "msi",
      "patterns": [
        "Windows/Temp/{,[0-9]*/}MSI*.LOG",
        "Users/*/AppData/Local/Temp/{,[0-9]*/}MSI*.LOG"
      ]
    },
    {
      "id": "sql_setup_logs",
      "title": "SQL Server setup logs (Summary*.txt, Detail*.txt)",
      "group": "install",
      "kind": "sql.setup",
      "patterns": [
        "Program Files{, (x86)}/Microsoft SQL Server/*/Setup Bootstrap/Log/**/{Summary,Detail}*.txt"
      ]
    },
    {
      "id": "sql_setup_cabinets",
      "title": "SQL Server setup log cabinets (Log*.cab)",
      "group": "install",
      "kind": "sql.setup",
      "patterns": [
        "Program Files{, (x86)}/Microsoft SQL Server/*/Setup Bootstrap/Log/**/Log*.cab"
      ],
      "note": "A cabinet of setup logs: expand to text before parsing; mail systems block .cab attachments."
    },
    {
      "id": "setupapi_logs",
      "title": "Device and application setup logs (setupapi*.log)",
      "group": "install",
      "kind": "setupapi",
      "patterns": [
        "Windows/INF/setupapi.{dev,app}*.log",
        "Windows/setupapi.log"
      ]
    },
    {
      "id": "dpinst_log",
      "title": "Driver package installer log (DPINST.LOG)",
      "group": "install",
      "kind": "dpinst",
      "patterns": ["Windows/DPINST.LOG"]
    },
    {
      "id": "installshield_logs",
      "title": "InstallShield logs in temp folders",
      "group": "install",
      "kind": "installshield",
      "patterns": [
        "{Windows/Temp,Users/*/AppData/Local/Temp}/{,*/}{InstallShield,ISSetup}*.log",
        "{Windows/Temp,Users/*/AppData/Local/Temp}/[{]*[}]/setup*.log"
      ],
      "note": "InstallShield writes to %TEMP% and to {GUID} folders below it."
    },
    {
      "id": "sql_errorlog",
      "title": "SQL Server error logs (ERRORLOG*)",
      "group": "sql",
      "kind": "sql.errorlog",
      "patterns": [
        "Program Files{, (x86)}/Microsoft SQL Server/MSSQL*/MSSQL/Log/ERRORLOG*"
      ]
    },
    {
      "id": "sql_agent_log",
      "title": "SQL Server Agent logs (SQLAGENT*)",
      "group": "sql",
      "kind": "sql.agent",
      "patterns": [
        "Program Files{, (x86)}/Microsoft SQL Server/MSSQL*/MSSQL/Log/SQLAGENT*"
      ],
      "exclude": ["*.{xel,trc,mdmp,dmp}"],
      "note": "The agent's own log (UTF-16LE, ? ! + marks): job failures and lost connections to SQL Server."
    },
    {
      "id": "sql_errorlog_other_paths",
      "title": "SQL Server error logs of instances at other paths (MSSQL*/MSSQL/Log/ERRORLOG*)",
      "group": "sql",
      "kind": "sql.errorlog",
      "patterns": [
        "{,*/}MSSQL*/MSSQL/Log/ERRORLOG*",
        "*/Program Files{, (x86)}/Microsoft SQL Server/MSSQL*/MSSQL/Log/ERRORLOG*"
      ],
      "exclude": ["*.{xel,trc,mdmp,dmp}"],
      "note": "Instances whose data root is not under Program Files (D:\\SQLData copied as SQLData or D/SQLData, a copied second drive). On a live system every instance's ERRORLOG is found from its startup parameters (-e) instead."
    },
    {
      "id": "sql_agent_log_other_paths",
      "title": "SQL Server Agent logs of instances at other paths (MSSQL*/MSSQL/Log/SQLAGENT*)",
      "group": "sql",
      "kind": "sql.agent",
      "patterns": [
        "{,*/}MSSQL*/MSSQL/Log/SQLAGENT*",
        "*/Program Files{, (x86)}/Microsoft SQL Server/MSSQL*/MSSQL/Log/SQLAGENT*"
      ],
      "exclude": ["*.{xel,trc,mdmp,dmp}"],
      "note": "The agent log beside an ERRORLOG found at another path."
    },
    {
      "id": "wer_reports",
      "title": "Windows Error Reporting crash and hang reports (Report.wer)",
      "group": "windows",
      "kind": "windows.wer",
      "patterns": [
        "ProgramData/Microsoft/Windows/WER/{ReportArchive,ReportQueue}/*/Report.wer"
      ],
      "max_bytes": 4194304,
      "note": "One report per crash or hang: the program, the faulting module and the exception code. ReportQueue holds reports not sent yet."
    },
    {
      "id": "iis_w3c_logs",
      "title": "IIS web server logs (W3SVC*/u_ex*.log)",
      "group": "web",
      "kind": "iis.w3c",
      "patterns": [
        "inetpub/logs/LogFiles/W3SVC*/u_ex*.log",
        "inetpub/logs/LogFiles/W3SVC*/u_ex*_x.log"
      ],
      "note": "One file per site and day (W3SVC<site id>), times in UTC; custom-logging files (_x) keep their extra fields."
    },
    {
      "id": "iis_httperr_logs",
      "title": "HTTP.sys error logs (HTTPERR/httperr*.log)",
      "group": "web",
      "kind": "iis.httperr",
      "patterns": ["Windows/System32/LogFiles/HTTPERR/httperr*.log"],
      "note": "Requests refused before IIS saw them: application pool down (AppOffline, QueueFull), timeouts (Timer_*). Times in UTC."
    },
    {
      "id": "event_logs",
      "title": "Windows event logs: Application, System, Setup",
      "group": "event_log",
      "kind": "windows.evtx",
      "patterns": ["Windows/System32/winevt/Logs/{Application,System,Setup}.evtx"],
      "note": "On a live system these are held open by the event log service: exported with wevtutil instead of copied."
    },
    {
      "id": "event_logs_amt",
      "title": "Windows event log channels of the product (*AMT*.evtx)",
      "group": "event_log",
      "kind": "windows.evtx",
      "patterns": ["Windows/System32/winevt/Logs/*AMT*.evtx"]
    },
    {
      "id": "event_log_security",
      "title": "Windows Security event log (only when asked)",
      "group": "event_log",
      "kind": "windows.evtx",
      "patterns": ["Windows/System32/winevt/Logs/Security.evtx"],
      "opt_in": true,
      "note": "Large and personal (logons, user names): collected only when asked for."
    },
    {
      "id": "windows_cbs_logs",
      "title": "Windows servicing logs (CBS.log, CbsPersist_*.log)",
      "group": "install",
      "kind": "windows.cbs",
      "patterns": ["Windows/Logs/CBS/{CBS,CbsPersist_}*.log"],
      "note": "Component-Based Servicing: updates, Windows features (.NET Framework 3.5) and SFC repairs; errors carry their HRESULT. Can be hundreds of MB on old servers (head and tail kept beyond the cap)."
    },
    {
      "id": "windows_dism_log",
      "title": "DISM log (dism.log)",
      "group": "install",
      "kind": "windows.dism",
      "patterns": ["Windows/Logs/DISM/dism*.log"],
      "note": "Every Dism.exe run (enable a feature, repair the component store) with its command line and errors."
    },
    {
      "id": "windows_update_log",
      "title": "Windows Update log (WindowsUpdate.log)",
      "group": "install",
      "kind": "windows.update",
      "patterns": [
        "Windows/WindowsUpdate.log",
        "Users/*/Desktop/WindowsUpdate*.log"
      ],
      "note": "Windows Server 2012 R2 and older write Windows/WindowsUpdate.log; later versions log to ETW, and Get-WindowsUpdateLog writes the text to the Desktop."
    }
  ]
}
"""#
