#if os(Windows)
import WinSDK

enum ProcessAlive {
    /// Whether a process with this id exists and has not exited.
    static func isRunning(_ pid: Int32) -> Bool {
        guard let handle = OpenProcess(DWORD(PROCESS_QUERY_LIMITED_INFORMATION), false, DWORD(pid)) else { return false }
        defer { CloseHandle(handle) }
        var code: DWORD = 0
        guard GetExitCodeProcess(handle, &code) else { return false }
        return code == DWORD(STILL_ACTIVE)
    }
}
#endif
