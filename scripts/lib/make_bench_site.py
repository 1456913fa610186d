#!/usr/bin/env python3
"""Writes a deterministic Windows-shaped site of text logs for benchmarks.

usage: make_bench_site.py DIR [MEGABYTES]

The same arguments always give the same bytes (fixed seed, fixed times). Layout follows the
collector's catalog: AMTError logs (log4net, NLog, home-grown US-date layout with .NET exceptions),
MSI logs, SQL Server ERRORLOG (UTF-16LE), setupapi.dev.log.
"""
import os, random, sys, datetime

def main():
    root = sys.argv[1]
    total_mb = int(sys.argv[2]) if len(sys.argv) > 2 else 220
    rnd = random.Random(20261127)
    start = datetime.datetime(2026, 11, 1, 0, 0, 0)
    shares = [
        ("Program Files (x86)/AMT/WebBRIX/Logs/AMTError.log", "home", 0.25),
        ("ProgramData/AMT/Services/AMTError_Service.log", "log4net", 0.25),
        ("inetpub/wwwroot/WebBRIX/App_Data/Logs/AMTError-2026-11-26.log", "nlog", 0.20),
        ("Windows/Temp/MSI5a1b2.LOG", "msi", 0.12),
        ("Program Files/Microsoft SQL Server/MSSQL15.MSSQLSERVER/MSSQL/Log/ERRORLOG", "errorlog", 0.10),
        ("Windows/INF/setupapi.dev.log", "setupapi", 0.08),
    ]
    for rel, kind, share in shares:
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        target = int(total_mb * share * 1024 * 1024)
        write_file(path, kind, target, rnd, start)

def exc(rnd):
    n = rnd.randint(3, 12)
    lines = ["System.Data.SqlClient.SqlException (0x80131904): Timeout expired.  The timeout period elapsed prior to completion of the operation or the server is not responding."]
    for i in range(n):
        lines.append(f"   at AMT.WebBRIX.Data.Repository{rnd.randint(1,40)}.Load(Int32 id) in C:\\Build\\WebBRIX\\Data\\Repository.cs:line {rnd.randint(10,900)}")
    return "\n".join(lines)

MESSAGES = [
    "Door controller 10.0.20.{} did not respond within {} ms",
    "Badge {} granted at reader {}",
    "Synchronized {} cardholders with panel {}",
    "Alarm input {} changed state to {}",
    "Operator session {} started from workstation WS-{}",
]

def write_file(path, kind, target, rnd, start):
    t = start
    written = 0
    utf16 = kind == "errorlog"
    with open(path, "wb") as f:
        if utf16:
            f.write(b"\xff\xfe")
        buf = []
        size = 0
        while written + size < target:
            t += datetime.timedelta(milliseconds=rnd.randint(5, 4000))
            m = rnd.choice(MESSAGES).format(rnd.randint(1, 250), rnd.randint(100, 9999))
            lvl = rnd.choices(["INFO", "WARN", "ERROR", "DEBUG"], [70, 15, 10, 5])[0]
            if kind == "home":
                s = t.strftime("%-m/%-d/%Y %-I:%M:%S %p") + " " + m + "\n"
                if lvl == "ERROR":
                    s += exc(rnd) + "\n"
            elif kind == "log4net":
                s = f"{t:%Y-%m-%d %H:%M:%S},{t.microsecond//1000:03d} [{rnd.randint(1,64)}] {lvl:<5} AMT.Service.Worker [(null)] - {m}\n"
                if lvl == "ERROR":
                    s += exc(rnd) + "\n"
            elif kind == "nlog":
                s = f"{t:%Y-%m-%d %H:%M:%S}.{t.microsecond//1000:03d}|{lvl}|AMT.Web.Controllers.DoorController|{m}\n"
            elif kind == "msi":
                s = f"MSI (s) (A8:C4) [{t:%H:%M:%S}:{t.microsecond//1000:03d}]: Doing action: Action{rnd.randint(1,500)}\n"
                if rnd.random() < 0.3:
                    s += f"Action start {t:%H:%M:%S}: InstallFiles.\n"
            elif kind == "errorlog":
                s = f"{t:%Y-%m-%d %H:%M:%S}.{t.microsecond//10000:02d} spid{rnd.randint(51,99)}      {m}\r\n"
                if lvl == "ERROR":
                    s += f"{t:%Y-%m-%d %H:%M:%S}.{t.microsecond//10000:02d} Logon       Error: 18456, Severity: 14, State: 8.\r\n"
                    s += f"{t:%Y-%m-%d %H:%M:%S}.{t.microsecond//10000:02d} Logon       Login failed for user 'webbrix'. Reason: Password did not match that for the login provided. [CLIENT: 10.0.20.15]\r\n"
            else:
                s = f">>>  [Device Install (Hardware initiated) - USB\\VID_{rnd.randint(0,65535):04X}&PID_{rnd.randint(0,65535):04X}\\{rnd.randint(0,10**8)}]\n>>>  Section start {t:%Y/%m/%d %H:%M:%S}.{t.microsecond//1000:03d}\n     dvi: Searching for hardware ID(s):\n     dvi:      usb\\vid_0001&pid_0002\n<<<  Section end {t:%Y/%m/%d %H:%M:%S}.{t.microsecond//1000:03d}\n<<<  [Exit status: SUCCESS]\n\n"
            if kind == "msi" and written == 0 and size == 0:
                s = f"=== Verbose logging started: {t:%-m/%-d/%Y  %H:%M:%S}  Build type: SHIP UNICODE 5.00.10011.00  Calling process: C:\\Windows\\system32\\msiexec.exe ===\n" + s
            b = s.encode("utf-16-le") if utf16 else s.encode("utf-8")
            buf.append(b)
            size += len(b)
            if size > 1 << 20:
                f.write(b"".join(buf)); written += size; buf = []; size = 0
        f.write(b"".join(buf))

if __name__ == "__main__":
    main()
